"""snn.SpNet: the event-driven sparse network (snn_spnet, docs/simulation.md)."""
import collections
import ctypes
import operator
import os
from ctypes import byref, c_double, c_size_t

import numpy as np

from . import _native
from . import library as _lib, RangeError
from ._core import (_Handle, NeuronModel, _b, _call, _f32, _fill, _invalid, _new_handle,
                    _ptr, _sized_bytes, _byte_array)
from ._native import SpnetOptions, SpnetConnectOptions

__all__ = ["SpNet", "SpnetOptions", "SpnetConnectOptions", "SpnetStats"]

#: Counters of an SpNet (snn_spnet_stats without struct_size), from SpNet.stats().
SpnetStats = collections.namedtuple(
    "SpnetStats", [name for name, _ in _native.SpnetStatsStruct._fields_[1:]])

# Names accepted for the enumerated fields of SpnetConnectOptions (snn_spnet_rule,
# snn_spnet_receptor). Kept apart from _core._ENUMS, whose "rule" is the STDP rule.
_SPNET_ENUMS = {
    "rule": {"fixed_prob": 1, "fixed_probability": 1, "prob": 1,
             "fixed_indegree": 2, "fixed_in_degree": 2, "indegree": 2, "in_degree": 2},
    "receptor": {"exc": 1, "excitatory": 1, "inh": 2, "inhibitory": 2},
}


def _pop(pop, what):
    """A population id: an int >= 0 (the library reports ids past the end)."""
    try:
        p = operator.index(pop)
    except TypeError:
        raise TypeError(f"{what}: population id must be an int, got {type(pop).__name__}") \
            from None
    if p < 0:
        raise RangeError(_native.SNN_E_RANGE, f"{what}: no population {p}")
    return p


def _number(v, what):
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise _invalid(f"{what}: expected a number, got {v!r}") from None
    return f


class SpNet(_Handle):
    """An event-driven network of neuron populations joined by sparse random projections
    (the C snn_spnet; docs/simulation.md). Units: ms, mV, pA, nS, pF.

    net = SpNet(dt=0.1, seed=1)                    # fields of SpnetOptions as keywords
    exc = net.add_population(model, 3200)          # -> population id 0, 1, ...
    net.population_set(exc, tau_exc=5, tau_inh=10)
    net.state_uniform(exc, "V", -60, -50)
    net.connect(exc, exc, p=0.02, weight=16.2)     # -> number of synapses
    net.run(1000.0)
    neurons, times = net.spikes()                  # uint32, float64 (ms)
    """

    _copy_hint = "; use save_mem() and SpNet.load_mem()"
    _pickle_hint = _copy_hint

    _free_name = "snn_spnet_free"

    def __init__(self, options=None, **kwargs):
        if options is None:
            options = SpnetOptions()
        elif not isinstance(options, SpnetOptions):
            raise TypeError("SpNet: options must be a snn.SpnetOptions")
        _fill(options, kwargs, "SpNet", _SPNET_ENUMS)
        _Handle.__init__(self, _new_handle("snn_spnet_create", byref(options)))

    @classmethod
    def _wrap(cls, ptr):
        obj = cls.__new__(cls)
        _Handle.__init__(obj, ptr)
        return obj

    # ---- populations
    def add_population(self, model, n):
        """Adds @p n neurons of @p model (a NeuronModel, copied, or a kind name) with the
        next global indices; returns the population id. Only before the first run()."""
        try:
            count = operator.index(n)
        except TypeError:
            raise TypeError(f"SpNet.add_population: n must be an int, got "
                            f"{type(n).__name__}") from None
        if count <= 0:
            raise _invalid(f"SpNet.add_population: n must be >= 1, got {count}")
        h = self.handle
        out = c_size_t()
        if isinstance(model, NeuronModel):
            _call("snn_spnet_add_population", byref(out), h, model.handle, count)
        elif isinstance(model, (str, bytes)):
            with NeuronModel(model) as m:
                _call("snn_spnet_add_population", byref(out), h, m.handle, count)
        else:
            raise TypeError(f"SpNet.add_population: model must be a NeuronModel or a kind "
                            f"name, got {model!r}")
        return out.value

    @property
    def n_neurons(self):
        """Neurons over all populations."""
        return _lib.snn_spnet_n_neurons(self.handle)

    @property
    def n_populations(self):
        """Number of populations (ids 0 .. n_populations - 1)."""
        return _lib.snn_spnet_n_populations(self.handle)

    def population_range(self, pop):
        """Global neuron indices of population @p pop as a range(first, first + n)."""
        first, n = c_size_t(), c_size_t()
        _call("snn_spnet_population_range", byref(first), byref(n), self.handle,
              _pop(pop, "SpNet.population_range"))
        return range(first.value, first.value + n.value)

    def population_size(self, pop):
        return len(self.population_range(pop))

    @property
    def populations(self):
        """range of global indices of every population, in id order."""
        return [self.population_range(k) for k in range(self.n_populations)]

    def population_set(self, pop, name=None, value=None, **settings):
        """population_set(pop, name, value) or population_set(pop, tau_exc=5, I_e=100):
        synapse and recording settings ("synapse", "tau_exc", "tau_inh", "E_exc",
        "E_inh", "I_e", "record", "euler"); returns self."""
        p = _pop(pop, "SpNet.population_set")
        items = list(settings.items())
        if name is not None:
            items.insert(0, (name, value))
        for k, v in items:
            _call("snn_spnet_population_set", self.handle, p, _b(k),
                  _number(v, f"SpNet.population_set: {k}"))
        return self

    def population_get(self, pop, name):
        out = c_double()
        _call("snn_spnet_population_get", byref(out), self.handle,
              _pop(pop, "SpNet.population_get"), _b(name))
        return out.value

    # ---- projections
    def connect(self, src, dst, options=None, **kwargs):
        """Draws a random projection population @p src -> @p dst; returns the number of
        synapses. @p options is a SpnetConnectOptions, or give its fields as keywords:
        p (rule "fixed_prob", the default) or in_degree (rule="fixed_indegree"),
        receptor="exc" | "inh", weight (pA or nS), weight_sd, delay (ms), autapses.
        Only before the first run()."""
        if options is None:
            options = SpnetConnectOptions()
        elif not isinstance(options, SpnetConnectOptions):
            raise TypeError("SpNet.connect: options must be a snn.SpnetConnectOptions")
        _fill(options, kwargs, "SpNet.connect", _SPNET_ENUMS)
        out = c_size_t()
        _call("snn_spnet_connect", byref(out), self.handle, _pop(src, "SpNet.connect: src"),
              _pop(dst, "SpNet.connect: dst"), byref(options))
        return out.value

    # ---- state
    def state(self, pop, var="V"):
        """Copy of state variable @p var ("V", "I_exc"/"I_inh" or "g_exc"/"g_inh", model
        variables such as "u", "w") of population @p pop, float32 (n,)."""
        pop = _pop(pop, "SpNet.state")
        n = self.population_size(pop)
        dst = np.empty(n, dtype=np.float32)
        _call("snn_spnet_state_get", _ptr(dst), self.handle, pop, _b(var), n)
        return dst

    def set_state(self, pop, var, values):
        """Overwrites @p var of population @p pop with n values (a scalar is broadcast)."""
        pop = _pop(pop, "SpNet.set_state")
        n = self.population_size(pop)
        if np.isscalar(values):
            src = np.full(n, _number(values, "SpNet.set_state"), dtype=np.float32)
        else:
            src = _f32(values, "SpNet.set_state").reshape(-1)
        if src.size != n:
            raise _invalid(f"SpNet.set_state: {src.size} values for population {pop} of "
                           f"{n} neurons")
        _call("snn_spnet_state_set", self.handle, pop, _b(var), _ptr(src), n)

    def state_uniform(self, pop, var, lo, hi):
        """Sets @p var of every neuron of @p pop to a uniform draw from [lo, hi) taken
        from the network's random stream."""
        _call("snn_spnet_state_uniform", self.handle, _pop(pop, "SpNet.state_uniform"),
              _b(var), _number(lo, "SpNet.state_uniform: lo"),
              _number(hi, "SpNet.state_uniform: hi"))

    # ---- simulation
    def run(self, duration):
        """Simulates round(duration / dt) steps (@p duration in ms), recording spikes."""
        _call("snn_spnet_run", self.handle, _number(duration, "SpNet.run: duration"))

    @property
    def time(self):
        """Simulated time in ms."""
        return _lib.snn_spnet_time(self.handle)

    def reset(self):
        """Back to time 0 (initial state, empty recorder, zero counters); populations,
        projections, settings and the random stream position are kept."""
        _call("snn_spnet_reset", self.handle)

    def stats(self):
        """SpnetStats(steps, spikes, recorded, dropped, syn_events, n_neurons, n_synapses,
        synapse_bytes, build_seconds, sim_seconds)."""
        s = _native.SpnetStatsStruct()
        s.struct_size = ctypes.sizeof(s)
        _call("snn_spnet_stats_get", byref(s), self.handle)
        return SpnetStats(*(getattr(s, name) for name in SpnetStats._fields))

    # ---- recorder
    @property
    def spike_count(self):
        """Spikes held by the recorder."""
        return _lib.snn_spnet_spike_count(self.handle)

    def spikes(self, first=0, count=None):
        """Recorded spikes [first, first + count) in the order they occurred:
        (neurons uint32 (global indices), times float64 (ms))."""
        total = self.spike_count
        try:
            first = operator.index(first)
            count = total - first if count is None else operator.index(count)
        except TypeError:
            raise TypeError("SpNet.spikes: first and count must be ints") from None
        if first < 0 or count < 0 or first + count > total:
            raise RangeError(_native.SNN_E_RANGE,
                             f"SpNet.spikes: [{first}, {first + count}) is outside the "
                             f"{total} recorded spikes")
        neurons = np.empty(count, dtype=np.uint32)
        times = np.empty(count, dtype=np.float64)
        if count:
            _call("snn_spnet_spikes_get", _ptr(neurons), _ptr(times), self.handle, first,
                  count)
        return neurons, times

    def spikes_clear(self):
        """Empties the recorder and zeroes the dropped counter."""
        _call("snn_spnet_spikes_clear", self.handle)

    # ---- files
    def save(self, path):
        """Writes everything needed to continue bit-identically (atomic replace)."""
        _call("snn_spnet_save", self.handle, _b(os.fspath(path)))

    def save_mem(self):
        """The file save() writes, as bytes."""
        return _sized_bytes("snn_spnet_save_mem", (self.handle,))

    to_bytes = save_mem

    @classmethod
    def load(cls, path):
        return cls._wrap(_new_handle("snn_spnet_load", _b(os.fspath(path))))

    @classmethod
    def load_mem(cls, data):
        """A network from bytes / bytearray / memoryview / uint8 array (save_mem())."""
        arr = _byte_array(data, "SpNet.load_mem")
        return cls._wrap(_new_handle("snn_spnet_load_mem", _ptr(arr), arr.size))

    from_bytes = load_mem

    def __repr__(self):
        if self.closed:
            return "<snn.SpNet closed>"
        return (f"<snn.SpNet {self.n_populations} populations, {self.n_neurons} neurons, "
                f"t = {self.time:g} ms>")

