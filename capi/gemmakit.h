/* gemmakit: run Google's Gemma models locally on CPU.
 *
 * The C ABI. Conventions:
 * - Handles are opaque. A gemmakit_model is immutable and may be shared by any number of sessions
 *   on any threads; it must outlive its sessions. A gemmakit_session is one conversation and is
 *   used by one thread at a time. Every *_free(NULL) is a no-op.
 * - Every fallible call returns a gemmakit_status (0 ok, negative on error). gemmakit_last_error()
 *   gives the message of the last failed call on this thread; each call clears it on entry.
 *   Nothing aborts the process and no C++ exception crosses this boundary.
 * - Params structs begin with struct_size: fill them with gemmakit_*_params_init(&p, sizeof p)
 *   and set fields after. Fields are only ever appended; the library reads what the caller's size
 *   covers and defaults the rest.
 * - Text goes into caller buffers with snprintf semantics: *needed receives the size required
 *   (including the terminating NUL); GEMMAKIT_ERR_BUFFER_TOO_SMALL when it did not fit.
 * - Views the library hands out (logits, generated text) belong to the session and stay valid
 *   until the next call on that session.
 * - Callbacks run on the caller's thread, never on a hidden one.
 * This header compiles as C99 and as C++. */
#ifndef GEMMAKIT_H_
#define GEMMAKIT_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#if defined(GEMMAKIT_STATIC)
#define GEMMAKIT_API
#elif defined(GEMMAKIT_BUILDING)
#define GEMMAKIT_API __declspec(dllexport)
#else
#define GEMMAKIT_API __declspec(dllimport)
#endif
#elif defined(GEMMAKIT_BUILDING) || !defined(GEMMAKIT_STATIC)
#define GEMMAKIT_API __attribute__((visibility("default")))
#else
#define GEMMAKIT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define GEMMAKIT_VERSION_MAJOR 0
#define GEMMAKIT_VERSION_MINOR 1
#define GEMMAKIT_VERSION_PATCH 0
/* Bumped on every incompatible change of this header's types or functions. */
#define GEMMAKIT_ABI_VERSION 1

typedef int32_t gemmakit_status;
#define GEMMAKIT_OK 0
#define GEMMAKIT_ERR_INVALID_ARGUMENT (-1) /* NULL handle, bad parameter, id out of range */
#define GEMMAKIT_ERR_IO (-2)               /* missing or unreadable file */
#define GEMMAKIT_ERR_FORMAT (-3)           /* corrupt, truncated or inconsistent file */
#define GEMMAKIT_ERR_UNSUPPORTED (-4)      /* valid input this build cannot run */
#define GEMMAKIT_ERR_CONTEXT_FULL (-5)     /* tokens do not fit the session's context */
#define GEMMAKIT_ERR_CANCELLED (-6)
#define GEMMAKIT_ERR_OUT_OF_MEMORY (-7)
#define GEMMAKIT_ERR_BUFFER_TOO_SMALL (-8)
#define GEMMAKIT_ERR_INTERNAL (-9)

typedef struct gemmakit_model gemmakit_model;
typedef struct gemmakit_session gemmakit_session;

/* "0.1.0" */
GEMMAKIT_API const char* gemmakit_version(void);
GEMMAKIT_API int32_t gemmakit_abi_version(void);
/* Message of the last failed call on this thread ("" when the last call succeeded). */
GEMMAKIT_API const char* gemmakit_last_error(void);
/* Short name of a status code ("context full"). */
GEMMAKIT_API const char* gemmakit_status_string(gemmakit_status status);
/* Which instruction set and matmul kernels this process ran so far, per weight type, for decode
   and prompts: e.g. "isa avx2; q8_0 decode: q8_0_q8_0_gemm_4x4__avx2, q8_0 prompt: ...". For
   benchmarks and bug reports. The text stays valid until this thread's next call of it. */
GEMMAKIT_API const char* gemmakit_kernels_used(void);

/* ---- model ---------------------------------------------------------------------------------- */

/* Weight types, for quantize-on-load and for reporting. */
/* EXACT: float32 activations, the PyTorch reference's numerics (against Q8_0 / Q4_0 weights,
 * activations in two 8-bit terms: within float32 rounding of exact math). FAST: as llama.cpp
 * computes. Products with Q8_0 / Q4_0 weights take one 8-bit activation term (prompts ~2x
 * faster); on CPUs with AVX512_BF16, products with BF16 weights round activations to bf16 (BF16
 * matrices are repacked at load; prompts ~5x, decode ~1.3x faster), and so do the attention of
 * prompts and of the image encoder (bf16 block products). */
#define GEMMAKIT_PRECISION_EXACT 0
#define GEMMAKIT_PRECISION_FAST 1

#define GEMMAKIT_WEIGHTS_AS_STORED 0
#define GEMMAKIT_WEIGHTS_F32 1
#define GEMMAKIT_WEIGHTS_F16 2
#define GEMMAKIT_WEIGHTS_BF16 3
#define GEMMAKIT_WEIGHTS_Q8_0 4
#define GEMMAKIT_WEIGHTS_Q4_0 5
#define GEMMAKIT_WEIGHTS_Q4_K 6
#define GEMMAKIT_WEIGHTS_Q5_K 7
#define GEMMAKIT_WEIGHTS_Q6_K 8
/* llama-quantize's presets: each matrix gets the type llama-quantize would give it (Q4_K_M: Q4_K
 * with Q6_K attn_v / ffn_down on some layers; rows not a multiple of 256 fall back to Q5_0, ...). */
#define GEMMAKIT_WEIGHTS_Q4_1 9
#define GEMMAKIT_WEIGHTS_Q5_0 10
#define GEMMAKIT_WEIGHTS_Q5_1 11
#define GEMMAKIT_WEIGHTS_IQ4_NL 12
#define GEMMAKIT_WEIGHTS_IQ4_XS 13
#define GEMMAKIT_WEIGHTS_Q2_K 14
#define GEMMAKIT_WEIGHTS_Q3_K_M 15
#define GEMMAKIT_WEIGHTS_Q4_K_M 16
#define GEMMAKIT_WEIGHTS_Q5_K_M 17

/* The GEMMAKIT_WEIGHTS_* value of a type by the lower-case name llama-quantize and `gemmakit quantize
 * --type` use ("q8_0", "q4_k_m", "bf16", ...; "as_stored" for AS_STORED), so that apps and bindings
 * need no table of their own. An unknown name: GEMMAKIT_ERR_INVALID_ARGUMENT, and gemmakit_last_error
 * lists the known ones. */
GEMMAKIT_API gemmakit_status gemmakit_weight_type_from_name(const char* name, int32_t* weight_type);

typedef struct gemmakit_model_params {
  uint32_t struct_size;
  int32_t weight_type; /* GEMMAKIT_WEIGHTS_*: convert the weight matrices at load; default AS_STORED */
  int32_t n_threads;   /* threads for that conversion and for repacking at load; 0: one per core */
  const char* mmproj_path; /* NULL, or a Gemma 3 / Gemma 3n vision projector GGUF (llama.cpp's --mmproj file) */
  int32_t precision;   /* GEMMAKIT_PRECISION_*; default EXACT */
  const char* slice_path; /* NULL, or a MatFormer slice of a Gemma 3n checkpoint as a JSON file:
                             {"layers_skipped": [...], "ffn_hidden_dims": [...]}, applied at load */
  /* Merge-at-load: n_merge_adapters PEFT LoRA folders folded into the weights (in their own
   * types) at merge_adapter_scales (NULL: 1 each); decoding then costs what the base does.
   * Sessions cannot switch these off: see gemmakit_adapter_load for run-time adapters. */
  const char* const* merge_adapters;
  const float* merge_adapter_scales;
  int32_t n_merge_adapters;
} gemmakit_model_params;

GEMMAKIT_API gemmakit_status gemmakit_model_params_init(gemmakit_model_params* params, size_t struct_size);

/* Loads a HuggingFace checkpoint folder (config.json, *.safetensors, tokenizer.model). params may
 * be NULL for defaults. On success *out owns the model; free it with gemmakit_model_free. */
GEMMAKIT_API gemmakit_status gemmakit_model_load(const char* path, const gemmakit_model_params* params,
                                                 gemmakit_model** out);
GEMMAKIT_API void gemmakit_model_free(gemmakit_model* model);

typedef struct gemmakit_model_info {
  uint32_t struct_size;
  char architecture[32]; /* "gemma", "gemma2", "gemma3", "gemma3n" */
  char weight_type[16];  /* "BF16", "F16", "F32" */
  int64_t vocab_size;
  int64_t context_length;
  int64_t n_layers;
  int64_t n_sliding_layers;
  int64_t sliding_window;
  int64_t hidden_size;
  int64_t intermediate_size;
  int64_t n_heads;
  int64_t n_kv_heads;
  int64_t head_dim;
  int64_t n_params;
  int64_t weight_bytes; /* bytes of weight matrices, read once per decoded token */
  int32_t bos_id;       /* special ids from the vocabulary; -1 when absent */
  int32_t eos_id;
  int32_t start_of_turn_id;
  int32_t end_of_turn_id;
  char format[16];            /* "huggingface" or "gguf" */
  char tokenizer_source[32];  /* "tokenizer.json", "tokenizer.model", "gguf" or "" (none) */
  char chat_template[32];     /* which official template the checkpoint carries, or "unrecognized" */
  int64_t lookup_bytes;       /* tables read a row per token (Gemma 3n's per-layer embeddings): they
                                 stay mapped from the file, only rows of tokens in use are read */
  int32_t recommended_sampling; /* GEMMAKIT_SAMPLING_* bits: the sampling fields the checkpoint
                                   recommends (gemmakit_sampling_params_from_model); 0: none */
} gemmakit_model_info;

/* Set info->struct_size = sizeof *info before the call. */
GEMMAKIT_API gemmakit_status gemmakit_model_get_info(const gemmakit_model* model, gemmakit_model_info* info);
/* The hyper-parameters as resolved from the checkpoint, one per line: "name value", followed by
 * " (default)" where the checkpoint left the field out and the family's transformers config class
 * (the first line, "config_class NAME") supplied it. NUL-terminated into buf; *needed receives the
 * bytes required including the NUL. */
GEMMAKIT_API gemmakit_status gemmakit_model_resolved_config(const gemmakit_model* model, char* buf, size_t capacity,
                                                            size_t* needed);
/* Writes the model, with its weights as loaded (after any weight_type conversion), as a GGUF file
 * llama.cpp can load: `gemmakit quantize` is model_load with a weight_type, then this. */
GEMMAKIT_API gemmakit_status gemmakit_model_save_gguf(const gemmakit_model* model, const char* path);
/* Bytes of KV cache a session holding n_positions tokens uses (n_positions past the model's
 * context length: GEMMAKIT_ERR_INVALID_ARGUMENT). */
GEMMAKIT_API gemmakit_status gemmakit_model_kv_cache_bytes(const gemmakit_model* model, int64_t n_positions,
                                                           int64_t* bytes);

/* ---- tokenizer ------------------------------------------------------------------------------ */

#define GEMMAKIT_TOKENIZE_ADD_BOS 1       /* put <bos> first, as generation does */
#define GEMMAKIT_TOKENIZE_PARSE_SPECIAL 2 /* "<bos>", "<eos>" written in the text become their ids */

/* Writes up to capacity ids; *n_ids receives the number the text needs (the call fails with
 * GEMMAKIT_ERR_BUFFER_TOO_SMALL when that is more than capacity). text needs no NUL. */
GEMMAKIT_API gemmakit_status gemmakit_tokenize(const gemmakit_model* model, const char* text, size_t text_len,
                                               int32_t flags, int32_t* ids, size_t capacity, size_t* n_ids);
/* Decodes ids into buf (NUL-terminated); *needed receives the bytes required including the NUL. */
GEMMAKIT_API gemmakit_status gemmakit_detokenize(const gemmakit_model* model, const int32_t* ids, size_t n_ids,
                                                 char* buf, size_t capacity, size_t* needed);

typedef struct gemmakit_chat_message {
  const char* role;    /* "system" (first only), "user", "assistant" or "model" */
  const char* content; /* NUL-terminated UTF-8 */
} gemmakit_chat_message;

/* Renders a conversation with Gemma's chat template (the text starts with "<bos>"; tokenize it
 * with GEMMAKIT_TOKENIZE_PARSE_SPECIAL). add_generation_prompt: end with the model's turn header. */
GEMMAKIT_API gemmakit_status gemmakit_apply_chat_template(const gemmakit_model* model,
                                                          const gemmakit_chat_message* messages, size_t n_messages,
                                                          int32_t add_generation_prompt, char* buf, size_t capacity,
                                                          size_t* needed);

/* ---- sessions ------------------------------------------------------------------------------- */

#define GEMMAKIT_KV_F32 0
#define GEMMAKIT_KV_BF16 1
#define GEMMAKIT_KV_F16 2
#define GEMMAKIT_KV_Q8_0 3 /* 8-bit values, one f16 scale per 32 */

#define GEMMAKIT_CONTEXT_FULL_STOP 0      /* fail with / stop at GEMMAKIT_ERR_CONTEXT_FULL (default) */
#define GEMMAKIT_CONTEXT_FULL_DROP_OLDEST 1 /* chat drops the oldest turns, keeps the system prompt */

typedef struct gemmakit_session_params {
  uint32_t struct_size;
  int32_t n_threads;      /* 0: one per core */
  int64_t context_length; /* 0: the model's; larger values are clamped to it */
  int64_t batch_size;     /* prompt tokens per forward pass; default 256 */
  int32_t kv_type;        /* GEMMAKIT_KV_*: element type of the KV cache; default F32 */
  int32_t context_full;   /* GEMMAKIT_CONTEXT_FULL_*: what chat does when the context is full */
  /* Polled on the calling thread between forward passes and generated tokens; non-zero cancels
   * the call with GEMMAKIT_ERR_CANCELLED. NULL: none. */
  int32_t (*abort_callback)(void* user_data);
  void* abort_user_data;
} gemmakit_session_params;

GEMMAKIT_API gemmakit_status gemmakit_session_params_init(gemmakit_session_params* params, size_t struct_size);
/* params may be NULL for defaults. */
GEMMAKIT_API gemmakit_status gemmakit_session_create(const gemmakit_model* model,
                                                     const gemmakit_session_params* params,
                                                     gemmakit_session** out);
GEMMAKIT_API void gemmakit_session_free(gemmakit_session* session);
/* Forgets all tokens. */
GEMMAKIT_API gemmakit_status gemmakit_session_reset(gemmakit_session* session);
/* Number of tokens the session holds. */
GEMMAKIT_API gemmakit_status gemmakit_session_n_past(const gemmakit_session* session, int64_t* n_past);

#define GEMMAKIT_LOGITS_LAST 0
#define GEMMAKIT_LOGITS_ALL 1

/* Evaluates ids after the session's tokens; keeps logits of the last id or of all of them. On
 * error (id out of range, context full) the session is unchanged. */
GEMMAKIT_API gemmakit_status gemmakit_session_eval(gemmakit_session* session, const int32_t* ids, size_t n_ids,
                                                   int32_t logits_mode);

/* Batched decoding: advances n distinct sessions of one model by one token each (tokens[i] for
 * sessions[i]) in a single forward pass, reading the weights once for all of them. Afterwards
 * each session's logits are its token's, as after gemmakit_session_eval with that one id; sample
 * each with gemmakit_session_sample. Runs on the first session's threads. On error (NULL or
 * repeated session, different models, id out of range, context full, cancelled) no session
 * changes. */
GEMMAKIT_API gemmakit_status gemmakit_batch_decode(gemmakit_session* const* sessions, size_t n,
                                                   const int32_t* tokens);
/* Logits of the last eval: *n_rows rows of *n_vocab floats, row-major. A view owned by the
 * session, valid until the next call on it. */
GEMMAKIT_API gemmakit_status gemmakit_session_logits(const gemmakit_session* session, const float** logits,
                                                     size_t* n_rows, size_t* n_vocab);

#define GEMMAKIT_SEED_RANDOM UINT64_MAX

/* Added to one token's logit before any other sampling step; -INFINITY bans the token. */
typedef struct gemmakit_logit_bias {
  int32_t token;
  float bias;
} gemmakit_logit_bias;

typedef struct gemmakit_sampling_params {
  uint32_t struct_size;
  float temperature;    /* default 1.0; 0 = greedy */
  int32_t top_k;        /* default 64; 0 = off */
  float top_p;          /* default 0.95; 1 = off */
  float min_p;          /* default 0; 0 = off */
  float repeat_penalty; /* default 1 = off */
  int32_t repeat_last_n;/* default 64 */
  uint64_t seed;        /* default GEMMAKIT_SEED_RANDOM; the same seed gives the same output */
  /* Logit bias and constrained decoding (appended: older callers' shorter structs get none).
   * At most one of grammar, json_schema and json_mode. Under a constraint only tokens that keep
   * the text a prefix of the grammar's language are drawn, and <eos> / <end_of_turn> only once
   * it is a whole sentence. A grammar or schema that does not parse fails the call with
   * GEMMAKIT_ERR_INVALID_ARGUMENT and gemmakit_last_error names where ("grammar: line 2, column
   * 7: ...", "json schema: not valid JSON at byte 19", "json schema: at /properties/age: ..."). */
  const gemmakit_logit_bias* logit_bias; /* n_logit_bias entries; a token out of range fails the draw */
  size_t n_logit_bias;
  const char* grammar;      /* NULL, or GBNF text (llama.cpp's grammar format) */
  const char* grammar_root; /* the start rule; NULL: "root" */
  const char* json_schema;  /* NULL, or a JSON schema, as text (README: JSON schemas) */
  int32_t json_mode;        /* non-zero: any JSON object */
} gemmakit_sampling_params;

GEMMAKIT_API gemmakit_status gemmakit_sampling_params_init(gemmakit_sampling_params* params, size_t struct_size);

/* Sampling fields as bits (gemmakit_model_info.recommended_sampling). */
#define GEMMAKIT_SAMPLING_TEMPERATURE 1
#define GEMMAKIT_SAMPLING_TOP_K 2
#define GEMMAKIT_SAMPLING_TOP_P 4
#define GEMMAKIT_SAMPLING_MIN_P 8
#define GEMMAKIT_SAMPLING_REPEAT_PENALTY 16
#define GEMMAKIT_SAMPLING_REPEAT_LAST_N 32

/* Fills params as gemmakit_sampling_params_init does, then puts in the sampling the model's
 * checkpoint recommends, as llama.cpp's tools take it: a folder's generation_config.json (read as
 * transformers reads it: do_sample false or absent is temperature 0; with sampling on, what the
 * file leaves out takes transformers' defaults, e.g. top_k 50) or a GGUF file's general.sampling.*
 * keys. gemmakit_model_info.recommended_sampling says which fields those are. A checkpoint that
 * recommends nothing leaves the init values (Google's recommended Gemma settings); a value out of
 * range or of the wrong type is ignored with a warning to the log callback, never a load error.
 * Apps start from this and set what their user chose, the rule llama-cli follows. */
GEMMAKIT_API gemmakit_status gemmakit_sampling_params_from_model(const gemmakit_model* model,
                                                                 gemmakit_sampling_params* params, size_t struct_size);
/* Draws a token from the last logits (the sampler's RNG is seeded from params->seed by
 * gemmakit_session_generate and gemmakit_session_chat, or here when reseed is non-zero). params
 * NULL: the model's recommended sampling (gemmakit_sampling_params_from_model). With a
 * grammar, the session follows the tokens drawn here while the params name the same grammar;
 * reseed (or a new grammar) starts it from the beginning. Tokens evaluated without being drawn
 * here are not followed. */
GEMMAKIT_API gemmakit_status gemmakit_session_sample(gemmakit_session* session,
                                                     const gemmakit_sampling_params* params, int32_t reseed,
                                                     int32_t* token);

/* Called with each piece of generated text as it becomes final (never half a UTF-8 character,
 * never part of a stop string). Return non-zero to stop generating. */
typedef int32_t (*gemmakit_text_callback)(const char* text, size_t len, void* user_data);

#define GEMMAKIT_STOP_END_OF_TURN 0 /* the model produced <eos> or <end_of_turn> */
#define GEMMAKIT_STOP_MAX_TOKENS 1
#define GEMMAKIT_STOP_STRING 2      /* a stop string appeared; it is not part of the text */
#define GEMMAKIT_STOP_CALLBACK 3    /* the callback returned non-zero */
#define GEMMAKIT_STOP_CONTEXT_FULL 4

typedef struct gemmakit_generate_params {
  uint32_t struct_size;
  int32_t max_tokens;                        /* default 256 */
  /* NULL: the model's recommended sampling (gemmakit_sampling_params_from_model), as llama-cli
   * and llama-server use a GGUF file's; params from gemmakit_sampling_params_init: gemmakit's. */
  const gemmakit_sampling_params* sampling;
  const char* const* stop;                   /* n_stop NUL-terminated stop strings */
  size_t n_stop;
  gemmakit_text_callback on_text;            /* may be NULL */
  void* user_data;
} gemmakit_generate_params;

GEMMAKIT_API gemmakit_status gemmakit_generate_params_init(gemmakit_generate_params* params, size_t struct_size);

typedef struct gemmakit_generation {
  uint32_t struct_size;
  const char* text;  /* NUL-terminated, owned by the session until its next call */
  size_t text_len;
  int32_t stop_reason;
  int32_t n_tokens;   /* generated, the stop token excluded */
  int64_t n_prompt_tokens;
  double prompt_seconds;
  double first_token_seconds;
  double decode_seconds;
  int64_t n_decoded;
  int64_t n_dropped_messages; /* oldest messages chat left out to fit (GEMMAKIT_CONTEXT_FULL_DROP_OLDEST) */
} gemmakit_generation;

/* Continues the session with raw text (prefixed by <bos> when the session is empty) and generates.
 * result may be NULL; set result->struct_size = sizeof *result otherwise. */
GEMMAKIT_API gemmakit_status gemmakit_session_generate(gemmakit_session* session, const char* prompt,
                                                       const gemmakit_generate_params* params,
                                                       gemmakit_generation* result);
/* Renders the conversation with Gemma's chat template and generates the model's reply. Tokens
 * the session already holds that match are reused: a multi-turn chat evaluates only what is new. */
GEMMAKIT_API gemmakit_status gemmakit_session_chat(gemmakit_session* session, const gemmakit_chat_message* messages,
                                                   size_t n_messages, const gemmakit_generate_params* params,
                                                   gemmakit_generation* result);

/* ---- pull generation: a few tokens at a time (frame loops, iterators) ------------------------ */

/* What one gemmakit_session_step produced. */
typedef struct gemmakit_chunk {
  uint32_t struct_size;
  const char* text;        /* text that became final in this step, NUL-terminated (often ""); owned
                              by the session until its next call */
  size_t text_len;
  int32_t finished;        /* 1 once the generation is over; later steps return finished again */
  int32_t stop_reason;     /* GEMMAKIT_STOP_*, once finished */
  int32_t n_tokens;        /* tokens generated in this step */
  int32_t n_total_tokens;  /* tokens generated since the begin call */
  int64_t n_prompt_tokens; /* prompt tokens evaluated in this step */
} gemmakit_chunk;

/* Begin a generation that gemmakit_session_step advances. They check everything and evaluate
 * nothing: the prompt is evaluated by the first steps, in pieces that fit their time budgets.
 * params as for gemmakit_session_generate / _chat (on_text, if set, is called from the steps).
 * Beginning again abandons a generation in progress. Until the generation finishes, the session
 * must not be used by other calls (a step then fails with GEMMAKIT_ERR_INVALID_ARGUMENT). */
GEMMAKIT_API gemmakit_status gemmakit_session_begin_generate(gemmakit_session* session, const char* prompt,
                                                             const gemmakit_generate_params* params);
GEMMAKIT_API gemmakit_status gemmakit_session_begin_chat(gemmakit_session* session,
                                                         const gemmakit_chat_message* messages, size_t n_messages,
                                                         const gemmakit_generate_params* params);
/* Does one unit of work (a piece of the prompt, or one token), then more while fewer than
 * max_tokens tokens were generated in this step (0: no limit) and the next unit is expected to
 * end within budget_seconds of the call (0: no limit). Never blocks longer than one unit beyond
 * the budget. Set chunk->struct_size = sizeof *chunk. An error ends the generation. */
GEMMAKIT_API gemmakit_status gemmakit_session_step(gemmakit_session* session, int32_t max_tokens,
                                                   double budget_seconds, gemmakit_chunk* chunk);
/* Totals of the generation begun last (all its text, timings), finished or not; result as for
 * gemmakit_session_generate. */
GEMMAKIT_API gemmakit_status gemmakit_session_step_result(gemmakit_session* session, gemmakit_generation* result);

/* ---- logging ---------------------------------------------------------------------------------- */

#define GEMMAKIT_LOG_DEBUG 0
#define GEMMAKIT_LOG_INFO 1
#define GEMMAKIT_LOG_WARNING 2
#define GEMMAKIT_LOG_ERROR 3

/* Receives the library's diagnostics (a model loaded, a generation finished). Called on the
 * thread of the library call that produced the message, under a lock: it must not call
 * gemmakit_set_log_callback. */
typedef void (*gemmakit_log_callback)(int32_t level, const char* message, void* user_data);

/* Process-wide. Messages below min_level are dropped; callback NULL silences the library, which
 * is the default (it never writes to stderr on its own). */
GEMMAKIT_API gemmakit_status gemmakit_set_log_callback(gemmakit_log_callback callback, int32_t min_level,
                                                       void* user_data);

/* ---- long context: KV cache size, saved sessions, forks, cancellation ------------------------- */

/* Bytes of KV cache a session created with params (NULL: defaults) holds after n_positions
 * tokens. Sliding-window layers stop growing at window + batch_size - 1 positions; global layers
 * grow with the conversation, in pages of 16 positions. */
GEMMAKIT_API gemmakit_status gemmakit_model_kv_bytes(const gemmakit_model* model, const gemmakit_session_params* params,
                                                     int64_t n_positions, int64_t* bytes);
/* Bytes the session's KV cache holds now. */
GEMMAKIT_API gemmakit_status gemmakit_session_kv_bytes(const gemmakit_session* session, int64_t* bytes);

/* Writes the session (tokens, KV cache, last logits, sampler RNG, context, batch size, KV type)
 * into buf as a versioned, checksummed blob tied to the model; *needed receives its size
 * (GEMMAKIT_ERR_BUFFER_TOO_SMALL when capacity is less; buf may be NULL with capacity 0). */
GEMMAKIT_API gemmakit_status gemmakit_session_save(const gemmakit_session* session, void* buf, size_t capacity,
                                                   size_t* needed);
/* Replaces the session's state with a saved one, which must come from the same model (same
 * weights and weight types) with the same LoRA adapters active at the same scales (the blob records
 * them: gemmakit_session_set_adapters first, then load): GEMMAKIT_ERR_FORMAT for another model's,
 * another adapter set's, a corrupt or a truncated blob, GEMMAKIT_ERR_UNSUPPORTED for another format
 * version; the session is unchanged then. The continuation after a restore equals the one without
 * the save, bit for bit. */
GEMMAKIT_API gemmakit_status gemmakit_session_load(gemmakit_session* session, const void* data, size_t size);
GEMMAKIT_API gemmakit_status gemmakit_session_save_file(const gemmakit_session* session, const char* path);
GEMMAKIT_API gemmakit_status gemmakit_session_load_file(gemmakit_session* session, const char* path);

/* A new session holding a copy of this one's state (same model and params); the two are
 * independent afterwards. Free it with gemmakit_session_free. */
GEMMAKIT_API gemmakit_status gemmakit_session_fork(const gemmakit_session* session, gemmakit_session** out);

/* Makes the call running on the session, or the next one if none runs, return
 * GEMMAKIT_ERR_CANCELLED at its next check (between forward passes and tokens). Safe to call
 * from any thread while another uses the session. The session stays usable and keeps the tokens
 * evaluated before the cancel (gemmakit_session_n_past). */
GEMMAKIT_API gemmakit_status gemmakit_session_cancel(gemmakit_session* session);

/* ---- images (multimodal Gemma 3) ----------------------------------------------------------- */

/* An image as 8-bit RGB pixels. Immutable; may be shared by any number of calls and threads. */
typedef struct gemmakit_image gemmakit_image;

/* Decodes a JPEG or PNG file (grayscale, palette and 16-bit become RGB; alpha is dropped).
 * GEMMAKIT_ERR_IO: unreadable; GEMMAKIT_ERR_FORMAT: empty, truncated or corrupt;
 * GEMMAKIT_ERR_UNSUPPORTED: another format; GEMMAKIT_ERR_INVALID_ARGUMENT: a side over 32768 or
 * more than 2^26 pixels (refused from the header, before decoding). */
GEMMAKIT_API gemmakit_status gemmakit_image_load(const char* path, gemmakit_image** out);
/* The same from JPEG or PNG bytes in memory. */
GEMMAKIT_API gemmakit_status gemmakit_image_decode(const void* bytes, size_t size, gemmakit_image** out);
/* Copies pixels an application holds: channels 3 (RGB) or 4 (RGBA, alpha dropped), rows stride
 * bytes apart (stride >= width * channels). */
GEMMAKIT_API gemmakit_status gemmakit_image_from_pixels(const uint8_t* pixels, int32_t width, int32_t height,
                                                        size_t stride, int32_t channels, gemmakit_image** out);
GEMMAKIT_API gemmakit_status gemmakit_image_size(const gemmakit_image* image, int32_t* width, int32_t* height);
GEMMAKIT_API void gemmakit_image_free(gemmakit_image* image);

/* The model's image geometry: the placeholder id soft tokens take in id lists, the soft tokens
 * per image, the side of the square the vision tower reads. GEMMAKIT_ERR_UNSUPPORTED for a model
 * without a vision tower. Any output may be NULL. */
GEMMAKIT_API gemmakit_status gemmakit_model_image_info(const gemmakit_model* model, int32_t* image_token_id,
                                                       int32_t* tokens_per_image, int32_t* image_size);

/* gemmakit_session_eval with images: every run of image_token_id in ids takes the soft tokens of
 * the next images in order (tokens_per_image ids per image); the ids of one image see each other
 * in both directions. */
GEMMAKIT_API gemmakit_status gemmakit_session_eval_images(gemmakit_session* session, const int32_t* ids, size_t n_ids,
                                                          const gemmakit_image* const* images, size_t n_images,
                                                          int32_t logits_mode);
/* gemmakit_session_generate with images: each "<start_of_image>" in the prompt stands for the
 * next image (one per image) and becomes its tokens as Gemma 3's processor writes them. */
GEMMAKIT_API gemmakit_status gemmakit_session_generate_images(gemmakit_session* session, const char* prompt,
                                                              const gemmakit_image* const* images, size_t n_images,
                                                              const gemmakit_generate_params* params,
                                                              gemmakit_generation* result);

#define GEMMAKIT_PART_TEXT 0
#define GEMMAKIT_PART_IMAGE 1

typedef struct gemmakit_chat_part {
  int32_t type;                /* GEMMAKIT_PART_* */
  const char* text;            /* TEXT: NUL-terminated UTF-8 */
  const gemmakit_image* image; /* IMAGE */
} gemmakit_chat_part;

typedef struct gemmakit_chat_turn {
  const char* role; /* as in gemmakit_chat_message */
  const gemmakit_chat_part* parts;
  size_t n_parts;
} gemmakit_chat_turn;

/* gemmakit_session_chat with messages made of text and image parts. Images already in the
 * session from earlier turns are reused, not encoded again. */
GEMMAKIT_API gemmakit_status gemmakit_session_chat_parts(gemmakit_session* session, const gemmakit_chat_turn* turns,
                                                         size_t n_turns, const gemmakit_generate_params* params,
                                                         gemmakit_generation* result);

/* ---- conversations of content parts (extensible) -------------------------------------------- */

/* A clip as mono float32 samples at 16 kHz (what Gemma 3n's audio front end reads). Immutable;
 * made by the gemmakit_audio_* functions below. */
typedef struct gemmakit_audio gemmakit_audio;

#define GEMMAKIT_PART_AUDIO 2

/* One part of a turn. Arrays of parts are read with parts[0].struct_size as the stride, so a
 * caller built against an older, shorter struct keeps working; every part of one array must carry
 * the same struct_size. Types: GEMMAKIT_PART_TEXT, GEMMAKIT_PART_IMAGE, GEMMAKIT_PART_AUDIO
 * (Gemma 3n); more kinds of media take new types and fields at the end. */
typedef struct gemmakit_content_part {
  uint32_t struct_size;        /* sizeof(gemmakit_content_part) */
  int32_t type;                /* GEMMAKIT_PART_* */
  const char* text;            /* TEXT: NUL-terminated UTF-8 */
  const gemmakit_image* image; /* IMAGE */
  const gemmakit_audio* audio; /* AUDIO (added after image: older callers' shorter parts still work) */
} gemmakit_content_part;

typedef struct gemmakit_content_turn {
  uint32_t struct_size; /* sizeof(gemmakit_content_turn); read as the stride of turn arrays */
  const char* role;     /* as in gemmakit_chat_message */
  const gemmakit_content_part* parts;
  size_t n_parts;
} gemmakit_content_turn;

/* gemmakit_session_chat over content turns: images and audio clips already in the session are
 * reused. Each audio part becomes "\n\n<start_of_audio>" + soft tokens + "<end_of_audio>\n\n"
 * (a clip longer than one window, 30 s on Gemma 3n, one such sequence per window). A refused part
 * (GEMMAKIT_ERR_UNSUPPORTED: the model has no encoder for it; GEMMAKIT_ERR_INVALID_ARGUMENT: a
 * clip under 32 ms, NaN samples; GEMMAKIT_ERR_CONTEXT_FULL) leaves the session unchanged. */
GEMMAKIT_API gemmakit_status gemmakit_session_chat_content(gemmakit_session* session, const gemmakit_content_turn* turns,
                                                           size_t n_turns, const gemmakit_generate_params* params,
                                                           gemmakit_generation* result);
/* Pull generation over content turns (then gemmakit_session_step): the same tokens as
 * gemmakit_session_chat_content; a prompt piece never splits an image. */
GEMMAKIT_API gemmakit_status gemmakit_session_begin_chat_content(gemmakit_session* session,
                                                                 const gemmakit_content_turn* turns, size_t n_turns,
                                                                 const gemmakit_generate_params* params);

/* Media without a chat template. media: n_media parts of type IMAGE or AUDIO (stride
 * media[0].struct_size, as above). eval: every run of a kind's placeholder id in ids (see
 * gemmakit_model_image_info / gemmakit_model_audio_info) takes the soft tokens of that kind's next
 * parts in order. generate (push or pull): each "<start_of_image>" / "<start_of_audio>" in the
 * prompt stands for the next part of that kind. */
GEMMAKIT_API gemmakit_status gemmakit_session_eval_content(gemmakit_session* session, const int32_t* ids, size_t n_ids,
                                                           const gemmakit_content_part* media, size_t n_media,
                                                           int32_t logits_mode);
GEMMAKIT_API gemmakit_status gemmakit_session_generate_content(gemmakit_session* session, const char* prompt,
                                                               const gemmakit_content_part* media, size_t n_media,
                                                               const gemmakit_generate_params* params,
                                                               gemmakit_generation* result);
GEMMAKIT_API gemmakit_status gemmakit_session_begin_generate_content(gemmakit_session* session, const char* prompt,
                                                                     const gemmakit_content_part* media, size_t n_media,
                                                                     const gemmakit_generate_params* params);

/* Gemma 3n's audio side: the placeholder id of audio soft tokens, how many one clip (or window)
 * takes, and the seconds of one window. GEMMAKIT_ERR_UNSUPPORTED for a model without audio. Any
 * output pointer may be NULL. */
GEMMAKIT_API gemmakit_status gemmakit_model_audio_info(const gemmakit_model* model, int32_t* audio_token_id,
                                                       int32_t* tokens_per_clip, double* window_seconds);

/* ---- audio clips ------------------------------------------------------------------------------ */

/* Decodes an audio file (WAV with 16/24/32-bit PCM or float32 samples, FLAC, Ogg: what libsndfile
 * reads); channels are averaged, other sample rates resampled to 16 kHz. GEMMAKIT_ERR_IO:
 * unreadable; GEMMAKIT_ERR_FORMAT: empty, truncated, corrupt or not audio;
 * GEMMAKIT_ERR_INVALID_ARGUMENT: NaN or infinite samples. */
GEMMAKIT_API gemmakit_status gemmakit_audio_load(const char* path, gemmakit_audio** out);
GEMMAKIT_API gemmakit_status gemmakit_audio_decode(const void* bytes, size_t size, gemmakit_audio** out);
/* Copies interleaved PCM: frames of channels samples at sample_rate Hz (1000..384000),
 * float32 nominally in [-1, 1] or signed 16-bit. */
GEMMAKIT_API gemmakit_status gemmakit_audio_from_pcm_f32(const float* pcm, size_t frames, int32_t sample_rate,
                                                         int32_t channels, gemmakit_audio** out);
GEMMAKIT_API gemmakit_status gemmakit_audio_from_pcm_i16(const int16_t* pcm, size_t frames, int32_t sample_rate,
                                                         int32_t channels, gemmakit_audio** out);
/* The clip's 16 kHz mono samples, valid while the clip lives. */
GEMMAKIT_API gemmakit_status gemmakit_audio_samples(const gemmakit_audio* audio, const float** samples,
                                                    size_t* n_samples);
GEMMAKIT_API void gemmakit_audio_free(gemmakit_audio* audio);

/* ---- scoring: log-probabilities of given text; ShieldGemma ------------------------------------ */

/* What gemmakit_session_score scores after the prompt, and where it writes the results. Inputs:
 * continuation i is continuation_lengths[i] ids (at least one) at continuations[i]; next_tokens
 * are candidates for the one token right after the prompt. Outputs are caller-owned arrays; each
 * may be NULL when not wanted. Log-probabilities are natural logs of the softmax of the model's
 * logits (after the final soft-cap), computed in double. */
typedef struct gemmakit_score_params {
  uint32_t struct_size;
  const int32_t* const* continuations;
  const size_t* continuation_lengths;
  size_t n_continuations;
  const int32_t* next_tokens;
  size_t n_next_tokens;
  double* logprob_sums;        /* n_continuations: each continuation's summed token log-probabilities */
  double* token_logprobs;      /* sum of continuation_lengths: each token's log-probability given all
                                  before it, continuation after continuation */
  int32_t* is_greedy;          /* n_continuations: 1 when every token is the most likely at its position */
  double* next_token_logprobs; /* n_next_tokens */
} gemmakit_score_params;

GEMMAKIT_API gemmakit_status gemmakit_score_params_init(gemmakit_score_params* params, size_t struct_size);
/* Evaluates prompt (n_prompt >= 1 ids) after the session's tokens and scores params' continuations
 * and next tokens after it. Afterwards the session is exactly as after gemmakit_session_eval(prompt,
 * GEMMAKIT_LOGITS_LAST): it holds the prompt and its last logits. Each continuation is evaluated
 * in a fork of the session (a copy of its KV cache) and leaves no trace. All ids, and whether the
 * prompt plus the longest continuation fit the context (GEMMAKIT_ERR_CONTEXT_FULL), are checked
 * before anything is evaluated; the session is unchanged on those errors. */
GEMMAKIT_API gemmakit_status gemmakit_session_score(gemmakit_session* session, const int32_t* prompt, size_t n_prompt,
                                                    const gemmakit_score_params* params);

/* ShieldGemma (a Gemma 2 safety classifier): which policies a user prompt is checked against.
 * policy_names: the model card's prompt-only guidelines, "dangerous", "harassment", "hate",
 * "sexual" (GEMMAKIT_ERR_INVALID_ARGUMENT for others); policy_texts: guidelines of your own, each
 * written as the card's are ('"No Spam": The prompt shall not ...'). The prompt lists the named
 * ones first, then the texts, in the given orders; at least one in all. */
typedef struct gemmakit_shieldgemma_params {
  uint32_t struct_size;
  const char* const* policy_names;
  size_t n_policy_names;
  const char* const* policy_texts;
  size_t n_policy_texts;
  int32_t n_threads; /* of the session the classification runs in; 0: one per core */
  /* NULL: classify user_prompt (the model card's prompt-only template). Else classify this response
   * of a model to user_prompt (the prompt-response template of Google's ShieldGemma tutorial, whose
   * named guidelines say "The chatbot shall not generate content that ..."). */
  const char* model_response;
} gemmakit_shieldgemma_params;

GEMMAKIT_API gemmakit_status gemmakit_shieldgemma_params_init(gemmakit_shieldgemma_params* params, size_t struct_size);
/* The classification prompt for user_prompt (and params->model_response) (text without <bos>;
 * tokenize it with GEMMAKIT_TOKENIZE_ADD_BOS | GEMMAKIT_TOKENIZE_PARSE_SPECIAL). snprintf
 * semantics. */
GEMMAKIT_API gemmakit_status gemmakit_shieldgemma_prompt(const char* user_prompt,
                                                         const gemmakit_shieldgemma_params* params, char* buf,
                                                         size_t capacity, size_t* needed);
/* P(Yes), the probability that user_prompt (or params->model_response) violates the policies, as
 * the model card computes it: softmax over the logits of the "Yes" and "No" pieces at the prompt's
 * last position. Runs in a session of its own (the model may be shared). GEMMAKIT_ERR_UNSUPPORTED
 * when the vocabulary has no "Yes" or "No" piece. */
GEMMAKIT_API gemmakit_status gemmakit_shieldgemma_classify(const gemmakit_model* model, const char* user_prompt,
                                                           const gemmakit_shieldgemma_params* params, double* p_yes);
/* ---- embeddings (EmbeddingGemma) ------------------------------------------------------------ */

/* An embedding model is a sentence-transformers folder as published (EmbeddingGemma's:
 * config.json with use_bidirectional_attention, modules.json, 1_Pooling, 2_Dense, 3_Dense,
 * config_sentence_transformers.json with the named prompts). It takes no session. */
typedef struct gemmakit_embed_params {
  uint32_t struct_size;
  const char* prompt_name; /* NULL or "": the model's default prompt (EmbeddingGemma: none); else a
                              name of its config_sentence_transformers.json ("query", "document", "STS") */
  int32_t dim;             /* 0: the full width; 1..full: Matryoshka truncation (768 -> 512/256/128),
                              the leading values renormalised to unit length */
  int32_t n_threads;       /* 0: one per core */
} gemmakit_embed_params;

GEMMAKIT_API gemmakit_status gemmakit_embed_params_init(gemmakit_embed_params* params, size_t struct_size);

/* Embeds n_texts NUL-terminated UTF-8 texts (the prompt put before each): out receives n_texts
 * rows of dim floats (the full width when params->dim is 0), row i for texts[i]. capacity is out's
 * size in floats; GEMMAKIT_ERR_BUFFER_TOO_SMALL (nothing written) when it is below n_texts * dim.
 * params may be NULL. GEMMAKIT_ERR_UNSUPPORTED for a model that is not an embedding model;
 * GEMMAKIT_ERR_INVALID_ARGUMENT for an unknown prompt name or a dim above the full width. Any
 * number of calls may run at once on one model. */
GEMMAKIT_API gemmakit_status gemmakit_embed(const gemmakit_model* model, const char* const* texts, size_t n_texts,
                                            const gemmakit_embed_params* params, float* out, size_t capacity);

/* The full embedding width into *dim (0 and GEMMAKIT_ERR_UNSUPPORTED for a model that computes no
 * embeddings). */
GEMMAKIT_API gemmakit_status gemmakit_model_embedding_dim(const gemmakit_model* model, int32_t* dim);
/* ---- tools (function calling) ---------------------------------------------------------------- */

/* Gemma 3 has no tool tokens: the functions are listed as JSON in the first user turn, as
 * ai.google.dev documents, and the model calls them as `[name(arg=value, ...)]` (or in a
 * ```tool_code``` block); results go back as ```tool_output``` blocks. FunctionGemma
 * (functiongemma-270m-it) has control tokens: <start_function_declaration>, <start_function_call>,
 * <start_function_response>, <escape>, a developer turn. AUTO picks FunctionGemma when the model's
 * vocabulary holds its tokens. In chat messages, role "tool" carries a function's result (JSON or
 * text), in the order of the calls of the model message before it; a model message's content is
 * its text as generated, calls included. */
#define GEMMAKIT_TOOL_FORMAT_AUTO 0
#define GEMMAKIT_TOOL_FORMAT_GEMMA3 1
#define GEMMAKIT_TOOL_FORMAT_FUNCTIONGEMMA 2

typedef struct gemmakit_tool {
  uint32_t struct_size;        /* sizeof(gemmakit_tool); arrays are read with tools[0].struct_size as stride */
  const char* name;            /* the function's name */
  const char* description;     /* NULL: "" */
  const char* parameters_json; /* a JSON Schema object of the arguments; NULL: none */
} gemmakit_tool;

/* A call the model made. Views owned by whoever returned them (see each function). */
typedef struct gemmakit_tool_call {
  const char* name;
  const char* arguments_json; /* a JSON object, compact, keys in the order the model wrote them */
} gemmakit_tool_call;

/* Called once per call, as soon as the generated text completes it. Non-zero stops generating. */
typedef int32_t (*gemmakit_tool_call_callback)(const gemmakit_tool_call* call, void* user_data);

typedef struct gemmakit_tool_params {
  uint32_t struct_size;
  const gemmakit_tool* tools; /* n_tools declarations */
  size_t n_tools;
  int32_t format;             /* GEMMAKIT_TOOL_FORMAT_*; default AUTO */
  gemmakit_tool_call_callback on_call; /* may be NULL */
  void* user_data;
  /* NULL, or more declarations as JSON text (after `tools`): an array of {"name", "description",
     "parameters"} objects or of OpenAI's {"type": "function", "function": {...}} */
  const char* tools_json;
} gemmakit_tool_params;

GEMMAKIT_API gemmakit_status gemmakit_tool_params_init(gemmakit_tool_params* params, size_t struct_size);
/* The format AUTO resolves to for this model (GEMMAKIT_TOOL_FORMAT_GEMMA3 or _FUNCTIONGEMMA). */
GEMMAKIT_API gemmakit_status gemmakit_model_tool_format(const gemmakit_model* model, int32_t* format);
/* Renders a conversation with tools (text starting with "<bos>"; tokenize it with
 * GEMMAKIT_TOKENIZE_PARSE_SPECIAL). model may be NULL when tools->format is not AUTO. A tool whose
 * parameters_json is not a JSON object: GEMMAKIT_ERR_INVALID_ARGUMENT. */
GEMMAKIT_API gemmakit_status gemmakit_apply_chat_template_tools(const gemmakit_model* model,
                                                                const gemmakit_chat_message* messages, size_t n_messages,
                                                                const gemmakit_tool_params* tools,
                                                                int32_t add_generation_prompt, char* buf,
                                                                size_t capacity, size_t* needed);
/* gemmakit_session_chat with tools: renders the conversation with them (the session restarts from
 * the rendered conversation), generates, and reports each call to tools->on_call as it completes
 * (params->on_text still receives all the text). FunctionGemma stops at <start_function_response>,
 * where the caller's results go. The calls are then read with gemmakit_session_tool_calls. */
GEMMAKIT_API gemmakit_status gemmakit_session_chat_tools(gemmakit_session* session,
                                                         const gemmakit_chat_message* messages, size_t n_messages,
                                                         const gemmakit_tool_params* tools,
                                                         const gemmakit_generate_params* params,
                                                         gemmakit_generation* result);
/* Pull generation of a chat with tools (then gemmakit_session_step): the same tokens as
 * gemmakit_session_chat_tools; tools->on_call is called from the steps, and
 * gemmakit_session_tool_calls reports the calls completed so far after each step. */
GEMMAKIT_API gemmakit_status gemmakit_session_begin_chat_tools(gemmakit_session* session,
                                                               const gemmakit_chat_message* messages, size_t n_messages,
                                                               const gemmakit_tool_params* tools,
                                                               const gemmakit_generate_params* params);
/* The calls of the session's last chat with tools (push, or pull: those completed so far), and
 * its text without them (any output may be NULL). Views owned by the session, valid until its
 * next call. */
GEMMAKIT_API gemmakit_status gemmakit_session_tool_calls(const gemmakit_session* session,
                                                         const gemmakit_tool_call** calls, size_t* n_calls,
                                                         const char** text);

/* Finds calls in text fed piece by piece (the chunks of gemmakit_session_step): what does not
 * parse as a call, malformed calls included, is kept as text. One thread at a time. */
typedef struct gemmakit_tool_parser gemmakit_tool_parser;

/* format: GEMMAKIT_TOOL_FORMAT_GEMMA3 or _FUNCTIONGEMMA (see gemmakit_model_tool_format). */
GEMMAKIT_API gemmakit_status gemmakit_tool_parser_create(int32_t format, gemmakit_tool_parser** out);
GEMMAKIT_API void gemmakit_tool_parser_free(gemmakit_tool_parser* parser);
/* *n_new (may be NULL) receives how many calls this text completed: the last ones of the list. */
GEMMAKIT_API gemmakit_status gemmakit_tool_parser_feed(gemmakit_tool_parser* parser, const char* text, size_t len,
                                                       size_t* n_new);
/* The end of the output: an unfinished call becomes text. */
GEMMAKIT_API gemmakit_status gemmakit_tool_parser_finish(gemmakit_tool_parser* parser);
/* All calls so far and the text without them; views valid until the parser's next feed or free. */
GEMMAKIT_API gemmakit_status gemmakit_tool_parser_calls(const gemmakit_tool_parser* parser,
                                                        const gemmakit_tool_call** calls, size_t* n_calls,
                                                        const char** text);
/* ---- LoRA adapters (PEFT) --------------------------------------------------------------------- */

/* A LoRA adapter folder as PEFT saves it (adapter_config.json + adapter_model.safetensors), bound
 * to one model and applied beside its projections (y += scale * s * (x A^T) B^T, s = lora_alpha / r
 * or lora_alpha / sqrt(r) with use_rslora), so the base's weights, quantized or not, are never
 * changed. Immutable: any number of sessions and threads may use one adapter. */
typedef struct gemmakit_adapter gemmakit_adapter;

/* Loads dir for model. GEMMAKIT_ERR_IO: missing folder or file; GEMMAKIT_ERR_UNSUPPORTED:
 * peft_type other than LORA (IA3, LOHA, ...), use_dora, a target module other than
 * q/k/v/o_proj and gate/up/down_proj, rank or alpha patterns; GEMMAKIT_ERR_FORMAT: a malformed
 * config or tensor, or factors whose shapes do not fit the model (an adapter for another base;
 * the message names the tensor). On success *out owns the adapter; free it with
 * gemmakit_adapter_free (sessions that use it keep what they need). */
GEMMAKIT_API gemmakit_status gemmakit_adapter_load(const gemmakit_model* model, const char* dir,
                                                   gemmakit_adapter** out);
GEMMAKIT_API void gemmakit_adapter_free(gemmakit_adapter* adapter);
/* The adapter's rank and its PEFT scaling at scale 1; either pointer may be NULL. */
GEMMAKIT_API gemmakit_status gemmakit_adapter_info(const gemmakit_adapter* adapter, int32_t* rank, double* scaling);

/* Makes adapters[0..n) active in the session at scales[i] (NULL: 1 each; 0.5 halves an adapter's
 * change); n = 0 returns to the base model. Each session has its own set, so sessions of one model
 * may run different adapters. A set that differs from the current one forgets the session's tokens
 * (their keys were computed with the old set), as gemmakit_session_reset does; the same set keeps
 * them. GEMMAKIT_ERR_INVALID_ARGUMENT: a NULL adapter, one loaded for another model, a scale that
 * is not finite (the session is unchanged then). */
GEMMAKIT_API gemmakit_status gemmakit_session_set_adapters(gemmakit_session* session,
                                                           const gemmakit_adapter* const* adapters,
                                                           const float* scales, size_t n);

/* ---- tools for servers (call grammar, calls as text) ------------------------------------------ */

/* The GBNF grammar (for gemmakit_sampling_params.grammar) of a model turn made only of calls to
 * the declared functions, in tools->format (AUTO: the model's; model may be NULL otherwise). A
 * caller that must get a call (OpenAI's tool_choice "required", or one named function: declare
 * only it) samples under it. Each call's arguments follow the function's parameters_json (the
 * json_schema subset of gemmakit_sampling_params: property names, required ones, types, enums)
 * in the format's notation. No tools, or a parameter schema the converter refuses:
 * GEMMAKIT_ERR_INVALID_ARGUMENT, the message naming the function and the schema path. */
GEMMAKIT_API gemmakit_status gemmakit_tool_call_grammar(const gemmakit_model* model, const gemmakit_tool_params* tools,
                                                        char* buf, size_t capacity, size_t* needed);
/* Calls as the model writes them in format (AUTO: the model's), to rebuild a past model message
 * from calls a client kept as JSON. Arguments that are not a JSON object: INVALID_ARGUMENT. */
GEMMAKIT_API gemmakit_status gemmakit_format_tool_calls(const gemmakit_model* model, int32_t format,
                                                        const gemmakit_tool_call* calls, size_t n_calls, char* buf,
                                                        size_t capacity, size_t* needed);

#ifdef __cplusplus
}
#endif

#endif /* GEMMAKIT_H_ */
