"""Python classes over the libsnn handles (NumPy interop, ownership, callbacks)."""
import collections
import ctypes
import itertools
import operator
import os
import signal
import threading
import weakref
from ctypes import byref, c_double, c_size_t, c_void_p

import numpy as np

from . import _native
from . import (library as _lib, error_for as _error_for, InvalidError, StateError,
               UnsupportedError, MISSING_SYMBOLS)
from ._native import BpttOptions, StdpOptions, SpikepropOptions, NirOptions

__all__ = ["NeuronModel", "ParamInfo", "Population", "Encoder", "Dataset", "Layer", "Network",
           "Learner", "Progress", "BpttOptions", "StdpOptions", "SpikepropOptions", "NirOptions",
           "nir_describe"]

#: Description of one named parameter (NeuronModel.params(), Encoder.params()).
ParamInfo = collections.namedtuple("ParamInfo", "name default min max unit doc")

#: Progress report passed to a training callback (snn_progress).
Progress = collections.namedtuple(
    "Progress", "epoch n_epochs batch n_batches loss accuracy seconds")


def _b(s):
    """str -> bytes for a const char * argument."""
    if isinstance(s, bytes):
        return s
    if not isinstance(s, str):
        raise TypeError(f"expected a str, got {type(s).__name__}")
    return s.encode()


def _s(b):
    return None if b is None else b.decode(errors="replace")


def _invalid(msg):
    return InvalidError(_native.SNN_E_INVALID, msg)


# Per-thread state of the calls into libsnn that may run Python callbacks (custom neuron
# models, progress callables). Callbacks run on the thread that made the call.
# - errors: exceptions raised by plug-in callbacks during the current call. The callback
#   returns an error status to C, and the call that failed because of it re-raises the
#   exception (only that call: the list is per thread and cleared when a call starts).
# - depth: callbacks running on this thread (nested calls inside them included).
# - deferred: finalizers of objects closed inside a callback; the running C call may still
#   use them, so they are freed when the outermost call has returned.
_plugin_lock = threading.Lock()
_tls = threading.local()


def _cb_state():
    st = getattr(_tls, "state", None)
    if st is None:
        st = _tls.state = _CallbackState()
    return st


class _CallbackState:
    __slots__ = ("errors", "depth", "deferred")

    def __init__(self):
        self.errors = []
        self.depth = 0
        self.deferred = []


class _in_callback:
    """Context manager around the Python code of a callback that C runs."""

    def __enter__(self):
        _cb_state().depth += 1

    def __exit__(self, *exc):
        _cb_state().depth -= 1
        return False


def _plugin_failed(exc):
    _cb_state().errors.append(exc)


def _call_begin():
    st = _cb_state()
    if st.depth == 0:
        st.errors.clear()  # left by a call that absorbed a callback's failure


def _call_end():
    st = _cb_state()
    if st.depth == 0 and st.deferred:
        pending, st.deferred = st.deferred, []
        for fin in pending:
            fin()


def _raise_status(rc):
    err = _error_for(rc)
    st = _cb_state()
    pending, st.errors = st.errors, []
    if pending:
        raise pending[-1] from err
    raise err


def _fn(name):
    """Library function @p name; UnsupportedError when the loaded libsnn lacks it."""
    fn = getattr(_lib, name, None)
    if fn is None or name in MISSING_SYMBOLS:
        raise UnsupportedError(_native.SNN_E_UNSUPPORTED,
                               f"{name}: not exported by the loaded libsnn")
    return fn


def _call(name, *args):
    """Calls library function @p name and raises the matching snn.Error on failure."""
    fn = _fn(name)
    _call_begin()
    try:
        rc = fn(*args)
    finally:
        _call_end()
    if rc < 0:
        _raise_status(rc)
    return rc


def _f32(a, what):
    """A float32 C-contiguous view of @p a (no copy when it already is one)."""
    try:
        arr = np.ascontiguousarray(a, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise _invalid(f"{what}: cannot convert to a float32 array ({exc})") from None
    return arr


def _i32(a, what):
    try:
        arr = np.ascontiguousarray(a, dtype=np.int32)
    except (TypeError, ValueError) as exc:
        raise _invalid(f"{what}: cannot convert to an int32 array ({exc})") from None
    return arr


def _ptr(arr):
    """Address of a NumPy array's data (for a c_void_p argument), None for None."""
    return None if arr is None else arr.ctypes.data


def _rows(x, n_features, what):
    """Validates @p x as n samples of n_features values; returns (float32 array, n)."""
    arr = _f32(x, what)
    if arr.ndim == 0:
        raise _invalid(f"{what}: expected an array of samples, got a scalar")
    if arr.ndim == 1:
        if arr.size != n_features:
            raise _invalid(f"{what}: a single sample must have {n_features} values, "
                           f"got {arr.size}")
        return arr, 1
    n = arr.shape[0]
    per = arr.size // n if n else 0
    if n == 0:
        raise _invalid(f"{what}: no samples")
    if per != n_features:
        raise _invalid(f"{what}: samples have {per} values (shape {arr.shape}); "
                       f"expected {n_features}")
    return arr, n


def _dataset(d, what):
    if not isinstance(d, Dataset):
        raise TypeError(f"{what}: expected a snn.Dataset, got {type(d).__name__}")
    return d.handle


def _labels_for(labels, n, what):
    lab = _i32(labels, what)
    if lab.ndim != 1 or lab.shape[0] != n:
        raise _invalid(f"{what}: expected {n} labels, got shape {lab.shape}")
    return lab


class _Handle:
    """Owner of one C handle: close() / context manager / finalizer free it exactly once."""

    _free_name = None

    def __init__(self, ptr, owned=True):
        self._ptr = ptr
        if owned:
            self._finalizer = weakref.finalize(self, getattr(_lib, self._free_name), ptr)
        else:
            self._finalizer = None

    @property
    def handle(self):
        """The raw C pointer (int); raises StateError once the object is closed."""
        if not self._ptr:
            raise StateError(_native.SNN_E_STATE,
                             f"{type(self).__name__}: the object is closed")
        return self._ptr

    @property
    def closed(self):
        return not self._ptr

    def close(self):
        """Frees the C object now (idempotent); later use raises StateError. Inside a
        callback (a progress callable, a Python neuron model) the object is closed for
        Python at once and freed when the library call running the callback returns."""
        fin, self._finalizer = self._finalizer, None
        self._ptr = None
        if fin is not None:
            st = _cb_state()
            if st.depth > 0:
                st.deferred.append(fin)
            else:
                fin()

    def __copy__(self):
        raise TypeError(f"snn.{type(self).__name__} cannot be copied: a copy would share "
                        f"its C object" + self._copy_hint)

    def __deepcopy__(self, memo):
        self.__copy__()

    def __reduce_ex__(self, protocol):
        raise TypeError(f"snn.{type(self).__name__} cannot be pickled (it wraps a C "
                        f"object){self._pickle_hint}")

    _copy_hint = ""
    _pickle_hint = ""

    def _disown(self):
        """Ownership moved to C (or to a parent): never free this pointer from Python."""
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        state = "closed" if self.closed else hex(self._ptr)
        return f"<snn.{type(self).__name__} {state}>"


def _new_handle(fn_name, *args):
    out = c_void_p()
    _call(fn_name, byref(out), *args)
    return out.value


def _sized_bytes(fn_name, before, after=()):
    """Calls fn(size*, *before, buf, cap, *after) twice (size query, then fill) and
    returns the bytes written (the *_save_mem / export_nir_mem pattern)."""
    fn = _fn(fn_name)
    size = c_size_t()
    rc = fn(byref(size), *before, None, 0, *after)
    if rc not in (0, _native.SNN_E_RANGE):
        _raise_status(rc)
    buf = ctypes.create_string_buffer(max(size.value, 1))
    _call(fn_name, byref(size), *before, ctypes.addressof(buf), size.value, *after)
    return buf.raw[:size.value]


def _byte_array(data, what):
    """bytes / bytearray / memoryview / uint8 array -> non-empty uint8 array (no copy)."""
    mv = memoryview(data).cast("B")
    if len(mv) == 0:
        raise _invalid(f"{what}: empty buffer")
    return np.frombuffer(mv, dtype=np.uint8)


class _Params:
    """Named parameters as attributes, items and keyword arguments (models, encoders)."""

    _prefix = None  # "snn_neuron_model" or "snn_encoder"

    def _info(self, i):
        info = _native.ParamInfoStruct()
        info.struct_size = ctypes.sizeof(info)
        _call(self._prefix + "_param_info", byref(info), self.handle, i)
        return ParamInfo(_s(info.name), info.default_value, info.min_value, info.max_value,
                         _s(info.unit) or "", _s(info.doc) or "")

    def params(self):
        """List of ParamInfo(name, default, min, max, unit, doc) for every parameter."""
        n = getattr(_lib, self._prefix + "_param_count")(self.handle)
        return [self._info(i) for i in range(n)]

    @property
    def param_names(self):
        return [p.name for p in self.params()]

    def get(self, name):
        """Value of parameter @p name (float)."""
        out = c_double()
        _call(self._prefix + "_get", byref(out), self.handle, _b(name))
        return out.value

    def set(self, name=None, value=None, **params):
        """set(name, value) or set(name1=v1, ...); str values use the enumerated setter."""
        items = list(params.items())
        if name is not None:
            items.insert(0, (name, value))
        for k, v in items:
            if isinstance(v, (str, bytes)):
                _call(self._prefix + "_set_str", self.handle, _b(k), _b(v))
            else:
                try:
                    fv = float(v)
                except (TypeError, ValueError):
                    raise _invalid(f"{k}: expected a number or a str, got {v!r}") from None
                _call(self._prefix + "_set", self.handle, _b(k), fv)
        return self

    def values(self):
        """Dict of every parameter's current value."""
        return {n: self.get(n) for n in self.param_names}

    def __getitem__(self, name):
        return self.get(name)

    def __setitem__(self, name, value):
        self.set(name, value)

    def __getattr__(self, name):
        # Only called when normal lookup fails: parameters as attributes.
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            ptr = self.__dict__.get("_ptr")
            if not ptr:
                raise AttributeError(name)
            out = c_double()
            rc = getattr(_lib, self._prefix + "_get")(byref(out), ptr, _b(name))
        except UnicodeEncodeError:
            raise AttributeError(name) from None
        if rc < 0:
            raise AttributeError(f"{type(self).__name__} has no parameter {name!r}")
        return out.value

    def __setattr__(self, name, value):
        if name.startswith("_") or name in type(self).__dict__ or hasattr(type(self), name):
            object.__setattr__(self, name, value)
        else:
            self.set(name, value)

    def __dir__(self):
        names = list(super().__dir__())
        if not self.closed:
            names += self.param_names
        return names


# Python plug-ins alive in C: token (the `user` pointer) -> ops struct and callbacks.
_custom_models = {}
_custom_graveyard = []
_custom_tokens = itertools.count(1)


# ---------------------------------------------------------------------------------------
class NeuronModel(_Params, _Handle):
    """A neuron model: a kind ("if", "lif", "izhikevich", "adex", ...) and its parameters.

    NeuronModel("lif", V_th=1.0, reset="subtract")
    NeuronModel("izhikevich", preset="rs_2003")
    Parameters are attributes (m.V_th), items (m["V_th"]) and keyword arguments;
    m.params() lists them with defaults, bounds, units and docs.
    """

    _free_name = "snn_neuron_model_free"
    _prefix = "snn_neuron_model"

    def __init__(self, kind="lif", preset=None, **params):
        if preset is None:
            ptr = _new_handle("snn_neuron_model_create", _b(kind))
        else:
            ptr = _new_handle("snn_neuron_model_create_preset", _b(kind), _b(preset))
        _Handle.__init__(self, ptr)
        if params:
            self.set(**params)

    @classmethod
    def _wrap(cls, ptr):
        obj = cls.__new__(cls)
        _Handle.__init__(obj, ptr)
        return obj

    @classmethod
    def leaky(cls, beta=0.9, threshold=1.0, spiking=True, dt=1.0):
        """snnTorch's Leaky neuron as a "lif" model (the neuron of bin/mnist):
        V <- beta V + I per step of @p dt ms, spike when V >= threshold, reset by
        subtraction, E_L = V_reset = 0. With spiking=False the threshold is put out
        of reach (a leaky-integrator readout for membrane losses)."""
        import math
        if not 0.0 < beta < 1.0:
            raise _invalid(f"NeuronModel.leaky: beta must be in (0, 1), got {beta}")
        m = cls("lif")
        g_l = 1.0 - beta
        c_m = g_l * dt / -math.log(beta)
        m.set(E_L=0.0, V_reset=0.0, g_L=g_l, C_m=c_m, t_ref=0.0, reset="subtract")
        if spiking:
            m.V_th = threshold
        else:
            v_max = next(p.max for p in m.params() if p.name == "V_th")
            m.V_th = min(1e4, v_max)  # bin/mnist: 1e4, or the largest accepted value
        return m

    @classmethod
    def custom(cls, name, init, step, params=(), state_names=("V",)):
        """A user-defined neuron model whose equations are Python functions.

        params: sequence of (name, default, min, max[, unit[, doc]]) or ParamInfo.
        init(params, state): fill state (float32 array (n_state, n), a view of the
            library's memory) with the initial values; params is a read-only float64
            array of the current parameter values in table order.
        step(params, state, i_in, spikes, dt): advance every neuron by dt ms with input
            current i_in (float32 (n,)); update state in place and set spikes (uint8
            (n,), zeroed before the call) to 1 where a neuron fired.
        Both work on all n neurons at once (use NumPy). An exception in a callback makes
        the library call fail and is re-raised from it. The model has no gradient, so
        Learner.bptt refuses networks using it (UnsupportedError); a saved network that
        uses it loads only when a model of this kind is given: Network.load(path,
        models=[model]) (without it: NotFoundError naming the kind).
        """
        if not callable(init) or not callable(step):
            raise TypeError("NeuronModel.custom: init and step must be callable")
        state_names = [str(v) for v in state_names]
        rows = []
        for p in params:
            p = tuple(p)
            if not 4 <= len(p) <= 6:
                raise TypeError("NeuronModel.custom: a parameter is (name, default, min, max"
                                "[, unit[, doc]])")
            rows.append((str(p[0]), float(p[1]), float(p[2]), float(p[3]),
                         str(p[4]) if len(p) > 4 else "", str(p[5]) if len(p) > 5 else ""))
        n_state, n_params = len(state_names), len(rows)
        token = next(_custom_tokens)
        label = str(name)

        def fail(exc, what):
            _plugin_failed(exc)
            try:
                _lib.snn_set_error(f"custom neuron kind '{label}': {what} raised "
                                   f"{type(exc).__name__}: {exc}"[:511].encode(errors="replace"))
            except Exception:  # noqa: BLE001 - never let anything cross into C
                pass
            return _native.SNN_E_INVALID

        def views(p_ptr, s_ptr, n):
            prm = (np.ctypeslib.as_array(p_ptr, (n_params,)) if n_params and p_ptr
                   else np.empty(0))
            prm.flags.writeable = False
            st = np.ctypeslib.as_array(s_ptr, (n_state, n))
            return prm, st

        def c_init(user, p_ptr, s_ptr, n):
            try:
                with _in_callback():
                    prm, st = views(p_ptr, s_ptr, n)
                    init(prm, st)
                return 0
            except BaseException as exc:  # noqa: BLE001
                return fail(exc, "init")

        def c_step(user, p_ptr, s_ptr, i_ptr, spk_ptr, n, dt):
            try:
                with _in_callback():
                    prm, st = views(p_ptr, s_ptr, n)
                    cur = (np.ctypeslib.as_array(i_ptr, (n,)) if i_ptr
                           else np.zeros(n, np.float32))
                    spk = np.ctypeslib.as_array(spk_ptr, (n,))
                    spk[:] = 0
                    step(prm, st, cur, spk, dt)
                return 0
            except BaseException as exc:  # noqa: BLE001
                return fail(exc, "step")

        def c_destroy(user):
            # called by C when the last copy of the model is freed: release the tables
            # later (not while this very callback is running)
            with _plugin_lock:
                entry = _custom_models.pop(user, None)
                if entry is not None:
                    _custom_graveyard.append(entry)

        names_arr = (ctypes.c_char_p * n_state)(*[v.encode() for v in state_names])
        defs = (_native.ParamDefStruct * max(n_params, 1))()
        for i, (pn, d, lo, hi, unit, doc) in enumerate(rows):
            defs[i].name, defs[i].default_value = pn.encode(), d
            defs[i].min_value, defs[i].max_value = lo, hi
            defs[i].unit, defs[i].doc = unit.encode(), doc.encode()
        ops = _native.NeuronOpsStruct()
        ops.struct_size = ctypes.sizeof(ops)
        ops.name = label.encode()
        ops.n_state = n_state
        ops.state_names = names_arr
        ops.n_params = n_params
        ops.params = defs if n_params else None
        ops.init = _native.NEURON_INIT_FN(c_init)
        ops.step = _native.NEURON_STEP_FN(c_step)
        ops.step_grad = None
        ops.destroy = _native.DESTROY_FN(c_destroy)
        with _plugin_lock:
            _custom_graveyard.clear()
            _custom_models[token] = (ops, names_arr, defs, c_init, c_step, c_destroy)
        try:
            ptr = _new_handle("snn_neuron_model_create_custom", byref(ops), token)
        except BaseException:
            with _plugin_lock:
                _custom_models.pop(token, None)  # failed before the library took it
            raise
        return cls._wrap(ptr)

    @staticmethod
    def kinds():
        """Names of every neuron kind (built-in and registered custom)."""
        n = _lib.snn_neuron_kind_count()
        return [_s(_lib.snn_neuron_kind_name(i)) for i in range(n)]

    @staticmethod
    def presets(kind):
        """Dict preset name -> one-line description for @p kind ({} for unknown kinds)."""
        k = _b(kind)
        n = _lib.snn_neuron_preset_count(k)
        return {_s(_lib.snn_neuron_preset_name(k, i)): _s(_lib.snn_neuron_preset_doc(k, i)) or ""
                for i in range(n)}

    @property
    def kind(self):
        return _s(_lib.snn_neuron_model_kind(self.handle))

    @property
    def state_names(self):
        """Names of the per-neuron state variables ("V" first)."""
        h = self.handle
        return [_s(_lib.snn_neuron_model_state_name(h, i))
                for i in range(_lib.snn_neuron_model_state_count(h))]

    def clone(self):
        """Deep copy (a new, independently owned model)."""
        return NeuronModel._wrap(_new_handle("snn_neuron_model_clone", self.handle))

    __copy__ = clone

    def __deepcopy__(self, memo):
        return self.clone()

    def __repr__(self):
        if self.closed:
            return "<snn.NeuronModel closed>"
        return f"<snn.NeuronModel {self.kind!r}>"


# ---------------------------------------------------------------------------------------
class Population(_Handle):
    """n neurons of one model with their state, advanced step by step (no learning)."""

    _free_name = "snn_population_free"

    def __init__(self, model, n):
        if not isinstance(model, NeuronModel):
            model = NeuronModel(model)
        if int(n) < 0:
            raise _invalid(f"Population: n must be >= 1, got {n}")
        _Handle.__init__(self, _new_handle("snn_population_create", model.handle, int(n)))
        self._vars = model.state_names

    def __len__(self):
        return _lib.snn_population_size(self.handle)

    @property
    def size(self):
        return len(self)

    @property
    def state_names(self):
        return list(self._vars)

    def reset(self):
        _call("snn_population_reset", self.handle)

    def step(self, current=None, dt=1.0, spikes=None):
        """Advances every neuron by @p dt ms with input current (pA; array of n, scalar or None).

        Returns the spikes of this step as a uint8 array of n (0/1); pass @p spikes
        (a uint8 C-contiguous array of n) to reuse a buffer.
        """
        n = len(self)
        cur = None
        if current is not None:
            if np.isscalar(current):
                cur = np.full(n, current, dtype=np.float32)
            else:
                cur = _f32(current, "Population.step: current").reshape(-1)
                if cur.size != n:
                    raise _invalid(f"Population.step: current has {cur.size} values, "
                                   f"the population {n} neurons")
        if spikes is None:
            spikes = np.empty(n, dtype=np.uint8)
        elif (not isinstance(spikes, np.ndarray) or spikes.dtype != np.uint8 or
              spikes.size != n or not spikes.flags.c_contiguous or not spikes.flags.writeable):
            raise _invalid(f"Population.step: spikes must be a writable C-contiguous uint8 "
                           f"array of {n}")
        _call("snn_population_step", self.handle, _ptr(spikes), _ptr(cur), n, float(dt))
        return spikes

    def run(self, current, dt=1.0, record=("V",)):
        """Runs len(current) steps (current: (T, n) or (T,) broadcast); returns a dict with
        "spikes" (T, n) uint8 and each recorded state variable (T, n) float32."""
        n = len(self)
        cur = _f32(current, "Population.run: current")
        if cur.ndim == 1:
            cur = np.ascontiguousarray(np.repeat(cur[:, None], n, axis=1))
        if cur.ndim != 2 or cur.shape[1] != n:
            raise _invalid(f"Population.run: current must have shape (T, {n}), got {cur.shape}")
        steps = cur.shape[0]
        out = {"spikes": np.empty((steps, n), dtype=np.uint8)}
        for v in record:
            out[v] = np.empty((steps, n), dtype=np.float32)
        for t in range(steps):
            _call("snn_population_step", self.handle, _ptr(out["spikes"][t]), _ptr(cur[t]), n,
                  float(dt))
            for v in record:
                _call("snn_population_state_get", _ptr(out[v][t]), self.handle, _b(v), n)
        return out

    def state(self, var="V"):
        """Copy of state variable @p var as a float32 array of n."""
        n = len(self)
        dst = np.empty(n, dtype=np.float32)
        _call("snn_population_state_get", _ptr(dst), self.handle, _b(var), n)
        return dst

    def set_state(self, var, values):
        n = len(self)
        if np.isscalar(values):
            src = np.full(n, values, dtype=np.float32)
        else:
            src = _f32(values, "Population.set_state").reshape(-1)
        if src.size != n:
            raise _invalid(f"Population.set_state: {src.size} values for {n} neurons")
        _call("snn_population_state_set", self.handle, _b(var), _ptr(src), n)

    @property
    def V(self):
        return self.state("V")


# ---------------------------------------------------------------------------------------
class Encoder(_Params, _Handle):
    """Input encoder: "rate", "latency", "direct", "population", "delta".

    Encoder("rate", max_rate=200.0, seed=42); parameters as for NeuronModel.
    """

    _free_name = "snn_encoder_free"
    _prefix = "snn_encoder"

    def __init__(self, kind="direct", seed=None, **params):
        _Handle.__init__(self, _new_handle("snn_encoder_create", _b(kind)))
        if params:
            self.set(**params)
        if seed is not None:
            self.seed(seed)

    @classmethod
    def _wrap(cls, ptr):
        obj = cls.__new__(cls)
        _Handle.__init__(obj, ptr)
        return obj

    @property
    def kind(self):
        return _s(_lib.snn_encoder_kind(self.handle))

    def seed(self, seed):
        """Re-seeds the random generator (and resets "delta" state)."""
        _call("snn_encoder_seed", self.handle, int(seed))
        return self

    def output_size(self, n_in):
        out = c_size_t()
        _call("snn_encoder_output_size", byref(out), self.handle, int(n_in))
        return out.value

    def clone(self):
        return Encoder._wrap(_new_handle("snn_encoder_clone", self.handle))

    __copy__ = clone

    def __deepcopy__(self, memo):
        return self.clone()

    def encode(self, x, n_steps):
        """Encodes input vector @p x (n_in values; for "delta" a (n_steps, n_in) series)
        into a float32 array of shape (n_steps, n_channels)."""
        arr = _f32(x, "Encoder.encode: x")
        n_steps = int(n_steps)
        if n_steps <= 0:
            raise _invalid(f"Encoder.encode: n_steps must be >= 1, got {n_steps}")
        if self.kind == "delta":
            # a time series: one row of n_in values per step
            if arr.ndim == 1 and n_steps == 1:
                arr = arr.reshape(1, -1)
            if arr.ndim != 2 or arr.shape[0] != n_steps:
                raise _invalid(f"Encoder.encode: delta needs a ({n_steps}, n_in) series, "
                               f"got shape {arr.shape}")
            n_in = arr.shape[1]
        else:
            arr = arr.reshape(-1)
            n_in = arr.size
        if n_in == 0:
            raise _invalid("Encoder.encode: empty input")
        n_chan = self.output_size(n_in)
        out = np.empty((n_steps, n_chan), dtype=np.float32)
        _call("snn_encoder_encode", self.handle, _ptr(out), out.size, _ptr(arr), n_in, n_steps)
        return out

    def spike_times(self, x):
        """Spike time (ms) per output channel for "latency"/"population"; -1 = no spike."""
        arr = _f32(x, "Encoder.spike_times: x").reshape(-1)
        if arr.size == 0:
            raise _invalid("Encoder.spike_times: empty input")
        n_chan = self.output_size(arr.size)
        out = np.empty(n_chan, dtype=np.float32)
        _call("snn_encoder_spike_times", self.handle, _ptr(out), n_chan, _ptr(arr), arr.size)
        return out

    def __repr__(self):
        return "<snn.Encoder closed>" if self.closed else f"<snn.Encoder {self.kind!r}>"


# ---------------------------------------------------------------------------------------
class Dataset(_Handle):
    """n samples of n_features float32 values, with an integer label each (-1 = none).

    Dataset(x, labels) copies NumPy arrays (x: (n, ...) flattened per sample);
    Dataset.load_idx(images, labels), Dataset.load_csv(path, label_column=-1).
    """

    _copy_hint = "; use get() for its arrays and Dataset(...) for a new one"
    _pickle_hint = _copy_hint

    _free_name = "snn_dataset_free"

    def __init__(self, x, labels=None):
        arr = _f32(x, "Dataset: x")
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.ndim < 2 or arr.shape[0] == 0 or arr.size == 0:
            raise _invalid(f"Dataset: x must be (n_samples, n_features) with both >= 1, "
                           f"got shape {arr.shape}")
        n = arr.shape[0]
        nf = arr.size // n
        lab = None if labels is None else _labels_for(labels, n, "Dataset: labels")
        _Handle.__init__(self, _new_handle("snn_dataset_create", _ptr(arr), _ptr(lab), n, nf))

    @classmethod
    def _wrap(cls, ptr):
        obj = cls.__new__(cls)
        _Handle.__init__(obj, ptr)
        return obj

    @classmethod
    def load_idx(cls, images, labels=None):
        """Loads IDX image and label files (MNIST layout), pixels scaled to [0, 1]."""
        lab = None if labels is None else _b(os.fspath(labels))
        return cls._wrap(_new_handle("snn_dataset_load_idx", _b(os.fspath(images)), lab))

    @classmethod
    def load_csv(cls, path, label_column=-1, has_header=False):
        """Loads a numeric CSV file; the label is column @p label_column (-1 = last)."""
        return cls._wrap(_new_handle("snn_dataset_load_csv", _b(os.fspath(path)),
                                     int(label_column), 1 if has_header else 0))

    def __len__(self):
        return _lib.snn_dataset_size(self.handle)

    @property
    def n_features(self):
        return _lib.snn_dataset_n_features(self.handle)

    @property
    def n_classes(self):
        return _lib.snn_dataset_n_classes(self.handle)

    def get(self, first=0, count=None):
        """Copies samples [first, first+count) out: (x float32 (count, n_features),
        labels int32 (count,))."""
        n = len(self)
        first = int(first)
        if count is None:
            count = n - first
        count = int(count)
        if first < 0 or count < 0:
            raise _invalid(f"Dataset.get: first and count must be >= 0 (got {first}, {count})")
        x = np.empty((count, self.n_features), dtype=np.float32)
        y = np.empty(count, dtype=np.int32)
        _call("snn_dataset_get", _ptr(x), _ptr(y), self.handle, first, count)
        return x, y

    @property
    def x(self):
        return self.get()[0]

    @property
    def labels(self):
        n = len(self)
        y = np.empty(n, dtype=np.int32)
        _call("snn_dataset_get", None, _ptr(y), self.handle, 0, n)
        return y

    def subset(self, first=0, count=None):
        """A new dataset holding samples [first, first+count)."""
        x, y = self.get(first, count)
        return Dataset(x, y if (y >= 0).all() else None)

    def feature_ranges(self):
        """Per-feature (min, max) over all samples, two float32 arrays of n_features.

        These are the ranges normalize() uses with this dataset as the reference: save
        the training set's ranges with your model and pass them as
        ``normalize(ranges=(min, max))`` to new data later.
        """
        nf = self.n_features
        lo = np.empty(nf, dtype=np.float32)
        hi = np.empty(nf, dtype=np.float32)
        _call("snn_dataset_feature_ranges", _ptr(lo), _ptr(hi), nf, self.handle)
        return lo, hi

    def normalize(self, ref=None, *, ranges=None):
        """Min-max scales every feature to [0, 1], in place; returns self.

        With @p ref (a Dataset; default: self) the ranges of @p ref are used; with
        ``ranges=(min, max)`` (two sequences of n_features numbers, converted to float32,
        e.g. from feature_ranges()) those ranges are used, bitwise the same transform.
        Giving both @p ref and @p ranges raises TypeError. Invalid ranges (wrong
        length, NaN/inf: InvalidError; max < min: RangeError) leave the dataset unchanged.
        """
        if ranges is None:
            _call("snn_dataset_normalize", self.handle,
                  self.handle if ref is None else _dataset(ref, "Dataset.normalize"))
            return self
        if ref is not None:
            raise TypeError("Dataset.normalize: give either ref or ranges, not both")
        if isinstance(ranges, (str, bytes)):
            raise TypeError("Dataset.normalize: ranges must be a (min, max) pair of arrays")
        try:
            lo, hi = ranges
        except (TypeError, ValueError):
            raise TypeError("Dataset.normalize: ranges must be a (min, max) pair of "
                            "arrays") from None
        nf = self.n_features
        lo = _f32(lo, "Dataset.normalize: ranges min").reshape(-1)
        hi = _f32(hi, "Dataset.normalize: ranges max").reshape(-1)
        if lo.size != nf or hi.size != nf:
            raise _invalid(f"Dataset.normalize: ranges must hold {nf} values each "
                           f"(got {lo.size} and {hi.size})")
        _call("snn_dataset_normalize_ranges", self.handle, _ptr(lo), _ptr(hi), nf)
        return self

    def split(self, test_fraction=0.2, seed=0):
        """Shuffled split into (train, test) datasets."""
        tr, te = c_void_p(), c_void_p()
        _call("snn_dataset_split", byref(tr), byref(te), self.handle, float(test_fraction),
              int(seed))
        return Dataset._wrap(tr.value), Dataset._wrap(te.value)

    def __repr__(self):
        if self.closed:
            return "<snn.Dataset closed>"
        return f"<snn.Dataset {len(self)} x {self.n_features}, {self.n_classes} classes>"


# ---------------------------------------------------------------------------------------
_POOL_KINDS = {"max": _native.SNN_POOL_MAX, "avg": _native.SNN_POOL_AVG,
               "sum": _native.SNN_POOL_SUM}


def _load_options(models, what):
    """The snn_load_options of a loader's models= argument.

    Returns (options, keepalive): options is None when @p models is empty (the plain
    C loader or a NULL opts is used, as before models= existed); keepalive holds the
    handle array and the NeuronModel objects and must stay referenced for the call.
    The library clones what it uses (custom models share their callbacks by reference
    count), so nothing needs to outlive the call.
    """
    if models is None:
        return None, None
    if isinstance(models, NeuronModel):
        raise TypeError(f"{what}: models: expected an iterable of snn.NeuronModel, got a "
                        f"single NeuronModel (write models=[model])")
    if isinstance(models, (str, bytes)):
        raise TypeError(f"{what}: models: expected an iterable of snn.NeuronModel, got "
                        f"{type(models).__name__}")
    try:
        entries = list(models)
    except TypeError:
        raise TypeError(f"{what}: models: expected an iterable of snn.NeuronModel, got "
                        f"{type(models).__name__}") from None
    if not entries:
        return None, None
    handles = []
    for i, m in enumerate(entries):
        if not isinstance(m, NeuronModel):
            raise TypeError(f"{what}: models[{i}]: expected a snn.NeuronModel, got "
                            f"{type(m).__name__}")
        if m.closed:
            raise StateError(_native.SNN_E_STATE,
                             f"{what}: models[{i}]: the NeuronModel is closed")
        handles.append(m.handle)
    arr = (c_void_p * len(handles))(*handles)
    opts = _native.LoadOptions()
    _call("snn_load_options_init", byref(opts), ctypes.sizeof(opts))
    opts.neuron_models = ctypes.cast(arr, ctypes.POINTER(c_void_p))
    opts.n_neuron_models = len(handles)
    return opts, (arr, entries)


def _model_arg(model):
    if model is None or isinstance(model, NeuronModel):
        return model
    if isinstance(model, str):
        return NeuronModel(model)
    raise TypeError(f"model: expected a NeuronModel, a kind name or None, got {model!r}")


class Layer(_Handle):
    """A connection (dense, conv2d, pool2d) plus a population of neurons.

    Create with Layer.dense(), Layer.conv2d(), Layer.pool2d(). After
    Network.add(layer) succeeds the network owns the C layer: this object becomes a
    borrowed view (still usable for weights etc. while the network lives) and is
    never freed from Python.
    """

    _copy_hint = "; copy its network with Network.clone()"

    _free_name = "snn_layer_free"

    def __init__(self, *args, **kwargs):
        raise TypeError("use Layer.dense(), Layer.conv2d() or Layer.pool2d()")

    @classmethod
    def _wrap(cls, ptr, owner=None):
        obj = cls.__new__(cls)
        _Handle.__init__(obj, ptr, owned=owner is None)
        obj._owner = owner
        return obj

    @classmethod
    def dense(cls, n_in, n_out, model="lif", bias=True, recurrent=False):
        """Fully connected layer n_in -> n_out of @p model neurons (copied)."""
        m = _model_arg(model)
        n_in, n_out = int(n_in), int(n_out)
        if n_in < 0 or n_out < 0:
            raise _invalid(f"Layer.dense: sizes must be >= 1 (got {n_in}, {n_out})")
        layer = cls._wrap(_new_handle("snn_layer_create_dense", n_in, n_out,
                                      m.handle if m else None))
        if not bias:
            layer.set_bias(False)
        if recurrent:
            layer.set_recurrent(True)
        return layer

    @classmethod
    def conv2d(cls, in_shape, out_channels, kernel, stride=1, padding=0, model="lif",
               bias=True):
        """2-D convolution on an input of shape (c, h, w); kernel int or (kh, kw)."""
        c, h, w = (int(v) for v in in_shape)
        kh, kw = (int(kernel), int(kernel)) if np.isscalar(kernel) else (int(v) for v in kernel)
        if min(c, h, w, kh, kw, int(out_channels), int(stride)) < 0 or int(padding) < 0:
            raise _invalid("Layer.conv2d: sizes must be non-negative")
        m = _model_arg(model)
        layer = cls._wrap(_new_handle("snn_layer_create_conv2d", c, h, w, int(out_channels),
                                      kh, kw, int(stride), int(padding),
                                      m.handle if m else None))
        if not bias:
            layer.set_bias(False)
        return layer

    @classmethod
    def pool2d(cls, shape, size, stride=None, kind="max", model=None):
        """Pooling (kind "max" | "avg" | "sum") over size x size windows of (c, h, w);
        model None passes the pooled values on unchanged."""
        c, h, w = (int(v) for v in shape)
        k = _POOL_KINDS.get(kind, kind) if isinstance(kind, str) else int(kind)
        if isinstance(k, str):
            raise _invalid(f"Layer.pool2d: kind must be max, avg or sum, got {kind!r}")
        size = int(size)
        stride = size if stride is None else int(stride)
        if min(c, h, w, size, stride) < 0:
            raise _invalid("Layer.pool2d: sizes must be non-negative")
        m = _model_arg(model)
        return cls._wrap(_new_handle("snn_layer_create_pool2d", c, h, w, k, size, stride,
                                     m.handle if m else None))

    @property
    def owned(self):
        """True while Python owns the C layer (False once added to a network)."""
        return self._finalizer is not None

    @property
    def kind(self):
        return _s(_lib.snn_layer_kind(self.handle))

    @property
    def n_inputs(self):
        return _lib.snn_layer_n_inputs(self.handle)

    @property
    def n_outputs(self):
        return _lib.snn_layer_n_outputs(self.handle)

    @property
    def output_shape(self):
        c, h, w = c_size_t(), c_size_t(), c_size_t()
        _call("snn_layer_output_shape", byref(c), byref(h), byref(w), self.handle)
        return (c.value, h.value, w.value)

    @property
    def input_shape(self):
        c, h, w = c_size_t(), c_size_t(), c_size_t()
        _call("snn_layer_input_shape", byref(c), byref(h), byref(w), self.handle)
        return (c.value, h.value, w.value)

    @property
    def window(self):
        """(kernel_h, kernel_w, stride, padding) of a conv2d or pool2d layer;
        UnsupportedError for a dense layer."""
        v = [c_size_t() for _ in range(4)]
        _call("snn_layer_window", *(byref(x) for x in v), self.handle)
        return tuple(x.value for x in v)

    @property
    def pool_kind(self):
        """Pooling of a pool2d layer: "max", "avg" or "sum"; UnsupportedError otherwise."""
        k = _call("snn_layer_pool_kind", self.handle)
        return next(name for name, v in _POOL_KINDS.items() if v == k)

    @property
    def has_bias(self):
        return bool(_call("snn_layer_has_bias", self.handle))

    @property
    def is_recurrent(self):
        return bool(_call("snn_layer_is_recurrent", self.handle))

    def set_bias(self, enabled=True):
        _call("snn_layer_set_bias", self.handle, 1 if enabled else 0)
        return self

    def set_recurrent(self, enabled=True):
        _call("snn_layer_set_recurrent", self.handle, 1 if enabled else 0)
        return self

    @property
    def model(self):
        """A copy of the layer's neuron model (None for a neuron-less pool)."""
        p = _lib.snn_layer_model(self.handle)
        if not p:
            return None
        return NeuronModel._wrap(_new_handle("snn_neuron_model_clone", p))

    def _shape(self, which, size):
        if which == _native.SNN_PARAM_WEIGHTS:
            if self.kind == "dense":
                return (self.n_outputs, self.n_inputs)
            if self.kind == "conv2d":  # (out_c, in_c, kh, kw), also for a loaded network
                kh, kw = self.window[:2]
                return (self.output_shape[0], self.input_shape[0], kh, kw)
            return (size,)
        if which == _native.SNN_PARAM_RECURRENT:
            return (self.n_outputs, self.n_outputs)
        return (size,)

    def param_size(self, which):
        return _lib.snn_layer_param_size(self.handle, int(which))

    def get_param(self, which):
        """Copy of parameter array @p which (SNN_PARAM_*: 1 weights, 2 bias, 3 recurrent)."""
        n = self.param_size(which)
        if n == 0:
            # no such array: let the library say so (SNN_E_NOTFOUND with its message)
            _call("snn_layer_param_get", _ptr(np.empty(1, dtype=np.float32)), self.handle,
                  int(which), 0)
            return np.empty(0, dtype=np.float32)
        dst = np.empty(self._shape(which, n), dtype=np.float32)
        _call("snn_layer_param_get", _ptr(dst), self.handle, int(which), n)
        return dst

    def set_param(self, which, values):
        n = self.param_size(which)
        src = _f32(values, "Layer.set_param")
        shape = self._shape(which, n)
        if src.shape != tuple(shape) and not (src.ndim == 1 and src.size == n):
            raise _invalid(f"Layer: expected shape {tuple(shape)} (or {n} flat values), "
                           f"got {src.shape}")
        _call("snn_layer_param_set", self.handle, int(which), _ptr(src), src.size)

    weights = property(lambda self: self.get_param(_native.SNN_PARAM_WEIGHTS),
                       lambda self, v: self.set_param(_native.SNN_PARAM_WEIGHTS, v),
                       doc="Feed-forward weights, float32: (n_out, n_in) dense, "
                           "(out_c, in_c, kh, kw) conv2d.")
    bias = property(lambda self: self.get_param(_native.SNN_PARAM_BIAS),
                    lambda self, v: self.set_param(_native.SNN_PARAM_BIAS, v),
                    doc="Bias, float32 (n_out dense, out_c conv2d).")
    recurrent = property(lambda self: self.get_param(_native.SNN_PARAM_RECURRENT),
                         lambda self, v: self.set_param(_native.SNN_PARAM_RECURRENT, v),
                         doc="Recurrent weights (n_out, n_out), dense only.")

    def _get_delays(self):
        dst = np.empty(self.n_inputs, dtype=np.int32)
        _call("snn_layer_input_delays", _ptr(dst), dst.size, self.handle)
        return dst

    def _set_delays(self, steps):
        src = None if steps is None else _i32(steps, "Layer.input_delays").reshape(-1)
        args = (None, 0) if src is None else (_ptr(src), src.size)
        net = self._owner
        if net is None:
            _call("snn_layer_set_input_delays", self.handle, *args)
            return
        # a layer in a network: through the network, which rebuilds what depends on them
        ptr = self.handle
        index = next(i for i in range(len(net)) if _lib.snn_network_layer(net.handle, i) == ptr)
        _call("snn_network_set_input_delays", net.handle, index, *args)

    input_delays = property(_get_delays, _set_delays,
                            doc="Per-input delays in steps, int32 (n_inputs; zeros: none); "
                                "None removes them. Also for a layer in a network.")

    def close(self):
        """Frees an owned layer; for a view inside a network only drops the reference."""
        _Handle.close(self)
        self._owner = None

    def __repr__(self):
        if self.closed:
            return "<snn.Layer closed>"
        return (f"<snn.Layer {self.kind} {self.n_inputs}->{self.n_outputs}"
                f"{'' if self.owned else ' (in a network)'}>")


# ---------------------------------------------------------------------------------------
class Network(_Handle):
    """A feed-forward stack of layers, an input encoder and run settings.

    Network(784) or Network((1, 28, 28)); add layers with add(); settings "steps",
    "dt", "seed" (numbers) and "readout" ("count" | "membrane" | "membrane_max").
    """

    _pickle_hint = "; use save_mem() and Network.load_mem()"

    _free_name = "snn_network_free"

    def __init__(self, input_shape):
        if np.isscalar(input_shape):
            shape = (1, 1, int(input_shape))
        else:
            shape = tuple(int(v) for v in input_shape)
            if len(shape) == 1:
                shape = (1, 1) + shape
            elif len(shape) == 2:
                shape = (1,) + shape
        if len(shape) != 3 or min(shape) < 0:
            raise _invalid(f"Network: input_shape must be n or (c, h, w), got {input_shape!r}")
        self._init(_new_handle("snn_network_create", *shape))

    def _init(self, ptr):
        _Handle.__init__(self, ptr)
        self._views = weakref.WeakValueDictionary()   # C layer pointer -> Layer view
        self._learners = weakref.WeakSet()

    @classmethod
    def _wrap(cls, ptr):
        obj = cls.__new__(cls)
        obj._init(ptr)
        return obj

    # ---- structure
    def add(self, layer):
        """Appends @p layer; on success the network owns it and @p layer becomes a view."""
        if not isinstance(layer, Layer):
            raise TypeError(f"Network.add: expected a Layer, got {type(layer).__name__}")
        ptr = layer.handle
        _call("snn_network_add_layer", self.handle, ptr)
        layer._disown()
        layer._owner = self
        self._views[ptr] = layer
        return layer

    def __len__(self):
        return _lib.snn_network_n_layers(self.handle)

    def layer(self, i):
        """Borrowed view of layer @p i (valid while the network lives)."""
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"layer index {i} out of range ({n} layers)")
        ptr = _lib.snn_network_layer(self.handle, i)
        view = self._views.get(ptr)
        if view is None or view.closed:
            view = Layer._wrap(ptr, owner=self)
            self._views[ptr] = view
        return view

    __getitem__ = layer

    def __iter__(self):
        return (self.layer(i) for i in range(len(self)))

    @property
    def layers(self):
        return list(self)

    @property
    def n_inputs(self):
        return _lib.snn_network_n_inputs(self.handle)

    @property
    def n_outputs(self):
        return _lib.snn_network_n_outputs(self.handle)

    @property
    def input_shape(self):
        """(c, h, w) as created (Network(784) is (1, 1, 784))."""
        c, h, w = c_size_t(), c_size_t(), c_size_t()
        _call("snn_network_input_shape", byref(c), byref(h), byref(w), self.handle)
        return (c.value, h.value, w.value)

    # ---- encoder and settings
    def set_encoder(self, encoder, **params):
        """Sets the input encoder (copied): an Encoder, or a kind name plus parameters."""
        if isinstance(encoder, Encoder):
            if params:
                raise TypeError("set_encoder: parameters only with a kind name")
            _call("snn_network_set_encoder", self.handle, encoder.handle)
        else:
            with Encoder(encoder, **params) as e:
                _call("snn_network_set_encoder", self.handle, e.handle)
        return self

    def get_encoder(self):
        """A copy of the input encoder (changing it does not change the network; give it
        back with set_encoder)."""
        p = _lib.snn_network_encoder(self.handle)
        return Encoder._wrap(_new_handle("snn_encoder_clone", p))

    encoder = property(get_encoder, set_encoder,
                       doc="The input encoder: reading gives a copy, assigning copies it in.")

    def set(self, name, value):
        """Sets a run setting; str values ("readout") use the enumerated setter."""
        if isinstance(value, (str, bytes)):
            _call("snn_network_set_str", self.handle, _b(name), _b(value))
        else:
            _call("snn_network_set", self.handle, _b(name), float(value))
        return self

    def get(self, name):
        out = c_double()
        _call("snn_network_get", byref(out), self.handle, _b(name))
        return out.value

    def configure(self, **settings):
        """configure(steps=8, dt=1.0, seed=1, readout="membrane"); returns self."""
        for k, v in settings.items():
            self.set(k, v)
        return self

    settings = configure

    steps = property(lambda self: int(self.get("steps")), lambda self, v: self.set("steps", v))
    dt = property(lambda self: self.get("dt"), lambda self, v: self.set("dt", v))
    seed = property(lambda self: int(self.get("seed")), lambda self, v: self.set("seed", v))

    def init_weights(self, seed=0):
        _call("snn_network_init_weights", self.handle, int(seed))
        return self

    # ---- inference
    def predict(self, x, scores=True):
        """Runs samples @p x ((n, ...) or one sample) -> (labels int32 (n,),
        scores float32 (n, n_outputs) or None when scores=False)."""
        arr, n = _rows(x, self.n_inputs, "Network.predict: x")
        labels = np.empty(n, dtype=np.int32)
        sc = np.empty((n, self.n_outputs), dtype=np.float32) if scores else None
        _call("snn_network_predict", self.handle, _ptr(labels), _ptr(sc), _ptr(arr), n,
              self.n_inputs)
        return labels, sc

    def evaluate(self, data):
        """Classification accuracy in [0, 1] on Dataset @p data."""
        h = _dataset(data, "Network.evaluate")
        out = c_double()
        _call("snn_network_evaluate", byref(out), self.handle, h)
        return out.value

    def activity(self, i=None):
        """(spikes, synops) per sample of layer @p i from the last predict/evaluate;
        with i None a list for every layer."""
        if i is None:
            return [self.activity(k) for k in range(len(self))]
        s, o = c_double(), c_double()
        _call("snn_network_activity", byref(s), byref(o), self.handle, int(i))
        return s.value, o.value

    # ---- files
    def save(self, path):
        _call("snn_network_save", self.handle, _b(os.fspath(path)))

    @classmethod
    def load(cls, path, *, models=()):
        """Reads a model file written by save().

        @p models: snn.NeuronModel objects (custom or built-in) supplying the neuron
        kinds the file names that are not built in, typically the NeuronModel.custom()
        models the saved network used. A layer of such a kind gets a copy of the model
        of that kind, its parameters then set from the file (missing ones to their
        defaults), so the given models' parameter values do not matter and the models
        may be closed afterwards. Kinds must be distinct (InvalidError); a kind neither
        built in nor given raises NotFoundError naming it."""
        p = _b(os.fspath(path))
        opts, keep = _load_options(models, "Network.load")
        if opts is None:
            return cls._wrap(_new_handle("snn_network_load", p))
        ptr = _new_handle("snn_network_load_ex", p, byref(opts))
        del keep
        return cls._wrap(ptr)

    def save_mem(self):
        """The model file as bytes (same bytes as save())."""
        size = c_size_t()
        rc = _lib.snn_network_save_mem(byref(size), self.handle, None, 0)
        if rc not in (0, _native.SNN_E_RANGE):
            raise _error_for(rc)
        buf = ctypes.create_string_buffer(size.value)
        _call("snn_network_save_mem", byref(size), self.handle, ctypes.addressof(buf),
              size.value)
        return buf.raw[:size.value]

    to_bytes = save_mem

    @classmethod
    def load_mem(cls, data, *, models=()):
        """A network from bytes / bytearray / memoryview / uint8 array; @p models as for
        load()."""
        mv = memoryview(data).cast("B")
        if len(mv) == 0:
            raise _invalid("Network.load_mem: empty buffer")
        arr = np.frombuffer(mv, dtype=np.uint8)
        opts, keep = _load_options(models, "Network.load_mem")
        if opts is None:
            return cls._wrap(_new_handle("snn_network_load_mem", _ptr(arr), arr.size))
        ptr = _new_handle("snn_network_load_mem_ex", _ptr(arr), arr.size, byref(opts))
        del keep
        return cls._wrap(ptr)

    from_bytes = load_mem

    # ---- NIR
    @classmethod
    def import_nir(cls, path, options=None, **kwargs):
        """A network from a NIR graph (HDF5 file). @p options is a NirOptions, or give its
        fields as keywords: dt (required: the step in the file's time unit, seconds for
        every known exporter), discretization="exact" | "euler",
        reset="v_reset" | "subtract" (docs/nir.md)."""
        opts = _nir_options(options, kwargs, "Network.import_nir")
        return cls._wrap(_new_handle("snn_network_import_nir", _b(os.fspath(path)),
                                     byref(opts)))

    @classmethod
    def import_nir_mem(cls, data, options=None, **kwargs):
        """import_nir() from the bytes of a NIR file (bytes / bytearray / memoryview)."""
        opts = _nir_options(options, kwargs, "Network.import_nir_mem")
        arr = _byte_array(data, "Network.import_nir_mem")
        return cls._wrap(_new_handle("snn_network_import_nir_mem", _ptr(arr), arr.size,
                                     byref(opts)))

    def export_nir(self, path, options=None, **kwargs):
        """Writes the network as a NIR graph; options as for import_nir() (dt 0 or
        omitted: the network's own dt; discretization and reset must match the models)."""
        opts = _nir_options(options, kwargs, "Network.export_nir")
        _call("snn_network_export_nir", self.handle, _b(os.fspath(path)), byref(opts))

    def export_nir_mem(self, options=None, **kwargs):
        """The NIR file export_nir() would write, as bytes (no file is touched)."""
        opts = _nir_options(options, kwargs, "Network.export_nir_mem")
        return _sized_bytes("snn_network_export_nir_mem", (self.handle,), (byref(opts),))

    def clone(self):
        return Network._wrap(_new_handle("snn_network_clone", self.handle))

    __copy__ = clone

    def __deepcopy__(self, memo):
        return self.clone()

    # ---- ownership
    def close(self):
        """Frees the network, its layers and closes learners bound to it."""
        for learner in list(self._learners):
            learner.close()
        for view in list(self._views.values()):
            view._ptr = None
            view._owner = None
        self._views.clear()
        _Handle.close(self)

    def __repr__(self):
        if self.closed:
            return "<snn.Network closed>"
        return f"<snn.Network {self.n_inputs} inputs, {len(self)} layers>"


# ---------------------------------------------------------------------------------------
def _nir_options(options, kwargs, what):
    if options is None:
        options = NirOptions()
    elif not isinstance(options, NirOptions):
        raise TypeError(f"{what}: options must be a snn.NirOptions")
    return _fill(options, kwargs, what)


def nir_describe(path):
    """Text description of the NIR graph in @p path: one line per node
    ("node NAME TYPE field=value field{dims} ...", nested nodes as OUTER.INNER), then one
    line per edge ("edge A -> B")."""
    p = _b(os.fspath(path))
    fn = _fn("snn_nir_describe")
    n = c_size_t()
    rc = fn(byref(n), None, 0, p)
    for _ in range(4):  # the file may change between the calls: retry with the new size
        if rc not in (0, _native.SNN_E_RANGE):
            _raise_status(rc)
        buf = ctypes.create_string_buffer(n.value + 1)
        rc = fn(byref(n), ctypes.addressof(buf), n.value + 1, p)
        if rc == 0:
            return buf.value.decode(errors="replace")
    _raise_status(rc)


# ---------------------------------------------------------------------------------------
_ENUMS = {
    "optimizer": {"adam": 1, "sgd": 2},
    "loss": {"ce_count": 1, "count": 1, "ce_mem_sum": 2, "membrane": 2, "ce_mem_max": 3,
             "mem_max": 3, "mse_count": 4, "mse": 4, "ce_mem_steps": 5, "mem_steps": 5},
    "surrogate": {"fast_sigmoid": 1, "atan": 2, "triangle": 3},
    "schedule": {"constant": 1, "step": 2, "cosine": 3, "exp": 4},
    "rule": {"triplet": 1, "pair_additive": 2, "pair_multiplicative": 3, "pre_trace": 4},
    "inhibition": {"population": 1, "direct": 2},
    "synapse": {"conductance": 1, "current": 2},
    "integrator": {"euler": 1, "implicit": 2, "auto": 3},
    "update": {"sgd": 0, "rprop": 1},
    "discretization": {"exact": 0, "euler": 1},
    "reset": {"v_reset": 0, "to_v_reset": 0, "reset_to_v_reset": 0, "subtract": 1},
}


#: Bit-flag fields that also accept a name or a sequence of names (OR-ed together).
_FLAG_NAMES = {
    "flags": {"no_normalize": _native.SNN_STDP_NO_NORMALIZE, "no_theta": _native.SNN_STDP_NO_THETA,
              "keep_weights": _native.SNN_STDP_KEEP_WEIGHTS,
              "no_lockout": _native.SNN_STDP_NO_LOCKOUT},
}


def _flag_bits(v, table, what):
    """A name or a sequence of names from @p table as one OR-ed integer."""
    names = [v] if isinstance(v, (str, bytes)) else v
    try:
        names = list(names)
    except TypeError:
        raise _invalid(f"{what} must be an integer, a name or a sequence of names, "
                       f"got {v!r}") from None
    bits = 0
    for n in names:
        if isinstance(n, int) and not isinstance(n, bool):
            bits |= n
            continue
        key = n.decode() if isinstance(n, bytes) else n
        key = key.replace("-", "_").lower() if isinstance(key, str) else key
        if key not in table:
            raise _invalid(f"{what}: unknown flag {n!r} (valid: {', '.join(table)})")
        bits |= table[key]
    return bits


def _fill(struct, opts, what, enums=None):
    """Sets the fields of a sized option struct from keywords; names for the enums;
    refuses unknown fields (TypeError) and values the ctypes field would silently wrap
    (negative or fractional unsigned integers, non-numbers) with InvalidError."""
    types = {name: t for name, t in struct._fields_ if name != "struct_size"}
    for k, v in opts.items():
        if k not in types:
            raise TypeError(f"{what}: unknown option {k!r} (valid: {', '.join(sorted(types))})")
        t = types[k]
        bits_table = _FLAG_NAMES.get(k) if enums is None else None
        if bits_table is not None and not isinstance(v, int):
            v = _flag_bits(v, bits_table, f"{what}: {k}")
        if isinstance(v, (str, bytes)):
            table = (_ENUMS if enums is None else enums).get(k)
            key = v.decode() if isinstance(v, bytes) else v
            key = key.replace("-", "_").lower()
            if table is None or key not in table:
                valid = "one of " + ", ".join(table) if table else "a number"
                raise _invalid(f"{what}: {k} must be {valid}, got {v!r}")
            v = table[key]
        if t is ctypes.c_double:
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise _invalid(f"{what}: {k} must be a number, got {v!r}") from None
        else:
            try:
                iv = operator.index(v)
            except TypeError:
                if isinstance(v, float) and v.is_integer():
                    iv = int(v)
                else:
                    raise _invalid(f"{what}: {k} must be an integer, got {v!r}") from None
            bits = 8 * ctypes.sizeof(t)
            signed = t(-1).value == -1
            lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
            if not lo <= iv <= hi:
                raise _invalid(f"{what}: {k} must be in [{lo}, {hi}], got {v!r}")
            v = iv
        setattr(struct, k, v)
    return struct


class _Callback:
    """Runs one C training call with a Python progress callable as its snn_progress_fn.

    The callable gets a Progress; returning a true value stops training (the call
    then raises CanceledError); raising stops it too and the exception is re-raised
    once the C call has returned. The CFUNCTYPE object lives for the whole call.

    Ctrl-C: while the call runs (main thread, default SIGINT handler) SIGINT only sets
    a flag that the next callback turns into a stop, then KeyboardInterrupt is raised
    after the library returned. (Python would otherwise raise it at the first line of
    the callback, outside any try block, where ctypes can only print it.) So training
    is cancellable with Ctrl-C even without a progress callable.
    """

    def __init__(self, fn):
        if fn is not None and not callable(fn):
            raise TypeError(f"progress must be callable or None, got {type(fn).__name__}")
        self.fn = fn
        self.exc = None
        self.interrupted = False
        self.cfn = None

    def _trampoline(self, p, user):
        try:
            if self.interrupted:
                return 1
            if self.fn is None:
                return 0
            c = p.contents
            size = c.struct_size
            vals = []
            for name, _ in _native.ProgressStruct._fields_[1:]:
                f = getattr(_native.ProgressStruct, name)
                vals.append(getattr(c, name) if f.offset + f.size <= size else None)
            with _in_callback():
                return 1 if self.fn(Progress(*vals)) else 0
        except BaseException as exc:  # noqa: BLE001 - includes KeyboardInterrupt
            self.exc = exc
            return 1

    def _on_sigint(self, signum, frame):
        self.interrupted = True

    def run(self, fn, *args):
        """Calls C function @p fn(*args, callback, NULL); raises on failure."""
        old = None
        if threading.current_thread() is threading.main_thread():
            try:
                if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                    old = signal.signal(signal.SIGINT, self._on_sigint)
            except (ValueError, OSError):  # not the main interpreter, or no signals
                old = None
        if self.fn is None and old is None:
            self.cfn = ctypes.cast(None, _native.PROGRESS_FN)
        else:
            self.cfn = _native.PROGRESS_FN(self._trampoline)
        _call_begin()
        try:
            rc = fn(*args, self.cfn, None)
        finally:
            _call_end()
            if old is not None:
                signal.signal(signal.SIGINT, old)
        self.cfn = None
        if self.exc is not None:
            exc, self.exc = self.exc, None
            raise exc
        if self.interrupted:
            raise KeyboardInterrupt
        if rc < 0:
            _raise_status(rc)
        return rc


class Learner(_Handle):
    """A learning rule bound to a network (borrowed: the network stays alive while the
    learner does, and closing the network closes its learners).

    Learner.bptt(net, learning_rate=2e-3, batch_size=128, loss="membrane", ...)
    Learner.stdp(net, rule="triplet", seed=1, ...)
    Learner.spikeprop(n_in, n_hidden, n_out, ...) owns its (event-driven) network:
    its `network` is None.
    learner, net = Learner.load(path) reads a learner file (net is None for SpikeProp).
    """

    _copy_hint = "; use save_mem() and Learner.load_mem()"
    _pickle_hint = _copy_hint

    _free_name = "snn_learner_free"

    def __init__(self, *args, **kwargs):
        raise TypeError("use Learner.bptt(), Learner.stdp(), Learner.spikeprop() or "
                        "Learner.load()")

    @classmethod
    def _wrap(cls, ptr, network):
        obj = cls.__new__(cls)
        _Handle.__init__(obj, ptr)
        obj._network = network
        obj._sp_sizes = None
        if network is not None:
            network._learners.add(obj)
        return obj

    @classmethod
    def bptt(cls, network, options=None, **kwargs):
        """Surrogate-gradient BPTT learner. @p options is a BpttOptions, or give its fields
        as keywords (optimizer/loss/surrogate/schedule accept names, e.g. loss="membrane")."""
        if options is None:
            options = BpttOptions()
        elif not isinstance(options, BpttOptions):
            raise TypeError("options must be a snn.BpttOptions")
        _fill(options, kwargs, "Learner.bptt")
        return cls._wrap(_new_handle("snn_learner_create_bptt", network.handle, byref(options)),
                         network)

    @classmethod
    def stdp(cls, network, options=None, **kwargs):
        """Unsupervised STDP learner (Diehl & Cook 2015) on a network whose first layer is
        dense; fields of StdpOptions as keywords (rule/inhibition/synapse/integrator accept
        names; flags an integer, a name or a list of names, e.g. flags=["no_lockout"])."""
        if options is None:
            options = StdpOptions()
        elif not isinstance(options, StdpOptions):
            raise TypeError("options must be a snn.StdpOptions")
        _fill(options, kwargs, "Learner.stdp")
        return cls._wrap(_new_handle("snn_learner_create_stdp", network.handle, byref(options)),
                         network)

    @classmethod
    def spikeprop(cls, n_in, n_hidden, n_out, neuron=None, encoder=None, options=None,
                  **kwargs):
        """SpikeProp learner (Bohte et al. 2002) owning an n_in -> n_hidden -> n_out network
        of "srm" neurons (docs/spikeprop.md). @p neuron: an "srm" NeuronModel (its tau and
        threshold are used; None = defaults); @p encoder: an Encoder or kind ("population"
        or "latency") used by train_epoch / spikeprop_classify / spikeprop_evaluate on
        datasets (None: features already are spike times in ms); fields of
        SpikepropOptions as keywords (update="sgd" | "rprop")."""
        if options is None:
            options = SpikepropOptions()
        elif not isinstance(options, SpikepropOptions):
            raise TypeError("options must be a snn.SpikepropOptions")
        _fill(options, kwargs, "Learner.spikeprop")
        sizes = []
        for name, v in (("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)):
            try:
                iv = int(v)
            except (TypeError, ValueError):
                raise _invalid(f"Learner.spikeprop: {name} must be an integer, got {v!r}") \
                    from None
            if iv != v or iv < 0:
                raise _invalid(f"Learner.spikeprop: {name} must be a size >= 0, got {v!r}")
            sizes.append(iv)
        model = _model_arg(neuron)
        if encoder is None or isinstance(encoder, Encoder):
            enc = encoder
        elif isinstance(encoder, (str, bytes)):
            enc = Encoder(encoder)
        else:
            raise TypeError(f"encoder: expected an Encoder, a kind name or None, got "
                            f"{encoder!r}")
        ptr = _new_handle("snn_learner_create_spikeprop", *sizes,
                          None if model is None else model.handle,
                          None if enc is None else enc.handle, byref(options))
        obj = cls._wrap(ptr, None)
        obj._sp_sizes = tuple(sizes)
        return obj

    @property
    def network(self):
        """The Network this learner trains (None for SpikeProp, which owns its own)."""
        return self._network

    @property
    def kind(self):
        return _s(_lib.snn_learner_kind(self.handle))

    @property
    def n_params(self):
        return _lib.snn_learner_n_params(self.handle)

    def set_learning_rate(self, lr):
        _call("snn_learner_set_learning_rate", self.handle, float(lr))

    learning_rate = property(None, set_learning_rate)

    def set_epoch(self, epoch):
        _call("snn_learner_set_epoch", self.handle, int(epoch))

    epoch = property(None, set_epoch)

    def _n_in(self):
        self.handle  # raises StateError once closed
        if self._network is None:
            raise UnsupportedError(_native.SNN_E_UNSUPPORTED,
                                   f"not available for a '{self.kind}' learner (bptt only)")
        return self._network.n_inputs

    # ---- learner files
    def save(self, path):
        """Writes the learner with its network (STDP: the network's model file plus the
        learner's state; SpikeProp: its own network and state). BPTT learners have no
        state to save: UnsupportedError (save the network with Network.save())."""
        _call("snn_learner_save", self.handle, _b(os.fspath(path)))

    def save_mem(self):
        """The learner file as bytes (same bytes as save())."""
        return _sized_bytes("snn_learner_save_mem", (self.handle,))

    to_bytes = save_mem

    @classmethod
    def load(cls, path, *, models=()):
        """Reads a learner file: returns (learner, network); the learner keeps the network
        alive. For a SpikeProp file the network is None (the learner owns its own).
        @p models: snn.NeuronModel objects supplying the custom neuron kinds the saved
        network uses (see Network.load()). Files of learners with a custom C learning
        rule (snn_learner_create_custom) cannot be loaded from Python (NotFoundError)."""
        p = _b(os.fspath(path))
        opts, keep = _load_options(models, "Learner.load")
        try:
            return cls._load("snn_learner_load", p, opts=opts)
        finally:
            del keep

    @classmethod
    def load_mem(cls, data, *, models=()):
        """load() from bytes / bytearray / memoryview / uint8 array; @p models as for
        load()."""
        arr = _byte_array(data, "Learner.load_mem")
        opts, keep = _load_options(models, "Learner.load_mem")
        try:
            return cls._load("snn_learner_load_mem", _ptr(arr), arr.size, opts=opts)
        finally:
            del keep

    from_bytes = load_mem

    @classmethod
    def _load(cls, fn_name, *args, opts=None):
        out, net_out = c_void_p(), c_void_p()
        lptr = nptr = None
        net = learner = None
        try:
            _call(fn_name, byref(out), byref(net_out), *args,
                  None if opts is None else byref(opts))
            # on failure C leaves both NULL: nothing to free
            lptr, nptr = out.value, net_out.value
            if nptr:
                net = Network.__new__(Network)
                net._init(nptr)   # from here on the finalizer owns nptr
                nptr = None
            learner = cls.__new__(cls)
            learner._network, learner._sp_sizes = net, None
            _Handle.__init__(learner, lptr)   # from here on the finalizer owns lptr
            lptr = None
            if net is not None:
                net._learners.add(learner)
        except BaseException:
            # Free what no Python object has taken over, learner before network.
            if lptr and (learner is None or getattr(learner, "_finalizer", None) is None):
                _lib.snn_learner_free(lptr)
            if nptr and (net is None or getattr(net, "_finalizer", None) is None):
                _lib.snn_network_free(nptr)
            raise
        return learner, net

    # ---- BPTT
    def train_epoch(self, data, progress=None):
        """One epoch over Dataset @p data; returns the mean batch loss. @p progress(p) is
        called after every batch (truthy return or an exception cancels training)."""
        loss = c_double()
        _Callback(progress).run(_lib.snn_learner_train_epoch, self.handle, byref(loss),
                                _dataset(data, "Learner.train_epoch"))
        return loss.value

    def train_batch(self, x, labels):
        """One optimisation step on samples @p x with @p labels; returns the batch loss."""
        arr, n = _rows(x, self._n_in(), "Learner.train_batch: x")
        lab = _labels_for(labels, n, "Learner.train_batch: labels")
        loss = c_double()
        _call("snn_learner_train_batch", self.handle, byref(loss), _ptr(arr), _ptr(lab), n,
              self._n_in())
        return loss.value

    def gradient(self, x, labels):
        """Gradient of the mean batch loss w.r.t. every parameter, without updating:
        returns (grad float32 (n_params,), loss)."""
        arr, n = _rows(x, self._n_in(), "Learner.gradient: x")
        lab = _labels_for(labels, n, "Learner.gradient: labels")
        grad = np.empty(self.n_params, dtype=np.float32)
        loss = c_double()
        _call("snn_learner_gradient", self.handle, _ptr(grad), grad.size, byref(loss),
              _ptr(arr), _ptr(lab), n, self._n_in())
        return grad, loss.value

    # ---- STDP
    def _stdp_sizes(self):
        self.handle  # raises StateError once closed
        if self._network is None:
            raise _invalid(f"learner is not an STDP learner (kind {self.kind})")
        first = self._network.layer(0)
        return first.n_inputs, first.n_outputs

    def stdp_train(self, data, limit=0, progress=None):
        _Callback(progress).run(_lib.snn_learner_stdp_train, self.handle,
                                _dataset(data, "Learner.stdp_train"), int(limit))

    def stdp_label(self, data, limit=0, progress=None):
        _Callback(progress).run(_lib.snn_learner_stdp_label, self.handle,
                                _dataset(data, "Learner.stdp_label"), int(limit))

    def stdp_evaluate(self, data, limit=0, progress=None):
        acc = c_double()
        _Callback(progress).run(_lib.snn_learner_stdp_evaluate, byref(acc), self.handle,
                                _dataset(data, "Learner.stdp_evaluate"), int(limit))
        return acc.value

    def stdp_present(self, x, label=-1, learn=True):
        """Presents one example; returns the excitatory spike counts (uint32, n_out)."""
        n_in, n_out = self._stdp_sizes()
        arr = _f32(x, "Learner.stdp_present: x").reshape(-1)
        if arr.size != n_in:
            raise _invalid(f"Learner.stdp_present: {arr.size} values, expected {n_in}")
        counts = np.empty(n_out, dtype=np.uint32)
        _call("snn_learner_stdp_present", _ptr(counts), self.handle, n_out, _ptr(arr), n_in,
              int(label), 1 if learn else 0)
        return counts

    def stdp_apply(self, pre, post):
        """Runs only the plasticity rule on spike rasters pre (T, n_in) and post (T, n_out)."""
        n_in, n_out = self._stdp_sizes()
        a = np.ascontiguousarray(pre, dtype=np.uint8)
        b = np.ascontiguousarray(post, dtype=np.uint8)
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0] or a.shape[1] != n_in or \
                b.shape[1] != n_out:
            raise _invalid(f"Learner.stdp_apply: expected pre (T, {n_in}) and post (T, {n_out}),"
                           f" got {a.shape} and {b.shape}")
        _call("snn_learner_stdp_apply", self.handle, _ptr(a), a.size, _ptr(b), b.size,
              a.shape[0])

    def stdp_classify(self, x):
        arr, n = _rows(x, self._stdp_sizes()[0], "Learner.stdp_classify: x")
        labels = np.empty(n, dtype=np.int32)
        _call("snn_learner_stdp_classify", _ptr(labels), self.handle, _ptr(arr), n,
              self._stdp_sizes()[0])
        return labels

    def _get_i32(self, name, dtype):
        n = self._stdp_sizes()[1]
        dst = np.empty(n, dtype=dtype)
        _call(name, _ptr(dst), self.handle, n)
        return dst

    def _set_arr(self, name, values, dtype):
        n = self._stdp_sizes()[1]
        src = np.ascontiguousarray(values, dtype=dtype).reshape(-1)
        if src.size != n:
            raise _invalid(f"{name}: {src.size} values, expected {n}")
        _call(name, self.handle, _ptr(src), n)

    assignments = property(
        lambda self: self._get_i32("snn_learner_stdp_assignments_get", np.int32),
        lambda self, v: self._set_arr("snn_learner_stdp_assignments_set", v, np.int32),
        doc="Class of each excitatory neuron (-1 unassigned), int32.")
    theta = property(
        lambda self: self._get_i32("snn_learner_stdp_theta_get", np.float32),
        lambda self, v: self._set_arr("snn_learner_stdp_theta_set", v, np.float32),
        doc="Adaptive thresholds (mV), float32.")

    def _get_t_infer(self):
        v = c_double()
        _call("snn_learner_stdp_t_infer", byref(v), self.handle)
        return v.value

    t_infer = property(
        _get_t_infer,
        lambda self, ms: _call("snn_learner_stdp_set_t_infer", self.handle, float(ms)),
        doc="STDP: presentation time (ms) of labelling and classification; 0 sets the "
            "default (t_present).")

    def stdp_options(self):
        """STDP: the options in effect as a StdpOptions (defaults resolved, e.g. the
        size-dependent theta_plus; SNN_STDP_KEEP_WEIGHTS clear), also of a loaded learner."""
        o = StdpOptions()
        _call("snn_learner_stdp_options_get", byref(o), self.handle)
        return o

    # ---- SpikeProp
    def _spikeprop_sizes(self, what):
        """(n_in, n_hidden, n_out) of a SpikeProp learner; InvalidError for other kinds."""
        kind = self.kind
        if kind != "spikeprop":
            raise _invalid(f"{what}: learner of kind '{kind}' is not a SpikeProp learner")
        if self._sp_sizes is None:  # a loaded learner: ask the library
            a, b, c = c_size_t(), c_size_t(), c_size_t()
            _call("snn_learner_spikeprop_sizes", byref(a), byref(b), byref(c), self.handle)
            self._sp_sizes = (a.value, b.value, c.value)
        return self._sp_sizes

    @property
    def spikeprop_sizes(self):
        """SpikeProp: (n_in, n_hidden, n_out); n_in includes the bias input if any."""
        return self._spikeprop_sizes("Learner.spikeprop_sizes")

    @property
    def spikeprop_n_features(self):
        """SpikeProp: features per sample that spikeprop_classify / spikeprop_evaluate /
        train_epoch take (inputs without the bias, divided by the encoder's inputs per
        feature)."""
        self._spikeprop_sizes("Learner.spikeprop_n_features")
        n = c_size_t()
        _call("snn_learner_spikeprop_n_features", byref(n), self.handle)
        return n.value

    def spikeprop_input_ranges(self):
        """SpikeProp: the learner's input ranges as (min, max), two float32 arrays of
        spikeprop_n_features values, or None when it has none (see
        set_spikeprop_input_ranges)."""
        self._spikeprop_sizes("Learner.spikeprop_input_ranges")
        n = c_size_t()
        _call("snn_learner_spikeprop_input_ranges", byref(n), None, None, 0, self.handle)
        if n.value == 0:
            return None
        lo = np.empty(n.value, dtype=np.float32)
        hi = np.empty(n.value, dtype=np.float32)
        _call("snn_learner_spikeprop_input_ranges", byref(n), _ptr(lo), _ptr(hi), n.value,
              self.handle)
        return lo, hi

    def set_spikeprop_input_ranges(self, ranges):
        """SpikeProp: gives the learner per-feature input ranges ``(min, max)`` (e.g.
        Dataset.feature_ranges() of the training set), so that spikeprop_classify,
        spikeprop_evaluate and train_epoch take raw features and scale them exactly as
        Dataset.normalize(ranges=...) does; the ranges are saved with the learner.
        None removes them. Invalid ranges (wrong length, NaN/inf, a learner without an
        encoder: InvalidError; max < min: RangeError) leave the learner unchanged."""
        self._spikeprop_sizes("Learner.set_spikeprop_input_ranges")
        if ranges is None:
            _call("snn_learner_spikeprop_set_input_ranges", self.handle, None, None, 0)
            return
        if isinstance(ranges, (str, bytes)):
            raise TypeError("Learner.set_spikeprop_input_ranges: ranges must be a (min, max) "
                            "pair of arrays")
        try:
            lo, hi = ranges
        except (TypeError, ValueError):
            raise TypeError("Learner.set_spikeprop_input_ranges: ranges must be a (min, max) "
                            "pair of arrays") from None
        lo = _f32(lo, "Learner.set_spikeprop_input_ranges: min").reshape(-1)
        hi = _f32(hi, "Learner.set_spikeprop_input_ranges: max").reshape(-1)
        if lo.size != hi.size:
            raise _invalid(f"Learner.set_spikeprop_input_ranges: min has {lo.size} values, "
                           f"max {hi.size}")
        _call("snn_learner_spikeprop_set_input_ranges", self.handle, _ptr(lo), _ptr(hi),
              lo.size)

    def spikeprop_options(self):
        """SpikeProp: the options in effect as a SpikepropOptions (defaults resolved;
        learning_rate is the current rate). With spikeprop_sizes and spikeprop_models()
        this rebuilds a learner of the same shape (e.g. after Learner.load)."""
        self._spikeprop_sizes("Learner.spikeprop_options")
        o = SpikepropOptions()
        _call("snn_learner_spikeprop_options_get", byref(o), self.handle)
        return o

    def spikeprop_models(self):
        """SpikeProp: copies of the learner's "srm" NeuronModel and its Encoder (None when
        the learner has none): (model, encoder)."""
        self._spikeprop_sizes("Learner.spikeprop_models")
        m, e = c_void_p(), c_void_p()
        _call("snn_learner_spikeprop_models", byref(m), byref(e), self.handle)
        model = NeuronModel._wrap(m.value)
        return model, (Encoder._wrap(e.value) if e.value else None)

    @staticmethod
    def _vector(v, n, what):
        arr = _f32(v, what).reshape(-1)
        if arr.size != n:
            raise _invalid(f"{what}: {arr.size} values, expected {n}")
        return arr

    def spikeprop_run(self, t_in):
        """Runs the network on n_in input spike times (ms; negative: no spike); returns
        (t_out float32 (n_out,), t_hidden float32 (n_hidden,)), -1 where silent."""
        n_in, n_hid, n_out = self._spikeprop_sizes("Learner.spikeprop_run")
        t = self._vector(t_in, n_in, "Learner.spikeprop_run: t_in")
        t_out = np.empty(n_out, dtype=np.float32)
        t_hid = np.empty(n_hid, dtype=np.float32)
        _call("snn_learner_spikeprop_run", _ptr(t_out), n_out, _ptr(t_hid), n_hid,
              self.handle, _ptr(t), n_in)
        return t_out, t_hid

    def spikeprop_train_example(self, t_in, t_target):
        """One update on one example (n_in input times, n_out target times); returns its
        error E before the update."""
        n_in, _, n_out = self._spikeprop_sizes("Learner.spikeprop_train_example")
        t = self._vector(t_in, n_in, "Learner.spikeprop_train_example: t_in")
        tg = self._vector(t_target, n_out, "Learner.spikeprop_train_example: t_target")
        err = c_double()
        _call("snn_learner_spikeprop_train_example", byref(err), self.handle, _ptr(t), n_in,
              _ptr(tg), n_out)
        return err.value

    def spikeprop_gradient(self, t_in, t_target):
        """dE/dw of one example without updating: (grad float64 (n_params,), error)."""
        n_in, _, n_out = self._spikeprop_sizes("Learner.spikeprop_gradient")
        t = self._vector(t_in, n_in, "Learner.spikeprop_gradient: t_in")
        tg = self._vector(t_target, n_out, "Learner.spikeprop_gradient: t_target")
        grad = np.empty(self.n_params, dtype=np.float64)
        err = c_double()
        _call("snn_learner_spikeprop_gradient", _ptr(grad), grad.size, byref(err),
              self.handle, _ptr(t), n_in, _ptr(tg), n_out)
        return grad, err.value

    def _get_sp_weights(self):
        self._spikeprop_sizes("Learner.spikeprop_weights")
        w = np.empty(self.n_params, dtype=np.float64)
        _call("snn_learner_spikeprop_weights_get", _ptr(w), w.size, self.handle)
        return w

    def _set_sp_weights(self, values):
        self._spikeprop_sizes("Learner.spikeprop_weights")
        n = self.n_params
        try:
            w = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise _invalid(f"Learner.spikeprop_weights: cannot convert to a float64 array "
                           f"({exc})") from None
        if w.size != n:
            raise _invalid(f"Learner.spikeprop_weights: {w.size} values, expected {n}")
        _call("snn_learner_spikeprop_weights_set", self.handle, _ptr(w), n)

    spikeprop_weights = property(
        _get_sp_weights, _set_sp_weights,
        doc="SpikeProp: every weight, float64 (n_params,): w1[h][i][k] then w2[o][h][k] "
            "(setting also resets the momentum / RProp state).")

    def spikeprop_classify(self, x):
        """Classifies samples (features encoded with the learner's encoder, plus the bias
        spike): returns (labels int32 (n,), -1 when no output fires; t_out float32
        (n, n_out)). A 1-D @p x is one sample."""
        _, _, n_out = self._spikeprop_sizes("Learner.spikeprop_classify")
        arr = _f32(x, "Learner.spikeprop_classify: x")
        if arr.ndim == 0:
            raise _invalid("Learner.spikeprop_classify: x: expected an array of samples, "
                           "got a scalar")
        n = 1 if arr.ndim == 1 else arr.shape[0]
        if n == 0 or arr.size == 0:
            raise _invalid("Learner.spikeprop_classify: x: no samples")
        n_features = arr.size // n
        labels = np.empty(n, dtype=np.int32)
        t_out = np.empty((n, n_out), dtype=np.float32)
        _call("snn_learner_spikeprop_classify", _ptr(labels), _ptr(t_out), self.handle,
              _ptr(arr), n, n_features)
        return labels, t_out

    def spikeprop_evaluate(self, data):
        """Accuracy in [0, 1] of spikeprop_classify() on Dataset @p data."""
        self._spikeprop_sizes("Learner.spikeprop_evaluate")
        acc = c_double()
        _call("snn_learner_spikeprop_evaluate", byref(acc), self.handle,
              _dataset(data, "Learner.spikeprop_evaluate"))
        return acc.value

    def stdp_stats(self):
        s = _native.StdpStatsStruct()
        s.struct_size = ctypes.sizeof(s)
        _call("snn_learner_stdp_stats", byref(s), self.handle)
        return {name: getattr(s, name) for name, _ in s._fields_[1:]}

    def close(self):
        _Handle.close(self)
        net = self.__dict__.get("_network")
        if net is not None:
            net._learners.discard(self)
        self._network = None

    def __repr__(self):
        return "<snn.Learner closed>" if self.closed else f"<snn.Learner {self.kind!r}>"

