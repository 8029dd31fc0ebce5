"""Errors of the C ABI as Python exceptions carrying the library's message."""
import ctypes

from . import _native

OK = 0
_BUFFER_TOO_SMALL = -8


class GemmakitError(Exception):
    """A failed gemmakit call: .status is the GEMMAKIT_ERR_* code, str() the library's message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.status_name = _native.lib.gemmakit_status_string(status).decode()


class InvalidArgumentError(GemmakitError, ValueError):
    pass


class FileError(GemmakitError, OSError):
    pass


class UnsupportedError(GemmakitError):
    """Valid input this build or this model cannot run (an image or audio clip for a model
    without that encoder)."""


class ContextFullError(GemmakitError):
    pass


class CancelledError(GemmakitError):
    """The call was cancelled (Session.cancel); the session stays usable."""


_BY_STATUS = {-1: InvalidArgumentError, -2: FileError, -3: FileError, -4: UnsupportedError, -5: ContextFullError,
              -6: CancelledError}


def check(status):
    """Raises the exception for a non-zero status, with gemmakit_last_error()'s message."""
    if status != OK:
        message = _native.lib.gemmakit_last_error().decode("utf-8", "replace")
        raise _BY_STATUS.get(status, GemmakitError)(status, message)


def sized_output(call) -> bytes:
    """The bytes of a snprintf-style call, call(buf, capacity, needed_ptr) -> status: asks the size
    with an empty buffer, then fills one that large."""
    needed = ctypes.c_size_t()
    status = call(None, 0, ctypes.byref(needed))
    if status != _BUFFER_TOO_SMALL:
        check(status)
    buf = ctypes.create_string_buffer(needed.value)
    check(call(buf, needed.value, ctypes.byref(needed)))
    return buf.raw[:needed.value]
