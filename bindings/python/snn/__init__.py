"""ctypes binding for libsnn (pure Python, no compiler needed).

The library is located, in order, through the SNN_LIBRARY environment variable
(a path to libsnn.so.0), the build tree this package sits in (../../lib), and
the system loader (libsnn.so.0). Every exported function the package uses has
argtypes and restype set (snn._native.PROTOTYPES). The classes (NeuronModel,
Population, Encoder, Dataset, Layer, Network, Learner) need NumPy; without it
only the version and error helpers are available.

Every non-OK status raises a subclass of snn.Error carrying snn_last_error().
"""
import ctypes
import ctypes.util
import os

from . import _native

__all__ = ["Error", "InvalidError", "NoMemoryError", "RangeError", "NotFoundError",
           "UnsupportedError", "StateError", "IOError_", "FormatError", "VersionError",
           "CanceledError", "NumericError", "InternalError",
           "library", "version", "version_number", "features", "strerror", "last_error",
           "clear_error", "check", "error_for", "set_allocator", "STATUS_ERRORS",
           "WRITTEN_FOR", "MISSING_SYMBOLS"]

#: The libsnn version this binding was written for (MAJOR, MINOR).
WRITTEN_FOR = (0, 1)

_STATUS_NAMES = {
    0: "SNN_OK", -1: "SNN_E_INVALID", -2: "SNN_E_NOMEM", -3: "SNN_E_RANGE",
    -4: "SNN_E_NOTFOUND", -5: "SNN_E_UNSUPPORTED", -6: "SNN_E_STATE", -7: "SNN_E_IO",
    -8: "SNN_E_FORMAT", -9: "SNN_E_VERSION", -10: "SNN_E_CANCELED", -11: "SNN_E_NUMERIC",
    -99: "SNN_E_INTERNAL",
}


class Error(Exception):
    """A libsnn call failed: .status is the snn_status code, .detail the snn_last_error() text.

    Each status has its own subclass (see STATUS_ERRORS); check() raises the
    matching one. The subclasses also derive from the closest built-in exception
    (ValueError, MemoryError, KeyError, ...) so generic handlers work too.
    """

    status_code = None

    def __init__(self, status, detail=""):
        self.status = status
        self.detail = detail
        self.message = f"{_STATUS_NAMES.get(status, status)}: {detail}"
        super().__init__(self.message)

    def __str__(self):
        return self.message


class InvalidError(Error, ValueError):
    """SNN_E_INVALID: bad argument (NULL, size or shape mismatch, NaN/Inf)."""
    status_code = -1


class NoMemoryError(Error, MemoryError):
    """SNN_E_NOMEM: an allocation failed."""
    status_code = -2


class RangeError(Error, ValueError):
    """SNN_E_RANGE: a value outside its documented bounds."""
    status_code = -3


class NotFoundError(Error, KeyError):
    """SNN_E_NOTFOUND: unknown name (kind, preset, parameter, setting)."""
    status_code = -4


class UnsupportedError(Error, NotImplementedError):
    """SNN_E_UNSUPPORTED: the operation does not apply to this object or build."""
    status_code = -5


class StateError(Error, RuntimeError):
    """SNN_E_STATE: call out of order (or use of a closed object)."""
    status_code = -6


class IOError_(Error, OSError):
    """SNN_E_IO: the operating system refused (open, read, write, rename)."""
    status_code = -7

    def __init__(self, status, detail=""):
        Error.__init__(self, status, detail)


class FormatError(Error, ValueError):
    """SNN_E_FORMAT: corrupt or truncated file or buffer."""
    status_code = -8


class VersionError(Error):
    """SNN_E_VERSION: struct_size or file version not supported."""
    status_code = -9


class CanceledError(Error):
    """SNN_E_CANCELED: a progress callback asked to stop."""
    status_code = -10


class NumericError(Error, ArithmeticError):
    """SNN_E_NUMERIC: NaN/Inf appeared in simulation or training."""
    status_code = -11


class InternalError(Error, RuntimeError):
    """SNN_E_INTERNAL: a bug in libsnn."""
    status_code = -99


#: status code -> exception class
STATUS_ERRORS = {cls.status_code: cls for cls in (
    InvalidError, NoMemoryError, RangeError, NotFoundError, UnsupportedError, StateError,
    IOError_, FormatError, VersionError, CanceledError, NumericError, InternalError)}


def _candidates():
    env = os.environ.get("SNN_LIBRARY")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.normpath(os.path.join(here, "..", "..", "..", "lib", "libsnn.so.0"))
    yield "libsnn.so.0"
    found = ctypes.util.find_library("snn")
    if found:
        yield found


def _load():
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as exc:
            errors.append(f"{path}: {exc}")
    raise OSError("libsnn not found; set SNN_LIBRARY to the path of libsnn.so.0 (" +
                  "; ".join(errors) + ")")


library = _load()

#: Functions of include/snn.h the loaded library does not export (normally empty).
MISSING_SYMBOLS = tuple(_native.declare(library))

_major = library.snn_version_number() // 10000
if _major != WRITTEN_FOR[0]:
    raise ImportError(f"libsnn major version {_major} is not the {WRITTEN_FOR[0]} "
                      "this binding was written for")


def version():
    """The linked library's version string, e.g. '0.1.0'."""
    return library.snn_version_string().decode()


def version_number():
    """MAJOR*10000 + MINOR*100 + PATCH of the linked library."""
    return library.snn_version_number()


def features():
    """Set of feature names the library was built with ('openmp', 'blas', 'nir')."""
    bits = library.snn_features()
    return {name for bit, name in ((_native.SNN_FEATURE_OPENMP, "openmp"),
                                   (_native.SNN_FEATURE_BLAS, "blas"),
                                   (_native.SNN_FEATURE_NIR, "nir")) if bits & bit}


def strerror(status):
    """Static description of a status code ('unknown status' for unknown values)."""
    return library.snn_strerror(int(status)).decode()


def last_error():
    """The calling thread's detail message for the most recent failure."""
    return library.snn_last_error().decode(errors="replace")


def clear_error():
    """Clears the calling thread's error detail."""
    library.snn_clear_error()


_allocator_keepalive = None


def set_allocator(malloc=None, free=None):
    """Routes every libsnn allocation through Python callables (for tests and accounting).

    malloc(size) -> address (int, 0 on failure) and free(address) -> None; both None
    restores malloc/free. As in C (snn_set_allocator), call it only while no libsnn
    object exists, or make free() accept pointers that malloc() did not return
    (e.g. forward them to libc free). Very slow: every allocation calls Python.
    """
    global _allocator_keepalive
    if malloc is None and free is None:
        check(library.snn_set_allocator(None))
        _allocator_keepalive = None
        return
    if malloc is None or free is None:
        raise TypeError("set_allocator: give both malloc and free, or neither")

    def _malloc(user, size):
        try:
            return malloc(size) or None
        except BaseException:  # noqa: BLE001 - an exception must not cross into C
            return None

    def _free(user, ptr):
        try:
            free(ptr)
        except BaseException:  # noqa: BLE001
            pass

    a = _native.AllocatorStruct()
    a.struct_size = ctypes.sizeof(a)
    a.malloc_fn = _native.MALLOC_FN(_malloc)
    a.free_fn = _native.FREE_FN(_free)
    a.user = None
    check(library.snn_set_allocator(ctypes.byref(a)))
    _allocator_keepalive = a  # the C side keeps the function pointers


def error_for(status, detail=None):
    """The exception (not raised) for a non-OK @p status; detail defaults to last_error()."""
    if detail is None:
        detail = last_error()
    return STATUS_ERRORS.get(status, Error)(status, detail)


def check(status):
    """Raise the snn.Error subclass for a negative status; return it otherwise."""
    if status < 0:
        raise error_for(status)
    return status


try:
    from ._core import (NeuronModel, ParamInfo, Population, Encoder, Dataset, Layer, Network,
                        Learner, Progress, BpttOptions, StdpOptions, SpikepropOptions,
                        NirOptions, nir_describe)
    from ._spnet import SpNet, SpnetOptions, SpnetConnectOptions, SpnetStats
except ModuleNotFoundError as _exc:  # pragma: no cover - the classes need NumPy
    if _exc.name != "numpy":
        raise
    HAVE_NUMPY = False
else:
    HAVE_NUMPY = True
    __all__ += ["NeuronModel", "ParamInfo", "Population", "Encoder", "Dataset", "Layer",
                "Network", "Learner", "Progress", "BpttOptions", "StdpOptions",
                "SpikepropOptions", "NirOptions", "nir_describe", "SpNet", "SpnetOptions",
                "SpnetConnectOptions", "SpnetStats"]
__all__ += ["HAVE_NUMPY"]
