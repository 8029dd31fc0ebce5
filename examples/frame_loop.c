/* A game's frame loop that lets a model talk without ever blocking a frame: each frame gives
 * generation a small time budget (gemmakit_session_step), shows whatever text became final, and
 * goes on rendering. Library diagnostics go to the game's own log through a callback.
 *
 *   frame_loop MODEL [PROMPT] [--fps 60] [--budget-ms 4] [--max-tokens 64]
 *
 * At the end it reports how long the steps took against the budget. The first step of a long
 * prompt or one token of a big model can take longer than a tight budget (a unit of work is
 * never interrupted): give it a budget that fits one token, or a smaller batch size. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gemmakit.h"

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_seconds(double s) {
  struct timespec ts;
  if (s <= 0) return;
  ts.tv_sec = (time_t)s;
  ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
  nanosleep(&ts, NULL);
}

/* The game's logger: here, stderr with a frame-independent prefix. */
static void game_log(int32_t level, const char* message, void* user_data) {
  static const char* const names[] = {"debug", "info", "warning", "error"};
  (void)user_data;
  fprintf(stderr, "[game log] gemmakit %s: %s\n", names[level >= 0 && level <= 3 ? level : 3], message);
}

int main(int argc, char** argv) {
  const char* model_path = NULL;
  const char* prompt = "Tell the traveller about the old castle.";
  double fps = 60, budget = 0.004;
  int32_t max_tokens = 64;
  int i;
  for (i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--fps") && i + 1 < argc) fps = atof(argv[++i]);
    else if (!strcmp(argv[i], "--budget-ms") && i + 1 < argc) budget = atof(argv[++i]) / 1000.0;
    else if (!strcmp(argv[i], "--max-tokens") && i + 1 < argc) max_tokens = atoi(argv[++i]);
    else if (!model_path) model_path = argv[i];
    else prompt = argv[i];
  }
  if (!model_path || fps <= 0 || budget <= 0) {
    fprintf(stderr, "usage: %s MODEL [PROMPT] [--fps 60] [--budget-ms 4] [--max-tokens 64]\n", argv[0]);
    return 2;
  }
  gemmakit_set_log_callback(game_log, GEMMAKIT_LOG_DEBUG, NULL);

  gemmakit_model* model = NULL;
  gemmakit_session* session = NULL;
  gemmakit_session_params sp;
  gemmakit_session_params_init(&sp, sizeof sp);
  sp.n_threads = 1;   /* leave the other cores to the game */
  sp.batch_size = 16; /* small prompt pieces keep the first frames short */
  if (gemmakit_model_load(model_path, NULL, &model) || gemmakit_session_create(model, &sp, &session)) {
    fprintf(stderr, "error: %s\n", gemmakit_last_error());
    gemmakit_model_free(model);
    return 1;
  }
  gemmakit_chat_message turn = {"user", prompt};
  gemmakit_generate_params gp;
  gemmakit_generate_params_init(&gp, sizeof gp);
  gp.max_tokens = max_tokens;
  if (gemmakit_session_begin_chat(session, &turn, 1, &gp)) {
    fprintf(stderr, "error: %s\n", gemmakit_last_error());
    return 1;
  }

  const double frame = 1.0 / fps;
  double worst_step = 0, total_step = 0;
  int frames = 0, over_budget = 0, finished = 0;
  gemmakit_chunk chunk;
  memset(&chunk, 0, sizeof chunk);
  chunk.struct_size = sizeof chunk;
  printf("NPC: ");
  while (!finished) {
    const double frame_start = now_seconds();
    /* ... the game updates its world here ... */
    const double t = now_seconds();
    if (gemmakit_session_step(session, 0, budget, &chunk)) {
      fprintf(stderr, "\nerror: %s\n", gemmakit_last_error());
      return 1;
    }
    const double step = now_seconds() - t;
    fwrite(chunk.text, 1, chunk.text_len, stdout); /* the speech bubble grows */
    fflush(stdout);
    finished = chunk.finished;
    total_step += step;
    if (step > worst_step) worst_step = step;
    if (step > budget) ++over_budget;
    ++frames;
    /* ... the game renders, then waits for the next frame ... */
    sleep_seconds(frame - (now_seconds() - frame_start));
  }
  gemmakit_generation result;
  memset(&result, 0, sizeof result);
  result.struct_size = sizeof result;
  gemmakit_session_step_result(session, &result);
  printf("\n\n%d frames at %.0f fps, %d tokens (stop reason %d); step time mean %.2f ms, worst %.2f ms, "
         "budget %.2f ms, %d steps over it\n",
         frames, fps, (int)result.n_tokens, (int)result.stop_reason, 1000 * total_step / frames, 1000 * worst_step,
         1000 * budget, over_budget);
  gemmakit_set_log_callback(NULL, GEMMAKIT_LOG_DEBUG, NULL);
  gemmakit_session_free(session);
  gemmakit_model_free(model);
  return 0;
}
