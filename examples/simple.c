/* The smallest complete program: load a model, chat, stream the reply. */
#include <stdio.h>

#include "gemmakit.h"

static int32_t print_text(const char* text, size_t len, void* user_data) {
  (void)user_data;
  fwrite(text, 1, len, stdout);
  fflush(stdout);
  return 0; /* keep going */
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODEL_DIR QUESTION\n", argv[0]);
    return 2;
  }
  gemmakit_model* model = NULL;
  gemmakit_session* session = NULL;
  if (gemmakit_model_load(argv[1], NULL, &model) != GEMMAKIT_OK ||
      gemmakit_session_create(model, NULL, &session) != GEMMAKIT_OK) {
    fprintf(stderr, "error: %s\n", gemmakit_last_error());
    gemmakit_model_free(model);
    return 1;
  }
  gemmakit_chat_message turn = {"user", argv[2]};
  gemmakit_generate_params params;
  gemmakit_generate_params_init(&params, sizeof params);
  params.max_tokens = 64;
  params.on_text = print_text;
  gemmakit_status st = gemmakit_session_chat(session, &turn, 1, &params, NULL);
  printf("\n");
  if (st != GEMMAKIT_OK) fprintf(stderr, "error: %s\n", gemmakit_last_error());
  gemmakit_session_free(session);
  gemmakit_model_free(model);
  return st == GEMMAKIT_OK ? 0 : 1;
}
