"""gemmakit: run Google's Gemma models locally on CPU (ctypes bindings over the C ABI).

    with gemmakit.Model("gemma-3-1b-it") as model:
        for piece in model.chat([{"role": "user", "content": "Hi"}], stream=True):
            print(piece, end="")
"""
import ctypes as _ctypes

from . import _native
from ._errors import ContextFullError, FileError, GemmakitError, InvalidArgumentError, UnsupportedError
from ._model import Audio, Image, Model, Result, SamplingParams, Session
from ._scoring import SHIELDGEMMA_POLICIES, ContinuationScore, Scores, shieldgemma_prompt
from ._tools import ToolCall, ToolCallParser, apply_chat_template_tools, chat_tools, chat_tools_stream, tool_format

__all__ = ["Model", "Session", "Image", "Audio", "SamplingParams", "Result", "GemmakitError", "InvalidArgumentError",
           "FileError", "UnsupportedError", "ContextFullError", "version", "set_log_callback", "Scores",
           "ContinuationScore", "shieldgemma_prompt", "SHIELDGEMMA_POLICIES", "ToolCall",
           "ToolCallParser", "apply_chat_template_tools", "chat_tools", "chat_tools_stream", "tool_format"]

if _native.lib.gemmakit_abi_version() != _native.ABI_VERSION:
    raise ImportError(f"gemmakit: the library has ABI {_native.lib.gemmakit_abi_version()}, these bindings "
                      f"were written for ABI {_native.ABI_VERSION}")

LOG_LEVELS = {"debug": 0, "info": 1, "warning": 2, "error": 3}
_log_callback = None  # the ctypes thunk must outlive its use by the library


def version() -> str:
    return _native.lib.gemmakit_version().decode()


def set_log_callback(callback, level: str = "info"):
    """callback(level_name, message) receives the library's diagnostics; None silences them."""
    global _log_callback
    names = {v: k for k, v in LOG_LEVELS.items()}
    if callback is None:
        thunk = _native.LOG_CALLBACK()
    else:
        thunk = _native.LOG_CALLBACK(lambda lvl, msg, _user: callback(names.get(lvl, str(lvl)), msg.decode()))
    from ._errors import check
    check(_native.lib.gemmakit_set_log_callback(thunk, LOG_LEVELS[level], None))
    _log_callback = thunk
