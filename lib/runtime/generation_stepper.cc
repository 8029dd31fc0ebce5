#include "gemmakit/generation_stepper.h"

#include <algorithm>
#include <cmath>

#include "gemmakit/log.h"
#include "gemmakit/status.h"
#include "runtime/stop_strings.h"

namespace gemmakit {
namespace {

// Prompt tokens in the first piece of a budgeted prompt, before any piece was timed.
constexpr size_t kFirstPromptPiece = 8;

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void CheckOptions(const GenerateOptions& o) {
  ValidateSamplingParams(o.sampling);
  if (o.max_tokens < 0) Fail(Status::kInvalidArgument, "max_tokens must be >= 0");
}

const char* StopReasonName(StopReason r) {
  switch (r) {
    case StopReason::kEndOfTurn: return "end of turn";
    case StopReason::kMaxTokens: return "max tokens";
    case StopReason::kStopString: return "stop string";
    case StopReason::kCallback: return "callback";
    case StopReason::kContextFull: return "context full";
  }
  return "?";
}

}  // namespace

GenerationStepper::GenerationStepper(Session& session, std::vector<int32_t> prompt, int64_t n_dropped_messages,
                                     const GenerateOptions& options)
    : session_(session),
      options_(options),
      prompt_(std::move(prompt)),
      decoder_(session.model().tokenizer()),
      stops_(std::make_unique<StopMatcher>(options.stop)),
      expected_n_past_(static_cast<size_t>(session.n_past())) {
  session_.SeedSampler(options_.sampling.seed);
  result_.n_dropped_messages = n_dropped_messages;
}

GenerationStepper::~GenerationStepper() {
  // Only while the session is still ours (or a step of ours failed half-way): once another call
  // has changed it, media past its tokens are that call's.
  if (!finished_ && (interrupted_ || static_cast<size_t>(session_.n_past()) == expected_n_past_)) {
    session_.DropPendingMedia();
  }
}

std::unique_ptr<GenerationStepper> GenerationStepper::BeginGenerate(Session& session, std::string_view prompt,
                                                                    const GenerateOptions& options) {
  return BeginGenerate(session, prompt, std::vector<Media>{}, options);
}

std::unique_ptr<GenerationStepper> GenerationStepper::BeginGenerate(Session& session, std::string_view prompt,
                                                                    const std::vector<RgbImage>& images,
                                                                    const GenerateOptions& options) {
  std::vector<Media> media;
  for (const RgbImage& img : images) media.push_back(Media::Image(img));
  return BeginGenerate(session, prompt, media, options);
}

std::unique_ptr<GenerationStepper> GenerationStepper::BeginGenerate(Session& session, std::string_view prompt,
                                                                    const std::vector<Media>& media,
                                                                    const GenerateOptions& options) {
  CheckOptions(options);
  session.PrepareSampling(options.sampling);  // a bad grammar fails here, before the session changes
  Session::PreparedPrompt p = session.PrepareGenerate(prompt, media);
  return std::unique_ptr<GenerationStepper>(new GenerationStepper(session, std::move(p.ids), 0, options));
}

std::unique_ptr<GenerationStepper> GenerationStepper::BeginChat(Session& session,
                                                                const std::vector<ChatMessage>& conversation,
                                                                const GenerateOptions& options) {
  CheckOptions(options);
  session.PrepareSampling(options.sampling);
  Session::PreparedPrompt p = session.PrepareChat(conversation, options);
  return std::unique_ptr<GenerationStepper>(
      new GenerationStepper(session, std::move(p.ids), p.n_dropped_messages, options));
}

GenerateResult GenerationStepper::RunToEnd() {
  while (!finished_) Step(0, 0);
  return result_;
}

StepResult GenerationStepper::Step(int32_t max_tokens, double budget_seconds) {
  StepResult step;
  if (finished_) {
    step.finished = true;
    step.stop_reason = result_.stop_reason;
    return step;
  }
  if (max_tokens < 0) Fail(Status::kInvalidArgument, "step: max_tokens must be >= 0");
  if (!(budget_seconds >= 0) || std::isinf(budget_seconds)) {
    Fail(Status::kInvalidArgument, "step: the time budget must be a finite number of seconds >= 0");
  }
  if (static_cast<size_t>(session_.n_past()) != expected_n_past_) {
    Fail(Status::kInvalidArgument, "step: the session was changed by another call since this generation began");
  }
  const auto t0 = Clock::now();
  step_start_ = t0;
  for (;;) {
    const auto unit_start = Clock::now();
    try {
      if (prompt_done_ < prompt_.size()) {
        EvaluatePromptPiece(budget_seconds > 0, budget_seconds - Seconds(t0, unit_start), step);
      } else {
        GenerateToken(step);
      }
    } catch (...) {
      interrupted_ = true;
      throw;
    }
    const auto unit_end = Clock::now();
    if (finished_) break;
    if (max_tokens > 0 && step.n_tokens >= max_tokens) break;
    if (budget_seconds > 0) {
      // The smallest next unit: one prompt token, or one generated token as long as the last.
      const double next = prompt_done_ < prompt_.size() ? seconds_per_prompt_token_ : Seconds(unit_start, unit_end);
      if (Seconds(t0, unit_end) + next > budget_seconds) break;
    }
  }
  busy_seconds_ += Seconds(t0, Clock::now());
  expected_n_past_ = static_cast<size_t>(session_.n_past());
  step.finished = finished_;
  step.stop_reason = result_.stop_reason;
  return step;
}

void GenerationStepper::EvaluatePromptPiece(bool budgeted, double seconds_left, StepResult& step) {
  const size_t remaining = prompt_.size() - prompt_done_;
  size_t n = remaining;
  if (budgeted) {
    if (seconds_per_prompt_token_ <= 0) {
      n = std::min(remaining, kFirstPromptPiece);
    } else {
      const double fits = std::floor(seconds_left / seconds_per_prompt_token_);
      n = fits < 1 ? 1 : (fits >= static_cast<double>(remaining) ? remaining : static_cast<size_t>(fits));
    }
  }
  n = session_.WholeMediaLength(n);
  const auto t = Clock::now();
  const auto first = prompt_.begin() + static_cast<std::ptrdiff_t>(prompt_done_);
  session_.Evaluate(std::vector<int32_t>(first, first + static_cast<std::ptrdiff_t>(n)), false);
  const double dt = Seconds(t, Clock::now());
  seconds_per_prompt_token_ = dt / static_cast<double>(n);
  prompt_done_ += n;
  result_.prompt_seconds += dt;
  result_.n_prompt_tokens += static_cast<int64_t>(n);
  step.n_prompt_tokens += static_cast<int64_t>(n);
}

void GenerationStepper::GenerateToken(StepResult& step) {
  if (static_cast<int32_t>(result_.tokens.size()) >= options_.max_tokens) {
    Finish(StopReason::kMaxTokens, step);
    return;
  }
  const Tokenizer& tok = session_.model().tokenizer();
  const SpecialTokens& sp = tok.special();
  const int32_t next = session_.Sample(options_.sampling);
  if (result_.tokens.empty()) result_.first_token_seconds = busy_seconds_ + Seconds(step_start_, Clock::now());
  if (next == sp.eos || next == sp.end_of_turn) {
    Finish(StopReason::kEndOfTurn, step);
    return;
  }
  result_.tokens.push_back(next);
  ++step.n_tokens;
  // Ids the tokenizer cannot spell (a model's extra rows) produce no text.
  const std::string piece = next < tok.vocab_size() ? decoder_.Push(next) : std::string();
  bool stopped_by_string = false;
  Emit(stops_->Push(piece, stopped_by_string), step);
  if (stopped_by_string) return Finish(StopReason::kStopString, step);
  if (callback_stopped_) return Finish(StopReason::kCallback, step);
  if (static_cast<int32_t>(result_.tokens.size()) == options_.max_tokens) return Finish(StopReason::kMaxTokens, step);
  if (session_.n_past() + 1 > session_.context_length()) return Finish(StopReason::kContextFull, step);
  const auto t = Clock::now();
  session_.Evaluate({next}, false);
  result_.decode_seconds += Seconds(t, Clock::now());
  ++result_.n_decoded;
}

void GenerationStepper::Finish(StopReason reason, StepResult& step) {
  finished_ = true;
  result_.stop_reason = reason;
  // The last token shown was sampled but not evaluated: evaluate it so the session holds
  // everything the caller saw, and a later call continues after it.
  const bool shown_not_evaluated =
      reason == StopReason::kMaxTokens || reason == StopReason::kCallback || reason == StopReason::kStopString;
  if (shown_not_evaluated && !result_.tokens.empty() && session_.n_past() < session_.context_length()) {
    const auto t = Clock::now();
    session_.Evaluate({result_.tokens.back()}, false);
    result_.decode_seconds += Seconds(t, Clock::now());
    ++result_.n_decoded;
  }
  if (reason != StopReason::kStopString) {
    // Text the decoder held back (bytes that never formed a character) can complete a stop string.
    bool stopped_by_string = false;
    Emit(stops_->Push(decoder_.Flush(), stopped_by_string), step);
    if (stopped_by_string) {
      result_.stop_reason = StopReason::kStopString;
    } else {
      Emit(stops_->Flush(), step);
    }
  }
  if (LogEnabled(LogLevel::kDebug)) {
    Log(LogLevel::kDebug, "generation finished (" + std::string(StopReasonName(result_.stop_reason)) + "): " +
                              std::to_string(result_.n_prompt_tokens) + " prompt tokens in " +
                              std::to_string(result_.prompt_seconds) + " s, " + std::to_string(result_.tokens.size()) +
                              " tokens generated, " + std::to_string(result_.n_decoded) + " decoded in " +
                              std::to_string(result_.decode_seconds) + " s");
  }
}

void GenerationStepper::Emit(const std::string& text, StepResult& step) {
  if (text.empty()) return;
  result_.text += text;
  step.text += text;
  if (!callback_stopped_ && options_.on_text && !options_.on_text(text)) callback_stopped_ = true;
}

}  // namespace gemmakit
