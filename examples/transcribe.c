/* Speech to text with Gemma 3n through the C API: transcribe a clip, or translate it into a named
 * language.
 *
 *   transcribe MODEL_DIR AUDIO_FILE [--language English] [--to Spanish] [--max-tokens N]
 *
 * The prompt is one user turn, an instruction then the clip, worded as vLLM standardizes Gemma 3n
 * transcription and translation requests ("Transcribe this audio into English:", "Translate this
 * audio from English into Spanish:"). Gemma 3n takes free-form instructions: any wording works, and
 * English <-> Spanish, French, Italian and Portuguese are its strongest translation pairs. Clips
 * longer than 30 s are split into 30 s windows, each its own audio sequence in the prompt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemmakit.h"

static int fail(const char* what) {
  fprintf(stderr, "transcribe: %s: %s\n", what, gemmakit_last_error());
  return 1;
}

static int32_t on_text(const char* text, size_t len, void* user) {
  (void)user;
  fwrite(text, 1, len, stdout);
  fflush(stdout);
  return 0; /* keep going */
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: transcribe MODEL_DIR AUDIO_FILE [--language NAME] [--to NAME] [--max-tokens N]\n");
    return 2;
  }
  const char* language = NULL;
  const char* target = NULL;
  int max_tokens = 256;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--language") == 0) {
      language = argv[i + 1];
    } else if (strcmp(argv[i], "--to") == 0) {
      target = argv[i + 1];
    } else if (strcmp(argv[i], "--max-tokens") == 0) {
      max_tokens = atoi(argv[i + 1]);
    } else {
      fprintf(stderr, "transcribe: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  char instruction[256];
  if (target) {
    snprintf(instruction, sizeof instruction, "Translate this audio%s%s into %s:", language ? " from " : "",
             language ? language : "", target);
  } else {
    snprintf(instruction, sizeof instruction, "Transcribe this audio%s%s:", language ? " into " : "",
             language ? language : "");
  }

  gemmakit_model* model = NULL;
  gemmakit_session* session = NULL;
  gemmakit_audio* clip = NULL;
  int rc = 0;
  if (gemmakit_model_load(argv[1], NULL, &model) != GEMMAKIT_OK) return fail("cannot load the model");
  if (gemmakit_audio_load(argv[2], &clip) != GEMMAKIT_OK) {
    rc = fail("cannot read the audio");
  } else if (gemmakit_session_create(model, NULL, &session) != GEMMAKIT_OK) {
    rc = fail("cannot create a session");
  } else {
    gemmakit_content_part parts[2];
    memset(parts, 0, sizeof parts);
    parts[0].struct_size = sizeof parts[0];
    parts[0].type = GEMMAKIT_PART_TEXT;
    parts[0].text = instruction;
    parts[1].struct_size = sizeof parts[1];
    parts[1].type = GEMMAKIT_PART_AUDIO;
    parts[1].audio = clip;
    gemmakit_content_turn turn = {sizeof(gemmakit_content_turn), "user", parts, 2};
    gemmakit_sampling_params greedy;
    gemmakit_generate_params params;
    gemmakit_sampling_params_init(&greedy, sizeof greedy);
    gemmakit_generate_params_init(&params, sizeof params);
    greedy.temperature = 0.f; /* transcripts should not vary from run to run */
    params.sampling = &greedy;
    params.max_tokens = max_tokens;
    params.on_text = on_text;
    gemmakit_generation result;
    result.struct_size = sizeof result;
    fprintf(stderr, "[%s]\n", instruction);
    if (gemmakit_session_chat_content(session, &turn, 1, &params, &result) != GEMMAKIT_OK) {
      rc = fail("generation failed");
    } else {
      printf("\n");
      fprintf(stderr, "%lld prompt tokens in %.2f s, %d tokens in %.2f s\n", (long long)result.n_prompt_tokens,
              result.prompt_seconds, result.n_tokens, result.decode_seconds);
    }
  }
  gemmakit_session_free(session);
  gemmakit_audio_free(clip);
  gemmakit_model_free(model);
  return rc;
}
