"""Function calling: tool declarations in, calls out (gemmakit_tool_* of the C ABI)."""
import ctypes
import json
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Sequence, Tuple, Union

from . import _native
from ._errors import check

_lib = _native.lib
FORMATS = {"auto": 0, "gemma3": 1, "functiongemma": 2}
_FORMAT_NAMES = {v: k for k, v in FORMATS.items()}


@dataclass
class ToolCall:
    name: str
    arguments: dict  # the JSON arguments, decoded


class ToolParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("tools", ctypes.c_void_p), ("n_tools", ctypes.c_size_t),
                ("format", ctypes.c_int32), ("on_call", _native.TOOL_CALL_CALLBACK), ("user_data", ctypes.c_void_p),
                ("tools_json", ctypes.c_char_p)]


def _calls(ptr, n) -> List[ToolCall]:
    return [ToolCall(ptr[i].name.decode(), json.loads(ptr[i].arguments_json.decode())) for i in range(n)]


class _ToolArgs:
    """gemmakit_tool_params for tools (dicts: {name, description, parameters} or OpenAI's
    {"type": "function", "function": {...}}), alive as long as this object."""

    def __init__(self, tools: Sequence[dict], format: str = "auto", on_call: Optional[Callable] = None):
        if format not in FORMATS:
            raise ValueError(f"format must be one of {sorted(FORMATS)}")
        self.json = json.dumps(list(tools)).encode()
        self.params = ToolParams()
        check(_lib.gemmakit_tool_params_init(ctypes.byref(self.params), ctypes.sizeof(self.params)))
        self.params.format = FORMATS[format]
        self.params.tools_json = self.json
        self.error = None
        if on_call is not None:
            def thunk(call, _user):
                try:
                    c = call.contents
                    return 1 if on_call(ToolCall(c.name.decode(), json.loads(c.arguments_json.decode()))) else 0
                except BaseException as e:  # noqa: BLE001 - re-raised after the C call returns
                    self.error = e
                    return 1
            self.thunk = _native.TOOL_CALL_CALLBACK(thunk)
            self.params.on_call = self.thunk


def tool_format(model) -> str:
    """The format the model's vocabulary calls for: "gemma3" or "functiongemma"."""
    f = ctypes.c_int32()
    check(_lib.gemmakit_model_tool_format(model._handle(), ctypes.byref(f)))
    return _FORMAT_NAMES[f.value]


def apply_chat_template_tools(model, messages, tools: Sequence[dict], format: str = "auto",
                              add_generation_prompt: bool = True) -> str:
    from ._model import _messages
    array, n, _keep = _messages(messages)
    args = _ToolArgs(tools, format)
    handle = model._handle() if model is not None else None
    needed = ctypes.c_size_t()
    status = _lib.gemmakit_apply_chat_template_tools(handle, array, n, ctypes.byref(args.params),
                                                     int(add_generation_prompt), None, 0, ctypes.byref(needed))
    if status not in (0, -8):
        check(status)
    buf = ctypes.create_string_buffer(needed.value)
    check(_lib.gemmakit_apply_chat_template_tools(handle, array, n, ctypes.byref(args.params),
                                                  int(add_generation_prompt), buf, needed.value, ctypes.byref(needed)))
    return buf.value.decode()


def chat_tools(session, messages, tools: Sequence[dict], format: str = "auto",
               on_call: Optional[Callable[[ToolCall], bool]] = None, **generate_args) -> Tuple[str, List[ToolCall]]:
    """The model's reply to the conversation with tools: (text without the calls, calls). on_call
    receives each call as soon as the output completes it; returning True stops generating."""
    from ._model import _GenerateArgs, _messages
    array, n, _keep = _messages(messages)
    targs = _ToolArgs(tools, format, on_call)
    gargs = _GenerateArgs(session.model, **generate_args)
    status = _lib.gemmakit_session_chat_tools(session._handle(), array, n, ctypes.byref(targs.params),
                                              ctypes.byref(gargs.params), None)
    if targs.error is not None:
        raise targs.error
    check(status)
    ptr, count, text = ctypes.POINTER(_native.ToolCallC)(), ctypes.c_size_t(), ctypes.c_char_p()
    check(_lib.gemmakit_session_tool_calls(session._handle(), ctypes.byref(ptr), ctypes.byref(count),
                                           ctypes.byref(text)))
    return text.value.decode("utf-8", "replace"), _calls(ptr, count.value)


def chat_tools_stream(session, messages, tools: Sequence[dict], format: str = "auto",
                      **generate_args) -> Iterator[Union[str, ToolCall]]:
    """The reply to the conversation with tools, pulled step by step: yields text pieces and each
    ToolCall as soon as the output completes it."""
    from ._model import _GenerateArgs, _messages
    array, n, _keep = _messages(messages)
    targs = _ToolArgs(tools, format)
    gargs = _GenerateArgs(session.model, **generate_args)
    check(_lib.gemmakit_session_begin_chat_tools(session._handle(), array, n, ctypes.byref(targs.params),
                                                 ctypes.byref(gargs.params)))
    seen = 0
    finished = False
    while not finished:
        text, finished = session.step(1, 0.0)
        if text:
            yield text
        ptr, count = ctypes.POINTER(_native.ToolCallC)(), ctypes.c_size_t()
        check(_lib.gemmakit_session_tool_calls(session._handle(), ctypes.byref(ptr), ctypes.byref(count), None))
        for call in _calls(ptr, count.value)[seen:]:
            yield call
        seen = count.value


class ToolCallParser:
    """Finds calls in text fed piece by piece (e.g. Session.step's pieces). feed() returns the calls
    that piece completed; finish() ends the output (an unfinished call becomes text)."""

    def __init__(self, format: str):
        if format not in ("gemma3", "functiongemma"):
            raise ValueError('format must be "gemma3" or "functiongemma"')
        self._h = ctypes.c_void_p()
        check(_lib.gemmakit_tool_parser_create(FORMATS[format], ctypes.byref(self._h)))

    def __del__(self):
        if getattr(self, "_h", None) and self._h.value:
            _lib.gemmakit_tool_parser_free(self._h)
            self._h = ctypes.c_void_p()

    def _state(self):
        ptr, count, text = ctypes.POINTER(_native.ToolCallC)(), ctypes.c_size_t(), ctypes.c_char_p()
        check(_lib.gemmakit_tool_parser_calls(self._h, ctypes.byref(ptr), ctypes.byref(count), ctypes.byref(text)))
        return _calls(ptr, count.value), text.value.decode("utf-8", "replace")

    def feed(self, text: str) -> List[ToolCall]:
        data = text.encode()
        n_new = ctypes.c_size_t()
        check(_lib.gemmakit_tool_parser_feed(self._h, data, len(data), ctypes.byref(n_new)))
        calls, _ = self._state()
        return calls[len(calls) - n_new.value:]

    def finish(self) -> None:
        check(_lib.gemmakit_tool_parser_finish(self._h))

    @property
    def calls(self) -> List[ToolCall]:
        return self._state()[0]

    @property
    def text(self) -> str:
        return self._state()[1]
