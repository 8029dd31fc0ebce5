/* A C99 program that sees nothing of gemmakit but the installed header and library: loads a
 * model, generates greedily through the pull API and prints the text. The package tests build it
 * against installed trees (by hand, through CMake and through pkg-config) and compare outputs. */
#include <stdio.h>
#include <string.h>

#include "gemmakit.h"

static int32_t n_log_messages;

static void count_log(int32_t level, const char* message, void* user_data) {
  (void)level;
  (void)message;
  *(int32_t*)user_data += 1;
}

int main(int argc, char** argv) {
  gemmakit_model* model = NULL;
  gemmakit_session* session = NULL;
  gemmakit_sampling_params sampling;
  gemmakit_generate_params params;
  gemmakit_chunk chunk;
  int32_t finished = 0;
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL_DIR\n", argv[0]);
    return 2;
  }
  if (gemmakit_abi_version() != GEMMAKIT_ABI_VERSION) {
    fprintf(stderr, "header ABI %d, library ABI %d\n", GEMMAKIT_ABI_VERSION, (int)gemmakit_abi_version());
    return 1;
  }
  gemmakit_set_log_callback(count_log, GEMMAKIT_LOG_INFO, &n_log_messages);
  if (gemmakit_model_load(argv[1], NULL, &model) != GEMMAKIT_OK ||
      gemmakit_session_create(model, NULL, &session) != GEMMAKIT_OK) {
    fprintf(stderr, "error: %s\n", gemmakit_last_error());
    gemmakit_model_free(model);
    return 1;
  }
  gemmakit_sampling_params_init(&sampling, sizeof sampling);
  sampling.temperature = 0;
  gemmakit_generate_params_init(&params, sizeof params);
  params.max_tokens = 12;
  params.sampling = &sampling;
  if (gemmakit_session_begin_generate(session, "The capital of France is", &params) != GEMMAKIT_OK) {
    fprintf(stderr, "error: %s\n", gemmakit_last_error());
    return 1;
  }
  memset(&chunk, 0, sizeof chunk);
  chunk.struct_size = sizeof chunk;
  while (!finished) {
    if (gemmakit_session_step(session, 2, 0.0, &chunk) != GEMMAKIT_OK) {
      fprintf(stderr, "error: %s\n", gemmakit_last_error());
      return 1;
    }
    fwrite(chunk.text, 1, chunk.text_len, stdout);
    finished = chunk.finished;
  }
  printf("\n[gemmakit %s, %d tokens, %d log messages]\n", gemmakit_version(), (int)chunk.n_total_tokens,
         (int)n_log_messages);
  gemmakit_set_log_callback(NULL, GEMMAKIT_LOG_INFO, NULL);
  gemmakit_session_free(session);
  gemmakit_model_free(model);
  return n_log_messages > 0 ? 0 : 1;
}
