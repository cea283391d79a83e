"""Status -> exception mapping, a real trigger for each status, and a bad-argument table."""
import ctypes
import os
import tempfile
import threading
import unittest

import snn

from .support import needs_numpy, toy_network

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))), "tests", "fixtures", "nir")

CLASSES = {
    -1: ("InvalidError", ValueError), -2: ("NoMemoryError", MemoryError),
    -3: ("RangeError", ValueError), -4: ("NotFoundError", KeyError),
    -5: ("UnsupportedError", NotImplementedError), -6: ("StateError", RuntimeError),
    -7: ("IOError_", OSError), -8: ("FormatError", ValueError), -9: ("VersionError", None),
    -10: ("CanceledError", None), -11: ("NumericError", ArithmeticError),
    -99: ("InternalError", RuntimeError),
}


class ErrorMapping(unittest.TestCase):
    def test_each_status_maps_to_its_class(self):
        for code, (name, builtin) in CLASSES.items():
            with self.subTest(status=code):
                cls = getattr(snn, name)
                snn.library.snn_set_error(f"detail {code}".encode())
                with self.assertRaises(cls) as ctx:
                    snn.check(code)
                e = ctx.exception
                self.assertIsInstance(e, snn.Error)
                if builtin is not None:
                    self.assertIsInstance(e, builtin)
                self.assertEqual(e.status, code)
                self.assertEqual(e.detail, f"detail {code}")
                self.assertIn(f"detail {code}", str(e))
                self.assertIn(snn._STATUS_NAMES[code], str(e))

    def test_unknown_negative_status_is_base_error(self):
        with self.assertRaises(snn.Error) as ctx:
            snn.check(-1234)
        self.assertIs(type(ctx.exception), snn.Error)

    def test_ok_and_positive_do_not_raise(self):
        self.assertEqual(snn.check(0), 0)
        self.assertEqual(snn.check(3), 3)

    def test_clear_error(self):
        snn.library.snn_set_error(b"x")
        snn.clear_error()
        self.assertEqual(snn.last_error(), "")


@needs_numpy
class RealTriggers(unittest.TestCase):
    """Every status the C library can return, provoked through the classes."""

    def setUp(self):
        import numpy as np
        self.np = np

    def assertStatus(self, cls, fn, *args, contains=None, **kw):
        with self.assertRaises(cls) as ctx:
            fn(*args, **kw)
        self.assertTrue(ctx.exception.detail, "empty snn_last_error()")
        if contains:
            self.assertIn(contains, ctx.exception.detail)
        return ctx.exception

    def test_invalid(self):
        np = self.np
        self.assertStatus(snn.InvalidError, snn.Dataset, np.array([[1.0, np.nan]]),
                          contains="snn_dataset_create")

    def test_nomem(self):
        self.assertStatus(snn.NoMemoryError, snn.Population, "lif", 2 ** 60,
                          contains="snn_population_create")

    def test_nomem_from_allocator(self):
        libc = ctypes.CDLL(None)
        libc.malloc.restype = ctypes.c_void_p
        libc.malloc.argtypes = [ctypes.c_size_t]
        libc.free.argtypes = [ctypes.c_void_p]
        snn.set_allocator(lambda n: 0, libc.free)
        try:
            with self.assertRaises(snn.NoMemoryError):
                snn.NeuronModel("lif")
        finally:
            snn.set_allocator(None)
        snn.NeuronModel("lif").close()

    def test_range(self):
        m = snn.NeuronModel("lif")
        e = self.assertStatus(snn.RangeError, m.set, "C_m", -1.0)
        self.assertIn("C_m", e.detail)

    def test_notfound(self):
        e = self.assertStatus(snn.NotFoundError, snn.NeuronModel, "no-such-kind")
        self.assertIn("lif", e.detail)  # the message lists the valid kinds

    def test_unsupported(self):
        pool = snn.Layer.pool2d((1, 4, 4), 2)
        self.assertStatus(snn.UnsupportedError, pool.set_bias, True)
        self.assertStatus(snn.UnsupportedError, snn.Encoder("rate").spike_times, [0.5])

    def test_state(self):
        self.assertStatus(snn.StateError, snn.Network(3).predict, self.np.ones(3))

    def test_io(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "missing.snn")
            e = self.assertStatus(snn.IOError_, snn.Network.load, path)
            self.assertIn("missing.snn", e.detail)

    def test_format(self):
        self.assertStatus(snn.FormatError, snn.Network.load_mem, b"not a model" * 10)

    def test_version(self):
        net = toy_network()
        self.assertStatus(snn.VersionError, snn.Learner.bptt, net,
                          snn.BpttOptions(struct_size=4))

    def test_canceled(self):
        np = self.np
        net = toy_network()
        x = np.random.default_rng(0).random((64, 12), dtype=np.float32)
        d = snn.Dataset(x, (x[:, 0] > 0.5).astype(np.int32))
        learner = snn.Learner.bptt(net, batch_size=16)
        self.assertStatus(snn.CanceledError, learner.train_epoch, d, lambda p: True)

    def test_numeric(self):
        np = self.np
        net = toy_network()
        net[0].weights = np.full((16, 12), 3e38, dtype=np.float32)
        self.assertStatus(snn.NumericError, net.predict, np.ones((1, 12)))

    def test_detail_is_per_thread(self):
        seen = {}

        def worker():
            try:
                snn.NeuronModel("nope-worker")
            except snn.NotFoundError as e:
                seen["detail"] = e.detail

        snn.library.snn_set_error(b"main thread")
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        self.assertIn("nope-worker", seen["detail"])
        self.assertEqual(snn.last_error(), "main thread")


@needs_numpy
class BadArguments(unittest.TestCase):
    """(description, callable, expected exception, text in the message)."""

    def test_table(self):
        import numpy as np
        net = toy_network()
        learner = snn.Learner.bptt(net)
        model = snn.NeuronModel("lif")
        enc = snn.Encoder("rate")
        data = snn.Dataset(np.zeros((4, 12), np.float32), [0, 1, 0, 1])
        other = snn.Dataset(np.zeros((4, 5), np.float32), [0, 1, 0, 1])
        dense = snn.Layer.dense(7, 3)
        closed = snn.NeuronModel("lif")
        closed.close()
        sp = snn.Learner.spikeprop(3, 2, 1)
        spn = snn.SpNet()
        spn.add_population("lif", 10)
        table = [
            ("unknown neuron kind", lambda: snn.NeuronModel("xyz"), snn.NotFoundError, "xyz"),
            ("unknown preset", lambda: snn.NeuronModel("lif", preset="xyz"),
             snn.NotFoundError, "xyz"),
            ("unknown parameter", lambda: model.set("nope", 1), snn.NotFoundError, "nope"),
            ("parameter out of range", lambda: model.set("t_ref", -5), snn.RangeError, "t_ref"),
            ("NaN parameter", lambda: model.set("V_th", float("nan")), snn.InvalidError, ""),
            ("bad enum value", lambda: model.set("reset", "sideways"), snn.NotFoundError, ""),
            ("non-numeric value", lambda: model.set("V_th", object()), snn.InvalidError, ""),
            ("unknown attribute", lambda: model.no_such_param, AttributeError, "no_such"),
            ("use after close", lambda: closed.kind, snn.StateError, "closed"),
            ("unknown encoder", lambda: snn.Encoder("morse"), snn.NotFoundError, "morse"),
            ("encoder rate out of range", lambda: enc.set("max_rate", -1), snn.RangeError, ""),
            ("encode zero steps", lambda: enc.encode([0.5], 0), snn.InvalidError, "n_steps"),
            ("encode NaN", lambda: enc.encode([np.nan], 3), snn.InvalidError, ""),
            ("delta needs a series", lambda: snn.Encoder("delta").encode([0.1, 0.2], 3),
             snn.InvalidError, "series"),
            ("dataset empty", lambda: snn.Dataset(np.zeros((0, 3))), snn.InvalidError, ""),
            ("dataset label count", lambda: snn.Dataset(np.zeros((3, 2)), [1, 2]),
             snn.InvalidError, "labels"),
            ("dataset negative label", lambda: snn.Dataset(np.zeros((2, 2)), [0, -3]),
             snn.InvalidError, ""),
            ("dataset past the end", lambda: data.get(3, 5), snn.RangeError, ""),
            ("split fraction", lambda: data.split(1.5), snn.RangeError, ""),
            ("normalize mismatch", lambda: data.normalize(other), snn.InvalidError, ""),
            ("missing idx file", lambda: snn.Dataset.load_idx("/nonexistent/x"), snn.IOError_,
             "nonexistent"),
            ("zero-size dense", lambda: snn.Layer.dense(0, 3), snn.InvalidError, ""),
            ("conv kernel too big", lambda: snn.Layer.conv2d((1, 3, 3), 2, 5), snn.InvalidError,
             ""),
            ("pool kind", lambda: snn.Layer.pool2d((1, 4, 4), 2, kind="median"),
             snn.InvalidError, "median"),
            ("layer shape mismatch", lambda: net.add(dense), snn.InvalidError, ""),
            ("add non-layer", lambda: net.add("dense"), TypeError, ""),
            ("weights shape", lambda: setattr(net[0], "weights", np.zeros((3, 3))),
             snn.InvalidError, "shape"),
            ("weights NaN", lambda: setattr(net[0], "weights", np.full((16, 12), np.nan)),
             snn.InvalidError, ""),
            ("no recurrent array", lambda: net[0].recurrent, snn.NotFoundError, ""),
            ("unknown setting", lambda: net.set("speed", 3), snn.NotFoundError, "speed"),
            ("steps out of range", lambda: net.set("steps", 0), snn.RangeError, ""),
            ("bad readout", lambda: net.set("readout", "loudest"), snn.NotFoundError, ""),
            ("predict feature count", lambda: net.predict(np.zeros((2, 11))), snn.InvalidError,
             "12"),
            ("predict scalar", lambda: net.predict(3.0), snn.InvalidError, ""),
            ("predict NaN", lambda: net.predict(np.full(12, np.nan)), snn.InvalidError, ""),
            ("activity index", lambda: net.activity(7), snn.Error, ""),
            ("evaluate non-dataset", lambda: net.evaluate(np.zeros((2, 12))), TypeError, ""),
            ("evaluate feature mismatch", lambda: net.evaluate(other), snn.InvalidError, ""),
            ("load_mem empty", lambda: snn.Network.load_mem(b""), snn.InvalidError, ""),
            ("load_mem truncated", lambda: snn.Network.load_mem(net.save_mem()[:-9]),
             snn.FormatError, ""),
            ("bptt unknown option", lambda: snn.Learner.bptt(net, speed=3), TypeError, "speed"),
            ("bptt bad loss name", lambda: snn.Learner.bptt(net, loss="l7"), snn.InvalidError,
             "loss"),
            ("bptt bad optimizer", lambda: snn.Learner.bptt(net, optimizer=9), snn.RangeError,
             ""),
            ("bptt empty network", lambda: snn.Learner.bptt(snn.Network(3)), snn.StateError, ""),
            ("train labels count", lambda: learner.train_batch(np.zeros((4, 12)), [0, 1]),
             snn.InvalidError, "labels"),
            ("train features", lambda: learner.train_batch(np.zeros((4, 3)), [0, 1, 0, 1]),
             snn.InvalidError, ""),
            ("train on an array", lambda: learner.train_epoch(np.zeros((4, 12))), TypeError,
             "Dataset"),
            ("progress not callable", lambda: learner.train_epoch(data, progress=3), TypeError,
             "callable"),
            ("negative learning rate", lambda: learner.set_learning_rate(-1), snn.RangeError, ""),
            ("stdp on conv", lambda: snn.Learner.stdp(self._conv_net()), snn.UnsupportedError,
             ""),
            ("spikeprop run length", lambda: sp.spikeprop_run([0.0, 1.0]), snn.InvalidError,
             "expected 3"),
            ("spikeprop bad update", lambda: snn.Learner.spikeprop(3, 2, 1, update="adam"),
             snn.InvalidError, "update"),
            ("option does not fit its field",
             lambda: snn.Learner.spikeprop(3, 2, 1, batch_size=-1), snn.InvalidError,
             "batch_size"),
            ("fractional integer option", lambda: snn.Learner.bptt(net, batch_size=2.5),
             snn.InvalidError, "integer"),
            ("spikeprop late_push range", lambda: snn.Learner.spikeprop(3, 2, 1, late_push=-1),
             snn.RangeError, "late_push"),
            ("spikeprop weights on bptt", lambda: learner.spikeprop_weights, snn.InvalidError,
             ""),
            ("learner load garbage", lambda: snn.Learner.load_mem(b"x" * 64), snn.FormatError,
             "magic"),
            ("bptt learner save", lambda: learner.save_mem(), snn.UnsupportedError, ""),
            ("spnet unknown population", lambda: spn.population_range(5), snn.RangeError, "5"),
            ("spnet unknown option", lambda: spn.connect(0, 0, speed=1), TypeError, "speed"),
            ("spnet negative duration", lambda: spn.run(-1), snn.InvalidError, "duration"),
            ("spnet unknown variable", lambda: spn.state(0, "Q"), snn.NotFoundError, "Q"),
            ("spnet state length", lambda: spn.set_state(0, "V", np.zeros(3)),
             snn.InvalidError, ""),
        ]
        if "nir" in snn.features():
            table += [
                ("nir import without dt",
                 lambda: snn.Network.import_nir(os.path.join(FIXTURES, "lif_norse.nir")),
                 snn.InvalidError, "dt"),
                ("nir missing file",
                 lambda: snn.Network.import_nir("/nonexistent.nir", dt=1e-4), snn.IOError_,
                 "nonexistent"),
            ]
        for desc, fn, exc, text in table:
            with self.subTest(desc):
                with self.assertRaises(exc) as ctx:
                    fn()
                if isinstance(ctx.exception, snn.Error):
                    self.assertTrue(ctx.exception.detail)
                self.assertIn(text, str(ctx.exception))
        # the failed add left the layer with its caller
        self.assertTrue(dense.owned)
        dense.close()

    def _conv_net(self):
        net = snn.Network((1, 6, 6))
        net.add(snn.Layer.conv2d((1, 6, 6), 2, 3))
        net.add(snn.Layer.dense(2 * 4 * 4, 3))
        return net


if __name__ == "__main__":
    unittest.main()
