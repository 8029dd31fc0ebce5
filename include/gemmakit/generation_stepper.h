// The one generation state machine: prompt pieces, sampling, stop strings, callbacks, timings.
// Callers that cannot block drive it a little at a time (a game advances it a few tokens per frame
// under a time budget, an iterator in Rust, Go or Python pulls one piece at a time);
// Session::Generate and Session::Chat run it to the end. Either way, the same options and seed
// give the same tokens and text, with images, prefix reuse and dropped turns alike.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gemmakit/session.h"
#include "gemmakit/tokenizer.h"

namespace gemmakit {

class StopMatcher;

struct StepResult {
  std::string text;           // text that became final during this step (possibly empty)
  int32_t n_tokens = 0;       // tokens generated during this step
  int64_t n_prompt_tokens = 0;  // prompt tokens evaluated during this step
  bool finished = false;
  StopReason stop_reason = StopReason::kMaxTokens;  // meaningful once finished
};

class GenerationStepper {
 public:
  // Both evaluate nothing yet: the prompt is evaluated by the first steps, in pieces that fit
  // their budgets. The session must outlive the stepper, and must not be used by anything else
  // until the stepper finishes (Step notices and fails if it was).
  static std::unique_ptr<GenerationStepper> BeginGenerate(Session& session, std::string_view prompt,
                                                          const GenerateOptions& options);
  // With media: each "<start_of_image>" / "<start_of_audio>" in the prompt stands for the next
  // item of that kind. Media are encoded here; a prompt piece never splits an item.
  static std::unique_ptr<GenerationStepper> BeginGenerate(Session& session, std::string_view prompt,
                                                          const std::vector<Media>& media,
                                                          const GenerateOptions& options);
  static std::unique_ptr<GenerationStepper> BeginGenerate(Session& session, std::string_view prompt,
                                                          const std::vector<RgbImage>& images,
                                                          const GenerateOptions& options);
  // Reuses the tokens the session holds that match the rendered conversation (a media item only
  // when its content matches) and drops the oldest turns under ContextFullPolicy::kDropOldestTurns, as
  // Session::Chat.
  static std::unique_ptr<GenerationStepper> BeginChat(Session& session, const std::vector<ChatMessage>& conversation,
                                                      const GenerateOptions& options);
  // Unevaluated media of an unfinished generation leave the session with it.
  ~GenerationStepper();

  // Does one unit of work (a piece of the prompt, or one token), then more while fewer than
  // max_tokens tokens were generated in this step (0: no limit) and the next unit is expected to
  // end within budget_seconds of the call (0: no limit). A unit is never interrupted, so one
  // prompt piece or token can overrun a budget shorter than itself. Calling Step after the
  // generation finished returns an empty, finished result.
  StepResult Step(int32_t max_tokens, double budget_seconds);

  // Steps without limits until the generation finishes: what Session::Generate and Chat do.
  GenerateResult RunToEnd();

  bool finished() const { return finished_; }
  // Everything so far: all text, tokens and timings, as Session::Generate reports them.
  const GenerateResult& result() const { return result_; }

 private:
  using Clock = std::chrono::steady_clock;
  GenerationStepper(Session& session, std::vector<int32_t> prompt, int64_t n_dropped_messages,
                    const GenerateOptions& options);
  void EvaluatePromptPiece(bool budgeted, double seconds_left, StepResult& step);
  void GenerateToken(StepResult& step);
  void Finish(StopReason reason, StepResult& step);
  void Emit(const std::string& text, StepResult& step);

  Session& session_;
  GenerateOptions options_;
  std::vector<int32_t> prompt_;
  size_t prompt_done_ = 0;
  double seconds_per_prompt_token_ = 0;  // measured on the pieces so far; sizes the next one
  StreamDecoder decoder_;
  std::unique_ptr<StopMatcher> stops_;
  bool callback_stopped_ = false;
  bool finished_ = false;
  bool interrupted_ = false;  // a step threw half-way
  size_t expected_n_past_ = 0;  // what the session holds after our last step
  double busy_seconds_ = 0;     // time spent inside steps, for first_token_seconds
  Clock::time_point step_start_;
  GenerateResult result_;
};

}  // namespace gemmakit
