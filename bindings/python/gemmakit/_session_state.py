"""A session's state as a value: saved blobs and files, forks, KV cache size, cancellation from
another thread, drawing one token, and batched decoding of several sessions in one pass."""
import ctypes
import os
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence, TypeVar, Union

from . import _native
from ._errors import InvalidArgumentError, check, sized_output

if TYPE_CHECKING:
    from ._model import SamplingParams, Session

_lib = _native.lib

KV_TYPES = {"f32": 0, "bf16": 1, "f16": 2, "q8_0": 3}
CONTEXT_FULL = {"stop": 0, "drop_oldest": 1}

_S = TypeVar("_S", bound="SessionStateMixin")


def session_params(n_threads: int, context_length: int, batch_size: int, kv_type: str,
                   context_full: str) -> _native.SessionParams:
    """gemmakit_session_params from the Python options (names as in KV_TYPES and CONTEXT_FULL)."""
    if kv_type not in KV_TYPES:
        raise InvalidArgumentError(-1, f"kv_type {kv_type!r}: expected one of {sorted(KV_TYPES)}")
    if context_full not in CONTEXT_FULL:
        raise InvalidArgumentError(-1, f"context_full {context_full!r}: expected one of {sorted(CONTEXT_FULL)}")
    p = _native.SessionParams()
    check(_lib.gemmakit_session_params_init(ctypes.byref(p), ctypes.sizeof(p)))
    p.n_threads, p.context_length, p.batch_size = n_threads, context_length, batch_size
    p.kv_type, p.context_full = KV_TYPES[kv_type], CONTEXT_FULL[context_full]
    return p


class SessionStateMixin:
    """Session's methods over its whole state (mixed into Session, which provides _handle()
    and _adopt())."""
    _h: ctypes.c_void_p
    _handle: "Callable[[], ctypes.c_void_p]"
    _adopt: "Callable[[Any], None]"

    def save(self) -> bytes:
        """The session (tokens, KV cache, last logits, sampler RNG) as a checksummed blob tied to
        the model; load() it into a session of the same model to continue bit for bit."""
        handle = self._handle()
        return sized_output(lambda buf, capacity, needed: _lib.gemmakit_session_save(handle, buf, capacity, needed))

    def load(self, blob: bytes) -> None:
        """Replaces the state with a saved one (FileError for another model's or a corrupt blob;
        the session is unchanged then)."""
        blob = bytes(blob)
        check(_lib.gemmakit_session_load(self._handle(), blob, len(blob)))

    def save_file(self, path: Union[str, os.PathLike]) -> None:
        check(_lib.gemmakit_session_save_file(self._handle(), os.fsencode(path)))

    def load_file(self, path: Union[str, os.PathLike]) -> None:
        check(_lib.gemmakit_session_load_file(self._handle(), os.fsencode(path)))

    def fork(self: _S) -> _S:
        """A new, independent session holding a copy of this one's state."""
        other = type(self).__new__(type(self))
        other._adopt(self)
        check(_lib.gemmakit_session_fork(self._handle(), ctypes.byref(other._h)))
        return other

    def cancel(self) -> None:
        """Makes the call running on this session (or the next one) raise CancelledError at its
        next check. Safe from any thread; the session keeps the tokens evaluated before."""
        check(_lib.gemmakit_session_cancel(self._handle()))

    @property
    def kv_bytes(self) -> int:
        """Bytes the session's KV cache holds now."""
        n = ctypes.c_int64()
        check(_lib.gemmakit_session_kv_bytes(self._handle(), ctypes.byref(n)))
        return n.value

    def sample(self, sampling: Optional["SamplingParams"] = None, reseed: bool = False) -> int:
        """Draws a token from the last logits (the sampler's RNG is reseeded from sampling.seed
        when reseed is true). Fields left None, all of them without sampling, take the model's
        recommended values."""
        from ._model import SamplingParams
        p = (sampling or SamplingParams())._to_c(self.model._handle())
        token = ctypes.c_int32()
        check(_lib.gemmakit_session_sample(self._handle(), ctypes.byref(p), int(reseed), ctypes.byref(token)))
        return token.value


def batch_decode(sessions: Sequence["Session"], tokens: Sequence[int]) -> None:
    """Advances each session by its token (tokens[i] for sessions[i]) in one forward pass that
    reads the weights once; then each session's logits() / sample() are its token's. The
    sessions must be distinct and of one model; on error none changes."""
    if len(sessions) != len(tokens):
        raise InvalidArgumentError(-1, f"{len(sessions)} sessions but {len(tokens)} tokens")
    handles = (ctypes.c_void_p * max(1, len(sessions)))(*[s._handle().value for s in sessions])
    ids = (ctypes.c_int32 * max(1, len(tokens)))(*tokens)
    check(_lib.gemmakit_batch_decode(handles, len(sessions), ids))


def model_kv_bytes(model_handle: ctypes.c_void_p, n_positions: int, params: _native.SessionParams) -> int:
    n = ctypes.c_int64()
    check(_lib.gemmakit_model_kv_bytes(model_handle, ctypes.byref(params), n_positions, ctypes.byref(n)))
    return n.value
