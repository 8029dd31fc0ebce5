"""Scoring (gemmakit_session_score) and ShieldGemma (gemmakit_shieldgemma_*): the ctypes mirrors of
their structs, and the functions Session.score, Model.shieldgemma_classify and shieldgemma_prompt
call."""
import ctypes
from dataclasses import dataclass
from typing import Optional, List, Sequence

from . import _native
from ._errors import check

_lib = _native.lib
P = ctypes.POINTER
c_int32, c_size_t, c_double, c_char_p = ctypes.c_int32, ctypes.c_size_t, ctypes.c_double, ctypes.c_char_p

SHIELDGEMMA_POLICIES = ("dangerous", "harassment", "hate", "sexual")


class ScoreParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("continuations", P(P(c_int32))),
                ("continuation_lengths", P(c_size_t)), ("n_continuations", c_size_t), ("next_tokens", P(c_int32)),
                ("n_next_tokens", c_size_t), ("logprob_sums", P(c_double)), ("token_logprobs", P(c_double)),
                ("is_greedy", P(c_int32)), ("next_token_logprobs", P(c_double))]


class ShieldGemmaParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("policy_names", P(c_char_p)), ("n_policy_names", c_size_t),
                ("policy_texts", P(c_char_p)), ("n_policy_texts", c_size_t), ("n_threads", c_int32),
                ("model_response", c_char_p)]


for _name, (_res, _args) in {
    "gemmakit_score_params_init": (c_int32, [P(ScoreParams), c_size_t]),
    "gemmakit_session_score": (c_int32, [ctypes.c_void_p, P(c_int32), c_size_t, P(ScoreParams)]),
    "gemmakit_shieldgemma_params_init": (c_int32, [P(ShieldGemmaParams), c_size_t]),
    "gemmakit_shieldgemma_prompt": (c_int32, [c_char_p, P(ShieldGemmaParams),
                                              c_char_p, c_size_t, P(c_size_t)]),
    "gemmakit_shieldgemma_classify": (c_int32, [ctypes.c_void_p, c_char_p, P(ShieldGemmaParams), P(c_double)]),
}.items():
    _fn = getattr(_lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args


@dataclass
class ContinuationScore:
    logprob: float               # sum of token_logprobs (natural log)
    token_logprobs: List[float]  # each token's log-probability given everything before it
    is_greedy: bool              # every token is the most likely one at its position


@dataclass
class Scores:
    continuations: List[ContinuationScore]
    next_tokens: List[float]     # log-probability of each candidate right after the prompt


def _ids(ids: Sequence[int]):
    ids = list(ids)
    return (c_int32 * len(ids))(*ids), len(ids)


def score(session_handle, prompt: Sequence[int], continuations: Sequence[Sequence[int]],
          next_tokens: Sequence[int]) -> Scores:
    p = ScoreParams()
    check(_lib.gemmakit_score_params_init(ctypes.byref(p), ctypes.sizeof(p)))
    arrays = [_ids(c) for c in continuations]
    total = sum(n for _, n in arrays)
    ptrs = (P(c_int32) * len(arrays))(*[ctypes.cast(a, P(c_int32)) for a, _ in arrays])
    lengths = (c_size_t * len(arrays))(*[n for _, n in arrays])
    next_arr, n_next = _ids(next_tokens)
    sums, tokens = (c_double * len(arrays))(), (c_double * total)()
    greedy, next_lp = (c_int32 * len(arrays))(), (c_double * n_next)()
    p.continuations, p.continuation_lengths, p.n_continuations = ptrs, lengths, len(arrays)
    p.next_tokens, p.n_next_tokens = next_arr, n_next
    p.logprob_sums, p.token_logprobs, p.is_greedy, p.next_token_logprobs = sums, tokens, greedy, next_lp
    prompt_arr, n_prompt = _ids(prompt)
    check(_lib.gemmakit_session_score(session_handle, prompt_arr, n_prompt, ctypes.byref(p)))
    out, at = [], 0
    for i, (_, n) in enumerate(arrays):
        out.append(ContinuationScore(sums[i], list(tokens[at:at + n]), bool(greedy[i])))
        at += n
    return Scores(out, list(next_lp))


def _shield_params(policies: Sequence[str], policy_texts: Sequence[str], n_threads: int,
                   response: Optional[str] = None):
    """The params struct and the buffers it points into (keep them alive while it is used)."""
    p = ShieldGemmaParams()
    check(_lib.gemmakit_shieldgemma_params_init(ctypes.byref(p), ctypes.sizeof(p)))
    names = (c_char_p * len(policies))(*[s.encode() for s in policies])
    texts = (c_char_p * len(policy_texts))(*[s.encode() for s in policy_texts])
    p.policy_names, p.n_policy_names = names, len(policies)
    p.policy_texts, p.n_policy_texts = texts, len(policy_texts)
    p.n_threads = n_threads
    p.model_response = response.encode() if response is not None else None
    return p, (names, texts)


def shieldgemma_prompt(user_prompt: str, policies: Sequence[str] = (), policy_texts: Sequence[str] = (),
                       response: Optional[str] = None) -> str:
    """ShieldGemma's classification prompt (no <bos>): prompt-only as its model card renders it, or, with
    response, the prompt-response one of Google's ShieldGemma tutorial."""
    p, _keep = _shield_params(policies, policy_texts, 0, response)
    needed = c_size_t()
    status = _lib.gemmakit_shieldgemma_prompt(user_prompt.encode(), ctypes.byref(p), None, 0, ctypes.byref(needed))
    if status not in (0, -8):
        check(status)
    buf = ctypes.create_string_buffer(needed.value)
    check(_lib.gemmakit_shieldgemma_prompt(user_prompt.encode(), ctypes.byref(p), buf, needed.value,
                                           ctypes.byref(needed)))
    return buf.value.decode()


def shieldgemma_classify(model_handle, user_prompt: str, policies: Sequence[str], policy_texts: Sequence[str],
                         n_threads: int, response: Optional[str] = None) -> float:
    p, _keep = _shield_params(policies, policy_texts, n_threads, response)
    p_yes = c_double()
    check(_lib.gemmakit_shieldgemma_classify(model_handle, user_prompt.encode(), ctypes.byref(p),
                                             ctypes.byref(p_yes)))
    return p_yes.value
