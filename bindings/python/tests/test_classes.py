"""Every class of the binding: NeuronModel, Population, Encoder, Dataset, Layer, Network."""
import copy
import os
import struct
import tempfile
import unittest

import snn

from .support import needs_numpy, py_lif, toy_data, toy_network

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


@needs_numpy
class NeuronModelTest(unittest.TestCase):
    def test_kinds_and_presets(self):
        kinds = snn.NeuronModel.kinds()
        for k in ("if", "lif", "izhikevich", "adex"):
            self.assertIn(k, kinds)
        presets = snn.NeuronModel.presets("izhikevich")
        self.assertIn("rs_2003", presets)
        self.assertTrue(all(isinstance(v, str) for v in presets.values()))
        self.assertEqual(snn.NeuronModel.presets("no-such-kind"), {})
        for kind in kinds:
            for preset in snn.NeuronModel.presets(kind):
                with snn.NeuronModel(kind, preset=preset) as m:
                    self.assertEqual(m.kind, kind)

    def test_params_introspection(self):
        m = snn.NeuronModel("lif")
        infos = m.params()
        names = [p.name for p in infos]
        self.assertIn("V_th", names)
        self.assertEqual(names, m.param_names)
        for p in infos:
            self.assertLessEqual(p.min, p.default)
            self.assertLessEqual(p.default, p.max)
            self.assertIsInstance(p.unit, str)
            self.assertTrue(p.doc)
            self.assertEqual(m.get(p.name), p.default)
        th = next(p for p in infos if p.name == "V_th")
        self.assertEqual(th.unit, "mV")

    def test_attribute_item_keyword_parameters(self):
        m = snn.NeuronModel("lif", V_th=-50.0, reset="subtract")
        self.assertEqual(m.V_th, -50.0)
        self.assertEqual(m["V_th"], -50.0)
        self.assertEqual(m.reset, 1.0)
        m.V_th = -52.5
        self.assertEqual(m.get("V_th"), -52.5)
        m["t_ref"] = 1.0
        self.assertEqual(m.t_ref, 1.0)
        m.set(E_L=-65.0, V_reset=-66.0)
        self.assertEqual(m.values()["E_L"], -65.0)
        self.assertIn("V_th", dir(m))
        with self.assertRaises(snn.NotFoundError):
            m.bogus = 3

    def test_presets_change_values(self):
        a = snn.NeuronModel("izhikevich", preset="rs_2003")
        b = snn.NeuronModel("izhikevich", preset="fs_2003")
        self.assertNotEqual(a.values(), b.values())

    def test_state_names_and_clone(self):
        m = snn.NeuronModel("adex")
        self.assertEqual(m.state_names[0], "V")
        self.assertGreaterEqual(len(m.state_names), 2)
        c = m.clone()
        c.set(m.param_names[0], m.params()[0].max)
        self.assertNotEqual(c.get(m.param_names[0]), m.get(m.param_names[0]))
        d = copy.copy(m)
        self.assertEqual(d.values(), m.values())
        self.assertEqual(copy.deepcopy(m).values(), m.values())

    def test_close_and_context_manager(self):
        with snn.NeuronModel("if") as m:
            self.assertFalse(m.closed)
        self.assertTrue(m.closed)
        m.close()  # idempotent
        with self.assertRaises(snn.StateError):
            m.get("V_th")
        self.assertIn("closed", repr(m))


@needs_numpy
class CustomNeuronTest(unittest.TestCase):
    def test_python_model_in_population_and_network(self):
        m = py_lif()
        self.assertEqual(m.kind, "py_lif")
        self.assertEqual(m.param_names, ["tau", "V_th"])
        self.assertEqual(m.params()[0].unit, "ms")
        self.assertEqual(m.state_names, ["V"])
        p = snn.Population(m, 3)
        rec = p.run(np.tile(np.array([0.5, 1.5, 3.0], np.float32), (100, 1)))
        counts = rec["spikes"].sum(0)
        self.assertEqual(counts[0], 0)
        self.assertTrue(counts[2] > counts[1] > 0)
        m.tau = 5.0  # parameters reach the callbacks
        net = snn.Network(4)
        net.add(snn.Layer.dense(4, 3, m))
        net.init_weights(1)
        labels, scores = net.predict(np.ones((2, 4)))
        self.assertEqual(scores.shape, (2, 3))
        with self.assertRaises(snn.UnsupportedError):
            snn.Learner.bptt(net)  # no gradient
        with self.assertRaises(snn.NotFoundError) as ctx:
            snn.Network.load_mem(net.save_mem())
        self.assertIn("py_lif", ctx.exception.detail)

    def test_exception_in_callback_is_reraised(self):
        def step(p, s, i_in, spikes, dt):
            raise ZeroDivisionError("in step")

        bad = snn.NeuronModel.custom("bad_py", lambda p, s: None, step)
        pop = snn.Population(bad, 2)
        with self.assertRaises(ZeroDivisionError) as ctx:
            pop.step([1.0, 1.0])
        self.assertIsInstance(ctx.exception.__cause__, snn.Error)
        self.assertIn("bad_py", ctx.exception.__cause__.detail)
        with self.assertRaises(TypeError):
            snn.NeuronModel.custom("x", None, step)
        with self.assertRaises(snn.InvalidError):
            snn.NeuronModel.custom("lif", lambda p, s: None, step)  # a built-in kind name

    def test_callbacks_released_when_last_copy_is_freed(self):
        import gc
        from snn import _core
        gc.collect()
        before = len(_core._custom_models)
        m = py_lif()
        c = m.clone()
        layer = snn.Layer.dense(2, 2, m)
        self.assertEqual(len(_core._custom_models), before + 1)
        m.close()
        c.close()
        self.assertEqual(len(_core._custom_models), before + 1)  # the layer holds a copy
        layer.close()
        self.assertEqual(len(_core._custom_models), before)


@needs_numpy
class PopulationTest(unittest.TestCase):
    def test_step_spikes_and_state(self):
        m = snn.NeuronModel("lif", preset="normalized")
        p = snn.Population(m, 4)
        m.close()  # the population has its own copy
        self.assertEqual(len(p), 4)
        self.assertEqual(p.state_names, ["V"])
        total = np.zeros(4, dtype=np.int64)
        for _ in range(50):
            total += p.step(np.array([0.0, 0.5, 1.5, 3.0]), dt=1.0)
        self.assertEqual(total[0], 0)
        self.assertTrue(total[3] > total[2] > 0)
        p.reset()
        self.assertTrue(np.all(p.V == 0.0))
        p.set_state("V", [0.1, 0.2, 0.3, 0.4])
        np.testing.assert_allclose(p.state("V"), [0.1, 0.2, 0.3, 0.4], rtol=1e-6)
        p.set_state("V", 0.99)
        spikes = np.zeros(4, dtype=np.uint8)
        out = p.step(1.5, spikes=spikes)
        self.assertIs(out, spikes)
        self.assertEqual(list(spikes), [1, 1, 1, 1])

    def test_run_records(self):
        p = snn.Population(snn.NeuronModel("izhikevich", preset="rs_2003"), 2)
        self.assertIn("u", p.state_names)
        rec = p.run(np.full(200, 10.0), dt=0.5, record=("V", "u"))
        self.assertEqual(rec["spikes"].shape, (200, 2))
        self.assertEqual(rec["V"].shape, (200, 2))
        self.assertGreater(rec["spikes"].sum(), 0)
        with self.assertRaises(snn.NotFoundError):
            p.state("w")
        with self.assertRaises(snn.InvalidError):
            p.step([1.0, 2.0, 3.0])


@needs_numpy
class EncoderTest(unittest.TestCase):
    def test_kinds_and_shapes(self):
        x = np.linspace(0, 1, 6, dtype=np.float32)
        for kind in ("rate", "latency", "direct", "population"):
            with self.subTest(kind=kind), snn.Encoder(kind) as e:
                self.assertEqual(e.kind, kind)
                out = e.encode(x, 10)
                self.assertEqual(out.shape, (10, e.output_size(6)))
                self.assertEqual(out.dtype, np.float32)
        d = snn.Encoder("delta", threshold=0.2)
        series = np.array([[0.0, 0.0], [0.5, 0.1], [0.5, 0.4]], dtype=np.float32)
        self.assertEqual(d.encode(series, 3).shape, (3, 2))

    def test_direct_is_gain_times_input(self):
        e = snn.Encoder("direct", gain=2.0)
        out = e.encode([0.25, 0.5], 3)
        np.testing.assert_allclose(out, [[0.5, 1.0]] * 3)

    def test_rate_seed_and_clone(self):
        a = snn.Encoder("rate", seed=7)
        b = snn.Encoder("rate", seed=7)
        x = np.full(50, 0.5, dtype=np.float32)
        np.testing.assert_array_equal(a.encode(x, 20), b.encode(x, 20))
        c = a.clone()
        np.testing.assert_array_equal(a.encode(x, 20), c.encode(x, 20))
        self.assertTrue(set(np.unique(a.encode(x, 5))) <= {0.0, 1.0})

    def test_latency_params_and_spike_times(self):
        e = snn.Encoder("latency", t_max=10.0)
        e.map = "log"
        self.assertEqual(e.map, 1.0)
        e.map = "linear"
        t = e.spike_times([1.0, 0.5, 0.0])
        self.assertEqual(t[0], 0.0)
        self.assertAlmostEqual(float(t[1]), 5.0, places=5)
        self.assertEqual(t[2], -1.0)
        self.assertEqual([p.name for p in e.params()], e.param_names)


def write_idx(path_img, path_lab, images, labels):
    n, h, w = images.shape
    with open(path_img, "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, h, w))
        f.write(images.astype(np.uint8).tobytes())
    with open(path_lab, "wb") as f:
        f.write(struct.pack(">II", 0x801, n))
        f.write(labels.astype(np.uint8).tobytes())


@needs_numpy
class DatasetTest(unittest.TestCase):
    def test_from_numpy_round_trip(self):
        x, y = toy_data(40, 6)
        d = snn.Dataset(x, y)
        self.assertEqual((len(d), d.n_features, d.n_classes), (40, 6, 2))
        x2, y2 = d.get()
        np.testing.assert_array_equal(x2, x)
        np.testing.assert_array_equal(y2, y)
        np.testing.assert_array_equal(d.labels, y)
        np.testing.assert_array_equal(d.x[5:7], x[5:7])
        xs, ys = d.get(10, 3)
        np.testing.assert_array_equal(xs, x[10:13])
        sub = d.subset(0, 8)
        self.assertEqual(len(sub), 8)

    def test_unlabelled_and_shapes(self):
        d = snn.Dataset(np.zeros((3, 2, 2)))  # per-sample shape flattened
        self.assertEqual(d.n_features, 4)
        self.assertEqual(d.n_classes, 0)
        self.assertEqual(list(d.labels), [-1, -1, -1])
        # Non-contiguous, float64 input is converted
        big = np.arange(24, dtype=np.float64).reshape(6, 4)[:, ::2]
        d2 = snn.Dataset(big)
        np.testing.assert_array_equal(d2.x, big.astype(np.float32))

    def test_split_and_normalize(self):
        x, y = toy_data(50, 4)
        d = snn.Dataset(x * 10 + 3, y)
        train, test = d.split(0.2, seed=3)
        self.assertEqual((len(train), len(test)), (40, 10))
        self.assertEqual(train.n_classes, 2)
        train.normalize()
        test.normalize(train)
        self.assertAlmostEqual(float(train.x.min()), 0.0)
        self.assertAlmostEqual(float(train.x.max()), 1.0)
        self.assertTrue(np.all((test.x >= 0) & (test.x <= 1)))
        t1, _ = d.split(0.2, seed=3)
        np.testing.assert_array_equal(t1.labels, train.labels)

    def test_load_idx_and_csv(self):
        rng = np.random.default_rng(1)
        imgs = rng.integers(0, 256, (5, 3, 4))
        labs = np.array([0, 1, 2, 1, 0])
        with tempfile.TemporaryDirectory() as tmp:
            pi, pl = os.path.join(tmp, "img"), os.path.join(tmp, "lab")
            write_idx(pi, pl, imgs, labs)
            d = snn.Dataset.load_idx(pi, pl)
            self.assertEqual((len(d), d.n_features, d.n_classes), (5, 12, 3))
            np.testing.assert_allclose(d.x, imgs.reshape(5, 12) / 255.0, rtol=1e-6)
            self.assertEqual(snn.Dataset.load_idx(pi).n_classes, 0)
            with open(pl, "r+b") as f:
                f.write(b"\0\0\0\0")  # bad magic
            with self.assertRaises(snn.FormatError):
                snn.Dataset.load_idx(pi, pl)
            csv = os.path.join(tmp, "d.csv")
            with open(csv, "w") as f:
                f.write("a,b,label\n1,2,0\n3,4,1\n5,6,1\n")
            c = snn.Dataset.load_csv(csv, has_header=True)
            self.assertEqual((len(c), c.n_features, c.n_classes), (3, 2, 2))
            np.testing.assert_array_equal(c.x, [[1, 2], [3, 4], [5, 6]])
            c0 = snn.Dataset.load_csv(csv, label_column=0, has_header=True)
            self.assertEqual(list(c0.labels), [1, 3, 5])
            with self.assertRaises(snn.FormatError):
                snn.Dataset.load_csv(csv)  # header row without has_header


@needs_numpy
class LayerTest(unittest.TestCase):
    def test_dense_weights_and_bias(self):
        layer = snn.Layer.dense(5, 3, snn.NeuronModel("lif", preset="normalized"))
        self.assertEqual((layer.kind, layer.n_inputs, layer.n_outputs), ("dense", 5, 3))
        self.assertEqual(layer.output_shape, (1, 1, 3))
        w = np.arange(15, dtype=np.float32).reshape(3, 5) / 10
        layer.weights = w
        np.testing.assert_array_equal(layer.weights, w)
        layer.weights = w.reshape(-1) * 2  # flat of the right size is accepted
        np.testing.assert_array_equal(layer.weights, w * 2)
        layer.bias = [1, 2, 3]
        np.testing.assert_array_equal(layer.bias, [1, 2, 3])
        layer.set_bias(False)
        self.assertEqual(layer.param_size(snn._native.SNN_PARAM_BIAS), 0)
        layer.set_recurrent(True)
        self.assertEqual(layer.recurrent.shape, (3, 3))
        self.assertEqual(layer.model.kind, "lif")
        self.assertTrue(layer.owned)
        layer.close()
        layer.close()

    def test_dense_model_by_name_and_no_bias(self):
        layer = snn.Layer.dense(4, 2, "if", bias=False, recurrent=True)
        self.assertEqual(layer.model.kind, "if")
        self.assertEqual(layer.recurrent.shape, (2, 2))

    def test_conv_and_pool(self):
        conv = snn.Layer.conv2d((1, 8, 8), 4, 3, padding=1)
        self.assertEqual(conv.kind, "conv2d")
        self.assertEqual(conv.output_shape, (4, 8, 8))
        self.assertEqual(conv.weights.shape, (4, 1, 3, 3))
        self.assertEqual(conv.bias.shape, (4,))
        pool = snn.Layer.pool2d((4, 8, 8), 2, kind="avg")
        self.assertEqual(pool.output_shape, (4, 4, 4))
        self.assertIsNone(pool.model)
        net = snn.Network((1, 8, 8))
        net.add(conv)
        net.add(pool)
        net.add(snn.Layer.dense(64, 3))
        net.init_weights(2)
        labels, scores = net.predict(np.random.default_rng(0).random((2, 1, 8, 8)))
        self.assertEqual(scores.shape, (2, 3))
        self.assertEqual(net[0].weights.shape, (4, 1, 3, 3))

    def test_architecture_getters(self):
        """A network read back from a model file shows its whole architecture."""
        net = snn.Network((2, 7, 6))
        self.assertEqual(net.encoder.kind, "direct")
        net.add(snn.Layer.conv2d((2, 7, 6), 3, (3, 2), stride=2, padding=1))
        net.add(snn.Layer.pool2d((3, 4, 4), 2, stride=1, kind="sum"))
        net.add(snn.Layer.dense(27, 4, bias=False, recurrent=True))
        net.encoder = snn.Encoder("rate", max_rate=250.0)
        net.init_weights(3)
        back = snn.Network.load_mem(net.save_mem())
        for n in (net, back):
            self.assertEqual(n.input_shape, (2, 7, 6))
            enc = n.encoder
            self.assertEqual((enc.kind, enc["max_rate"]), ("rate", 250.0))
            conv, pool, fc = n.layers
            self.assertEqual(conv.input_shape, (2, 7, 6))
            self.assertEqual(conv.window, (3, 2, 2, 1))
            self.assertEqual(conv.weights.shape, (3, 2, 3, 2))  # loaded: no creation args
            self.assertTrue(conv.has_bias)
            self.assertEqual((pool.window, pool.pool_kind, pool.has_bias), ((2, 2, 1, 0), "sum", False))
            self.assertEqual(fc.input_shape, (1, 1, 27))
            self.assertEqual((fc.has_bias, fc.is_recurrent), (False, True))
            with self.assertRaises(snn.UnsupportedError):
                fc.window
            with self.assertRaises(snn.UnsupportedError):
                conv.pool_kind
        np.testing.assert_array_equal(back[0].weights, net[0].weights)
        # the encoder read back is a copy: changing it leaves the network's alone
        enc = net.encoder
        enc["max_rate"] = 100.0
        self.assertEqual(net.encoder["max_rate"], 250.0)

    def test_input_delays(self):
        layer = snn.Layer.dense(4, 3, "lif")
        self.assertEqual(list(layer.input_delays), [0, 0, 0, 0])
        layer.input_delays = [0, 2, 1, 0]
        self.assertEqual(layer.input_delays.dtype, np.int32)
        self.assertEqual(list(layer.input_delays), [0, 2, 1, 0])
        layer.input_delays = None
        self.assertEqual(list(layer.input_delays), [0, 0, 0, 0])
        with self.assertRaises(snn.InvalidError):
            layer.input_delays = [1, 2, 3]          # wrong length
        with self.assertRaises(snn.InvalidError):
            layer.input_delays = [0, -1, 0, 0]      # negative
        # delays longer than the run: the layer never sees its input
        rng = np.random.default_rng(1)
        x = 4 * rng.random((3, 4)).astype(np.float32)
        nets = []
        for d in (None, [50] * 4):
            net = snn.Network((1, 1, 4))
            lif = snn.NeuronModel("lif", preset="normalized")
            hidden = snn.Layer.dense(4, 8, lif)
            hidden.input_delays = d
            net.add(hidden)
            net.add(snn.Layer.dense(8, 2, lif))
            net.configure(steps=10, readout="membrane").init_weights(seed=4)
            nets.append(net)
        self.assertEqual(list(nets[1][0].input_delays), [50] * 4)
        np.testing.assert_array_equal(nets[1].predict(x)[1], nets[0].predict(np.zeros_like(x))[1])
        self.assertFalse(np.array_equal(nets[0].predict(x)[1], nets[0].predict(np.zeros_like(x))[1]))
        # in a network the delays change through the network (its cached state follows)
        with self.assertRaises(snn.InvalidError):
            nets[1][0].input_delays = [1, 2, 3]         # wrong length: nothing changes
        self.assertEqual(list(nets[1][0].input_delays), [50] * 4)
        nets[1][0].input_delays = None
        np.testing.assert_array_equal(nets[1].predict(x)[1], nets[0].predict(x)[1])
        nets[1][0].input_delays = [50] * 4
        np.testing.assert_array_equal(nets[1].predict(x)[1], nets[0].predict(np.zeros_like(x))[1])
        # BPTT trains through delays: an input that never arrives gets no weight gradient
        labels = np.array([0, 1, 1], dtype=np.int32)
        grads = [snn.Learner.bptt(n, loss="membrane").gradient(x, labels)[0] for n in nets]
        n_hidden_w = 4 * 8
        self.assertTrue(np.any(grads[0][:n_hidden_w] != 0))
        np.testing.assert_array_equal(grads[1][:n_hidden_w], 0)
        self.assertTrue(np.all(np.isfinite(grads[1])) and np.any(grads[1] != 0))

    def test_factory_only(self):
        with self.assertRaises(TypeError):
            snn.Layer()


@needs_numpy
class NetworkTest(unittest.TestCase):
    def test_add_transfers_ownership(self):
        net = snn.Network(6)
        layer = snn.Layer.dense(6, 4)
        self.assertTrue(layer.owned)
        view = net.add(layer)
        self.assertIs(view, layer)
        self.assertFalse(layer.owned)
        self.assertIs(net[0], layer)
        with self.assertRaises(snn.StateError):
            net.add(layer)  # already in a network
        layer.close()  # a view: must not free the network's layer
        self.assertEqual(len(net), 1)
        self.assertEqual(net[0].n_outputs, 4)
        self.assertEqual(net[-1].n_outputs, 4)
        with self.assertRaises(IndexError):
            net.layer(3)
        net.close()
        self.assertTrue(net.closed)

    def test_views_outlive_python_reference_safely(self):
        net = toy_network()
        first = net[0]
        del net  # the view keeps the network alive
        self.assertEqual(first.weights.shape, (16, 12))
        net2 = toy_network()
        v = net2[0]
        net2.close()  # closing the network invalidates its views
        with self.assertRaises(snn.StateError):
            v.weights

    def test_settings(self):
        net = toy_network()
        net.configure(steps=12, dt=0.5, seed=9)
        self.assertEqual((net.steps, net.dt, net.seed), (12, 0.5, 9))
        net.steps = 5
        self.assertEqual(net.get("steps"), 5.0)
        net.set("readout", "count")
        self.assertEqual(net.get("readout"), 0.0)
        net.settings(readout="membrane_max")
        net.set_encoder("rate", max_rate=500.0)
        net.encoder = snn.Encoder("direct", gain=1.5)
        self.assertEqual((net.n_inputs, net.n_outputs), (12, 2))
        self.assertEqual(len(net.layers), 2)

    def test_predict_evaluate_activity(self):
        net = toy_network()
        x, y = toy_data(20, 12)
        labels, scores = net.predict(x)
        self.assertEqual(labels.shape, (20,))
        self.assertEqual(labels.dtype, np.int32)
        self.assertEqual(scores.shape, (20, 2))
        self.assertEqual(scores.dtype, np.float32)
        np.testing.assert_array_equal(labels, scores.argmax(1))
        l1, s1 = net.predict(x[3])
        self.assertEqual(l1.shape, (1,))
        np.testing.assert_array_equal(s1[0], scores[3])
        l2, none = net.predict(x, scores=False)
        self.assertIsNone(none)
        np.testing.assert_array_equal(l2, labels)
        acc = net.evaluate(snn.Dataset(x, y))
        self.assertAlmostEqual(acc, float((labels == y).mean()))
        act = net.activity()
        self.assertEqual(len(act), 2)
        self.assertTrue(all(s >= 0 and o >= 0 for s, o in act))

    def test_threads_on_distinct_networks(self):
        import threading
        x, _ = toy_data(64, 12)
        nets = [toy_network(seed=s) for s in (1, 2, 3)]
        serial = [n.predict(x)[1] for n in nets]
        results = [None] * 3

        def work(i):
            for _ in range(5):
                results[i] = nets[i].predict(x)[1]

        threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for a, b in zip(serial, results):
            np.testing.assert_array_equal(a, b)

    def test_float32_input_is_not_copied(self):
        from snn import _core
        x = np.zeros((3, 12), dtype=np.float32)
        self.assertIs(_core._f32(x, "x"), x)
        y = np.zeros((3, 12))
        self.assertIsNot(_core._f32(y, "y"), y)

    def test_save_load_round_trip(self):
        net = toy_network()
        x, _ = toy_data(10, 12)
        _, ref = net.predict(x)
        blob = net.save_mem()
        self.assertIsInstance(blob, bytes)
        for src in (blob, bytearray(blob), memoryview(blob), np.frombuffer(blob, np.uint8)):
            with snn.Network.load_mem(src) as n2:
                np.testing.assert_array_equal(n2.predict(x)[1], ref)
                self.assertEqual(n2.save_mem(), blob)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.snn")
            net.save(path)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), blob)
            n3 = snn.Network.load(path)
            np.testing.assert_array_equal(n3.predict(x)[1], ref)
            self.assertEqual(n3.steps, net.steps)
            np.testing.assert_array_equal(n3[0].weights, net[0].weights)
        c = net.clone()
        np.testing.assert_array_equal(c.predict(x)[1], ref)
        c[0].weights = np.zeros((16, 12), np.float32)
        np.testing.assert_array_equal(net.predict(x)[1], ref)  # the clone is independent


if __name__ == "__main__":
    unittest.main()
