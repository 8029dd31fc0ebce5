//! Raw declarations of gemmakit's C ABI, mirroring `capi/gemmakit.h` (ABI version 1). Structs are
//! append-only there, so these mirrors stay valid for newer libraries of the same ABI version:
//! the library reads `struct_size` and defaults what a shorter struct lacks.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_void};

pub const GEMMAKIT_ABI_VERSION: i32 = 1;

pub type gemmakit_status = i32;
pub const GEMMAKIT_OK: gemmakit_status = 0;
pub const GEMMAKIT_ERR_INVALID_ARGUMENT: gemmakit_status = -1;
pub const GEMMAKIT_ERR_IO: gemmakit_status = -2;
pub const GEMMAKIT_ERR_FORMAT: gemmakit_status = -3;
pub const GEMMAKIT_ERR_UNSUPPORTED: gemmakit_status = -4;
pub const GEMMAKIT_ERR_CONTEXT_FULL: gemmakit_status = -5;
pub const GEMMAKIT_ERR_CANCELLED: gemmakit_status = -6;
pub const GEMMAKIT_ERR_BUFFER_TOO_SMALL: gemmakit_status = -8;

pub const GEMMAKIT_TOKENIZE_ADD_BOS: i32 = 1;
pub const GEMMAKIT_TOKENIZE_PARSE_SPECIAL: i32 = 2;
pub const GEMMAKIT_SEED_RANDOM: u64 = u64::MAX;

#[repr(C)]
pub struct gemmakit_model {
    _private: [u8; 0],
}
#[repr(C)]
pub struct gemmakit_session {
    _private: [u8; 0],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_model_params {
    pub struct_size: u32,
    pub weight_type: i32,
    pub n_threads: i32,
    pub mmproj_path: *const c_char,
    pub precision: i32,
    pub slice_path: *const c_char,
    pub merge_adapters: *const *const c_char,
    pub merge_adapter_scales: *const f32,
    pub n_merge_adapters: i32,
}

pub const GEMMAKIT_PRECISION_EXACT: i32 = 0;
pub const GEMMAKIT_PRECISION_FAST: i32 = 1;

#[repr(C)]
pub struct gemmakit_image {
    _private: [u8; 0],
}

pub const GEMMAKIT_PART_TEXT: i32 = 0;
pub const GEMMAKIT_PART_IMAGE: i32 = 1;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_chat_part {
    pub type_: i32,
    pub text: *const c_char,
    pub image: *const gemmakit_image,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_chat_turn {
    pub role: *const c_char,
    pub parts: *const gemmakit_chat_part,
    pub n_parts: usize,
}

/// A PEFT LoRA adapter bound to one model. Immutable.
#[repr(C)]
pub struct gemmakit_adapter {
    _private: [u8; 0],
}

/// A clip as mono float32 samples at 16 kHz (what Gemma 3n's audio front end reads). Immutable.
#[repr(C)]
pub struct gemmakit_audio {
    _private: [u8; 0],
}

pub const GEMMAKIT_PART_AUDIO: i32 = 2;

/// One part of a turn, or one item of a media list. Set `struct_size` to
/// `size_of::<gemmakit_content_part>()`: arrays of parts are read with the first's as the stride.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_content_part {
    pub struct_size: u32,
    pub type_: i32,
    pub text: *const c_char,
    pub image: *const gemmakit_image,
    pub audio: *const gemmakit_audio,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_content_turn {
    pub struct_size: u32,
    pub role: *const c_char,
    pub parts: *const gemmakit_content_part,
    pub n_parts: usize,
}

pub const GEMMAKIT_LOGITS_LAST: i32 = 0;
pub const GEMMAKIT_LOGITS_ALL: i32 = 1;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_model_info {
    pub struct_size: u32,
    pub architecture: [c_char; 32],
    pub weight_type: [c_char; 16],
    pub vocab_size: i64,
    pub context_length: i64,
    pub n_layers: i64,
    pub n_sliding_layers: i64,
    pub sliding_window: i64,
    pub hidden_size: i64,
    pub intermediate_size: i64,
    pub n_heads: i64,
    pub n_kv_heads: i64,
    pub head_dim: i64,
    pub n_params: i64,
    pub weight_bytes: i64,
    pub bos_id: i32,
    pub eos_id: i32,
    pub start_of_turn_id: i32,
    pub end_of_turn_id: i32,
    pub format: [c_char; 16],
    pub tokenizer_source: [c_char; 32],
    pub chat_template: [c_char; 32],
    pub lookup_bytes: i64,
    /// GEMMAKIT_SAMPLING_* bits: the sampling fields the checkpoint recommends.
    pub recommended_sampling: i32,
}

pub const GEMMAKIT_SAMPLING_TEMPERATURE: i32 = 1;
pub const GEMMAKIT_SAMPLING_TOP_K: i32 = 2;
pub const GEMMAKIT_SAMPLING_TOP_P: i32 = 4;
pub const GEMMAKIT_SAMPLING_MIN_P: i32 = 8;
pub const GEMMAKIT_SAMPLING_REPEAT_PENALTY: i32 = 16;
pub const GEMMAKIT_SAMPLING_REPEAT_LAST_N: i32 = 32;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_chat_message {
    pub role: *const c_char,
    pub content: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_session_params {
    pub struct_size: u32,
    pub n_threads: i32,
    pub context_length: i64,
    pub batch_size: i64,
    pub kv_type: i32,
    pub context_full: i32,
    pub abort_callback: Option<unsafe extern "C" fn(user_data: *mut c_void) -> i32>,
    pub abort_user_data: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_sampling_params {
    pub struct_size: u32,
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub min_p: f32,
    pub repeat_penalty: f32,
    pub repeat_last_n: i32,
    pub seed: u64,
    pub logit_bias: *const gemmakit_logit_bias,
    pub n_logit_bias: usize,
    pub grammar: *const c_char,
    pub grammar_root: *const c_char,
    pub json_schema: *const c_char,
    pub json_mode: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_logit_bias {
    pub token: i32,
    pub bias: f32,
}

pub type gemmakit_text_callback = Option<unsafe extern "C" fn(*const c_char, usize, *mut c_void) -> i32>;
pub type gemmakit_log_callback = Option<unsafe extern "C" fn(i32, *const c_char, *mut c_void)>;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_generate_params {
    pub struct_size: u32,
    pub max_tokens: i32,
    pub sampling: *const gemmakit_sampling_params,
    pub stop: *const *const c_char,
    pub n_stop: usize,
    pub on_text: gemmakit_text_callback,
    pub user_data: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_generation {
    pub struct_size: u32,
    pub text: *const c_char,
    pub text_len: usize,
    pub stop_reason: i32,
    pub n_tokens: i32,
    pub n_prompt_tokens: i64,
    pub prompt_seconds: f64,
    pub first_token_seconds: f64,
    pub decode_seconds: f64,
    pub n_decoded: i64,
    pub n_dropped_messages: i64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_chunk {
    pub struct_size: u32,
    pub text: *const c_char,
    pub text_len: usize,
    pub finished: i32,
    pub stop_reason: i32,
    pub n_tokens: i32,
    pub n_total_tokens: i32,
    pub n_prompt_tokens: i64,
}

/// Embedding models (EmbeddingGemma): see `gemmakit_embed` in capi/gemmakit.h.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_embed_params {
    pub struct_size: u32,
    pub prompt_name: *const c_char,
    pub dim: i32,
    pub n_threads: i32,
}

pub const GEMMAKIT_TOOL_FORMAT_AUTO: i32 = 0;
pub const GEMMAKIT_TOOL_FORMAT_GEMMA3: i32 = 1;
pub const GEMMAKIT_TOOL_FORMAT_FUNCTIONGEMMA: i32 = 2;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_tool {
    pub struct_size: u32,
    pub name: *const c_char,
    pub description: *const c_char,
    pub parameters_json: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_tool_call {
    pub name: *const c_char,
    pub arguments_json: *const c_char,
}

pub type gemmakit_tool_call_callback =
    Option<unsafe extern "C" fn(call: *const gemmakit_tool_call, user_data: *mut c_void) -> i32>;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_tool_params {
    pub struct_size: u32,
    pub tools: *const gemmakit_tool,
    pub n_tools: usize,
    pub format: i32,
    pub on_call: gemmakit_tool_call_callback,
    pub user_data: *mut c_void,
    pub tools_json: *const c_char,
}

#[repr(C)]
pub struct gemmakit_tool_parser {
    _private: [u8; 0],
}

extern "C" {
    pub fn gemmakit_version() -> *const c_char;
    pub fn gemmakit_abi_version() -> i32;
    pub fn gemmakit_last_error() -> *const c_char;
    pub fn gemmakit_status_string(status: gemmakit_status) -> *const c_char;

    pub fn gemmakit_weight_type_from_name(name: *const c_char, weight_type: *mut i32) -> gemmakit_status;
    pub fn gemmakit_model_params_init(params: *mut gemmakit_model_params, struct_size: usize) -> gemmakit_status;
    pub fn gemmakit_model_load(path: *const c_char, params: *const gemmakit_model_params,
                               out: *mut *mut gemmakit_model) -> gemmakit_status;
    pub fn gemmakit_model_free(model: *mut gemmakit_model);
    pub fn gemmakit_model_get_info(model: *const gemmakit_model, info: *mut gemmakit_model_info) -> gemmakit_status;

    pub fn gemmakit_tokenize(model: *const gemmakit_model, text: *const c_char, text_len: usize, flags: i32,
                             ids: *mut i32, capacity: usize, n_ids: *mut usize) -> gemmakit_status;
    pub fn gemmakit_detokenize(model: *const gemmakit_model, ids: *const i32, n_ids: usize, buf: *mut c_char,
                               capacity: usize, needed: *mut usize) -> gemmakit_status;
    pub fn gemmakit_apply_chat_template(model: *const gemmakit_model, messages: *const gemmakit_chat_message,
                                        n_messages: usize, add_generation_prompt: i32, buf: *mut c_char,
                                        capacity: usize, needed: *mut usize) -> gemmakit_status;

    pub fn gemmakit_session_params_init(params: *mut gemmakit_session_params, struct_size: usize) -> gemmakit_status;
    pub fn gemmakit_session_create(model: *const gemmakit_model, params: *const gemmakit_session_params,
                                   out: *mut *mut gemmakit_session) -> gemmakit_status;
    pub fn gemmakit_session_free(session: *mut gemmakit_session);
    pub fn gemmakit_session_reset(session: *mut gemmakit_session) -> gemmakit_status;
    pub fn gemmakit_session_n_past(session: *const gemmakit_session, n_past: *mut i64) -> gemmakit_status;
    pub fn gemmakit_session_eval(session: *mut gemmakit_session, ids: *const i32, n_ids: usize,
                                 logits_mode: i32) -> gemmakit_status;
    pub fn gemmakit_session_logits(session: *const gemmakit_session, logits: *mut *const f32, n_rows: *mut usize,
                                   n_vocab: *mut usize) -> gemmakit_status;

    pub fn gemmakit_sampling_params_init(params: *mut gemmakit_sampling_params, struct_size: usize) -> gemmakit_status;
    pub fn gemmakit_sampling_params_from_model(model: *const gemmakit_model, params: *mut gemmakit_sampling_params,
                                               struct_size: usize) -> gemmakit_status;
    pub fn gemmakit_generate_params_init(params: *mut gemmakit_generate_params, struct_size: usize) -> gemmakit_status;
    pub fn gemmakit_session_generate(session: *mut gemmakit_session, prompt: *const c_char,
                                     params: *const gemmakit_generate_params,
                                     result: *mut gemmakit_generation) -> gemmakit_status;
    pub fn gemmakit_session_chat(session: *mut gemmakit_session, messages: *const gemmakit_chat_message,
                                 n_messages: usize, params: *const gemmakit_generate_params,
                                 result: *mut gemmakit_generation) -> gemmakit_status;

    pub fn gemmakit_session_begin_generate(session: *mut gemmakit_session, prompt: *const c_char,
                                           params: *const gemmakit_generate_params) -> gemmakit_status;
    pub fn gemmakit_session_begin_chat(session: *mut gemmakit_session, messages: *const gemmakit_chat_message,
                                       n_messages: usize, params: *const gemmakit_generate_params) -> gemmakit_status;
    pub fn gemmakit_session_step(session: *mut gemmakit_session, max_tokens: i32, budget_seconds: f64,
                                 chunk: *mut gemmakit_chunk) -> gemmakit_status;
    pub fn gemmakit_session_step_result(session: *mut gemmakit_session,
                                        result: *mut gemmakit_generation) -> gemmakit_status;

    pub fn gemmakit_set_log_callback(callback: gemmakit_log_callback, min_level: i32,
                                     user_data: *mut c_void) -> gemmakit_status;

    pub fn gemmakit_image_load(path: *const c_char, out: *mut *mut gemmakit_image) -> gemmakit_status;
    pub fn gemmakit_image_decode(bytes: *const c_void, size: usize, out: *mut *mut gemmakit_image) -> gemmakit_status;
    pub fn gemmakit_image_from_pixels(pixels: *const u8, width: i32, height: i32, stride: usize, channels: i32,
                                      out: *mut *mut gemmakit_image) -> gemmakit_status;
    pub fn gemmakit_image_size(image: *const gemmakit_image, width: *mut i32, height: *mut i32) -> gemmakit_status;
    pub fn gemmakit_image_free(image: *mut gemmakit_image);
    pub fn gemmakit_model_image_info(model: *const gemmakit_model, image_token_id: *mut i32, tokens_per_image: *mut i32,
                                     image_size: *mut i32) -> gemmakit_status;
    pub fn gemmakit_session_chat_parts(session: *mut gemmakit_session, turns: *const gemmakit_chat_turn, n_turns: usize,
                                       params: *const gemmakit_generate_params,
                                       result: *mut gemmakit_generation) -> gemmakit_status;

    pub fn gemmakit_session_chat_content(session: *mut gemmakit_session, turns: *const gemmakit_content_turn,
                                         n_turns: usize, params: *const gemmakit_generate_params,
                                         result: *mut gemmakit_generation) -> gemmakit_status;
    pub fn gemmakit_session_begin_chat_content(session: *mut gemmakit_session, turns: *const gemmakit_content_turn,
                                               n_turns: usize,
                                               params: *const gemmakit_generate_params) -> gemmakit_status;
    pub fn gemmakit_session_eval_content(session: *mut gemmakit_session, ids: *const i32, n_ids: usize,
                                         media: *const gemmakit_content_part, n_media: usize,
                                         logits_mode: i32) -> gemmakit_status;
    pub fn gemmakit_session_generate_content(session: *mut gemmakit_session, prompt: *const c_char,
                                             media: *const gemmakit_content_part, n_media: usize,
                                             params: *const gemmakit_generate_params,
                                             result: *mut gemmakit_generation) -> gemmakit_status;
    pub fn gemmakit_session_begin_generate_content(session: *mut gemmakit_session, prompt: *const c_char,
                                                   media: *const gemmakit_content_part, n_media: usize,
                                                   params: *const gemmakit_generate_params) -> gemmakit_status;
    pub fn gemmakit_model_audio_info(model: *const gemmakit_model, audio_token_id: *mut i32, tokens_per_clip: *mut i32,
                                     window_seconds: *mut f64) -> gemmakit_status;

    pub fn gemmakit_audio_load(path: *const c_char, out: *mut *mut gemmakit_audio) -> gemmakit_status;
    pub fn gemmakit_audio_decode(bytes: *const c_void, size: usize, out: *mut *mut gemmakit_audio) -> gemmakit_status;
    pub fn gemmakit_audio_from_pcm_f32(pcm: *const f32, frames: usize, sample_rate: i32, channels: i32,
                                       out: *mut *mut gemmakit_audio) -> gemmakit_status;
    pub fn gemmakit_audio_from_pcm_i16(pcm: *const i16, frames: usize, sample_rate: i32, channels: i32,
                                       out: *mut *mut gemmakit_audio) -> gemmakit_status;
    pub fn gemmakit_audio_samples(audio: *const gemmakit_audio, samples: *mut *const f32,
                                  n_samples: *mut usize) -> gemmakit_status;
    pub fn gemmakit_audio_free(audio: *mut gemmakit_audio);

    pub fn gemmakit_embed_params_init(params: *mut gemmakit_embed_params, struct_size: usize) -> gemmakit_status;
    pub fn gemmakit_embed(model: *const gemmakit_model, texts: *const *const c_char, n_texts: usize,
                          params: *const gemmakit_embed_params, out: *mut f32, capacity: usize) -> gemmakit_status;
    pub fn gemmakit_model_embedding_dim(model: *const gemmakit_model, dim: *mut i32) -> gemmakit_status;
}

// ---- scoring: log-probabilities of given text; ShieldGemma ----------------------------------------

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_score_params {
    pub struct_size: u32,
    pub continuations: *const *const i32,
    pub continuation_lengths: *const usize,
    pub n_continuations: usize,
    pub next_tokens: *const i32,
    pub n_next_tokens: usize,
    pub logprob_sums: *mut f64,
    pub token_logprobs: *mut f64,
    pub is_greedy: *mut i32,
    pub next_token_logprobs: *mut f64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gemmakit_shieldgemma_params {
    pub struct_size: u32,
    pub policy_names: *const *const c_char,
    pub n_policy_names: usize,
    pub policy_texts: *const *const c_char,
    pub n_policy_texts: usize,
    pub n_threads: i32,
}

extern "C" {
    pub fn gemmakit_score_params_init(params: *mut gemmakit_score_params, struct_size: usize) -> gemmakit_status;
    pub fn gemmakit_session_score(session: *mut gemmakit_session, prompt: *const i32, n_prompt: usize,
                                  params: *const gemmakit_score_params) -> gemmakit_status;
    pub fn gemmakit_shieldgemma_params_init(params: *mut gemmakit_shieldgemma_params,
                                            struct_size: usize) -> gemmakit_status;
    pub fn gemmakit_shieldgemma_prompt(user_prompt: *const c_char, params: *const gemmakit_shieldgemma_params,
                                       buf: *mut c_char, capacity: usize, needed: *mut usize) -> gemmakit_status;
    pub fn gemmakit_shieldgemma_classify(model: *const gemmakit_model, user_prompt: *const c_char,
                                         params: *const gemmakit_shieldgemma_params,
                                         p_yes: *mut f64) -> gemmakit_status;
    pub fn gemmakit_tool_params_init(params: *mut gemmakit_tool_params, struct_size: usize) -> gemmakit_status;
    pub fn gemmakit_model_tool_format(model: *const gemmakit_model, format: *mut i32) -> gemmakit_status;
    pub fn gemmakit_apply_chat_template_tools(model: *const gemmakit_model, messages: *const gemmakit_chat_message,
                                              n_messages: usize, tools: *const gemmakit_tool_params,
                                              add_generation_prompt: i32, buf: *mut c_char, capacity: usize,
                                              needed: *mut usize) -> gemmakit_status;
    pub fn gemmakit_session_chat_tools(session: *mut gemmakit_session, messages: *const gemmakit_chat_message,
                                       n_messages: usize, tools: *const gemmakit_tool_params,
                                       params: *const gemmakit_generate_params,
                                       result: *mut gemmakit_generation) -> gemmakit_status;
    pub fn gemmakit_session_begin_chat_tools(session: *mut gemmakit_session, messages: *const gemmakit_chat_message,
                                             n_messages: usize, tools: *const gemmakit_tool_params,
                                             params: *const gemmakit_generate_params) -> gemmakit_status;
    pub fn gemmakit_session_tool_calls(session: *const gemmakit_session, calls: *mut *const gemmakit_tool_call,
                                       n_calls: *mut usize, text: *mut *const c_char) -> gemmakit_status;
    pub fn gemmakit_tool_parser_create(format: i32, out: *mut *mut gemmakit_tool_parser) -> gemmakit_status;
    pub fn gemmakit_tool_parser_free(parser: *mut gemmakit_tool_parser);
    pub fn gemmakit_tool_parser_feed(parser: *mut gemmakit_tool_parser, text: *const c_char, len: usize,
                                     n_new: *mut usize) -> gemmakit_status;
    pub fn gemmakit_tool_parser_finish(parser: *mut gemmakit_tool_parser) -> gemmakit_status;
    pub fn gemmakit_tool_parser_calls(parser: *const gemmakit_tool_parser, calls: *mut *const gemmakit_tool_call,
                                      n_calls: *mut usize, text: *mut *const c_char) -> gemmakit_status;

    // saved sessions, forks, batched decoding, cancellation, KV sizes, model tooling
    pub fn gemmakit_session_save(session: *const gemmakit_session, buf: *mut c_void, capacity: usize,
                                 needed: *mut usize) -> gemmakit_status;
    pub fn gemmakit_session_load(session: *mut gemmakit_session, data: *const c_void, size: usize) -> gemmakit_status;
    pub fn gemmakit_session_save_file(session: *const gemmakit_session, path: *const c_char) -> gemmakit_status;
    pub fn gemmakit_session_load_file(session: *mut gemmakit_session, path: *const c_char) -> gemmakit_status;
    pub fn gemmakit_session_fork(session: *const gemmakit_session, out: *mut *mut gemmakit_session) -> gemmakit_status;
    pub fn gemmakit_session_cancel(session: *mut gemmakit_session) -> gemmakit_status;
    pub fn gemmakit_session_kv_bytes(session: *const gemmakit_session, bytes: *mut i64) -> gemmakit_status;
    pub fn gemmakit_model_kv_bytes(model: *const gemmakit_model, params: *const gemmakit_session_params,
                                   n_positions: i64, bytes: *mut i64) -> gemmakit_status;
    pub fn gemmakit_model_kv_cache_bytes(model: *const gemmakit_model, n_positions: i64,
                                         bytes: *mut i64) -> gemmakit_status;
    pub fn gemmakit_session_sample(session: *mut gemmakit_session, params: *const gemmakit_sampling_params,
                                   reseed: i32, token: *mut i32) -> gemmakit_status;
    pub fn gemmakit_batch_decode(sessions: *const *mut gemmakit_session, n: usize,
                                 tokens: *const i32) -> gemmakit_status;
    pub fn gemmakit_kernels_used() -> *const c_char;
    pub fn gemmakit_model_resolved_config(model: *const gemmakit_model, buf: *mut c_char, capacity: usize,
                                          needed: *mut usize) -> gemmakit_status;
    pub fn gemmakit_model_save_gguf(model: *const gemmakit_model, path: *const c_char) -> gemmakit_status;
    pub fn gemmakit_adapter_load(model: *const gemmakit_model, dir: *const c_char,
                                 out: *mut *mut gemmakit_adapter) -> gemmakit_status;
    pub fn gemmakit_adapter_free(adapter: *mut gemmakit_adapter);
    pub fn gemmakit_adapter_info(adapter: *const gemmakit_adapter, rank: *mut i32, scaling: *mut f64) -> gemmakit_status;
    pub fn gemmakit_session_set_adapters(session: *mut gemmakit_session, adapters: *const *const gemmakit_adapter,
                                         scales: *const f32, n: usize) -> gemmakit_status;
}
