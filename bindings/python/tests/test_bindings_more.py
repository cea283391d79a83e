"""NIR import/export, learner files and the SpikeProp learner through the Python classes."""
import ctypes
import gc
import os
import tempfile
import unittest

import snn
from snn import _native

from .support import ROOT, needs_numpy, toy_network
from .test_native import header_text, struct_fields, C_TYPES

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

NIR_DIR = os.path.join(ROOT, "tests", "fixtures", "nir")


def have_nir():
    return "nir" in snn.features()


needs_nir = unittest.skipUnless(have_nir(), "libsnn built without HDF5 (no NIR support)")


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


class StructsTest(unittest.TestCase):
    def test_new_structs_mirror_header(self):
        text = header_text()
        for cname, cls in (("snn_spikeprop_options", _native.SpikepropOptions),
                           ("snn_nir_options", _native.NirOptions)):
            with self.subTest(struct=cname):
                fields = struct_fields(text, cname)
                self.assertEqual([f[0] for f in fields], [f[0] for f in cls._fields_])
                for (name, ctype), (_, ptype) in zip(fields, cls._fields_):
                    self.assertIs(C_TYPES[ctype], ptype, f"{cname}.{name}")
        self.assertEqual(fields[-1][0], "reset")
        self.assertEqual(_native.SpikepropOptions._fields_[-1][0], "late_push")

    def test_struct_sizes_accepted(self):
        for cls, init in ((_native.SpikepropOptions, "snn_spikeprop_options_init"),
                          (_native.NirOptions, "snn_nir_options_init")):
            o = cls()
            self.assertEqual(o.struct_size, ctypes.sizeof(cls))
            self.assertEqual(getattr(snn.library, init)(ctypes.byref(o), o.struct_size), 0)
            self.assertEqual(getattr(snn.library, init)(ctypes.byref(o), 4),
                             _native.SNN_E_VERSION)
        # the Python defaults are the C initialisers' (all zero apart from struct_size)
        o = _native.NirOptions()
        self.assertEqual((o.dt, o.discretization, o.reset), (0.0, 0, 0))


# ---------------------------------------------------------------------------------------
@needs_numpy
@needs_nir
class NirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def small_trained(self):
        """A dense 8-16-3 network of "normalized" lif neurons trained a little with BPTT
        (tests/test_nir.c test_export_trained, from Python)."""
        m = snn.NeuronModel("lif", preset="normalized")
        net = snn.Network(8)
        net.add(snn.Layer.dense(8, 16, m))
        net.add(snn.Layer.dense(16, 3, m))
        net.configure(steps=10)
        net.init_weights(3)
        n = 60
        y = (np.arange(n) % 3).astype(np.int32)
        x = np.empty((n, 8), np.float32)
        for i in range(n):
            for j in range(8):
                x[i, j] = 0.9 if j % 3 == y[i] else 0.1 * ((i + j) % 2)
        learner = snn.Learner.bptt(net)
        for _ in range(5):
            learner.train_batch(x, y)
        learner.close()
        return net, x

    def assert_same_network(self, a, b):
        self.assertEqual(len(a), len(b))
        for la, lb in zip(a, b):
            self.assertTrue(same_bits(la.weights, lb.weights))
            if la.bias is not None or lb.bias is not None:
                self.assertTrue(same_bits(la.bias, lb.bias))

    def test_export_import_round_trip_bitwise(self):
        net, x = self.small_trained()
        path = os.path.join(self.tmp.name, "trained.nir")
        # the preset resets by subtraction: the default (reset to v_reset) refuses it
        with self.assertRaises(snn.UnsupportedError):
            net.export_nir(path)
        net.export_nir(path, dt=1e-3, reset="subtract")
        back = snn.Network.import_nir(path, dt=1e-3, reset="subtract")
        back.configure(steps=10)
        self.assert_same_network(net, back)
        x = x * 4.0
        # the output layer hardly spikes: compare its membrane (readout is not part of NIR)
        net.configure(readout="membrane")
        back.configure(readout="membrane")
        la, sa = net.predict(x)
        lb, sb = back.predict(x)
        self.assertTrue(same_bits(la, lb))
        self.assertTrue(same_bits(sa, sb))
        self.assertGreater(len(np.unique(sa)), 2)  # outputs that are not all equal
        # memory export: the same graph, re-imported bitwise
        opts = snn.NirOptions(dt=1e-3, reset=_native.SNN_NIR_RESET_SUBTRACT)
        blob = net.export_nir_mem(opts)
        self.assertIsInstance(blob, bytes)
        self.assertEqual(blob[:8], b"\x89HDF\r\n\x1a\n")
        mem = snn.Network.import_nir_mem(blob, opts)
        mem.configure(steps=10, readout="membrane")
        self.assert_same_network(net, mem)
        lm, sm = mem.predict(x)
        self.assertTrue(same_bits(sa, sm))
        # ... and a file written by export_nir imports from its bytes
        with open(path, "rb") as f:
            from_file = snn.Network.import_nir_mem(f.read(), dt=1e-3, reset="subtract")
        self.assert_same_network(net, from_file)

    def test_fixture_import_and_reexport(self):
        path = os.path.join(NIR_DIR, "lif_norse.nir")
        net = snn.Network.import_nir(path, dt=1e-4, discretization="euler")
        self.assertGreaterEqual(len(net), 1)
        with open(path, "rb") as f:
            same = snn.Network.import_nir_mem(bytearray(f.read()), dt=1e-4,
                                              discretization="euler")
        self.assert_same_network(net, same)
        blob = net.export_nir_mem(dt=1e-4, discretization="euler")
        again = snn.Network.import_nir_mem(blob, dt=1e-4, discretization="euler")
        self.assert_same_network(net, again)
        x = np.random.default_rng(1).random((16, net.n_inputs), dtype=np.float32) * 3
        net.configure(steps=50)
        again.configure(steps=50)
        la, sa = net.predict(x)
        lb, sb = again.predict(x)
        self.assertTrue(same_bits(la, lb) and same_bits(sa, sb))
        self.assertGreater(sa.max(), 0)
        # options reach the library: Euler and exact discretisations map the membrane
        # time constant to different models
        exact = snn.Network.import_nir(path, dt=1e-4)
        self.assertNotEqual(exact[0].model.C_m, net[0].model.C_m)

    def test_finetune_imported(self):
        """An imported snnTorch model (CubaLIF layers) trains with BPTT and exports."""
        net = snn.Network.import_nir(os.path.join(NIR_DIR, "braille_noDelay_bias_zero.nir"),
                                     dt=1e-4)
        net.configure(steps=40, readout="membrane")
        labels = np.arange(28, dtype=np.int32) % 7
        x = np.zeros((28, 12), dtype=np.float32)
        for i, c in enumerate(labels):
            x[i, [j for j in range(12) if j % 7 == c or (j + 3) % 7 == c]] = 1.0
        lrn = snn.Learner.bptt(net, loss="membrane", learning_rate=3e-2)
        first = lrn.train_batch(x, labels)
        for _ in range(99):  # 60 suffice with AVX-512 kernels, 80 with AVX2 ones
            last = lrn.train_batch(x, labels)
        self.assertLess(last, 0.1 * first)
        self.assertGreaterEqual(np.mean(net.predict(x)[0] == labels), 0.85)
        back = snn.Network.import_nir_mem(net.export_nir_mem(), dt=1e-4)
        np.testing.assert_array_equal(back[0].weights, net[0].weights)

    def test_describe(self):
        text = snn.nir_describe(os.path.join(NIR_DIR, "cnn_sinabs.nir"))
        self.assertIsInstance(text, str)
        lines = text.splitlines()
        self.assertTrue(any(ln.startswith("node ") and "Conv2d" in ln for ln in lines), text)
        self.assertTrue(any(ln.startswith("edge ") for ln in lines), text)
        self.assertIn("input", text)
        # nested graph: nodes named OUTER.INNER
        nested = snn.nir_describe(os.path.join(NIR_DIR, "braille_noDelay_bias_zero_subgraph.nir"))
        self.assertTrue(any(ln.startswith("node ") and "." in ln.split()[1]
                            for ln in nested.splitlines()), nested)
        # an exported network's description names its nodes
        m = snn.NeuronModel("lif", t_ref=0.0)
        net = snn.Network(3)
        net.add(snn.Layer.dense(3, 2, m))
        path = os.path.join(self.tmp.name, "small.nir")
        net.export_nir(path)
        desc = snn.nir_describe(path)
        self.assertIn("LIF", desc)
        self.assertIn("Affine", desc)

    def test_errors(self):
        path = os.path.join(NIR_DIR, "lif_norse.nir")
        with self.assertRaises(snn.InvalidError):
            snn.Network.import_nir(path)  # dt is required
        with self.assertRaises(snn.InvalidError):
            snn.Network.import_nir(path, dt=1e-4, reset="sideways")
        with self.assertRaises(TypeError):
            snn.Network.import_nir(path, dt=1e-4, colour=1)
        with self.assertRaises(TypeError):
            snn.Network.import_nir(path, options=snn.BpttOptions())
        with self.assertRaises(snn.IOError_):
            snn.Network.import_nir(os.path.join(self.tmp.name, "missing.nir"), dt=1e-4)
        with self.assertRaises(snn.IOError_):
            snn.nir_describe(os.path.join(self.tmp.name, "missing.nir"))
        with self.assertRaises(snn.FormatError):
            snn.Network.import_nir_mem(b"not an HDF5 file at all" * 8, dt=1e-4)
        with self.assertRaises(snn.InvalidError):
            snn.Network.import_nir_mem(b"", dt=1e-4)
        with self.assertRaises(snn.StateError):
            snn.Network(3).export_nir_mem()  # no layers


# ---------------------------------------------------------------------------------------
def stdp_setup(seed=5):
    rng = np.random.default_rng(seed)
    proto = np.zeros((2, 16), dtype=np.float32)
    proto[0, :8] = 1.0
    proto[1, 8:] = 1.0
    y = rng.integers(0, 2, 24).astype(np.int32)
    x = np.clip(proto[y] + rng.normal(0, 0.1, (24, 16)), 0, 1).astype(np.float32)
    net = snn.Network(16)
    net.add(snn.Layer.dense(16, 6))
    return net, x, y


XOR_IN = np.array([[6, 6, 0], [6, 0, 0], [0, 6, 0], [0, 0, 0]], np.float32)
XOR_TARGET = np.array([16, 10, 10, 16], np.float32)


def xor_learner(seed=0):
    """examples/spikeprop/run.c sp_run_xor: 3-5-1, one inhibitory hidden neuron,
    srm tau 7, learning rate 0.005, late_push 1."""
    m = snn.NeuronModel("srm", tau=7.0)
    return snn.Learner.spikeprop(3, 5, 1, neuron=m, inhibitory_fraction=0.2, seed=seed,
                                 learning_rate=0.005, late_push=1.0)


@needs_numpy
class LearnerFileTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_stdp_round_trip(self):
        net, x, y = stdp_setup()
        data = snn.Dataset(x, y)
        learner = snn.Learner.stdp(net, seed=3, t_present=100.0, t_rest=20.0)
        learner.stdp_train(data, limit=8)
        learner.stdp_label(data)
        blob = learner.save_mem()
        path = os.path.join(self.tmp.name, "stdp.snn")
        learner.save(path)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), blob)
        for how, (l2, n2) in (("mem", snn.Learner.load_mem(blob)),
                              ("file", snn.Learner.load(path))):
            with self.subTest(how=how):
                self.assertIsInstance(n2, snn.Network)
                self.assertIs(l2.network, n2)
                self.assertEqual(l2.kind, "stdp")
                self.assertTrue(same_bits(l2.assignments, learner.assignments))
                self.assertTrue(same_bits(l2.theta, learner.theta))
                self.assertTrue(same_bits(n2[0].weights, net[0].weights))
                self.assertTrue(same_bits(l2.stdp_classify(x), learner.stdp_classify(x)))
                self.assertEqual(l2.save_mem(), blob)  # saving again: same bytes
        # training continues identically
        l2, n2 = snn.Learner.load_mem(blob)
        sub = data.subset(8, 6)
        learner.stdp_train(sub)
        l2.stdp_train(sub)
        self.assertTrue(same_bits(n2[0].weights, net[0].weights))
        self.assertTrue(same_bits(l2.theta, learner.theta))

    def test_loaded_learner_keeps_network_alive(self):
        net, x, y = stdp_setup()
        learner = snn.Learner.stdp(net, seed=1)
        blob = learner.save_mem()
        l2, n2 = snn.Learner.load_mem(blob)
        del n2
        gc.collect()
        self.assertFalse(l2.network.closed)      # held by the learner
        self.assertEqual(l2.stdp_present(x[0], learn=False).shape, (6,))
        net2 = l2.network
        net2.close()                             # closing the network closes the learner
        self.assertTrue(l2.closed)
        with self.assertRaises(snn.StateError):
            l2.save_mem()

    def test_errors(self):
        net, x, y = stdp_setup()
        blob = snn.Learner.stdp(net, seed=1).save_mem()
        bad = bytearray(blob)
        bad[40] ^= 0xFF                          # inside the first section: CRC mismatch
        with self.assertRaises(snn.FormatError):
            snn.Learner.load_mem(bytes(bad))
        with self.assertRaises(snn.FormatError):
            snn.Learner.load_mem(blob[:len(blob) // 2])   # truncated
        with self.assertRaises(snn.NotFoundError):
            snn.Learner.load_mem(net.save_mem())  # a model file without a learner
        with self.assertRaises(snn.InvalidError):
            snn.Learner.load_mem(b"")
        with self.assertRaises(snn.IOError_):
            snn.Learner.load(os.path.join(self.tmp.name, "missing.snn"))
        with self.assertRaises(snn.UnsupportedError):
            snn.Learner.bptt(net).save_mem()     # BPTT has no learner state
        sp = xor_learner().save_mem()
        bad = bytearray(sp)
        bad[-12] ^= 0x01                         # a weight byte of the SPKP section
        with self.assertRaises(snn.FormatError):
            snn.Learner.load_mem(bytes(bad))
        with self.assertRaises(snn.FormatError):
            snn.Network.load_mem(sp)             # not a network file


# ---------------------------------------------------------------------------------------
@needs_numpy
class SpikepropTest(unittest.TestCase):
    def test_xor_learns(self):
        learner = xor_learner(seed=0)
        self.assertEqual(learner.kind, "spikeprop")
        self.assertIsNone(learner.network)
        self.assertEqual(learner.n_params, 16 * (3 + 1) * 5)
        first = None
        converged = None
        for epoch in range(1000):
            err = sum(learner.spikeprop_train_example(XOR_IN[p], XOR_TARGET[p:p + 1])
                      for p in range(4))
            if first is None:
                first = err
            t = np.array([learner.spikeprop_run(XOR_IN[p])[0][0] for p in range(4)])
            if ((t >= 0) & (np.abs(t - XOR_TARGET) < 1.0)).all():
                converged = epoch + 1
                break
        self.assertIsNotNone(converged, f"XOR did not converge (E {first} -> {err})")
        t_out, t_hid = learner.spikeprop_run(XOR_IN[1])
        self.assertEqual((t_out.dtype, t_out.shape), (np.float32, (1,)))
        self.assertEqual((t_hid.dtype, t_hid.shape), (np.float32, (5,)))
        self.assertLess(t_out[0], 13.0)  # class "early" for {6, 0, 0}

    def tiny(self):
        """tests/test_spikeprop.c tiny(): 2-3-2, 3 terminals, hidden neuron 2 inhibitory,
        weights giving a strong drive (every neuron fires on a steep flank)."""
        lrn = snn.Learner.spikeprop(2, 3, 2, terminals=3, delay_min=1.0, delay_step=1.5,
                                    inhibitory_fraction=1.0 / 3.0, t_max=40.0)
        n = lrn.n_params
        self.assertEqual(n, 2 * 3 * 3 + 3 * 2 * 3)
        w = 0.35 + 0.3 * np.random.default_rng(7).random(n)
        w[18 + 6:18 + 9] *= 0.1    # output 0 from the inhibitory neuron
        w[18 + 15:18 + 18] *= 0.1  # output 1 from the inhibitory neuron
        lrn.spikeprop_weights = w
        self.assertTrue(same_bits(lrn.spikeprop_weights, w))
        return lrn, w

    def test_gradient_matches_finite_differences(self):
        lrn, w0 = self.tiny()
        t_in, tgt = np.array([0.0, 2.5], np.float32), np.array([9.0, 14.0], np.float32)
        t_out, t_hid = lrn.spikeprop_run(t_in)
        self.assertTrue((t_hid > 0).all() and (t_out > 0).all())
        grad, e = lrn.spikeprop_gradient(t_in, tgt)
        self.assertEqual((grad.dtype, grad.shape), (np.float64, (lrn.n_params,)))
        self.assertAlmostEqual(e, 0.5 * float(((t_out.astype(np.float64) - tgt) ** 2).sum()),
                               places=4)
        h = 1e-5
        for i in range(lrn.n_params):
            w = w0.copy()
            w[i] += h
            lrn.spikeprop_weights = w
            ep = lrn.spikeprop_gradient(t_in, tgt)[1]
            w[i] = w0[i] - h
            lrn.spikeprop_weights = w
            em = lrn.spikeprop_gradient(t_in, tgt)[1]
            fd = (ep - em) / (2 * h)
            self.assertLessEqual(abs(fd - grad[i]), 1e-5 + 1e-4 * abs(fd),
                                 f"w[{i}]: analytic {grad[i]} fd {fd}")
        self.assertGreater(np.abs(grad[:18]).max(), 1e-3)  # hidden-layer rule exercised
        # one training step lowers the error
        lrn.spikeprop_weights = w0
        lrn.set_learning_rate(1e-3)
        e0 = lrn.spikeprop_train_example(t_in, tgt)
        self.assertAlmostEqual(e0, e, places=9)
        self.assertLess(lrn.spikeprop_gradient(t_in, tgt)[1], e0)

    def test_dataset_training_classify_evaluate(self):
        # tests/test_spikeprop.c blobs(24, 99) and blob_learner(5)
        n, seed = 24, 99
        y = (np.arange(n) % 2).astype(np.int32)
        x = np.empty((n, 2), np.float32)
        for i in range(n):
            for d in range(2):
                seed = (seed * 1103515245 + 12345) % (1 << 32)
                r = np.float32((seed >> 8) % 1000) / np.float32(1000)
                centre = np.float32(0.7 if y[i] else 0.3)
                x[i, d] = centre + np.float32(0.25) * (r - np.float32(0.5))
        data = snn.Dataset(x, y)
        enc = snn.Encoder("population", m=6)
        lrn = snn.Learner.spikeprop(2 * 6 + 1, 4, 2, encoder=enc, bias=1, seed=5, terminals=8)
        enc.close()  # copied by the learner
        losses = [lrn.train_epoch(data) for _ in range(8)]
        self.assertTrue(all(np.isfinite(losses)))
        lrn.set_learning_rate(0.01)
        labels, t_out = lrn.spikeprop_classify(x)
        self.assertEqual((labels.dtype, labels.shape), (np.int32, (n,)))
        self.assertEqual((t_out.dtype, t_out.shape), (np.float32, (n, 2)))
        acc = lrn.spikeprop_evaluate(data)
        self.assertAlmostEqual(acc, float((labels == y).mean()), places=12)
        self.assertGreaterEqual(acc, 0.9)
        for i in np.flatnonzero(labels >= 0):   # the earliest output wins
            other = t_out[i, 1 - labels[i]]
            self.assertTrue(other < 0 or t_out[i, labels[i]] <= other)
        one_label, one_t = lrn.spikeprop_classify(x[3])
        self.assertEqual(one_label[0], labels[3])
        self.assertTrue(same_bits(one_t[0], t_out[3]))

        # learner file: bitwise-identical outputs and further training, no network
        blob = lrn.save_mem()
        l2, net = snn.Learner.load_mem(blob)
        self.assertIsNone(net)
        self.assertIsNone(l2.network)
        self.assertEqual(l2.kind, "spikeprop")
        self.assertTrue(same_bits(l2.spikeprop_weights, lrn.spikeprop_weights))
        l2b, t2 = l2.spikeprop_classify(x)   # sizes read back from the loaded learner
        self.assertTrue(same_bits(l2b, labels) and same_bits(t2, t_out))
        t_in = np.linspace(0, 9, 13).astype(np.float32)
        for a, b in zip(l2.spikeprop_run(t_in), lrn.spikeprop_run(t_in)):
            self.assertTrue(same_bits(a, b))
        self.assertEqual(l2.train_epoch(data), lrn.train_epoch(data))
        self.assertTrue(same_bits(l2.spikeprop_weights, lrn.spikeprop_weights))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "sp.snn")
            l2.save(path)
            l3, none = snn.Learner.load(path)
            self.assertIsNone(none)
            self.assertEqual(l3.save_mem(), lrn.save_mem())

        # a loaded learner tells what is needed to rebuild it (sizes, models, options)
        self.assertEqual(l2.spikeprop_sizes, (13, 4, 2))
        self.assertEqual(l2.spikeprop_n_features, 2)
        o = l2.spikeprop_options()
        self.assertEqual((o.terminals, o.bias, o.seed), (8, 1, 5))
        self.assertEqual(o.t_max, 50.0)              # defaults come back resolved
        self.assertEqual(o.learning_rate, 0.01)      # the current rate
        model, enc2 = l2.spikeprop_models()
        self.assertEqual((model.kind, enc2.kind, enc2.get("m")), ("srm", "population", 6))
        rebuilt = snn.Learner.spikeprop(*l2.spikeprop_sizes, neuron=model, encoder=enc2,
                                        options=o)
        rebuilt.spikeprop_weights = l2.spikeprop_weights
        rl, rt = rebuilt.spikeprop_classify(x)
        ll, lt = l2.spikeprop_classify(x)   # l2 has trained one more epoch than labels
        self.assertTrue(same_bits(rl, ll) and same_bits(rt, lt))
        self.assertIsNone(xor_learner(seed=1).spikeprop_models()[1])   # no encoder
        with self.assertRaises(snn.InvalidError):
            snn.Learner.bptt(toy_network(), batch_size=4).spikeprop_options()

    def test_xor_file_round_trip(self):
        learner = xor_learner(seed=1)
        for p in range(4):
            learner.spikeprop_train_example(XOR_IN[p], XOR_TARGET[p:p + 1])
        l2, net = snn.Learner.load_mem(learner.save_mem())
        self.assertIsNone(net)
        for p in range(4):
            for a, b in zip(l2.spikeprop_run(XOR_IN[p]), learner.spikeprop_run(XOR_IN[p])):
                self.assertTrue(same_bits(a, b))
        self.assertEqual(l2.spikeprop_train_example(XOR_IN[0], [16.0]),
                         learner.spikeprop_train_example(XOR_IN[0], [16.0]))
        self.assertTrue(same_bits(l2.spikeprop_weights, learner.spikeprop_weights))

    def test_options(self):
        o = snn.SpikepropOptions(terminals=4, seed=2)
        self.assertEqual(o.struct_size, ctypes.sizeof(snn.SpikepropOptions))
        lrn = snn.Learner.spikeprop(2, 2, 1, options=o, update="rprop", t_max=30.0)
        self.assertEqual(o.update, _native.SNN_SPIKEPROP_RPROP)
        self.assertEqual(lrn.n_params, 4 * (2 + 1) * 2)
        a = snn.Learner.spikeprop(2, 2, 1, seed=2).spikeprop_weights
        b = snn.Learner.spikeprop(2, 2, 1, seed=2).spikeprop_weights
        c = snn.Learner.spikeprop(2, 2, 1, seed=3).spikeprop_weights
        self.assertTrue(same_bits(a, b))
        self.assertFalse(same_bits(a, c))
        with self.assertRaises(TypeError):
            snn.Learner.spikeprop(2, 2, 1, colour=1)
        with self.assertRaises(TypeError):
            snn.Learner.spikeprop(2, 2, 1, options=snn.StdpOptions())
        with self.assertRaises(snn.InvalidError):
            snn.Learner.spikeprop(2, 2, 1, update="adam")
        with self.assertRaises(snn.RangeError):
            snn.Learner.spikeprop(2, 2, 1, update="rprop", momentum=0.5)
        with self.assertRaises(snn.RangeError):
            snn.Learner.spikeprop(2, 2, 1, late_push=-1.0)
        with self.assertRaises(snn.InvalidError):
            snn.Learner.spikeprop(0, 2, 1)
        with self.assertRaises(snn.InvalidError):
            snn.Learner.spikeprop(-1, 2, 1)
        with self.assertRaises(snn.UnsupportedError):
            snn.Learner.spikeprop(2, 2, 1, neuron="lif")
        with self.assertRaises(snn.UnsupportedError):
            snn.Learner.spikeprop(2, 2, 1, encoder="rate")
        with self.assertRaises(TypeError):
            snn.Learner.spikeprop(2, 2, 1, encoder=3)

    def test_wrong_sizes_and_kinds(self):
        lrn = snn.Learner.spikeprop(3, 4, 2)
        n = lrn.n_params
        bad = [(lrn.spikeprop_run, ([1.0, 2.0],)),
               (lrn.spikeprop_run, (np.zeros(4),)),
               (lrn.spikeprop_train_example, ([0, 1, 2], [10.0])),
               (lrn.spikeprop_train_example, ([0, 1], [10.0, 16.0])),
               (lrn.spikeprop_gradient, ([0, 1, 2], [10.0, 16.0, 1.0])),
               (lrn.spikeprop_classify, (np.zeros((0, 3)),)),
               (lrn.spikeprop_classify, (np.zeros((2, 5)),)),   # C: 5 features != n_in
               (lrn.spikeprop_classify, (1.0,))]
        for fn, args in bad:
            with self.subTest(fn=fn.__name__, args=args):
                with self.assertRaises(snn.InvalidError):
                    fn(*args)
        with self.assertRaises(snn.InvalidError):
            lrn.spikeprop_weights = np.zeros(n - 1)
        with self.assertRaises(snn.InvalidError):
            lrn.spikeprop_weights = np.full(n, np.nan)
        with self.assertRaises(snn.InvalidError):
            lrn.spikeprop_run([np.nan, 0, 0])
        with self.assertRaises(snn.InvalidError):   # unlabelled data
            lrn.spikeprop_evaluate(snn.Dataset(np.zeros((2, 3), np.float32)))
        with self.assertRaises(TypeError):
            lrn.spikeprop_evaluate(np.zeros((2, 3)))
        # methods of the other learner kinds refuse a SpikeProp learner, and vice versa
        with self.assertRaises(snn.UnsupportedError):
            lrn.train_batch(np.zeros((1, 3)), [0])
        with self.assertRaises(snn.UnsupportedError):
            lrn.gradient(np.zeros((1, 3)), [0])
        with self.assertRaises(snn.InvalidError):
            lrn.stdp_classify(np.zeros((1, 3)))
        net, x, y = stdp_setup()
        stdp = snn.Learner.stdp(net, seed=1)
        with self.assertRaises(snn.InvalidError):
            stdp.spikeprop_run(np.zeros(16))
        with self.assertRaises(snn.InvalidError):
            stdp.spikeprop_weights
        lrn.close()
        with self.assertRaises(snn.StateError):
            lrn.spikeprop_run([0, 0, 0])


if __name__ == "__main__":
    unittest.main()
