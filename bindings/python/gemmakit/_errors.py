"""Errors of the C ABI as Python exceptions carrying the library's message."""
from . import _native

OK = 0


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


_BY_STATUS = {-1: InvalidArgumentError, -2: FileError, -3: FileError, -4: UnsupportedError, -5: ContextFullError}


def check(status):
    """Raises the exception for a non-zero status, with gemmakit_last_error()'s message."""
    if status != OK:
        message = _native.lib.gemmakit_last_error().decode("utf-8", "replace")
        raise _BY_STATUS.get(status, GemmakitError)(status, message)
