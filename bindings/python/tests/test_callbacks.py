"""Python code that libsnn calls back: which call re-raises a callback's exception, closing
objects from inside a callback, and objects that cannot be copied or pickled."""
import copy
import pickle
import threading
import unittest

import snn

from .support import needs_numpy

try:
    import numpy as np
except ImportError:  # pragma: no cover - needs_numpy skips the classes
    np = None


class ProbeFailed(Exception):
    pass


class StepFailed(Exception):
    pass


@needs_numpy
class CallbackErrors(unittest.TestCase):
    def test_absorbed_failure_does_not_leak_into_a_later_call(self):
        # The engine probes a model's init with one neuron and ignores a failure there;
        # the exception must not resurface at the next, unrelated failing call.
        def init(p, s):
            if s.shape[1] == 1:
                raise ProbeFailed("probe")
            s[0] = 0.0

        def step(p, s, i, spk, dt):
            s[0] += i

        m = snn.NeuronModel.custom("py_probe_fail", init, step)
        net = snn.Network(4)
        net.add(snn.Layer.dense(4, 3, m))
        net.predict(np.ones(4, dtype=np.float32))
        with self.assertRaises(snn.NotFoundError) as ctx:
            snn.Encoder("no_such_encoder")
        self.assertNotIsInstance(ctx.exception.__cause__, ProbeFailed)
        self.assertIsNone(ctx.exception.__cause__)

    def test_each_thread_gets_its_own_failure(self):
        # Thread A's Python neuron raises in step; thread B's calls fail on their own.
        # Each failing call must raise its own error: A the callback's exception (with
        # the library's error as its cause), B a plain NotFoundError.
        def init(p, s):
            s[0] = 0.0

        def step(p, s, i, spk, dt):
            raise StepFailed("step")

        m = snn.NeuronModel.custom("py_step_fail", init, step)
        pop = snn.Population(m, 8)
        seen = {"A": set(), "B": set()}
        start = threading.Barrier(2)

        def a():
            start.wait()
            for _ in range(300):
                try:
                    pop.step(np.ones(8, dtype=np.float32))
                except BaseException as e:  # noqa: BLE001
                    seen["A"].add(type(e).__name__)

        def b():
            start.wait()
            for _ in range(300):
                try:
                    snn.NeuronModel("no_such_kind")
                except BaseException as e:  # noqa: BLE001
                    seen["B"].add(type(e).__name__)

        ts = [threading.Thread(target=a), threading.Thread(target=b)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(seen, {"A": {"StepFailed"}, "B": {"NotFoundError"}})


@needs_numpy
class CloseInsideCallback(unittest.TestCase):
    def _setup(self):
        rng = np.random.default_rng(0)
        data = snn.Dataset(rng.random((64, 20), dtype=np.float32), rng.integers(0, 3, 64))
        net = snn.Network(20)
        net.add(snn.Layer.dense(20, 16))
        net.add(snn.Layer.dense(16, 3))
        net.configure(steps=4).init_weights(1)
        return data, net, snn.Learner.bptt(net, batch_size=8)

    def test_close_network_or_learner_from_progress(self):
        # The running training call still uses both; they are freed when it returns
        # (this crashed: use after free inside snn_learner_train_epoch).
        for which in ("network", "learner"):
            with self.subTest(which):
                data, net, lr = self._setup()
                closed_at = []

                def cb(p):
                    if p.batch == 1:
                        (net if which == "network" else lr).close()
                        closed_at.append(p.batch)
                        # closed for Python at once
                        with self.assertRaises(snn.StateError):
                            _ = (net if which == "network" else lr).handle
                    return False

                lr.train_epoch(data, cb)
                self.assertEqual(closed_at, [1])
                self.assertTrue(lr.closed)  # closing the network closes its learners
                if which == "network":
                    self.assertTrue(net.closed)
                    with self.assertRaises(snn.StateError):
                        net.predict(np.ones(20, dtype=np.float32))
                else:
                    self.assertFalse(net.closed)
                    net.predict(np.ones(20, dtype=np.float32))  # still usable
                data.close()

    def test_close_population_from_its_neuron_model(self):
        holder = {}

        def init(p, s):
            s[0] = 0.0

        def step(p, s, i, spk, dt):
            holder["pop"].close()
            s[0] += 1.0  # the state is still the population's: freed after the call

        m = snn.NeuronModel.custom("py_close_self", init, step)
        holder["pop"] = snn.Population(m, 1000)
        holder["pop"].step(np.ones(1000, dtype=np.float32))
        self.assertTrue(holder["pop"].closed)
        with self.assertRaises(snn.StateError):
            holder["pop"].step(np.ones(1000, dtype=np.float32))

    def test_temporary_object_closed_inside_callback(self):
        # A context manager inside a callback works as it does outside.
        data, net, lr = self._setup()
        made = []

        def cb(p):
            with snn.Dataset(np.ones((2, 20), dtype=np.float32), [0, 1]) as tmp:
                made.append(tmp)
                self.assertEqual(len(tmp), 2)
            self.assertTrue(made[-1].closed)
            return p.batch >= 2

        with self.assertRaises(snn.CanceledError):
            lr.train_epoch(data, cb)
        self.assertGreaterEqual(len(made), 2)
        self.assertTrue(all(t.closed for t in made))
        net.close()
        data.close()


@needs_numpy
class NoSharedCopies(unittest.TestCase):
    def test_copy_and_pickle_refused_without_a_clone(self):
        m = snn.NeuronModel("lif")
        net = snn.Network(4)
        net.add(snn.Layer.dense(4, 2))
        objs = {
            "Dataset": snn.Dataset(np.ones((3, 4), dtype=np.float32), [0, 1, 0]),
            "Population": snn.Population(m, 3),
            "Layer": snn.Layer.dense(4, 2),
            "Learner": snn.Learner.bptt(net),
            "layer view": net.layers[0],
        }
        for name, obj in objs.items():
            for op in (copy.copy, copy.deepcopy, pickle.dumps):
                with self.subTest(name, op=op.__name__):
                    with self.assertRaises(TypeError) as ctx:
                        op(obj)
                    self.assertIn("snn.", str(ctx.exception))
        # the originals are untouched
        self.assertEqual(len(objs["Dataset"]), 3)
        self.assertFalse(objs["Learner"].closed)

    def test_clonable_objects_copy_independently(self):
        net = snn.Network(4)
        net.add(snn.Layer.dense(4, 2))
        for obj in (snn.NeuronModel("lif"), snn.Encoder("rate"), net):
            for op in (copy.copy, copy.deepcopy):
                with self.subTest(type(obj).__name__, op=op.__name__):
                    c = op(obj)
                    self.assertNotEqual(c.handle, obj.handle)
                    c.close()
                    self.assertFalse(obj.closed)
            with self.assertRaises(TypeError):
                pickle.dumps(obj)


if __name__ == "__main__":
    unittest.main()
