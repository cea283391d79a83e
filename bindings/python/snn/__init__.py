"""ctypes binding for libsnn (pure Python, no compiler needed).

The library is located, in order, through the SNN_LIBRARY environment variable
(a path to libsnn.so.0), the build tree this package sits in (../../lib), and
the system loader (libsnn.so.0). Only what is declared here is used; every
declared function has argtypes and restype set.
"""
import ctypes
import ctypes.util
import os

__all__ = ["Error", "library", "version", "version_number", "strerror", "last_error",
           "WRITTEN_FOR"]

#: The libsnn version this binding was written for (MAJOR, MINOR).
WRITTEN_FOR = (0, 1)

_STATUS_NAMES = {
    0: "SNN_OK", -1: "SNN_E_INVALID", -2: "SNN_E_NOMEM", -3: "SNN_E_RANGE",
    -4: "SNN_E_NOTFOUND", -5: "SNN_E_UNSUPPORTED", -6: "SNN_E_STATE", -7: "SNN_E_IO",
    -8: "SNN_E_FORMAT", -9: "SNN_E_VERSION", -10: "SNN_E_CANCELED", -11: "SNN_E_NUMERIC",
    -99: "SNN_E_INTERNAL",
}


class Error(Exception):
    """A libsnn call failed: .status is the snn_status code, .detail the snn_last_error() text."""

    def __init__(self, status, detail):
        self.status = status
        self.detail = detail
        super().__init__(f"{_STATUS_NAMES.get(status, status)}: {detail}")


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

library.snn_version_number.argtypes = []
library.snn_version_number.restype = ctypes.c_int
library.snn_version_string.argtypes = []
library.snn_version_string.restype = ctypes.c_char_p
library.snn_strerror.argtypes = [ctypes.c_int]
library.snn_strerror.restype = ctypes.c_char_p
library.snn_last_error.argtypes = []
library.snn_last_error.restype = ctypes.c_char_p
library.snn_set_error.argtypes = [ctypes.c_char_p]
library.snn_set_error.restype = None

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


def strerror(status):
    """Static description of a status code ('unknown status' for unknown values)."""
    return library.snn_strerror(int(status)).decode()


def last_error():
    """The calling thread's detail message for the most recent failure."""
    return library.snn_last_error().decode()


def check(status):
    """Raise Error for a negative status; return it otherwise."""
    if status < 0:
        raise Error(status, last_error())
    return status
