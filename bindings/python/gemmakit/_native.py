"""The C ABI as ctypes sees it: finding libgemmakit, the params structs (mirrors of
capi/gemmakit.h, append-only like the header), and the prototypes of the functions used."""
import ctypes
import ctypes.util
import os

ABI_VERSION = 1  # the GEMMAKIT_ABI_VERSION these declarations mirror


def _candidates():
    env = os.environ.get("GEMMAKIT_LIBRARY")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(here)):
        if name.startswith("libgemmakit.so"):
            yield os.path.join(here, name)
    found = ctypes.util.find_library("gemmakit")
    if found:
        yield found
    yield f"libgemmakit.so.{ABI_VERSION}"
    yield "libgemmakit.so"


def _load():
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(f"{path}: {e}")
    raise ImportError("gemmakit: cannot load the shared library (set GEMMAKIT_LIBRARY to libgemmakit.so's "
                      "path):\n  " + "\n  ".join(errors))


lib = _load()

c_int32, c_int64, c_uint32, c_uint64 = ctypes.c_int32, ctypes.c_int64, ctypes.c_uint32, ctypes.c_uint64
c_size_t, c_char_p, c_void_p, c_float, c_double = ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_float, ctypes.c_double


class ModelParams(ctypes.Structure):
    _fields_ = [("struct_size", c_uint32), ("weight_type", c_int32), ("n_threads", c_int32), ("mmproj_path", c_char_p),
                ("precision", c_int32), ("slice_path", c_char_p), ("merge_adapters", ctypes.POINTER(c_char_p)),
                ("merge_adapter_scales", ctypes.POINTER(c_float)), ("n_merge_adapters", c_int32)]


class ModelInfo(ctypes.Structure):
    _fields_ = [("struct_size", c_uint32), ("architecture", ctypes.c_char * 32), ("weight_type", ctypes.c_char * 16),
                ("vocab_size", c_int64), ("context_length", c_int64), ("n_layers", c_int64),
                ("n_sliding_layers", c_int64), ("sliding_window", c_int64), ("hidden_size", c_int64),
                ("intermediate_size", c_int64), ("n_heads", c_int64), ("n_kv_heads", c_int64), ("head_dim", c_int64),
                ("n_params", c_int64), ("weight_bytes", c_int64), ("bos_id", c_int32), ("eos_id", c_int32),
                ("start_of_turn_id", c_int32), ("end_of_turn_id", c_int32), ("format", ctypes.c_char * 16),
                ("tokenizer_source", ctypes.c_char * 32), ("chat_template", ctypes.c_char * 32),
                ("lookup_bytes", c_int64), ("recommended_sampling", c_int32)]


class ChatMessage(ctypes.Structure):
    _fields_ = [("role", c_char_p), ("content", c_char_p)]


ABORT_CALLBACK = ctypes.CFUNCTYPE(c_int32, c_void_p)


class SessionParams(ctypes.Structure):
    _fields_ = [("struct_size", c_uint32), ("n_threads", c_int32), ("context_length", c_int64), ("batch_size", c_int64),
                ("kv_type", c_int32), ("context_full", c_int32), ("abort_callback", ABORT_CALLBACK),
                ("abort_user_data", c_void_p)]


class LogitBias(ctypes.Structure):
    _fields_ = [("token", c_int32), ("bias", c_float)]


class SamplingParams(ctypes.Structure):
    _fields_ = [("struct_size", c_uint32), ("temperature", c_float), ("top_k", c_int32), ("top_p", c_float),
                ("min_p", c_float), ("repeat_penalty", c_float), ("repeat_last_n", c_int32), ("seed", c_uint64),
                ("logit_bias", ctypes.POINTER(LogitBias)), ("n_logit_bias", c_size_t), ("grammar", c_char_p),
                ("grammar_root", c_char_p), ("json_schema", c_char_p), ("json_mode", c_int32)]


TEXT_CALLBACK = ctypes.CFUNCTYPE(c_int32, ctypes.POINTER(ctypes.c_char), c_size_t, c_void_p)


class GenerateParams(ctypes.Structure):
    _fields_ = [("struct_size", c_uint32), ("max_tokens", c_int32), ("sampling", ctypes.POINTER(SamplingParams)),
                ("stop", ctypes.POINTER(c_char_p)), ("n_stop", c_size_t), ("on_text", TEXT_CALLBACK),
                ("user_data", c_void_p)]


class Generation(ctypes.Structure):
    _fields_ = [("struct_size", c_uint32), ("text", ctypes.POINTER(ctypes.c_char)), ("text_len", c_size_t),
                ("stop_reason", c_int32), ("n_tokens", c_int32), ("n_prompt_tokens", c_int64),
                ("prompt_seconds", c_double), ("first_token_seconds", c_double), ("decode_seconds", c_double),
                ("n_decoded", c_int64), ("n_dropped_messages", c_int64)]


class Chunk(ctypes.Structure):
    _fields_ = [("struct_size", c_uint32), ("text", ctypes.POINTER(ctypes.c_char)), ("text_len", c_size_t),
                ("finished", c_int32), ("stop_reason", c_int32), ("n_tokens", c_int32), ("n_total_tokens", c_int32),
                ("n_prompt_tokens", c_int64)]


LOG_CALLBACK = ctypes.CFUNCTYPE(None, c_int32, c_char_p, c_void_p)


PART_TEXT, PART_IMAGE, PART_AUDIO = 0, 1, 2
LOGITS_LAST, LOGITS_ALL = 0, 1


class ContentPart(ctypes.Structure):
    _fields_ = [("struct_size", c_uint32), ("type", c_int32), ("text", c_char_p), ("image", c_void_p),
                ("audio", c_void_p)]


class ContentTurn(ctypes.Structure):
    _fields_ = [("struct_size", c_uint32), ("role", c_char_p), ("parts", ctypes.POINTER(ContentPart)),
                ("n_parts", c_size_t)]


class EmbedParams(ctypes.Structure):
    _fields_ = [("struct_size", c_uint32), ("prompt_name", c_char_p), ("dim", c_int32), ("n_threads", c_int32)]
class ToolCallC(ctypes.Structure):
    _fields_ = [("name", c_char_p), ("arguments_json", c_char_p)]


TOOL_CALL_CALLBACK = ctypes.CFUNCTYPE(c_int32, ctypes.POINTER(ToolCallC), c_void_p)


P = ctypes.POINTER
_status = c_int32
_prototypes = {
    "gemmakit_version": (c_char_p, []),
    "gemmakit_abi_version": (c_int32, []),
    "gemmakit_last_error": (c_char_p, []),
    "gemmakit_status_string": (c_char_p, [c_int32]),
    "gemmakit_weight_type_from_name": (_status, [c_char_p, P(c_int32)]),
    "gemmakit_model_params_init": (_status, [P(ModelParams), c_size_t]),
    "gemmakit_model_load": (_status, [c_char_p, P(ModelParams), P(c_void_p)]),
    "gemmakit_model_free": (None, [c_void_p]),
    "gemmakit_model_get_info": (_status, [c_void_p, P(ModelInfo)]),
    "gemmakit_tokenize": (_status, [c_void_p, c_char_p, c_size_t, c_int32, P(c_int32), c_size_t, P(c_size_t)]),
    "gemmakit_detokenize": (_status, [c_void_p, P(c_int32), c_size_t, c_char_p, c_size_t, P(c_size_t)]),
    "gemmakit_apply_chat_template": (_status, [c_void_p, P(ChatMessage), c_size_t, c_int32, c_char_p, c_size_t,
                                              P(c_size_t)]),
    "gemmakit_session_params_init": (_status, [P(SessionParams), c_size_t]),
    "gemmakit_session_create": (_status, [c_void_p, P(SessionParams), P(c_void_p)]),
    "gemmakit_session_free": (None, [c_void_p]),
    "gemmakit_session_reset": (_status, [c_void_p]),
    "gemmakit_session_n_past": (_status, [c_void_p, P(c_int64)]),
    "gemmakit_session_eval": (_status, [c_void_p, P(c_int32), c_size_t, c_int32]),
    "gemmakit_session_logits": (_status, [c_void_p, P(P(c_float)), P(c_size_t), P(c_size_t)]),
    "gemmakit_sampling_params_from_model": (_status, [c_void_p, P(SamplingParams), c_size_t]),
    "gemmakit_generate_params_init": (_status, [P(GenerateParams), c_size_t]),
    "gemmakit_session_generate": (_status, [c_void_p, c_char_p, P(GenerateParams), P(Generation)]),
    "gemmakit_session_chat": (_status, [c_void_p, P(ChatMessage), c_size_t, P(GenerateParams), P(Generation)]),
    "gemmakit_session_begin_generate": (_status, [c_void_p, c_char_p, P(GenerateParams)]),
    "gemmakit_session_begin_chat": (_status, [c_void_p, P(ChatMessage), c_size_t, P(GenerateParams)]),
    "gemmakit_session_step": (_status, [c_void_p, c_int32, c_double, P(Chunk)]),
    "gemmakit_session_step_result": (_status, [c_void_p, P(Generation)]),
    "gemmakit_set_log_callback": (_status, [LOG_CALLBACK, c_int32, c_void_p]),
    "gemmakit_image_load": (_status, [c_char_p, P(c_void_p)]),
    "gemmakit_image_decode": (_status, [c_char_p, c_size_t, P(c_void_p)]),
    "gemmakit_image_from_pixels": (_status, [c_char_p, c_int32, c_int32, c_size_t, c_int32, P(c_void_p)]),
    "gemmakit_image_size": (_status, [c_void_p, P(c_int32), P(c_int32)]),
    "gemmakit_image_free": (None, [c_void_p]),
    "gemmakit_model_image_info": (_status, [c_void_p, P(c_int32), P(c_int32), P(c_int32)]),
    "gemmakit_session_chat_content": (_status, [c_void_p, P(ContentTurn), c_size_t, P(GenerateParams),
                                                P(Generation)]),
    "gemmakit_session_begin_chat_content": (_status, [c_void_p, P(ContentTurn), c_size_t, P(GenerateParams)]),
    "gemmakit_session_eval_content": (_status, [c_void_p, P(c_int32), c_size_t, P(ContentPart), c_size_t, c_int32]),
    "gemmakit_session_generate_content": (_status, [c_void_p, c_char_p, P(ContentPart), c_size_t, P(GenerateParams),
                                                    P(Generation)]),
    "gemmakit_session_begin_generate_content": (_status, [c_void_p, c_char_p, P(ContentPart), c_size_t,
                                                          P(GenerateParams)]),
    "gemmakit_model_audio_info": (_status, [c_void_p, P(c_int32), P(c_int32), P(c_double)]),
    "gemmakit_audio_load": (_status, [c_char_p, P(c_void_p)]),
    "gemmakit_audio_decode": (_status, [c_char_p, c_size_t, P(c_void_p)]),
    "gemmakit_audio_from_pcm_f32": (_status, [c_void_p, c_size_t, c_int32, c_int32, P(c_void_p)]),
    "gemmakit_audio_from_pcm_i16": (_status, [c_void_p, c_size_t, c_int32, c_int32, P(c_void_p)]),
    "gemmakit_audio_samples": (_status, [c_void_p, P(P(c_float)), P(c_size_t)]),
    "gemmakit_audio_free": (None, [c_void_p]),
    "gemmakit_embed_params_init": (_status, [P(EmbedParams), c_size_t]),
    "gemmakit_embed": (_status, [c_void_p, P(c_char_p), c_size_t, P(EmbedParams), P(c_float), c_size_t]),
    "gemmakit_model_embedding_dim": (_status, [c_void_p, P(c_int32)]),
    "gemmakit_tool_params_init": (_status, [c_void_p, c_size_t]),
    "gemmakit_model_tool_format": (_status, [c_void_p, P(c_int32)]),
    "gemmakit_apply_chat_template_tools": (_status, [c_void_p, P(ChatMessage), c_size_t, c_void_p, c_int32, c_char_p,
                                                    c_size_t, P(c_size_t)]),
    "gemmakit_session_chat_tools": (_status, [c_void_p, P(ChatMessage), c_size_t, c_void_p, P(GenerateParams),
                                              c_void_p]),
    "gemmakit_session_begin_chat_tools": (_status, [c_void_p, P(ChatMessage), c_size_t, c_void_p,
                                                    P(GenerateParams)]),
    "gemmakit_session_tool_calls": (_status, [c_void_p, P(P(ToolCallC)), P(c_size_t), P(c_char_p)]),
    "gemmakit_tool_parser_create": (_status, [c_int32, P(c_void_p)]),
    "gemmakit_tool_parser_free": (None, [c_void_p]),
    "gemmakit_tool_parser_feed": (_status, [c_void_p, c_char_p, c_size_t, P(c_size_t)]),
    "gemmakit_tool_parser_finish": (_status, [c_void_p]),
    "gemmakit_tool_parser_calls": (_status, [c_void_p, P(P(ToolCallC)), P(c_size_t), P(c_char_p)]),
    # saved sessions, forks, batched decoding, cancellation, KV sizes (_session_state.py)
    "gemmakit_session_save": (_status, [c_void_p, c_void_p, c_size_t, P(c_size_t)]),
    "gemmakit_session_load": (_status, [c_void_p, c_char_p, c_size_t]),
    "gemmakit_session_save_file": (_status, [c_void_p, c_char_p]),
    "gemmakit_session_load_file": (_status, [c_void_p, c_char_p]),
    "gemmakit_session_fork": (_status, [c_void_p, P(c_void_p)]),
    "gemmakit_session_cancel": (_status, [c_void_p]),
    "gemmakit_session_kv_bytes": (_status, [c_void_p, P(c_int64)]),
    "gemmakit_model_kv_bytes": (_status, [c_void_p, P(SessionParams), c_int64, P(c_int64)]),
    "gemmakit_session_sample": (_status, [c_void_p, P(SamplingParams), c_int32, P(c_int32)]),
    "gemmakit_batch_decode": (_status, [P(c_void_p), c_size_t, P(c_int32)]),
    # model extras (_model_extras.py)
    "gemmakit_kernels_used": (c_char_p, []),
    "gemmakit_model_resolved_config": (_status, [c_void_p, c_char_p, c_size_t, P(c_size_t)]),
    "gemmakit_model_save_gguf": (_status, [c_void_p, c_char_p]),
    "gemmakit_adapter_load": (_status, [c_void_p, c_char_p, P(c_void_p)]),
    "gemmakit_adapter_free": (None, [c_void_p]),
    "gemmakit_adapter_info": (_status, [c_void_p, P(c_int32), P(c_double)]),
    "gemmakit_session_set_adapters": (_status, [c_void_p, P(c_void_p), P(c_float), c_size_t]),
}
for _name, (_res, _args) in _prototypes.items():
    _fn = getattr(lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args
