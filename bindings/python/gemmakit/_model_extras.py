"""Model's methods for tooling: the resolved config, GGUF export, KV cache sizes, kernels run."""
import ctypes
import os
from typing import Callable, Union

from . import _native
from . import _session_state
from ._errors import check, sized_output

_lib = _native.lib


class ModelExtrasMixin:
    """Mixed into Model, which provides _handle()."""
    _handle: "Callable[[], ctypes.c_void_p]"

    def resolved_config(self) -> str:
        """The hyper-parameters as resolved from the checkpoint, one "name value" per line."""
        handle = self._handle()
        text = sized_output(lambda buf, capacity, needed: _lib.gemmakit_model_resolved_config(handle, buf, capacity,
                                                                                              needed))
        return text.rstrip(b"\0").decode()

    def save_gguf(self, path: Union[str, os.PathLike]) -> None:
        """Writes the model with its weights as loaded as a GGUF file llama.cpp can load."""
        check(_lib.gemmakit_model_save_gguf(self._handle(), os.fsencode(path)))

    def kv_bytes(self, n_positions: int, context_length: int = 0, batch_size: int = 256, kv_type: str = "f32") -> int:
        """Bytes of KV cache a session with these options holds after n_positions tokens."""
        p = _session_state.session_params(0, context_length, batch_size, kv_type, "stop")
        return _session_state.model_kv_bytes(self._handle(), n_positions, p)


def kernels_used() -> str:
    """Which instruction set and matmul kernels this process ran so far (for bug reports)."""
    return (_lib.gemmakit_kernels_used() or b"").decode()
