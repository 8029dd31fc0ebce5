/* The C ABI exercised from C99, the way an application sees it: only gemmakit.h, only the shared
 * library. Usage: capi_c_test DATA_DIR (the tests/data folder). Exits 0 when every check holds. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemmakit.h"

static int g_checks = 0;

/* A failed check prints where it was and the library's last message, then fails the test. */
#define CHECK(cond)                                                                           \
  do {                                                                                        \
    ++g_checks;                                                                               \
    if (!(cond)) {                                                                            \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: \"%s\")\n", __FILE__, __LINE__, \
              #cond, gemmakit_last_error());                                                  \
      return 1;                                                                               \
    }                                                                                         \
  } while (0)

/* The call must fail with `want` and leave a message behind. */
#define CHECK_ERR(call, want)                                                                   \
  do {                                                                                          \
    gemmakit_status st_ = (call);                                                               \
    ++g_checks;                                                                                 \
    if (st_ != (want) || gemmakit_last_error()[0] == '\0') {                                    \
      fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s) with a message; last error: \"%s\"\n", \
              __FILE__, __LINE__, #call, (int)st_, gemmakit_status_string(st_), (int)(want),    \
              gemmakit_status_string(want), gemmakit_last_error());                             \
      return 1;                                                                                 \
    }                                                                                           \
  } while (0)

/* The call must succeed and clear the last error. */
#define CHECK_OK(call)                                                                               \
  do {                                                                                               \
    gemmakit_status st_ = (call);                                                                    \
    ++g_checks;                                                                                      \
    if (st_ != GEMMAKIT_OK || gemmakit_last_error()[0] != '\0') {                                    \
      fprintf(stderr, "%s:%d: %s returned %d (%s): \"%s\"\n", __FILE__, __LINE__, #call, (int)st_, \
              gemmakit_status_string(st_), gemmakit_last_error());                                   \
      return 1;                                                                                      \
    }                                                                                                \
  } while (0)

#define RUN(test)                                       \
  do {                                                  \
    if (test() != 0) {                                  \
      fprintf(stderr, "FAILED: %s\n", #test);           \
      failures++;                                       \
    } else {                                            \
      printf("ok: %s\n", #test);                        \
    }                                                   \
  } while (0)

#define VOCAB 640
#define N_ENGLISH 27
static const int32_t kEnglishIds[N_ENGLISH] = {2,   366, 424, 345, 428, 335, 318, 373, 426, 277, 427, 539, 424, 497,
                                               435, 310, 432, 320, 324, 288, 287, 540, 454, 359, 427, 448, 439};
static const char kEnglishText[] = "The quick brown fox jumps over the lazy dog.";

static const char* g_data_dir = NULL;
static char g_model_dir[4096];
static gemmakit_model* g_model = NULL;

static int all_bytes(const void* p, size_t n, unsigned char value) {
  const unsigned char* b = (const unsigned char*)p;
  size_t i;
  for (i = 0; i < n; ++i) {
    if (b[i] != value) return 0;
  }
  return 1;
}

static size_t argmax(const float* v, size_t n) {
  size_t best = 0, i;
  for (i = 1; i < n; ++i) {
    if (v[i] > v[best]) best = i;
  }
  return best;
}

/* Collects streamed text; stops after `stop_after` pieces when that is positive. */
typedef struct {
  char text[4096];
  size_t len;
  int calls;
  int stop_after;
  int overflow;
} stream_sink;

static int32_t collect(const char* text, size_t len, void* user_data) {
  stream_sink* s = (stream_sink*)user_data;
  s->calls++;
  if (len == 0 || text == NULL) s->overflow = 1; /* pieces are never empty */
  if (s->len + len >= sizeof s->text) {
    s->overflow = 1;
  } else {
    memcpy(s->text + s->len, text, len);
    s->len += len;
    s->text[s->len] = '\0';
  }
  return s->stop_after > 0 && s->calls >= s->stop_after;
}

static void sink_init(stream_sink* s, int stop_after) {
  memset(s, 0, sizeof *s);
  s->stop_after = stop_after;
}

/* ---- version, status strings ------------------------------------------------------------------ */

static int test_version(void) {
  char want[64];
  sprintf(want, "%d.%d.%d", GEMMAKIT_VERSION_MAJOR, GEMMAKIT_VERSION_MINOR, GEMMAKIT_VERSION_PATCH);
  CHECK(gemmakit_version() != NULL);
  CHECK(strcmp(gemmakit_version(), want) == 0);
  CHECK(gemmakit_abi_version() == GEMMAKIT_ABI_VERSION);
  CHECK(gemmakit_last_error() != NULL);
  CHECK(strcmp(gemmakit_status_string(GEMMAKIT_ERR_CONTEXT_FULL), "context full") == 0);
  {
    gemmakit_status s;
    for (s = GEMMAKIT_ERR_INTERNAL; s <= GEMMAKIT_OK; ++s) {
      CHECK(gemmakit_status_string(s) != NULL);
      CHECK(gemmakit_status_string(s)[0] != '\0');
      CHECK(strcmp(gemmakit_status_string(s), "unknown status") != 0);
    }
  }
  CHECK(strcmp(gemmakit_status_string(1), "unknown status") == 0);
  CHECK(strcmp(gemmakit_status_string(-100), "unknown status") == 0);
  CHECK(strcmp(gemmakit_status_string(INT32_MIN), "unknown status") == 0);
  return 0;
}

/* ---- params structs across versions ----------------------------------------------------------- */

static int test_params_defaults(void) {
  gemmakit_model_params mp;
  gemmakit_session_params sp;
  gemmakit_sampling_params samp;
  gemmakit_generate_params gp;
  memset(&mp, 0xAB, sizeof mp);
  memset(&sp, 0xAB, sizeof sp);
  memset(&samp, 0xAB, sizeof samp);
  memset(&gp, 0xAB, sizeof gp);

  CHECK_OK(gemmakit_model_params_init(&mp, sizeof mp));
  CHECK(mp.struct_size == sizeof mp);
  CHECK(mp.weight_type == GEMMAKIT_WEIGHTS_AS_STORED);
  CHECK(mp.n_threads == 0);

  CHECK_OK(gemmakit_session_params_init(&sp, sizeof sp));
  CHECK(sp.struct_size == sizeof sp);
  CHECK(sp.n_threads == 0);
  CHECK(sp.context_length == 0);
  CHECK(sp.batch_size == 256);

  CHECK_OK(gemmakit_sampling_params_init(&samp, sizeof samp));
  CHECK(samp.struct_size == sizeof samp);
  CHECK(samp.temperature == 1.0f);
  CHECK(samp.top_k == 64);
  CHECK(samp.top_p == 0.95f);
  CHECK(samp.min_p == 0.0f);
  CHECK(samp.repeat_penalty == 1.0f);
  CHECK(samp.repeat_last_n == 64);
  CHECK(samp.seed == GEMMAKIT_SEED_RANDOM);

  CHECK_OK(gemmakit_generate_params_init(&gp, sizeof gp));
  CHECK(gp.struct_size == sizeof gp);
  CHECK(gp.max_tokens == 256);
  CHECK(gp.sampling == NULL);
  CHECK(gp.stop == NULL);
  CHECK(gp.n_stop == 0);
  CHECK(gp.on_text == NULL);
  CHECK(gp.user_data == NULL);

  /* NULL and implausible sizes. */
  CHECK_ERR(gemmakit_model_params_init(NULL, sizeof mp), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_params_init(NULL, sizeof sp), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_sampling_params_init(NULL, sizeof samp), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_generate_params_init(NULL, sizeof gp), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_params_init(&sp, 0), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_sampling_params_init(&samp, 3), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_generate_params_init(&gp, (size_t)1 << 20), GEMMAKIT_ERR_INVALID_ARGUMENT);

  /* Weight types by name: the library's own table. */
  {
    int32_t t = -1;
    CHECK_OK(gemmakit_weight_type_from_name("q4_k_m", &t));
    CHECK(t == GEMMAKIT_WEIGHTS_Q4_K_M);
    CHECK_OK(gemmakit_weight_type_from_name("bf16", &t));
    CHECK(t == GEMMAKIT_WEIGHTS_BF16);
    CHECK_OK(gemmakit_weight_type_from_name("as_stored", &t));
    CHECK(t == GEMMAKIT_WEIGHTS_AS_STORED);
    t = 7;
    CHECK_ERR(gemmakit_weight_type_from_name("Q4_K_M", &t), GEMMAKIT_ERR_INVALID_ARGUMENT);
    CHECK(strstr(gemmakit_last_error(), "q5_k_m") != NULL);
    CHECK(t == 7); /* untouched on failure */
    CHECK_ERR(gemmakit_weight_type_from_name(NULL, &t), GEMMAKIT_ERR_INVALID_ARGUMENT);
    CHECK_ERR(gemmakit_weight_type_from_name("q8_0", NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  }
  return 0;
}

/* An older caller knows fewer fields: init writes only what its size covers. */
static int test_params_older_caller(void) {
  const size_t samp_size = offsetof(gemmakit_sampling_params, seed);
  const size_t sess_size = offsetof(gemmakit_session_params, batch_size);
  const size_t gen_size = offsetof(gemmakit_generate_params, on_text);
  gemmakit_sampling_params samp;
  gemmakit_session_params sp;
  gemmakit_generate_params gp;
  gemmakit_session* session = NULL;
  stream_sink sink;

  memset(&samp, 0xAB, sizeof samp);
  CHECK_OK(gemmakit_sampling_params_init(&samp, samp_size));
  CHECK(samp.struct_size == samp_size);
  CHECK(samp.temperature == 1.0f);
  CHECK(samp.repeat_last_n == 64);
  CHECK(all_bytes((const unsigned char*)&samp + samp_size, sizeof samp - samp_size, 0xAB));

  memset(&sp, 0xAB, sizeof sp);
  CHECK_OK(gemmakit_session_params_init(&sp, sess_size));
  CHECK(sp.struct_size == sess_size);
  CHECK(sp.n_threads == 0);
  CHECK(sp.context_length == 0);
  CHECK(all_bytes(&sp.batch_size, sizeof sp.batch_size, 0xAB));
  /* batch_size lies beyond the caller's struct: the garbage there (here invalid) is not read. */
  sp.batch_size = 0;
  sp.context_length = 32;
  CHECK_OK(gemmakit_session_create(g_model, &sp, &session));
  CHECK(session != NULL);

  /* A generate params struct that ends before on_text: the callback set there is never called. */
  memset(&gp, 0, sizeof gp);
  CHECK_OK(gemmakit_generate_params_init(&gp, gen_size));
  CHECK(gp.struct_size == gen_size);
  CHECK(gp.max_tokens == 256);
  sink_init(&sink, 0);
  gp.max_tokens = 3;
  gp.on_text = collect;
  gp.user_data = &sink;
  samp.temperature = 0.0f; /* a short sampling struct: the seed comes from the defaults */
  gp.sampling = &samp;
  CHECK_OK(gemmakit_session_generate(session, "Hello", &gp, NULL));
  CHECK(sink.calls == 0);

  /* An older caller's result struct: only the fields it covers are written. */
  {
    gemmakit_generation g;
    const size_t g_size = offsetof(gemmakit_generation, stop_reason);
    memset(&g, 0xAB, sizeof g);
    g.struct_size = (uint32_t)g_size;
    CHECK_OK(gemmakit_session_reset(session));
    CHECK_OK(gemmakit_session_generate(session, "Hello", &gp, &g));
    CHECK(g.struct_size == g_size);
    CHECK(g.text != NULL);
    CHECK(strlen(g.text) == g.text_len);
    CHECK(all_bytes((const unsigned char*)&g + g_size, sizeof g - g_size, 0xAB));
  }
  {
    gemmakit_model_info info;
    const size_t i_size = offsetof(gemmakit_model_info, context_length);
    memset(&info, 0xAB, sizeof info);
    info.struct_size = (uint32_t)i_size;
    CHECK_OK(gemmakit_model_get_info(g_model, &info));
    CHECK(info.struct_size == i_size);
    CHECK(strcmp(info.architecture, "gemma3") == 0);
    CHECK(info.vocab_size == VOCAB);
    CHECK(all_bytes((const unsigned char*)&info + i_size, sizeof info - i_size, 0xAB));
    info.struct_size = 0;
    CHECK_ERR(gemmakit_model_get_info(g_model, &info), GEMMAKIT_ERR_INVALID_ARGUMENT);
  }
  gemmakit_session_free(session);
  return 0;
}

/* A newer caller's longer struct: accepted while the fields this library lacks are zero. */
typedef struct {
  gemmakit_model_params p;
  unsigned char tail[16];
} newer_model_params;
typedef struct {
  gemmakit_session_params p;
  unsigned char tail[16];
} newer_session_params;
typedef struct {
  gemmakit_sampling_params p;
  unsigned char tail[16];
} newer_sampling_params;
typedef struct {
  gemmakit_generate_params p;
  unsigned char tail[16];
} newer_generate_params;

static int test_params_newer_caller(void) {
  newer_model_params mp;
  newer_session_params sp;
  newer_sampling_params samp;
  newer_generate_params gp;
  gemmakit_model* model = NULL;
  gemmakit_session* session = NULL;
  int32_t token = -1;
  const int32_t ids[2] = {2, 366};

  memset(&mp, 0xFF, sizeof mp);
  CHECK_OK(gemmakit_model_params_init(&mp.p, sizeof mp));
  CHECK(mp.p.struct_size == sizeof mp);
  CHECK(mp.p.weight_type == GEMMAKIT_WEIGHTS_AS_STORED);
  CHECK(all_bytes(mp.tail, sizeof mp.tail, 0));
  CHECK_OK(gemmakit_model_load(g_model_dir, &mp.p, &model));
  CHECK(model != NULL);
  gemmakit_model_free(model);
  model = NULL;
  mp.tail[5] = 1;
  CHECK_ERR(gemmakit_model_load(g_model_dir, &mp.p, &model), GEMMAKIT_ERR_UNSUPPORTED);
  CHECK(model == NULL);
  mp.tail[5] = 0;
  mp.p.weight_type = 99;
  CHECK_ERR(gemmakit_model_load(g_model_dir, &mp.p, &model), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK(model == NULL);
  mp.p.struct_size = 0;
  CHECK_ERR(gemmakit_model_load(g_model_dir, &mp.p, &model), GEMMAKIT_ERR_INVALID_ARGUMENT);

  memset(&sp, 0xFF, sizeof sp);
  CHECK_OK(gemmakit_session_params_init(&sp.p, sizeof sp));
  CHECK(sp.p.struct_size == sizeof sp);
  CHECK(sp.p.batch_size == 256);
  CHECK(all_bytes(sp.tail, sizeof sp.tail, 0));
  sp.p.context_length = 8;
  CHECK_OK(gemmakit_session_create(g_model, &sp.p, &session));
  CHECK(session != NULL);
  gemmakit_session_free(session);
  session = NULL;
  sp.tail[15] = 0x80;
  CHECK_ERR(gemmakit_session_create(g_model, &sp.p, &session), GEMMAKIT_ERR_UNSUPPORTED);
  CHECK(session == NULL);
  sp.tail[15] = 0;
  CHECK_OK(gemmakit_session_create(g_model, &sp.p, &session));
  CHECK_OK(gemmakit_session_eval(session, ids, 2, GEMMAKIT_LOGITS_LAST));

  memset(&samp, 0xFF, sizeof samp);
  CHECK_OK(gemmakit_sampling_params_init(&samp.p, sizeof samp));
  CHECK(samp.p.struct_size == sizeof samp);
  CHECK(samp.p.seed == GEMMAKIT_SEED_RANDOM);
  CHECK(all_bytes(samp.tail, sizeof samp.tail, 0));
  samp.p.temperature = 0.0f;
  CHECK_OK(gemmakit_session_sample(session, &samp.p, 0, &token));
  CHECK(token >= 0 && token < VOCAB);
  samp.tail[0] = 7;
  token = -1;
  CHECK_ERR(gemmakit_session_sample(session, &samp.p, 0, &token), GEMMAKIT_ERR_UNSUPPORTED);
  samp.tail[0] = 0;

  memset(&gp, 0xFF, sizeof gp);
  CHECK_OK(gemmakit_generate_params_init(&gp.p, sizeof gp));
  CHECK(gp.p.struct_size == sizeof gp);
  CHECK(gp.p.max_tokens == 256);
  CHECK(all_bytes(gp.tail, sizeof gp.tail, 0));
  gp.p.max_tokens = 2;
  gp.p.sampling = &samp.p;
  CHECK_OK(gemmakit_session_reset(session));
  CHECK_OK(gemmakit_session_generate(session, "Hi", &gp.p, NULL));
  gp.tail[8] = 1;
  CHECK_ERR(gemmakit_session_generate(session, "Hi", &gp.p, NULL), GEMMAKIT_ERR_UNSUPPORTED);
  gp.tail[8] = 0;
  /* The sampling struct a generate params points at is checked the same way. */
  samp.tail[3] = 1;
  CHECK_ERR(gemmakit_session_generate(session, "Hi", &gp.p, NULL), GEMMAKIT_ERR_UNSUPPORTED);
  samp.tail[3] = 0;

  /* A newer caller's longer result structs: the library writes what it knows. */
  {
    struct {
      gemmakit_model_info info;
      unsigned char tail[16];
    } big;
    memset(&big, 0xCD, sizeof big);
    big.info.struct_size = sizeof big;
    CHECK_OK(gemmakit_model_get_info(g_model, &big.info));
    CHECK(big.info.struct_size == sizeof big.info);
    CHECK(big.info.vocab_size == VOCAB);
    CHECK(all_bytes(big.tail, sizeof big.tail, 0xCD));
  }
  gemmakit_session_free(session);
  return 0;
}

/* ---- model ------------------------------------------------------------------------------------ */

static int test_model_info(void) {
  gemmakit_model_info info;
  int64_t kv16 = -1, kv32 = -1;
  memset(&info, 0xAB, sizeof info);
  info.struct_size = sizeof info;
  CHECK_OK(gemmakit_model_get_info(g_model, &info));
  CHECK(info.struct_size == sizeof info);
  CHECK(strcmp(info.architecture, "gemma3") == 0);
  CHECK(strcmp(info.weight_type, "BF16") == 0);
  CHECK(info.vocab_size == VOCAB);
  CHECK(info.n_layers == 7);
  CHECK(info.n_sliding_layers == 6);
  CHECK(info.sliding_window == 8);
  CHECK(info.context_length == 8192);
  CHECK(info.hidden_size == 64);
  CHECK(info.intermediate_size == 160);
  CHECK(info.n_heads == 4);
  CHECK(info.n_kv_heads == 1);
  CHECK(info.head_dim == 32);
  CHECK(info.n_params > 0);
  CHECK(info.weight_bytes > 0);
  CHECK(info.bos_id == 2);
  CHECK(info.eos_id == 1);
  CHECK(info.start_of_turn_id == 4);
  CHECK(info.end_of_turn_id == 5);
  CHECK(strcmp(info.format, "huggingface") == 0);
  CHECK(strcmp(info.tokenizer_source, "tokenizer.model") == 0);
  CHECK(strcmp(info.chat_template, "none") == 0);

  CHECK_OK(gemmakit_model_kv_cache_bytes(g_model, 16, &kv16));
  CHECK_OK(gemmakit_model_kv_cache_bytes(g_model, 32, &kv32));
  CHECK(kv16 > 0);
  CHECK(kv32 == 2 * kv16);
  CHECK_OK(gemmakit_model_kv_cache_bytes(g_model, 0, &kv16));
  CHECK(kv16 == 0);
  CHECK_ERR(gemmakit_model_kv_cache_bytes(g_model, -1, &kv16), GEMMAKIT_ERR_INVALID_ARGUMENT);
  return 0;
}

static int test_model_load_errors(void) {
  gemmakit_model* model = (gemmakit_model*)&model; /* not NULL: a failed load must reset it */
  char path[4200];
  CHECK_ERR(gemmakit_model_load(NULL, NULL, &model), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK(model == NULL);
  CHECK_ERR(gemmakit_model_load(g_model_dir, NULL, NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  model = (gemmakit_model*)&model;
  sprintf(path, "%s/no-such-model", g_data_dir);
  CHECK_ERR(gemmakit_model_load(path, NULL, &model), GEMMAKIT_ERR_IO);
  CHECK(model == NULL);
  CHECK(strstr(gemmakit_last_error(), "no-such-model") != NULL);
  CHECK_ERR(gemmakit_model_load("", NULL, &model), GEMMAKIT_ERR_INVALID_ARGUMENT);
  /* A file, not a folder. */
  sprintf(path, "%s/config.json", g_model_dir);
  CHECK(gemmakit_model_load(path, NULL, &model) < 0);
  CHECK(gemmakit_last_error()[0] != '\0');
  CHECK(model == NULL);
  /* A folder that is no checkpoint. */
  CHECK_ERR(gemmakit_model_load(g_data_dir, NULL, &model), GEMMAKIT_ERR_IO);
  CHECK(model == NULL);
  return 0;
}

/* ---- tokenizer -------------------------------------------------------------------------------- */

static int test_tokenize(void) {
  int32_t ids[64];
  size_t n = 0, i;
  const size_t len = strlen(kEnglishText);

  CHECK_OK(gemmakit_tokenize(g_model, kEnglishText, len, GEMMAKIT_TOKENIZE_ADD_BOS, ids, 64, &n));
  CHECK(n == N_ENGLISH);
  for (i = 0; i < n; ++i) CHECK(ids[i] == kEnglishIds[i]);

  CHECK_OK(gemmakit_tokenize(g_model, kEnglishText, len, 0, ids, 64, &n));
  CHECK(n == N_ENGLISH - 1);
  for (i = 0; i < n; ++i) CHECK(ids[i] == kEnglishIds[i + 1]);

  /* text needs no NUL: a prefix of the text tokenizes as that prefix. */
  {
    int32_t a[64], b[64];
    size_t na = 0, nb = 0;
    char prefix[16];
    memcpy(prefix, kEnglishText, 9);
    prefix[9] = '\0';
    CHECK_OK(gemmakit_tokenize(g_model, kEnglishText, 9, 0, a, 64, &na));
    CHECK_OK(gemmakit_tokenize(g_model, prefix, strlen(prefix), 0, b, 64, &nb));
    CHECK(na == nb && na > 0);
    CHECK(memcmp(a, b, na * sizeof a[0]) == 0);
  }

  /* Too small a buffer reports the count needed; a NULL buffer of capacity 0 asks for it. */
  n = 0;
  CHECK_ERR(gemmakit_tokenize(g_model, kEnglishText, len, GEMMAKIT_TOKENIZE_ADD_BOS, ids, 5, &n),
            GEMMAKIT_ERR_BUFFER_TOO_SMALL);
  CHECK(n == N_ENGLISH);
  n = 0;
  CHECK_ERR(gemmakit_tokenize(g_model, kEnglishText, len, GEMMAKIT_TOKENIZE_ADD_BOS, NULL, 0, &n),
            GEMMAKIT_ERR_BUFFER_TOO_SMALL);
  CHECK(n == N_ENGLISH);
  CHECK_OK(gemmakit_tokenize(g_model, kEnglishText, len, GEMMAKIT_TOKENIZE_ADD_BOS, ids, N_ENGLISH, &n));
  CHECK(n == N_ENGLISH);

  /* Empty text: just <bos>, or nothing. */
  CHECK_OK(gemmakit_tokenize(g_model, NULL, 0, GEMMAKIT_TOKENIZE_ADD_BOS, ids, 64, &n));
  CHECK(n == 1 && ids[0] == 2);
  CHECK_OK(gemmakit_tokenize(g_model, "", 0, 0, ids, 64, &n));
  CHECK(n == 0);

  /* PARSE_SPECIAL: "<bos>" written in the text is the control token; otherwise it is text. */
  CHECK_OK(gemmakit_tokenize(g_model, "<bos>Hi", 7, GEMMAKIT_TOKENIZE_PARSE_SPECIAL, ids, 64, &n));
  CHECK(n >= 2);
  CHECK(ids[0] == 2);
  CHECK_OK(gemmakit_tokenize(g_model, "<bos>Hi", 7, 0, ids, 64, &n));
  CHECK(n >= 2);
  for (i = 0; i < n; ++i) CHECK(ids[i] != 2);
  CHECK_OK(gemmakit_tokenize(g_model, "<eos>", 5, GEMMAKIT_TOKENIZE_PARSE_SPECIAL, ids, 64, &n));
  CHECK(n == 1 && ids[0] == 1);
  /* Turn markers are always recognised. */
  CHECK_OK(gemmakit_tokenize(g_model, "<start_of_turn><end_of_turn>", 28, 0, ids, 64, &n));
  CHECK(n == 2 && ids[0] == 4 && ids[1] == 5);

  CHECK_ERR(gemmakit_tokenize(g_model, "x", 1, 4, ids, 64, &n), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_tokenize(g_model, NULL, 3, 0, ids, 64, &n), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_tokenize(g_model, "x", 1, 0, NULL, 64, &n), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_tokenize(NULL, "x", 1, 0, ids, 64, &n), GEMMAKIT_ERR_INVALID_ARGUMENT);
  /* n_ids may be NULL. */
  CHECK_OK(gemmakit_tokenize(g_model, "x", 1, 0, ids, 64, NULL));
  return 0;
}

static int test_detokenize(void) {
  char buf[256];
  size_t needed = 0;
  const size_t want = strlen(kEnglishText) + 1;
  int32_t bad[2] = {2, VOCAB};

  CHECK_OK(gemmakit_detokenize(g_model, kEnglishIds + 1, N_ENGLISH - 1, buf, sizeof buf, &needed));
  CHECK(strcmp(buf, kEnglishText) == 0);
  CHECK(needed == want);
  /* Control tokens produce no text. */
  CHECK_OK(gemmakit_detokenize(g_model, kEnglishIds, N_ENGLISH, buf, sizeof buf, &needed));
  CHECK(strcmp(buf, kEnglishText) == 0);

  /* Exactly enough, one byte short, nothing. */
  memset(buf, 'x', sizeof buf);
  CHECK_OK(gemmakit_detokenize(g_model, kEnglishIds, N_ENGLISH, buf, want, &needed));
  CHECK(strcmp(buf, kEnglishText) == 0);
  memset(buf, 'x', sizeof buf);
  needed = 0;
  CHECK_ERR(gemmakit_detokenize(g_model, kEnglishIds, N_ENGLISH, buf, want - 1, &needed),
            GEMMAKIT_ERR_BUFFER_TOO_SMALL);
  CHECK(needed == want);
  CHECK(memchr(buf, '\0', want - 1) != NULL); /* still a string within the capacity */
  CHECK(buf[want - 1] == 'x');                /* and nothing written past it */
  needed = 0;
  CHECK_ERR(gemmakit_detokenize(g_model, kEnglishIds, N_ENGLISH, buf, 1, &needed), GEMMAKIT_ERR_BUFFER_TOO_SMALL);
  CHECK(buf[0] == '\0');
  CHECK(needed == want);
  needed = 0;
  CHECK_ERR(gemmakit_detokenize(g_model, kEnglishIds, N_ENGLISH, NULL, 0, &needed), GEMMAKIT_ERR_BUFFER_TOO_SMALL);
  CHECK(needed == want);

  /* No ids: the empty string. */
  CHECK_OK(gemmakit_detokenize(g_model, NULL, 0, buf, sizeof buf, &needed));
  CHECK(buf[0] == '\0' && needed == 1);

  CHECK_ERR(gemmakit_detokenize(g_model, bad, 2, buf, sizeof buf, &needed), GEMMAKIT_ERR_INVALID_ARGUMENT);
  bad[1] = -1;
  CHECK_ERR(gemmakit_detokenize(g_model, bad, 2, buf, sizeof buf, &needed), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_detokenize(g_model, NULL, 2, buf, sizeof buf, &needed), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_detokenize(g_model, kEnglishIds, 2, NULL, 8, &needed), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_detokenize(NULL, kEnglishIds, 2, buf, sizeof buf, &needed), GEMMAKIT_ERR_INVALID_ARGUMENT);
  /* needed may be NULL. */
  CHECK_OK(gemmakit_detokenize(g_model, kEnglishIds, 2, buf, sizeof buf, NULL));
  return 0;
}

static int test_chat_template(void) {
  static const char want[] = "<bos><start_of_turn>user\nSYS\n\nHi<end_of_turn>\n<start_of_turn>model\n";
  gemmakit_chat_message msgs[4];
  char buf[512];
  size_t needed = 0;

  msgs[0].role = "system";
  msgs[0].content = "SYS";
  msgs[1].role = "user";
  msgs[1].content = "Hi";
  CHECK_OK(gemmakit_apply_chat_template(g_model, msgs, 2, 1, buf, sizeof buf, &needed));
  CHECK(strcmp(buf, want) == 0);
  CHECK(needed == sizeof want);
  CHECK_ERR(gemmakit_apply_chat_template(g_model, msgs, 2, 1, buf, sizeof want - 1, &needed),
            GEMMAKIT_ERR_BUFFER_TOO_SMALL);
  CHECK(needed == sizeof want);
  CHECK_ERR(gemmakit_apply_chat_template(g_model, msgs, 2, 1, NULL, 0, &needed), GEMMAKIT_ERR_BUFFER_TOO_SMALL);
  CHECK(needed == sizeof want);

  /* Without the generation prompt; "assistant" and "model" are one role. */
  msgs[2].role = "assistant";
  msgs[2].content = "Hello!";
  msgs[3].role = "user";
  msgs[3].content = "  Bye  ";
  CHECK_OK(gemmakit_apply_chat_template(g_model, msgs + 1, 3, 0, buf, sizeof buf, &needed));
  CHECK(strcmp(buf,
               "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
               "<start_of_turn>user\nBye<end_of_turn>\n") == 0);

  /* The rendering tokenizes, with PARSE_SPECIAL, to exactly one <bos> first. */
  {
    int32_t ids[256];
    size_t n = 0, i, n_bos = 0;
    CHECK_OK(gemmakit_apply_chat_template(g_model, msgs, 2, 1, buf, sizeof buf, &needed));
    CHECK_OK(gemmakit_tokenize(g_model, buf, needed - 1, GEMMAKIT_TOKENIZE_PARSE_SPECIAL, ids, 256, &n));
    CHECK(n > 5 && ids[0] == 2 && ids[n - 1] != 2);
    for (i = 0; i < n; ++i) n_bos += ids[i] == 2;
    CHECK(n_bos == 1);
  }

  /* Bad conversations. */
  msgs[2].role = "user";
  CHECK_ERR(gemmakit_apply_chat_template(g_model, msgs, 3, 1, buf, sizeof buf, &needed),
            GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK(strstr(gemmakit_last_error(), "alternate") != NULL);
  CHECK_ERR(gemmakit_apply_chat_template(g_model, msgs + 2, 2, 1, buf, sizeof buf, &needed),
            GEMMAKIT_ERR_INVALID_ARGUMENT); /* user, user */
  msgs[2].role = "model";
  CHECK_ERR(gemmakit_apply_chat_template(g_model, msgs + 2, 1, 1, buf, sizeof buf, &needed),
            GEMMAKIT_ERR_INVALID_ARGUMENT); /* the model speaks first */
  msgs[2].role = "system";
  CHECK_ERR(gemmakit_apply_chat_template(g_model, msgs, 3, 1, buf, sizeof buf, &needed),
            GEMMAKIT_ERR_INVALID_ARGUMENT); /* system not first */
  msgs[2].role = "narrator";
  CHECK_ERR(gemmakit_apply_chat_template(g_model, msgs, 3, 1, buf, sizeof buf, &needed),
            GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK(strstr(gemmakit_last_error(), "narrator") != NULL);
  msgs[2].role = NULL;
  CHECK_ERR(gemmakit_apply_chat_template(g_model, msgs, 3, 1, buf, sizeof buf, &needed),
            GEMMAKIT_ERR_INVALID_ARGUMENT);
  msgs[2].role = "model";
  msgs[2].content = NULL;
  CHECK_ERR(gemmakit_apply_chat_template(g_model, msgs, 3, 1, buf, sizeof buf, &needed),
            GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_apply_chat_template(g_model, NULL, 2, 1, buf, sizeof buf, &needed),
            GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_apply_chat_template(NULL, msgs, 2, 1, buf, sizeof buf, &needed), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_apply_chat_template(g_model, msgs, 2, 1, NULL, 16, &needed), GEMMAKIT_ERR_INVALID_ARGUMENT);
  /* last_error is cleared by the next successful call. */
  CHECK_OK(gemmakit_apply_chat_template(g_model, msgs, 2, 1, buf, sizeof buf, NULL));
  CHECK(gemmakit_last_error()[0] == '\0');
  return 0;
}

/* ---- sessions --------------------------------------------------------------------------------- */

static int read_golden(const char* name, float* out, size_t n) {
  char path[4200];
  FILE* f;
  size_t got;
  int extra;
  sprintf(path, "%s/%s", g_model_dir, name);
  f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  got = fread(out, sizeof(float), n, f);
  extra = fgetc(f);
  fclose(f);
  if (got != n || extra != EOF) {
    fprintf(stderr, "%s: expected exactly %lu floats\n", path, (unsigned long)n);
    return 1;
  }
  return 0;
}

static float g_golden[N_ENGLISH * VOCAB];

static int test_eval_logits(void) {
  gemmakit_session* session = NULL;
  const float* logits = NULL;
  size_t rows = 0, vocab = 0, i, worst_at = 0;
  int64_t n_past = -1;
  int32_t token = -1;
  double worst = 0;
  gemmakit_sampling_params greedy;

  CHECK(read_golden("english.logits.f32", g_golden, (size_t)N_ENGLISH * VOCAB) == 0);
  CHECK_OK(gemmakit_session_create(g_model, NULL, &session));
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past == 0);
  /* Nothing evaluated yet: no logits, and nothing to sample from. */
  logits = g_golden;
  CHECK_ERR(gemmakit_session_logits(session, &logits, &rows, &vocab), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK(logits == NULL);
  CHECK_ERR(gemmakit_session_sample(session, NULL, 0, &token), GEMMAKIT_ERR_INVALID_ARGUMENT);

  CHECK_OK(gemmakit_session_eval(session, kEnglishIds, N_ENGLISH, GEMMAKIT_LOGITS_ALL));
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past == N_ENGLISH);
  CHECK_OK(gemmakit_session_logits(session, &logits, &rows, &vocab));
  CHECK(logits != NULL);
  CHECK(rows == N_ENGLISH);
  CHECK(vocab == VOCAB);
  for (i = 0; i < rows * vocab; ++i) {
    const double d = fabs((double)logits[i] - (double)g_golden[i]);
    if (!(d <= worst)) { /* NaN counts as the worst */
      worst = isnan(d) ? INFINITY : d;
      worst_at = i;
    }
  }
  printf("  english: max |logit - golden| = %g (row %lu, id %lu)\n", worst, (unsigned long)(worst_at / VOCAB),
         (unsigned long)(worst_at % VOCAB));
  CHECK(worst <= 1e-3);

  /* Greedy sampling is the argmax of the last row (ties to the lowest id). */
  CHECK_OK(gemmakit_sampling_params_init(&greedy, sizeof greedy));
  greedy.temperature = 0.0f;
  CHECK_OK(gemmakit_session_sample(session, &greedy, 1, &token));
  CHECK((size_t)token == argmax(logits + (rows - 1) * vocab, vocab));
  CHECK_OK(gemmakit_session_sample(session, &greedy, 0, &token));
  CHECK((size_t)token == argmax(logits + (rows - 1) * vocab, vocab));
  /* Sampling evaluates nothing. */
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past == N_ENGLISH);
  /* Temperature 1 draws an id of the vocabulary; the same seed, the same id. */
  greedy.temperature = 1.0f;
  greedy.top_k = 0;
  greedy.top_p = 1.0f;
  greedy.seed = 7;
  {
    int32_t first = -1;
    CHECK_OK(gemmakit_session_sample(session, &greedy, 1, &first));
    CHECK(first >= 0 && first < VOCAB);
    CHECK_OK(gemmakit_session_sample(session, &greedy, 1, &token));
    CHECK(token == first);
  }
  /* Out-of-range sampling params. */
  greedy.temperature = -1.0f;
  CHECK_ERR(gemmakit_session_sample(session, &greedy, 1, &token), GEMMAKIT_ERR_INVALID_ARGUMENT);
  greedy.temperature = 1.0f;
  greedy.top_p = 0.0f;
  CHECK_ERR(gemmakit_session_sample(session, &greedy, 1, &token), GEMMAKIT_ERR_INVALID_ARGUMENT);
  greedy.top_p = 1.5f;
  CHECK_ERR(gemmakit_session_sample(session, &greedy, 1, &token), GEMMAKIT_ERR_INVALID_ARGUMENT);
  greedy.top_p = 1.0f;
  greedy.min_p = 2.0f;
  CHECK_ERR(gemmakit_session_sample(session, &greedy, 1, &token), GEMMAKIT_ERR_INVALID_ARGUMENT);
  greedy.min_p = 0.0f;
  greedy.repeat_penalty = 0.0f;
  CHECK_ERR(gemmakit_session_sample(session, &greedy, 1, &token), GEMMAKIT_ERR_INVALID_ARGUMENT);
  greedy.repeat_penalty = 1.0f;
  greedy.top_k = -1;
  CHECK_ERR(gemmakit_session_sample(session, &greedy, 1, &token), GEMMAKIT_ERR_INVALID_ARGUMENT);

  /* LOGITS_LAST over two calls: the last row again, the first part from the KV cache. */
  CHECK_OK(gemmakit_session_reset(session));
  CHECK_OK(gemmakit_session_eval(session, kEnglishIds, 20, GEMMAKIT_LOGITS_LAST));
  CHECK_OK(gemmakit_session_eval(session, kEnglishIds + 20, N_ENGLISH - 20, GEMMAKIT_LOGITS_LAST));
  CHECK_OK(gemmakit_session_logits(session, &logits, &rows, &vocab));
  CHECK(rows == 1 && vocab == VOCAB);
  for (i = 0; i < VOCAB; ++i) CHECK(fabs((double)logits[i] - (double)g_golden[(N_ENGLISH - 1) * VOCAB + i]) <= 1e-3);
  /* rows and vocab may be NULL. */
  CHECK_OK(gemmakit_session_logits(session, &logits, NULL, NULL));
  CHECK(logits != NULL);
  CHECK_ERR(gemmakit_session_eval(session, kEnglishIds, 1, 7), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_eval(session, kEnglishIds, 0, GEMMAKIT_LOGITS_LAST), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past == N_ENGLISH);

  /* Reset forgets tokens and logits. */
  CHECK_OK(gemmakit_session_reset(session));
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past == 0);
  CHECK_ERR(gemmakit_session_logits(session, &logits, &rows, &vocab), GEMMAKIT_ERR_INVALID_ARGUMENT);
  gemmakit_session_free(session);
  return 0;
}

static int make_session(gemmakit_session** out, int64_t context_length) {
  gemmakit_session_params sp;
  CHECK_OK(gemmakit_session_params_init(&sp, sizeof sp));
  sp.context_length = context_length;
  *out = NULL;
  CHECK_OK(gemmakit_session_create(g_model, &sp, out));
  CHECK(*out != NULL);
  return 0;
}

static int test_generate_greedy_streaming(void) {
  gemmakit_session* session = NULL;
  gemmakit_sampling_params greedy;
  gemmakit_generate_params gp;
  gemmakit_generation g;
  stream_sink sink;
  int32_t prompt_ids[64];
  size_t n_prompt = 0;
  int64_t n_past = -1;
  char first_text[4096];

  if (make_session(&session, 0)) return 1;
  CHECK_OK(gemmakit_tokenize(g_model, "The quick brown fox", 19, GEMMAKIT_TOKENIZE_ADD_BOS, prompt_ids, 64, &n_prompt));
  CHECK_OK(gemmakit_sampling_params_init(&greedy, sizeof greedy));
  greedy.temperature = 0.0f;
  CHECK_OK(gemmakit_generate_params_init(&gp, sizeof gp));
  gp.max_tokens = 8;
  gp.sampling = &greedy;
  gp.on_text = collect;
  gp.user_data = &sink;
  sink_init(&sink, 0);
  memset(&g, 0xAB, sizeof g);
  g.struct_size = sizeof g;
  CHECK_OK(gemmakit_session_generate(session, "The quick brown fox", &gp, &g));
  CHECK(g.struct_size == sizeof g);
  CHECK(g.text != NULL);
  CHECK(strlen(g.text) == g.text_len);
  CHECK(!sink.overflow);
  CHECK(sink.len == g.text_len);
  CHECK(strcmp(sink.text, g.text) == 0);
  CHECK(g.stop_reason == GEMMAKIT_STOP_MAX_TOKENS || g.stop_reason == GEMMAKIT_STOP_END_OF_TURN);
  CHECK(g.n_tokens >= 0 && g.n_tokens <= 8);
  if (g.stop_reason == GEMMAKIT_STOP_MAX_TOKENS) CHECK(g.n_tokens == 8);
  CHECK(g.n_tokens == 0 || g.text_len > 0);
  CHECK(g.n_prompt_tokens == (int64_t)n_prompt);
  CHECK(g.prompt_seconds >= 0 && g.decode_seconds >= 0 && g.first_token_seconds >= 0);
  CHECK(g.n_decoded >= 0 && g.n_decoded <= g.n_tokens);
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past >= (int64_t)n_prompt && n_past <= (int64_t)n_prompt + 8);
  printf("  greedy: \"%s\" (%d tokens, stop %d, n_past %ld)\n", g.text, g.n_tokens, g.stop_reason, (long)n_past);
  strcpy(first_text, g.text);

  /* The same again from a fresh start is the same text (greedy is deterministic). */
  CHECK_OK(gemmakit_session_reset(session));
  sink_init(&sink, 0);
  CHECK_OK(gemmakit_session_generate(session, "The quick brown fox", &gp, &g));
  CHECK(strcmp(g.text, first_text) == 0);
  CHECK(strcmp(sink.text, first_text) == 0);

  /* A NULL result and a NULL callback are fine. */
  CHECK_OK(gemmakit_session_reset(session));
  gp.on_text = NULL;
  CHECK_OK(gemmakit_session_generate(session, "The quick brown fox", &gp, NULL));
  /* NULL params: defaults (random seed, 256 tokens at most). */
  CHECK_OK(gemmakit_session_reset(session));
  CHECK_OK(gemmakit_session_generate(session, "The", NULL, &g));
  CHECK(g.n_tokens <= 256);

  /* max_tokens 0 evaluates the prompt and generates nothing; negative is refused. */
  CHECK_OK(gemmakit_session_reset(session));
  gp.max_tokens = 0;
  CHECK_OK(gemmakit_session_generate(session, "The quick brown fox", &gp, &g));
  CHECK(g.n_tokens == 0 && g.text_len == 0 && g.text[0] == '\0');
  CHECK(g.stop_reason == GEMMAKIT_STOP_MAX_TOKENS);
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past == (int64_t)n_prompt);
  gp.max_tokens = -1;
  CHECK_ERR(gemmakit_session_generate(session, "x", &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past == (int64_t)n_prompt);
  gemmakit_session_free(session);
  return 0;
}

static int test_generate_callback_stop(void) {
  gemmakit_session* session = NULL;
  gemmakit_sampling_params greedy;
  gemmakit_generate_params gp;
  gemmakit_generation g;
  stream_sink sink;

  if (make_session(&session, 0)) return 1;
  CHECK_OK(gemmakit_sampling_params_init(&greedy, sizeof greedy));
  greedy.temperature = 0.0f;
  CHECK_OK(gemmakit_generate_params_init(&gp, sizeof gp));
  gp.max_tokens = 8;
  gp.sampling = &greedy;
  gp.on_text = collect;
  gp.user_data = &sink;
  sink_init(&sink, 1);
  g.struct_size = sizeof g;
  CHECK_OK(gemmakit_session_generate(session, "The quick brown fox", &gp, &g));
  CHECK(sink.calls == 1);
  CHECK(g.stop_reason == GEMMAKIT_STOP_CALLBACK);
  CHECK(sink.len > 0);
  CHECK(g.n_tokens >= 1 && g.n_tokens < 8);
  CHECK(g.text_len >= sink.len);
  CHECK(strncmp(g.text, sink.text, sink.len) == 0);
  gemmakit_session_free(session);
  return 0;
}

/* Length of the UTF-8 character that starts at s. */
static size_t utf8_len(const char* s) {
  const unsigned char c = (unsigned char)s[0];
  return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* Greedy text for `prompt`, then again with a stop string made of its 2nd and 3rd characters: the
 * text ends before the stop string's first occurrence, and neither the result nor the stream
 * holds any of it. */
static int check_stop_string(gemmakit_session* session, const char* prompt) {
  gemmakit_sampling_params greedy;
  gemmakit_generate_params gp;
  gemmakit_generation g;
  stream_sink sink;
  char full[4096], stop[16], want[4096];
  const char* stops[3];
  const char* at;
  size_t begin, len;

  CHECK_OK(gemmakit_sampling_params_init(&greedy, sizeof greedy));
  greedy.temperature = 0.0f;
  CHECK_OK(gemmakit_generate_params_init(&gp, sizeof gp));
  gp.max_tokens = 8;
  gp.sampling = &greedy;
  g.struct_size = sizeof g;
  CHECK_OK(gemmakit_session_reset(session));
  CHECK_OK(gemmakit_session_generate(session, prompt, &gp, &g));
  CHECK(g.text_len < sizeof full);
  strcpy(full, g.text);
  begin = utf8_len(full);
  CHECK(begin < g.text_len);
  len = utf8_len(full + begin);
  CHECK(begin + len < g.text_len);
  len += utf8_len(full + begin + len);
  CHECK(begin + len <= g.text_len && len < sizeof stop);
  memcpy(stop, full + begin, len);
  stop[len] = '\0';
  at = strstr(full, stop);
  CHECK(at != NULL);
  memcpy(want, full, (size_t)(at - full));
  want[at - full] = '\0';

  stops[0] = "never appears: \x01";
  stops[1] = stop;
  stops[2] = ""; /* an empty stop string is ignored */
  gp.stop = stops;
  gp.n_stop = 3;
  gp.on_text = collect;
  gp.user_data = &sink;
  sink_init(&sink, 0);
  CHECK_OK(gemmakit_session_reset(session));
  CHECK_OK(gemmakit_session_generate(session, prompt, &gp, &g));
  printf("  stop string after \"%s\": \"%s\" of \"%s\" (stop %d, %d tokens)\n", prompt, g.text, full,
         g.stop_reason, g.n_tokens);
  CHECK(g.stop_reason == GEMMAKIT_STOP_STRING);
  CHECK(strcmp(g.text, want) == 0);
  CHECK(g.text_len == strlen(want));
  CHECK(!sink.overflow);
  CHECK(strcmp(sink.text, want) == 0);
  CHECK(g.n_tokens >= 1 && g.n_tokens <= 8);
  return 0;
}

static int test_generate_stop_strings(void) {
  gemmakit_session* session = NULL;
  gemmakit_generate_params gp;
  gemmakit_generation g;
  const char* stops[2] = {"a", NULL};

  if (make_session(&session, 0)) return 1;
  /* ASCII text ("lolo..."): the stop string is found while streaming. */
  if (check_stop_string(session, "Hello")) return 1;
  /* Byte pieces that never form a character are held until the end ("x" then U+FFFD...): the
   * stop string is found in what the decoder flushes. */
  if (check_stop_string(session, "The quick brown fox")) return 1;

  /* Malformed stop lists. */
  CHECK_OK(gemmakit_generate_params_init(&gp, sizeof gp));
  gp.max_tokens = 2;
  g.struct_size = sizeof g;
  gp.n_stop = 1;
  CHECK_ERR(gemmakit_session_generate(session, "x", &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  gp.stop = stops;
  gp.n_stop = 2;
  CHECK_ERR(gemmakit_session_generate(session, "x", &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  gemmakit_session_free(session);
  return 0;
}

static int generate_sampled(gemmakit_session* session, uint64_t seed, const char* prompt, char* out, size_t cap) {
  gemmakit_sampling_params sp;
  gemmakit_generate_params gp;
  gemmakit_generation g;
  CHECK_OK(gemmakit_sampling_params_init(&sp, sizeof sp));
  sp.temperature = 1.0f;
  sp.seed = seed;
  CHECK_OK(gemmakit_generate_params_init(&gp, sizeof gp));
  gp.max_tokens = 12;
  gp.sampling = &sp;
  g.struct_size = sizeof g;
  CHECK_OK(gemmakit_session_generate(session, prompt, &gp, &g));
  CHECK(g.text_len < cap);
  memcpy(out, g.text, g.text_len + 1);
  return 0;
}

static int test_generate_seeded(void) {
  gemmakit_session *a = NULL, *b = NULL;
  char t1[2048], t2[2048], t3[2048], t4[2048];
  int64_t n1 = 0, n2 = 0;
  int distinct = 0;
  uint64_t seed;

  if (make_session(&a, 0) || make_session(&b, 0)) return 1;
  if (generate_sampled(a, 1234, "Once upon a time", t1, sizeof t1)) return 1;
  CHECK_OK(gemmakit_session_n_past(a, &n1));
  CHECK(n1 > 0);
  /* Another session, same seed: the same text. */
  if (generate_sampled(b, 1234, "Once upon a time", t2, sizeof t2)) return 1;
  CHECK(strcmp(t1, t2) == 0);
  /* The same session after a reset: the same text. */
  CHECK_OK(gemmakit_session_reset(b));
  if (generate_sampled(b, 1234, "Once upon a time", t2, sizeof t2)) return 1;
  CHECK(strcmp(t1, t2) == 0);
  /* Continuing the session grows it. */
  if (generate_sampled(a, 99, " and then", t3, sizeof t3)) return 1;
  CHECK_OK(gemmakit_session_n_past(a, &n2));
  CHECK(n2 > n1);
  /* The seed matters: a few seeds do not all give one text. */
  for (seed = 1; seed <= 4; ++seed) {
    CHECK_OK(gemmakit_session_reset(b));
    if (generate_sampled(b, seed, "Once upon a time", t4, sizeof t4)) return 1;
    distinct += strcmp(t4, t1) != 0;
  }
  CHECK(distinct > 0);
  gemmakit_session_free(a);
  gemmakit_session_free(b);
  return 0;
}

static int count_chat_tokens(const gemmakit_chat_message* msgs, size_t n, size_t* n_tokens) {
  char buf[8192];
  size_t needed = 0;
  CHECK_OK(gemmakit_apply_chat_template(g_model, msgs, n, 1, buf, sizeof buf, &needed));
  CHECK_ERR(gemmakit_tokenize(g_model, buf, needed - 1, GEMMAKIT_TOKENIZE_PARSE_SPECIAL, NULL, 0, n_tokens),
            GEMMAKIT_ERR_BUFFER_TOO_SMALL);
  return 0;
}

static int test_chat(void) {
  gemmakit_session* session = NULL;
  gemmakit_sampling_params greedy;
  gemmakit_generate_params gp;
  gemmakit_generation g;
  gemmakit_chat_message msgs[4];
  stream_sink sink;
  char reply[4096];
  size_t n_turn1 = 0, n_all = 0;
  int64_t n_past = 0;

  if (make_session(&session, 0)) return 1;
  CHECK_OK(gemmakit_sampling_params_init(&greedy, sizeof greedy));
  greedy.temperature = 0.0f;
  CHECK_OK(gemmakit_generate_params_init(&gp, sizeof gp));
  gp.max_tokens = 8;
  gp.sampling = &greedy;
  gp.on_text = collect;
  gp.user_data = &sink;
  g.struct_size = sizeof g;

  msgs[0].role = "system";
  msgs[0].content = "Answer briefly.";
  msgs[1].role = "user";
  msgs[1].content = "What is the capital of France?";
  if (count_chat_tokens(msgs, 2, &n_turn1)) return 1;
  sink_init(&sink, 0);
  CHECK_OK(gemmakit_session_chat(session, msgs, 2, &gp, &g));
  CHECK(g.n_prompt_tokens == (int64_t)n_turn1);
  CHECK(strcmp(sink.text, g.text) == 0);
  CHECK(g.stop_reason == GEMMAKIT_STOP_MAX_TOKENS || g.stop_reason == GEMMAKIT_STOP_END_OF_TURN);
  CHECK(g.text_len < sizeof reply);
  strcpy(reply, g.text);
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past >= (int64_t)n_turn1);

  msgs[2].role = "model";
  msgs[2].content = reply;
  msgs[3].role = "user";
  msgs[3].content = "And of Spain?";
  if (count_chat_tokens(msgs, 4, &n_all)) return 1;
  CHECK(n_all > n_turn1);
  sink_init(&sink, 0);
  CHECK_OK(gemmakit_session_chat(session, msgs, 4, &gp, &g));
  printf("  chat: turn 1 %lu tokens, whole conversation %lu, second call evaluated %ld\n", (unsigned long)n_turn1,
         (unsigned long)n_all, (long)g.n_prompt_tokens);
  CHECK(g.n_prompt_tokens > 0);
  CHECK(g.n_prompt_tokens < (int64_t)n_all);
  CHECK(g.n_prompt_tokens <= (int64_t)(n_all - n_turn1) + 2); /* only the new turn, give or take */
  CHECK(strcmp(sink.text, g.text) == 0);

  /* A bad conversation fails and leaves the session as it was. */
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  msgs[3].role = "model";
  CHECK_ERR(gemmakit_session_chat(session, msgs, 4, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  msgs[3].role = "user";
  CHECK_ERR(gemmakit_session_chat(session, msgs, 0, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_chat(session, NULL, 2, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  {
    int64_t after = -1;
    CHECK_OK(gemmakit_session_n_past(session, &after));
    CHECK(after == n_past);
  }
  gemmakit_session_free(session);
  return 0;
}

static int test_context_full(void) {
  gemmakit_session* session = NULL;
  int32_t ids[20];
  int64_t n_past = -1;
  size_t i, rows = 0, vocab = 0;
  const float* logits = NULL;
  float saved;
  gemmakit_generate_params gp;
  gemmakit_sampling_params greedy;
  gemmakit_generation g;

  for (i = 0; i < 20; ++i) ids[i] = kEnglishIds[i];
  if (make_session(&session, 16)) return 1;
  CHECK_ERR(gemmakit_session_eval(session, ids, 20, GEMMAKIT_LOGITS_LAST), GEMMAKIT_ERR_CONTEXT_FULL);
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past == 0);
  CHECK_OK(gemmakit_session_eval(session, ids, 10, GEMMAKIT_LOGITS_LAST));
  CHECK_OK(gemmakit_session_logits(session, &logits, &rows, &vocab));
  saved = logits[3];
  CHECK_ERR(gemmakit_session_eval(session, ids + 10, 7, GEMMAKIT_LOGITS_LAST), GEMMAKIT_ERR_CONTEXT_FULL);
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past == 10);
  /* The last logits survive the failed call. */
  CHECK_OK(gemmakit_session_logits(session, &logits, &rows, &vocab));
  CHECK(rows == 1 && logits[3] == saved);
  CHECK_OK(gemmakit_session_eval(session, ids + 10, 6, GEMMAKIT_LOGITS_LAST));
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past == 16);
  CHECK_ERR(gemmakit_session_eval(session, ids, 1, GEMMAKIT_LOGITS_LAST), GEMMAKIT_ERR_CONTEXT_FULL);
  CHECK(strstr(gemmakit_last_error(), "context") != NULL);

  /* Generation that runs into the context's end stops there. */
  CHECK_OK(gemmakit_sampling_params_init(&greedy, sizeof greedy));
  greedy.temperature = 0.0f;
  CHECK_OK(gemmakit_generate_params_init(&gp, sizeof gp));
  gp.max_tokens = 100;
  gp.sampling = &greedy;
  g.struct_size = sizeof g;
  CHECK_OK(gemmakit_session_reset(session));
  CHECK_OK(gemmakit_session_generate(session, "The quick brown fox", &gp, &g));
  CHECK(g.stop_reason == GEMMAKIT_STOP_CONTEXT_FULL || g.stop_reason == GEMMAKIT_STOP_END_OF_TURN);
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past <= 16);
  /* A prompt that cannot fit fails and leaves the session as it was. */
  CHECK_OK(gemmakit_session_reset(session));
  CHECK_OK(gemmakit_session_eval(session, ids, 3, GEMMAKIT_LOGITS_LAST));
  CHECK_ERR(gemmakit_session_generate(session, kEnglishText, &gp, &g), GEMMAKIT_ERR_CONTEXT_FULL);
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past == 3);
  gemmakit_session_free(session);
  return 0;
}

static int test_invalid_ids(void) {
  gemmakit_session* session = NULL;
  int32_t bad[3] = {2, 366, -1};
  int64_t n_past = -1;
  const float* logits = NULL;
  size_t rows = 0, vocab = 0;
  float saved;

  if (make_session(&session, 0)) return 1;
  CHECK_OK(gemmakit_session_eval(session, kEnglishIds, 4, GEMMAKIT_LOGITS_ALL));
  CHECK_OK(gemmakit_session_logits(session, &logits, &rows, &vocab));
  CHECK(rows == 4);
  saved = logits[3 * VOCAB + 17];
  CHECK_ERR(gemmakit_session_eval(session, bad, 3, GEMMAKIT_LOGITS_LAST), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK(strstr(gemmakit_last_error(), "-1") != NULL);
  bad[2] = VOCAB;
  CHECK_ERR(gemmakit_session_eval(session, bad, 3, GEMMAKIT_LOGITS_LAST), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK(strstr(gemmakit_last_error(), "640") != NULL);
  bad[0] = INT32_MIN;
  CHECK_ERR(gemmakit_session_eval(session, bad, 1, GEMMAKIT_LOGITS_LAST), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_OK(gemmakit_session_n_past(session, &n_past));
  CHECK(n_past == 4);
  CHECK_OK(gemmakit_session_logits(session, &logits, &rows, &vocab));
  CHECK(rows == 4 && logits[3 * VOCAB + 17] == saved);
  gemmakit_session_free(session);
  return 0;
}

/* Every entry point refuses NULL handles and NULL out-parameters, with a message. */
static int test_null_arguments(void) {
  gemmakit_session* session = NULL;
  gemmakit_session* out_session = (gemmakit_session*)&out_session;
  gemmakit_model_info info;
  int64_t v = 0;
  size_t n = 0;
  int32_t id = 0;
  const float* logits = NULL;
  char buf[16];
  const int32_t ids[1] = {2};
  gemmakit_chat_message msg;
  msg.role = "user";
  msg.content = "Hi";
  info.struct_size = sizeof info;

  if (make_session(&session, 0)) return 1;

  CHECK_ERR(gemmakit_model_get_info(NULL, &info), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_model_get_info(g_model, NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_model_kv_cache_bytes(NULL, 8, &v), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_model_kv_cache_bytes(g_model, 8, NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_tokenize(NULL, "x", 1, 0, &id, 1, &n), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_detokenize(NULL, ids, 1, buf, sizeof buf, &n), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_apply_chat_template(NULL, &msg, 1, 1, buf, sizeof buf, &n), GEMMAKIT_ERR_INVALID_ARGUMENT);

  CHECK_ERR(gemmakit_session_create(NULL, NULL, &out_session), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK(out_session == NULL);
  CHECK_ERR(gemmakit_session_create(g_model, NULL, NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_reset(NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_n_past(NULL, &v), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_n_past(session, NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_eval(NULL, ids, 1, GEMMAKIT_LOGITS_LAST), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_eval(session, NULL, 1, GEMMAKIT_LOGITS_LAST), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_logits(NULL, &logits, &n, &n), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_OK(gemmakit_session_eval(session, ids, 1, GEMMAKIT_LOGITS_LAST));
  CHECK_ERR(gemmakit_session_logits(session, NULL, &n, &n), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_sample(NULL, NULL, 0, &id), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_sample(session, NULL, 0, NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_OK(gemmakit_session_sample(session, NULL, 0, &id)); /* NULL params: the defaults */
  CHECK(id >= 0 && id < VOCAB);
  CHECK_ERR(gemmakit_session_generate(NULL, "x", NULL, NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_generate(session, NULL, NULL, NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_chat(NULL, &msg, 1, NULL, NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_ERR(gemmakit_session_chat(session, NULL, 1, NULL, NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  {
    /* A result struct whose size was never set is refused, not overrun. */
    gemmakit_generation g;
    gemmakit_generate_params gp;
    CHECK_OK(gemmakit_generate_params_init(&gp, sizeof gp));
    gp.max_tokens = 1;
    gemmakit_chat_message turn;
    int64_t before = -1, after = -1;
    turn.role = "user";
    turn.content = "Hi";
    memset(&g, 0, sizeof g);
    CHECK_OK(gemmakit_session_n_past(session, &before));
    CHECK_ERR(gemmakit_session_generate(session, "x", &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
    CHECK_ERR(gemmakit_session_chat(session, &turn, 1, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
    /* ... before generating anything. */
    CHECK_OK(gemmakit_session_n_past(session, &after));
    CHECK(after == before);
  }
  {
    /* Params whose struct_size was never set are refused. */
    gemmakit_session_params sp;
    memset(&sp, 0, sizeof sp);
    CHECK_ERR(gemmakit_session_create(g_model, &sp, &out_session), GEMMAKIT_ERR_INVALID_ARGUMENT);
  }

  /* Every free accepts NULL. */
  gemmakit_model_free(NULL);
  gemmakit_session_free(NULL);

  /* A success clears the message of an earlier failure. */
  CHECK_ERR(gemmakit_session_reset(NULL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK(strstr(gemmakit_last_error(), "NULL") != NULL);
  CHECK_OK(gemmakit_session_n_past(session, &v));
  CHECK(strcmp(gemmakit_last_error(), "") == 0);
  gemmakit_session_free(session);
  return 0;
}

/* Bad session options. */
static int test_session_params_errors(void) {
  gemmakit_session_params sp;
  gemmakit_session* session = (gemmakit_session*)&session;
  CHECK_OK(gemmakit_session_params_init(&sp, sizeof sp));
  sp.n_threads = -1;
  CHECK_ERR(gemmakit_session_create(g_model, &sp, &session), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK(session == NULL);
  CHECK_OK(gemmakit_session_params_init(&sp, sizeof sp));
  sp.batch_size = 0;
  CHECK_ERR(gemmakit_session_create(g_model, &sp, &session), GEMMAKIT_ERR_INVALID_ARGUMENT);
  CHECK_OK(gemmakit_session_params_init(&sp, sizeof sp));
  sp.context_length = -5;
  CHECK_ERR(gemmakit_session_create(g_model, &sp, &session), GEMMAKIT_ERR_INVALID_ARGUMENT);
  /* A context beyond the model's is clamped, not refused. */
  CHECK_OK(gemmakit_session_params_init(&sp, sizeof sp));
  sp.context_length = (int64_t)1 << 40;
  sp.n_threads = 1;
  sp.batch_size = 3;
  CHECK_OK(gemmakit_session_create(g_model, &sp, &session));
  CHECK(session != NULL);
  /* A small batch on one thread gives the same logits. */
  CHECK_OK(gemmakit_session_eval(session, kEnglishIds, N_ENGLISH, GEMMAKIT_LOGITS_ALL));
  {
    const float* logits = NULL;
    size_t rows = 0, vocab = 0, i;
    CHECK_OK(gemmakit_session_logits(session, &logits, &rows, &vocab));
    CHECK(rows == N_ENGLISH && vocab == VOCAB);
    for (i = 0; i < rows * vocab; ++i) CHECK(fabs((double)logits[i] - (double)g_golden[i]) <= 1e-3);
  }
  gemmakit_session_free(session);
  return 0;
}

int main(int argc, char** argv) {
  int failures = 0;
  if (argc != 2) {
    fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
    return 2;
  }
  g_data_dir = argv[1];
  if (strlen(g_data_dir) > 4000) return 2;
  sprintf(g_model_dir, "%s/gemma3-tiny", g_data_dir);

  RUN(test_version);
  RUN(test_params_defaults);
  RUN(test_model_load_errors);
  if (gemmakit_model_load(g_model_dir, NULL, &g_model) != GEMMAKIT_OK || g_model == NULL) {
    fprintf(stderr, "cannot load %s: %s\n", g_model_dir, gemmakit_last_error());
    return 1;
  }
  RUN(test_model_info);
  RUN(test_params_older_caller);
  RUN(test_params_newer_caller);
  RUN(test_tokenize);
  RUN(test_detokenize);
  RUN(test_chat_template);
  RUN(test_eval_logits);
  RUN(test_generate_greedy_streaming);
  RUN(test_generate_callback_stop);
  RUN(test_generate_stop_strings);
  RUN(test_generate_seeded);
  RUN(test_chat);
  RUN(test_context_full);
  RUN(test_invalid_ids);
  RUN(test_null_arguments);
  RUN(test_session_params_errors);
  gemmakit_model_free(g_model);

  if (failures) {
    fprintf(stderr, "%d test(s) failed (%d checks ran)\n", failures, g_checks);
    return 1;
  }
  printf("all C API tests passed (%d checks)\n", g_checks);
  return 0;
}
