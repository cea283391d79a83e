"""models= of Network.load/load_mem and Learner.load/load_mem (snn_load_options):
networks and learners using custom (Python) neuron kinds load back."""
import gc
import os
import tempfile
import unittest

import snn

from .support import needs_numpy, py_lif as support_py_lif

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

KIND = "pyload_lif"


def py_lif(kind=KIND, tau=None):
    """support.py_lif under this file's kind name."""
    return support_py_lif(kind, tau)


def custom_network(model):
    """4 -> 8 (custom kind) -> 3 (built-in lif) with weights that make both layers fire."""
    net = snn.Network(4)
    net.add(snn.Layer.dense(4, 8, model))
    net.add(snn.Layer.dense(8, 3, snn.NeuronModel("lif", preset="normalized")))
    net.configure(steps=30, readout="count")
    rng = np.random.default_rng(7)
    net[0].weights = rng.uniform(0.2, 1.5, (8, 4)).astype(np.float32)
    net[1].weights = rng.uniform(0.0, 4.0, (3, 8)).astype(np.float32)
    return net


def inputs(n=6, seed=3):
    return np.random.default_rng(seed).uniform(0.0, 1.0, (n, 4)).astype(np.float32)


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def live_plugins():
    """Custom models whose callbacks the library still holds (after a collection)."""
    from snn import _core
    gc.collect()
    return len(_core._custom_models)


@needs_numpy
class NetworkLoadTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "custom.snn")
        self.model = py_lif(tau=5.0)
        self.net = custom_network(self.model)
        self.x = inputs()
        self.labels, self.scores = self.net.predict(self.x)
        self.assertGreater(self.scores.sum(), 0)   # the custom layer drives the output
        self.blob = self.net.save_mem()
        self.net.save(self.path)

    def tearDown(self):
        self.net.close()
        self.model.close()
        self.tmp.cleanup()

    def loaders(self, models):
        yield "mem", lambda: snn.Network.load_mem(self.blob, models=models)
        yield "file", lambda: snn.Network.load(self.path, models=models)

    def test_without_models_not_found(self):
        for how, load in self.loaders(()):
            with self.subTest(how=how):
                with self.assertRaises(snn.NotFoundError) as ctx:
                    load()
                self.assertIn(KIND, ctx.exception.detail)
                # no models: the plain loader, exactly as before models= existed
                self.assertNotIn("_ex:", ctx.exception.detail)
        with self.assertRaises(snn.NotFoundError):
            snn.Network.load_mem(self.blob, models=None)
        with self.assertRaises(snn.NotFoundError):
            snn.Network.load_mem(self.blob)

    def test_with_models_round_trip_bitwise(self):
        # the given model's parameter values do not matter: the file's are used
        given = py_lif(tau=50.0)
        try:
            for how, load in self.loaders([given]):
                with self.subTest(how=how):
                    with load() as net2:
                        self.assertEqual(net2[0].model.kind, KIND)
                        self.assertEqual(net2[0].model.tau, 5.0)
                        self.assertEqual(net2[1].model.kind, "lif")
                        labels, scores = net2.predict(self.x)
                        self.assertTrue(same_bits(labels, self.labels))
                        self.assertTrue(same_bits(scores, self.scores))
                        self.assertEqual(net2.save_mem(), self.blob)
            self.assertEqual(given.tau, 50.0)   # borrowed, not changed
            with custom_network(given) as other:   # tau matters: 50 gives other outputs
                self.assertFalse(same_bits(other.predict(self.x)[1], self.scores))
            # any iterable; built-in models alongside are accepted and ignored
            with snn.Network.load_mem(self.blob, models=(m for m in
                                      [snn.NeuronModel("izhikevich"), given])) as net3:
                self.assertTrue(same_bits(net3.predict(self.x)[1], self.scores))
        finally:
            given.close()

    def test_loaded_network_outlives_the_given_model(self):
        labels, scores, blob = self.labels, self.scores, self.blob
        self.net.close()
        self.model.close()
        before = live_plugins()
        given = py_lif()
        self.assertEqual(live_plugins(), before + 1)
        net2 = snn.Network.load_mem(blob, models=[given])
        given.close()
        del given
        self.assertEqual(live_plugins(), before + 1)   # the loaded layer holds a copy
        for _ in range(3):
            gc.collect()
            got_labels, got_scores = net2.predict(self.x)
            self.assertTrue(same_bits(got_labels, labels))
            self.assertTrue(same_bits(got_scores, scores))
        clone = net2.clone()
        net2.close()
        self.assertEqual(live_plugins(), before + 1)   # the clone still uses it
        self.assertTrue(same_bits(clone.predict(self.x)[1], scores))
        clone.close()
        self.assertEqual(live_plugins(), before)       # last copy gone: callbacks released

    def test_given_model_garbage_collected_without_close(self):
        blob, scores = self.blob, self.scores

        def load():
            return snn.Network.load_mem(blob, models=[py_lif()])  # model dropped on return

        net2 = load()
        gc.collect()
        self.assertTrue(same_bits(net2.predict(self.x)[1], scores))
        net2.close()

    def test_duplicate_kinds(self):
        twin = self.model.clone()
        for how, load in self.loaders([self.model, twin]):
            with self.subTest(how=how):
                with self.assertRaises(snn.InvalidError) as ctx:
                    load()
                self.assertIn("both of kind '%s'" % KIND, ctx.exception.detail)
        with self.assertRaises(snn.InvalidError):
            snn.Network.load_mem(self.blob, models=[snn.NeuronModel("lif"),
                                                    snn.NeuronModel("lif")])
        twin.close()

    def test_unknown_kind(self):
        other = py_lif(kind="pyload_other")
        for how, load in self.loaders([other, snn.NeuronModel("adex")]):
            with self.subTest(how=how):
                with self.assertRaises(snn.NotFoundError) as ctx:
                    load()
                self.assertIn(KIND, ctx.exception.detail)
                self.assertIn("_ex", ctx.exception.detail)
        other.close()

    def test_wrong_types(self):
        for models, what in (([self.model, KIND], "models[1]"),
                             ([None], "models[0]"),
                             ([self.model, 3.0], "models[1]"),
                             (self.model, "single NeuronModel"),
                             (KIND, "got str"),
                             (42, "got int")):
            for how, load in self.loaders(models):
                with self.subTest(models=repr(models), how=how):
                    with self.assertRaises(TypeError) as ctx:
                        load()
                    self.assertIn(what, str(ctx.exception))
        with self.assertRaises(TypeError):
            snn.Network.load_mem(self.blob, [self.model])   # keyword-only

    def test_closed_model(self):
        m = py_lif()
        m.close()
        for how, load in self.loaders([snn.NeuronModel("lif"), m]):
            with self.subTest(how=how):
                with self.assertRaises(snn.StateError) as ctx:
                    load()
                self.assertIn("models[1]", ctx.exception.detail)

    def test_exception_in_loaded_copy_is_reraised(self):
        calls = []

        def init(p, s):
            s[0] = 0.0

        def step(p, s, i_in, spikes, dt):
            calls.append(dt)
            if len(calls) > 2:
                raise ZeroDivisionError("pyload step")

        bad = snn.NeuronModel.custom(KIND, init, step,
                                     params=[("tau", 10.0, 0.1, 1e3), ("V_th", 1.0, -1e3, 1e3)])
        net2 = snn.Network.load_mem(self.blob, models=[bad])
        bad.close()
        with self.assertRaises(ZeroDivisionError) as ctx:
            net2.predict(self.x)
        self.assertIsInstance(ctx.exception.__cause__, snn.Error)
        self.assertIn(KIND, ctx.exception.__cause__.detail)
        net2.close()


@needs_numpy
class LearnerLoadTest(unittest.TestCase):
    """STDP learners over a network whose first layer uses a custom kind: the learner
    simulates its own neurons, but the saved network names the kind."""

    def setUp(self):
        rng = np.random.default_rng(5)
        proto = np.zeros((2, 16), dtype=np.float32)
        proto[0, :8] = 1.0
        proto[1, 8:] = 1.0
        self.y = rng.integers(0, 2, 16).astype(np.int32)
        self.x = np.clip(proto[self.y] + rng.normal(0, 0.1, (16, 16)), 0, 1).astype(np.float32)
        self.model = py_lif()
        self.net = snn.Network(16)
        self.net.add(snn.Layer.dense(16, 6, self.model))
        self.data = snn.Dataset(self.x, self.y)
        self.learner = snn.Learner.stdp(self.net, seed=3, t_present=60.0, t_rest=20.0)
        self.learner.stdp_train(self.data, limit=6)
        self.learner.stdp_label(self.data)
        self.blob = self.learner.save_mem()
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "stdp.snn")
        self.learner.save(self.path)

    def tearDown(self):
        self.learner.close()
        self.net.close()
        self.model.close()
        self.data.close()
        self.tmp.cleanup()

    def loaders(self, models):
        yield "mem", lambda: snn.Learner.load_mem(self.blob, models=models)
        yield "file", lambda: snn.Learner.load(self.path, models=models)

    def test_round_trip(self):
        for how, load in self.loaders(()):
            with self.subTest(how=how, models=False):
                with self.assertRaises(snn.NotFoundError) as ctx:
                    load()
                self.assertIn(KIND, ctx.exception.detail)
        expected = self.learner.stdp_classify(self.x)
        given = py_lif(tau=99.0)
        for how, load in self.loaders([given]):
            with self.subTest(how=how):
                l2, n2 = load()
                self.assertIs(l2.network, n2)
                self.assertEqual(n2[0].model.kind, KIND)
                self.assertTrue(same_bits(l2.assignments, self.learner.assignments))
                self.assertTrue(same_bits(l2.theta, self.learner.theta))
                self.assertTrue(same_bits(n2[0].weights, self.net[0].weights))
                self.assertTrue(same_bits(l2.stdp_classify(self.x), expected))
                self.assertEqual(l2.save_mem(), self.blob)
                self.assertTrue(same_bits(n2.predict(self.x)[1], self.net.predict(self.x)[1]))
                l2.close()
                n2.close()
        # the loaded network outlives the given model
        l2, n2 = snn.Learner.load_mem(self.blob, models=[given])
        given.close()
        del given
        gc.collect()
        self.assertTrue(same_bits(n2.predict(self.x)[1], self.net.predict(self.x)[1]))
        sub = self.data.subset(6, 4)
        self.learner.stdp_train(sub)
        l2.stdp_train(sub)    # training continues identically
        self.assertTrue(same_bits(n2[0].weights, self.net[0].weights))
        self.assertTrue(same_bits(l2.theta, self.learner.theta))
        l2.close()
        n2.close()

    def test_builtin_models_and_errors(self):
        plain = snn.Network(16)
        plain.add(snn.Layer.dense(16, 6))
        blob = snn.Learner.stdp(plain, seed=1).save_mem()
        l2, n2 = snn.Learner.load_mem(blob, models=[snn.NeuronModel("lif"), self.model])
        self.assertEqual(l2.kind, "stdp")
        l2.close()
        n2.close()
        twin = self.model.clone()
        closed = py_lif()
        closed.close()
        for how, load in self.loaders([self.model, twin]):
            with self.subTest(how=how, case="duplicate"):
                with self.assertRaises(snn.InvalidError) as ctx:
                    load()
                self.assertIn("both of kind", ctx.exception.detail)
        for how, load in self.loaders([self.model, "lif"]):
            with self.subTest(how=how, case="type"):
                with self.assertRaises(TypeError) as ctx:
                    load()
                self.assertIn("models[1]", str(ctx.exception))
        for how, load in self.loaders([closed]):
            with self.subTest(how=how, case="closed"):
                with self.assertRaises(snn.StateError) as ctx:
                    load()
                self.assertIn("models[0]", ctx.exception.detail)
        twin.close()
        plain.close()


@needs_numpy
class LoadLeakTest(unittest.TestCase):
    def test_every_block_freed_and_callbacks_released(self):
        from .test_leaks import CountingAllocator
        before = live_plugins()
        with CountingAllocator() as a:
            m = py_lif(tau=5.0)
            net = custom_network(m)
            blob = net.save_mem()
            x = inputs()
            expected = net.predict(x)[1]
            given = py_lif()
            for _ in range(3):
                n2 = snn.Network.load_mem(blob, models=[given])
                self.assertTrue(same_bits(n2.predict(x)[1], expected))
                n2.close()
                snn.Network.load_mem(blob, models=[given])   # dropped: freed by GC
            for models, exc in (([given, given.clone()], snn.InvalidError),
                                ([py_lif(kind="pyload_other")], snn.NotFoundError),
                                ([], snn.NotFoundError)):
                with self.assertRaises(exc):
                    snn.Network.load_mem(blob, models=models)
                with self.assertRaises(exc):
                    snn.Network.load_mem(bytearray(blob), models=models)
            learner = snn.Learner.stdp(net, seed=1)
            lblob = learner.save_mem()
            l2, n3 = snn.Learner.load_mem(lblob, models=[given])
            l2.close()
            n3.close()
            with self.assertRaises(snn.NotFoundError):
                snn.Learner.load_mem(lblob)
            with self.assertRaises(snn.InvalidError):
                snn.Learner.load_mem(lblob, models=[given, given.clone()])
            n4 = snn.Network.load_mem(blob, models=[given])
            given.close()
            m.close()
            learner.close()
            net.close()
            del given, m, learner, net, l2, n3
            self.assertEqual(live_plugins(), before + 1)     # n4 holds the last copy
            self.assertTrue(same_bits(n4.predict(x)[1], expected))
            n4.close()
            del n4
            self.assertEqual(live_plugins(), before)
        self.assertGreater(a.mallocs, 100)
        self.assertEqual(a.live, set(), f"{len(a.live)} libsnn blocks never freed")


if __name__ == "__main__":
    unittest.main()
