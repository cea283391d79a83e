"""snn.SpNet: the event-driven sparse network (snn_spnet_*) from Python."""
import ctypes
import math
import os
import tempfile
import unittest

import snn
from snn import _native

from .support import needs_numpy
from .test_native import C_TYPES, header_text, struct_fields

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

# A scaled-down CUBA network (examples/cuba, Brette et al. 2007): 80 % excitatory,
# 20 % inhibitory LIF neurons, p = 80 / N, exponential currents 5 / 10 ms.
N = 400
DURATION = 100.0


def lif():
    return snn.NeuronModel("lif", C_m=200, g_L=10, E_L=-49, V_th=-50, V_reset=-60, t_ref=5)


def cuba(seed=1, n=N):
    net = snn.SpNet(dt=0.1, seed=seed)
    m = lif()
    exc = net.add_population(m, int(0.8 * n))
    inh = net.add_population(m, n - int(0.8 * n))
    m.close()
    for pop in (exc, inh):
        net.population_set(pop, tau_exc=5, tau_inh=10)
        net.state_uniform(pop, "V", -60, -50)
    syn, p = 0, min(1.0, 80.0 / n)
    for src in (exc, inh):
        for dst in (exc, inh):
            syn += net.connect(src, dst, p=p, receptor="inh" if src == inh else "exc",
                               weight=-90.0 if src == inh else 16.2)
    return net, syn


@needs_numpy
class SpnetStructs(unittest.TestCase):
    def test_structs_mirror_header(self):
        text = header_text()
        for cname, cls in (("snn_spnet_options", _native.SpnetOptions),
                           ("snn_spnet_connect_options", _native.SpnetConnectOptions),
                           ("snn_spnet_stats", _native.SpnetStatsStruct)):
            with self.subTest(struct=cname):
                fields = struct_fields(text, cname)
                self.assertEqual([f[0] for f in fields], [f[0] for f in cls._fields_])
                for (name, ctype), (_, ptype) in zip(fields, cls._fields_):
                    self.assertIs(C_TYPES[ctype], ptype, f"{cname}.{name}")

    def test_option_sizes_accepted(self):
        for fn, cls in (("snn_spnet_options_init", _native.SpnetOptions),
                        ("snn_spnet_connect_options_init", _native.SpnetConnectOptions)):
            o = cls(p=0.5) if cls is _native.SpnetConnectOptions else cls(dt=0.5)
            self.assertEqual(o.struct_size, ctypes.sizeof(cls))
            self.assertEqual(getattr(snn.library, fn)(ctypes.byref(o), o.struct_size), 0)
            self.assertEqual([getattr(o, f) for f, _ in cls._fields_[1:]],
                             [0] * (len(cls._fields_) - 1), "init zeroes every field")
            self.assertEqual(getattr(snn.library, fn)(ctypes.byref(o), 4), _native.SNN_E_VERSION)


@needs_numpy
class SpnetBuildRun(unittest.TestCase):
    def test_populations(self):
        with snn.SpNet(seed=3) as net:
            self.assertEqual(net.n_neurons, 0)
            self.assertEqual(net.n_populations, 0)
            a = net.add_population("lif", 5)
            b = net.add_population(snn.NeuronModel("izhikevich"), 7)
            self.assertEqual((a, b), (0, 1))
            self.assertEqual(net.n_neurons, 12)
            self.assertEqual(net.population_range(b), range(5, 12))
            self.assertEqual(net.populations, [range(0, 5), range(5, 12)])
            self.assertEqual(net.population_size(a), 5)
            net.population_set(a, "I_e", 250.0)
            net.population_set(b, tau_exc=2.5, record=0)
            self.assertEqual(net.population_get(a, "I_e"), 250.0)
            self.assertEqual(net.population_get(b, "tau_exc"), 2.5)
            self.assertEqual(net.population_get(b, "record"), 0.0)
            self.assertIn("2 populations, 12 neurons", repr(net))
        self.assertTrue(net.closed)
        self.assertIn("closed", repr(net))
        with self.assertRaises(snn.StateError):
            net.n_neurons

    def test_cuba_spikes(self):
        net, syn = cuba()
        # p = 0.2 over 400 x 400 pairs minus the 400 autapses: ~31,920 synapses
        self.assertGreater(syn, 30000)
        self.assertLess(syn, 34000)
        net.run(DURATION)
        self.assertAlmostEqual(net.time, DURATION, places=9)
        count = net.spike_count
        neurons, times = net.spikes()
        self.assertEqual(neurons.dtype, np.uint32)
        self.assertEqual(times.dtype, np.float64)
        self.assertEqual(neurons.shape, (count,))
        self.assertEqual(times.shape, (count,))
        rate = count / (N * DURATION * 1e-3)
        self.assertGreater(rate, 1.0, "the CUBA network must be active")
        self.assertLess(rate, 100.0)
        self.assertTrue((neurons < N).all())
        self.assertTrue((np.diff(times) >= 0).all(), "spikes are in time order")
        self.assertTrue((times > 0).all() and (times <= DURATION + 1e-9).all())
        # every time is a step end (k + 1) dt
        k = np.round(times / 0.1)
        self.assertTrue(np.allclose(times, k * 0.1, rtol=0, atol=1e-9))
        # a slice equals the same part of the whole
        n2, t2 = net.spikes(10, 5)
        np.testing.assert_array_equal(n2, neurons[10:15])
        np.testing.assert_array_equal(t2, times[10:15])
        s = net.stats()
        self.assertIsInstance(s, snn.SpnetStats)
        self.assertEqual(s.steps, 1000)
        self.assertEqual(s.spikes, count)
        self.assertEqual(s.recorded, count)
        self.assertEqual(s.dropped, 0)
        self.assertEqual(s.n_neurons, N)
        self.assertEqual(s.n_synapses, syn)
        self.assertGreater(s.syn_events, count)  # each spike reaches ~80 targets
        self.assertGreaterEqual(s.synapse_bytes, 4 * syn)
        self.assertGreaterEqual(s.sim_seconds, 0.0)
        # spikes_clear empties the recorder; the simulation goes on
        net.spikes_clear()
        self.assertEqual(net.spike_count, 0)
        self.assertEqual(net.spikes()[0].size, 0)
        net.run(10.0)
        self.assertAlmostEqual(net.time, DURATION + 10.0, places=9)
        # reset: time 0, empty recorder and counters, same projections
        net.reset()
        self.assertEqual(net.time, 0.0)
        self.assertEqual(net.spike_count, 0)
        self.assertEqual(net.stats().steps, 0)
        self.assertEqual(net.stats().n_synapses, syn)
        net.close()

    def test_deterministic(self):
        a, syn_a = cuba(seed=7)
        b, syn_b = cuba(seed=7)
        c, syn_c = cuba(seed=8)
        self.assertEqual(syn_a, syn_b)
        for net in (a, b, c):
            net.run(50.0)
        na, ta = a.spikes()
        nb, tb = b.spikes()
        nc, tc = c.spikes()
        self.assertGreater(na.size, 0)
        self.assertEqual(na.tobytes(), nb.tobytes())
        self.assertEqual(ta.tobytes(), tb.tobytes())
        self.assertEqual(a.state(0, "V").tobytes(), b.state(0, "V").tobytes())
        # another seed draws other synapses and other initial potentials
        self.assertFalse(syn_c == syn_a and na.size == nc.size and (na == nc).all())

    def test_fixed_indegree_and_options_struct(self):
        with snn.SpNet(snn.SpnetOptions(seed=2)) as net:
            a = net.add_population("lif", 20)
            b = net.add_population("lif", 10)
            self.assertEqual(net.connect(a, b, rule="fixed_indegree", in_degree=4,
                                         weight=5.0, delay=1.5), 40)
            opts = snn.SpnetConnectOptions(rule=2, in_degree=3, receptor=2, weight=-2.0)
            self.assertEqual(net.connect(b, b, opts), 30)
            # autapses allowed: all 10 x 10 pairs with p = 1
            self.assertEqual(net.connect(b, b, p=1.0, autapses=True), 100)
            self.assertEqual(net.connect(b, b, p=1.0), 90)
            self.assertEqual(net.stats().n_synapses, 40 + 30 + 100 + 90)

    def test_driven_population_fires_regularly(self):
        # one unconnected LIF population with a constant bias current fires periodically
        with snn.SpNet(dt=0.1) as net:
            pop = net.add_population(lif(), 3)
            net.population_set(pop, I_e=300.0)
            net.run(200.0)
            neurons, times = net.spikes()
            self.assertGreater(neurons.size, 6)
            self.assertEqual(set(neurons.tolist()), {0, 1, 2})
            # identical neurons with identical state fire together
            t0 = times[neurons == 0]
            np.testing.assert_array_equal(t0, times[neurons == 2])
            isi = np.diff(t0)
            self.assertLess(isi.max() - isi.min(), 0.1 + 1e-9)
            # "record" 0 stops recording (spikes still counted)
            net.population_set(pop, record=0)
            before = net.spike_count
            net.run(100.0)
            self.assertEqual(net.spike_count, before)
            self.assertGreater(net.stats().spikes, before)


@needs_numpy
class SpnetState(unittest.TestCase):
    def test_state_round_trip(self):
        with snn.SpNet() as net:
            a = net.add_population("lif", 6)
            b = net.add_population("izhikevich", 4)
            v = np.linspace(-70, -55, 6).astype(np.float32)
            net.set_state(a, "V", v)
            np.testing.assert_array_equal(net.state(a), v)
            net.set_state(a, "I_exc", [1, 2, 3, 4, 5, 6])
            np.testing.assert_array_equal(net.state(a, "I_exc"), np.arange(1, 7, dtype=np.float32))
            net.set_state(b, "u", -3.5)  # a scalar is broadcast
            np.testing.assert_array_equal(net.state(b, "u"), np.full(4, -3.5, np.float32))
            self.assertEqual(net.state(b, "V").dtype, np.float32)
            net.state_uniform(a, "V", -60, -50)
            got = net.state(a)
            self.assertTrue(((got >= -60) & (got < -50)).all())
            self.assertGreater(len(set(got.tolist())), 1)

    def test_state_uniform_is_seeded(self):
        def draw(seed):
            with snn.SpNet(seed=seed) as net:
                net.add_population("lif", 50)
                net.state_uniform(0, "V", -60, -50)
                return net.state(0)
        self.assertEqual(draw(5).tobytes(), draw(5).tobytes())
        self.assertNotEqual(draw(5).tobytes(), draw(6).tobytes())


@needs_numpy
class SpnetErrors(unittest.TestCase):
    def setUp(self):
        self.net = snn.SpNet()
        self.pop = self.net.add_population("lif", 4)

    def tearDown(self):
        self.net.close()

    def test_bad_create(self):
        with self.assertRaises(snn.RangeError):
            snn.SpNet(dt=100.0)
        with self.assertRaises(snn.InvalidError):
            snn.SpNet(dt=math.nan)
        with self.assertRaises(snn.InvalidError):
            snn.SpNet(seed=-1)          # would wrap to 2^64 - 1 in the ctypes field
        with self.assertRaises(TypeError):
            snn.SpNet(step=0.1)
        with self.assertRaises(TypeError):
            snn.SpNet(snn.SpnetConnectOptions())

    def test_unknown_population(self):
        net = self.net
        with self.assertRaises(snn.RangeError):
            net.population_range(1)
        with self.assertRaises(snn.RangeError):
            net.population_range(-1)
        with self.assertRaises(snn.RangeError):
            net.state(3)
        with self.assertRaises(snn.RangeError):
            net.population_set(9, "I_e", 1.0)
        with self.assertRaises(snn.RangeError):
            net.population_get(9, "I_e")
        with self.assertRaises(snn.RangeError):
            net.connect(0, 1, p=0.5)
        with self.assertRaises(snn.RangeError):
            net.state_uniform(2, "V", 0, 1)
        with self.assertRaises(TypeError):
            net.state(0.0)

    def test_bad_values(self):
        net = self.net
        with self.assertRaises(snn.InvalidError):
            net.set_state(0, "V", np.zeros(5))          # wrong length, checked in Python
        with self.assertRaises(snn.InvalidError):
            net.set_state(0, "V", [0, 0, math.nan, 0])  # NaN, refused by the library
        with self.assertRaises(snn.NotFoundError):
            net.state(0, "nope")
        with self.assertRaises(snn.NotFoundError):
            net.set_state(0, "nope", 0.0)
        with self.assertRaises(snn.NotFoundError):
            net.population_set(0, "nope", 1.0)
        with self.assertRaises(snn.InvalidError):
            net.population_set(0, "I_e", math.inf)
        with self.assertRaises(snn.InvalidError):
            net.state_uniform(0, "V", 1.0, 0.0)         # lo > hi
        with self.assertRaises(snn.InvalidError):
            net.state_uniform(0, "V", math.nan, 0.0)
        with self.assertRaises(snn.InvalidError):
            net.add_population("lif", 0)
        with self.assertRaises(snn.NotFoundError):
            net.add_population("no_such_kind", 3)
        with self.assertRaises(TypeError):
            net.add_population(None, 3)
        with self.assertRaises(snn.RangeError):
            net.connect(0, 0, p=1.5)
        with self.assertRaises(snn.RangeError):
            net.connect(0, 0)                           # neither p nor in_degree
        with self.assertRaises(snn.InvalidError):
            net.connect(0, 0, p=0.5, weight=math.nan)
        with self.assertRaises(snn.InvalidError):
            net.connect(0, 0, rule="fixed_indegree", in_degree=-1)
        with self.assertRaises(snn.InvalidError):
            net.connect(0, 0, p=0.5, receptor="gaba")
        with self.assertRaises(TypeError):
            net.connect(0, 0, probability=0.5)
        with self.assertRaises(snn.InvalidError):
            net.run(-1.0)
        with self.assertRaises(snn.InvalidError):
            net.run(math.nan)
        with self.assertRaises(snn.RangeError):
            net.spikes(1, 0)                            # nothing recorded yet
        with self.assertRaises(snn.InvalidError):
            snn.SpNet.load_mem(b"")

    def test_call_order(self):
        net = self.net
        net.run(1.0)
        with self.assertRaises(snn.StateError):
            net.add_population("lif", 2)
        with self.assertRaises(snn.StateError):
            net.connect(0, 0, p=0.5)
        with self.assertRaises(snn.StateError):
            net.population_set(0, "synapse", 1)
        with snn.SpNet() as empty:
            with self.assertRaises(snn.StateError):
                empty.run(1.0)                          # no population


@needs_numpy
class SpnetFiles(unittest.TestCase):
    def test_continue_after_load_mem_is_identical(self):
        ref, _ = cuba(seed=4)
        ref.run(60.0)
        part, _ = cuba(seed=4)
        part.run(30.0)
        blob = part.save_mem()
        self.assertIsInstance(blob, bytes)
        part.close()
        cont = snn.SpNet.load_mem(bytearray(blob))
        self.assertAlmostEqual(cont.time, 30.0, places=9)
        self.assertEqual(cont.n_populations, 2)
        self.assertEqual(cont.n_neurons, N)
        cont.run(30.0)
        nr, tr = ref.spikes()
        nc, tc = cont.spikes()
        self.assertGreater(nr.size, 0)
        self.assertEqual(nr.tobytes(), nc.tobytes())
        self.assertEqual(tr.tobytes(), tc.tobytes())
        for pop in (0, 1):
            self.assertEqual(ref.state(pop, "V").tobytes(), cont.state(pop, "V").tobytes())
            self.assertEqual(ref.state(pop, "I_inh").tobytes(),
                             cont.state(pop, "I_inh").tobytes())
        self.assertEqual(ref.stats().n_synapses, cont.stats().n_synapses)
        self.assertEqual(ref.stats().spikes, cont.stats().spikes)
        # the same bytes as a file, and back
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "net.snn")
            cont.save(path)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), cont.save_mem())
            again = snn.SpNet.load(path)
            self.assertEqual(again.save_mem(), cont.save_mem())
            self.assertEqual(again.population_range(1), cont.population_range(1))
            with self.assertRaises(snn.IOError_):
                snn.SpNet.load(os.path.join(d, "missing.snn"))

    def test_corrupted_bytes(self):
        net, _ = cuba(seed=2, n=50)
        net.run(5.0)
        blob = net.save_mem()
        mid = len(blob) // 2
        for bad in (blob[:-9], blob[:mid] + bytes([blob[mid] ^ 0xFF]) + blob[mid + 1:],
                    blob[:40]):
            with self.assertRaises(snn.FormatError):
                snn.SpNet.load_mem(bad)
        # a layered network file is not an spnet file, and the other way round
        other = snn.Network(3)
        other.add(snn.Layer.dense(3, 2))
        with self.assertRaises(snn.FormatError):
            snn.SpNet.load_mem(other.save_mem())
        with self.assertRaises(snn.FormatError):
            snn.Network.load_mem(blob)

    def test_custom_model_cannot_be_saved(self):
        def init(p, s):
            s[0] = 0.0

        def step(p, s, i, spk, dt):
            s[0] += i * dt

        m = snn.NeuronModel.custom("pyspn_integrator", init, step)
        with snn.SpNet() as net:
            net.add_population(m, 3)
            net.run(1.0)
            with self.assertRaises(snn.UnsupportedError):
                net.save_mem()


if __name__ == "__main__":
    unittest.main()
