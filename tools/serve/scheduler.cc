#include "scheduler.h"

#include <algorithm>

#include "logprobs.h"
#include "prefill.h"
#include "sampling_defaults.h"

namespace gemmakit_serve {
namespace {

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

int32_t Scheduler::AbortPrefill(void* self) {
  // Polled on the scheduler thread only, by the library, between forward passes of a prompt.
  const RequestChannel* ch = static_cast<Scheduler*>(self)->prefilling_;
  return ch && ch->cancelled() ? 1 : 0;
}

static gemmakit_session_params WithAbort(gemmakit_session_params p, int32_t (*callback)(void*), void* self) {
  p.abort_callback = callback;
  p.abort_user_data = self;
  return p;
}

Scheduler::Scheduler(gemmakit_model* model, SchedulerOptions options, Metrics& metrics)
    : model_(model), options_(options), metrics_(metrics),
      pool_(model, WithAbort(options.session, &Scheduler::AbortPrefill, this), options.idle_sessions,
            options.adapters) {
  gemmakit_model_info info{};
  info.struct_size = sizeof info;
  if (gemmakit_model_get_info(model, &info) == GEMMAKIT_OK) {
    eos_id_ = info.eos_id;
    end_of_turn_id_ = info.end_of_turn_id;
    context_ = info.context_length;
  }
  if (options_.session.context_length > 0) context_ = std::min(context_, options_.session.context_length);
  thread_ = std::thread([this] { Run(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
  for (Sequence& s : running_) gemmakit_session_free(s.lease.session);
}

std::shared_ptr<RequestChannel> Scheduler::Submit(GenerationRequest request) {
  if (request.n > options_.max_batch) {
    throw BadRequest("invalid_value", "n must be at most " + std::to_string(options_.max_batch) +
                                          " (the server's --parallel)", "n");
  }
  AdaptersOf(request);  // a bad set is refused before it waits in the queue
  auto job = std::make_shared<Job>();
  job->request = std::move(request);
  job->channel = std::make_shared<RequestChannel>();
  job->submitted = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= options_.max_queue) {
      throw ApiError(503, "server_error", "server_overloaded",
                     "the server's queue is full; retry later (--max-queue " + std::to_string(options_.max_queue) + ")");
    }
    queue_.push_back(job);
    metrics_.SetQueueLength(static_cast<int64_t>(queue_.size()));
  }
  metrics_.RequestStarted();
  cv_.notify_one();
  return job->channel;
}

void Scheduler::DropFinished() {
  running_.erase(std::remove_if(running_.begin(), running_.end(), [](const Sequence& s) { return !s.job; }),
                 running_.end());
}

void Scheduler::Run() {
  for (;;) {
    std::shared_ptr<Job> next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !running_.empty() || !queue_.empty(); });
      if (stop_) return;
      const auto active = static_cast<int32_t>(running_.size());
      if (!queue_.empty() && active + queue_.front()->request.n <= options_.max_batch) {
        next = queue_.front();
        queue_.pop_front();
        metrics_.SetQueueLength(static_cast<int64_t>(queue_.size()));
      }
    }
    // One new prompt, then one step of everything running: a long prompt delays the others by
    // one evaluation, never starves them.
    try {
      if (next) Start(next);
      if (!running_.empty()) Step();
    } catch (const std::exception& e) {
      // Out of memory or a bug: fail what is running rather than the whole server.
      const ApiError err(500, "server_error", "internal_error", e.what());
      if (next) Fail(next, err);
      for (Sequence& seq : running_) {
        Fail(seq.job, err);
        seq.job = nullptr;
        seq.lease.tokens.clear();
        pool_.Release(std::move(seq.lease));
      }
      running_.clear();
    }
    UpdateGauges();
  }
}

void Scheduler::Start(const std::shared_ptr<Job>& job) {
  if (job->channel->cancelled()) return;
  bool tokens_known = true;
  Lease lease;
  try {
    if (job->request.parses_calls()) job->grammar = ForcedCallGrammar(model_, job->request);
    lease = Prefill(*job, tokens_known);
  } catch (const ApiError& e) {
    Fail(job, e);
    return;
  }
  if (!CheckConstraint(job, lease)) return;
  job->channel->Push(Event{Event::kStarted});
  const GenerationRequest& r = job->request;
  job->running = r.n;
  for (int32_t i = 0; i < r.n; ++i) {
    Sequence seq;
    seq.job = job;
    seq.choice = i;
    seq.tokens_known = tokens_known;
    if (i + 1 < r.n) {
      // Every choice but the last samples from its own copy of the evaluated prompt.
      if (gemmakit_session_fork(lease.session, &seq.lease.session) != GEMMAKIT_OK) {
        const ApiError e = FromLibraryStatus(GEMMAKIT_ERR_OUT_OF_MEMORY, gemmakit_last_error());
        for (Sequence& s : running_) {
          if (s.job != job) continue;
          pool_.Release(std::move(s.lease));
          s.job = nullptr;
        }
        pool_.Release(std::move(lease));
        DropFinished();
        Fail(job, e);
        return;
      }
      seq.lease.tokens = lease.tokens;
      seq.lease.adapters = lease.adapters;  // a fork keeps its parent's adapters
    } else {
      seq.lease = std::move(lease);
    }
    seq.sampling = Sampling(*job, i);
    std::vector<std::string> stop = r.stop;
    if (r.parses_calls()) {
      seq.calls = std::make_unique<CallExtractor>(model_);
      for (std::string& s : ToolCallStops(model_)) stop.push_back(std::move(s));
    }
    seq.text = std::make_unique<TextStream>(model_, stop);
    running_.push_back(std::move(seq));
  }
  // The first tokens come from the prompt's logits; later ones from batched steps.
  for (auto it = running_.end() - r.n; it != running_.end(); ++it) Advance(*it);
  DropFinished();
}

gemmakit_sampling_params Scheduler::Sampling(const Job& job, int32_t i) const {
  const GenerationRequest& r = job.request;
  gemmakit_sampling_params p = RequestSampling(options_.sampling, r);
  p.seed = r.seed ? *r.seed + static_cast<uint64_t>(i) : GEMMAKIT_SEED_RANDOM;
  // Views of the job's strings, which outlive its sequences.
  if (!r.json_schema.empty()) p.json_schema = r.json_schema.c_str();
  p.json_mode = r.json_mode ? 1 : 0;
  if (!job.grammar.empty()) p.grammar = job.grammar.c_str();
  p.logit_bias = r.logit_bias.empty() ? nullptr : r.logit_bias.data();
  p.n_logit_bias = r.logit_bias.size();
  return p;
}

bool Scheduler::CheckConstraint(const std::shared_ptr<Job>& job, Lease& lease) {
  if (job->request.json_schema.empty() && !job->request.json_mode && job->grammar.empty()) return true;
  // A draw compiles the constraint; the real first draw reseeds, which restarts it.
  const gemmakit_sampling_params probe = Sampling(*job, 0);
  int32_t token = 0;
  const gemmakit_status st = gemmakit_session_sample(lease.session, &probe, 1, &token);
  if (st == GEMMAKIT_OK) return true;
  ApiError e = FromLibraryStatus(st, gemmakit_last_error());
  if (e.status == 400) e.param = job->grammar.empty() ? "response_format" : "tools";
  pool_.Release(std::move(lease));
  Fail(job, e);
  return false;
}

AdapterSet Scheduler::AdaptersOf(const GenerationRequest& request) const {
  if (!request.lora) return options_.default_adapters;
  AdapterSet set;
  for (const auto& [id, scale] : *request.lora) {
    if (id < 0 || static_cast<size_t>(id) >= options_.adapters.size()) {
      throw BadRequest("invalid_value",
                       "lora id " + std::to_string(id) + " is not one of the server's " +
                           std::to_string(options_.adapters.size()) + " adapter(s) (GET /lora-adapters lists them)",
                       "lora");
    }
    for (const auto& a : set) {
      if (a.first == id) {
        throw BadRequest("invalid_value", "lora names adapter " + std::to_string(id) + " twice", "lora");
      }
    }
    if (scale != 0) set.emplace_back(id, scale);
  }
  std::sort(set.begin(), set.end());
  return set;
}

Lease Scheduler::Prefill(Job& job, bool& tokens_known) {
  const std::vector<int32_t> prompt = PromptTokens(model_, job.request);
  tokens_known = !prompt.empty();
  int64_t shared = 0;
  Lease lease = pool_.Acquire(prompt, AdaptersOf(job.request), &shared);
  metrics_.PrefixReuse(shared);
  prefilling_ = job.channel.get();
  try {
    job.usage.prompt_tokens = EvaluatePrompt(lease.session, job.request, lease.tokens, prompt);
  } catch (...) {
    prefilling_ = nullptr;
    // What the session holds is no longer known: keep it, but never match it.
    lease.tokens.clear();
    pool_.Release(std::move(lease));
    throw;
  }
  prefilling_ = nullptr;
  metrics_.PromptTokens(job.usage.prompt_tokens);
  lease.tokens = prompt;
  return lease;
}

void Scheduler::Step() {
  std::vector<gemmakit_session*> sessions;
  std::vector<int32_t> tokens;
  for (Sequence& s : running_) {
    sessions.push_back(s.lease.session);
    tokens.push_back(s.next);
  }
  const auto t0 = Clock::now();
  const gemmakit_status st = gemmakit_batch_decode(sessions.data(), sessions.size(), tokens.data());
  metrics_.DecodeStep(static_cast<int64_t>(sessions.size()), Seconds(t0, Clock::now()));
  if (st != GEMMAKIT_OK) {
    const ApiError e = FromLibraryStatus(st, gemmakit_last_error());
    for (Sequence& s : running_) {
      if (s.job) Fail(s.job, e);
      s.lease.tokens.clear();
      pool_.Release(std::move(s.lease));
    }
    running_.clear();
    return;
  }
  for (Sequence& s : running_) {
    if (s.tokens_known) s.lease.tokens.push_back(s.next);
    Advance(s);
  }
  DropFinished();
}

bool Scheduler::Advance(Sequence& seq) {
  Job& job = *seq.job;
  if (job.running == 0 || job.channel->cancelled()) {  // failed, or its client went away
    Finish(seq, job.running == 0 ? "error" : "cancelled", false);
    return false;
  }
  const bool want_logprobs = job.request.logprobs >= 0;
  std::vector<float> logits;  // a copy: the session's view ends with the next call on it
  if (want_logprobs) {
    const float* view = nullptr;
    size_t rows = 0, n_vocab = 0;
    if (gemmakit_session_logits(seq.lease.session, &view, &rows, &n_vocab) == GEMMAKIT_OK) {
      logits.assign(view, view + n_vocab);
    }
  }
  const gemmakit_status st = want_logprobs && logits.empty()
                                ? GEMMAKIT_ERR_INTERNAL
                                : gemmakit_session_sample(seq.lease.session, &seq.sampling, seq.sampled ? 0 : 1, &seq.next);
  if (st != GEMMAKIT_OK) {
    const bool constrained = seq.sampling.json_schema || seq.sampling.json_mode;
    Fail(seq.job, !seq.sampled && st == GEMMAKIT_ERR_INVALID_ARGUMENT && constrained
                      ? BadRequest("invalid_schema", gemmakit_last_error(), "response_format")
                      : FromLibraryStatus(st, gemmakit_last_error()));
    Finish(seq, "error", false);
    return false;
  }
  seq.sampled = true;
  if (!job.first_token) {
    job.first_token = true;
    metrics_.TimeToFirstToken(Seconds(job.submitted, Clock::now()));
  }
  if (seq.next == eos_id_ || seq.next == end_of_turn_id_) {
    Finish(seq, "stop", true);
    return false;
  }
  ++seq.generated;
  ++job.usage.completion_tokens;
  bool stopped = false;
  Event delta(Event::kDelta);
  delta.choice = seq.choice;
  try {
    delta.text = seq.text->Push(seq.next, stopped);
    if (seq.calls) delta.text = seq.calls->Feed(delta.text, delta.tool_calls);
  } catch (const ApiError& e) {
    Fail(seq.job, e);
    Finish(seq, "error", false);
    return false;
  }
  if (want_logprobs) {
    delta.logprobs.push_back(ComputeLogprobs(model_, logits.data(), logits.size(), seq.next, job.request.logprobs));
  }
  if (!delta.text.empty() || want_logprobs || !delta.tool_calls.empty()) job.channel->Push(std::move(delta));
  if (stopped) {
    Finish(seq, "stop", false);
    return false;
  }
  int64_t n_past = 0;
  gemmakit_session_n_past(seq.lease.session, &n_past);
  if (seq.generated >= job.request.max_tokens || n_past + 1 > context_) {
    Finish(seq, "length", true);
    return false;
  }
  return true;
}

void Scheduler::Finish(Sequence& seq, const char* reason, bool flush) {
  std::shared_ptr<Job> job = std::move(seq.job);
  if (!seq.tokens_known) seq.lease.tokens.clear();
  pool_.Release(std::move(seq.lease));
  if (!job || job->running == 0) return;  // failed or cancelled earlier
  const std::string why = reason;
  if (why == "cancelled" || why == "error") {
    job->running = 0;
    if (why == "cancelled") metrics_.Error("client_disconnected");
    return;
  }
  Event tail(Event::kDelta);
  tail.choice = seq.choice;
  if (flush) tail.text = seq.text->Flush();
  bool called = false;
  if (seq.calls) {
    try {
      tail.text = seq.calls->Finish(tail.text, tail.tool_calls);
    } catch (const ApiError& e) {
      Fail(job, e);
      return;
    }
    called = seq.calls->found_calls();
  }
  if (!tail.text.empty() || !tail.tool_calls.empty()) job->channel->Push(std::move(tail));
  Event done(Event::kChoiceDone);
  done.choice = seq.choice;
  // OpenAI's reason for a turn that ends in calls.
  done.finish_reason = called && why == "stop" ? "tool_calls" : why;
  job->channel->Push(std::move(done));
  if (--job->running == 0) {
    Event all(Event::kDone);
    all.usage = job->usage;
    job->channel->Push(std::move(all));
  }
}

void Scheduler::Fail(const std::shared_ptr<Job>& job, const ApiError& e) {
  if (!job || job->failed) return;  // one error per request, however many choices hit it
  job->failed = true;
  Event ev(Event::kError);
  ev.error = e;
  job->channel->Push(std::move(ev));
  job->running = 0;
  metrics_.Error(e.code);
}

void Scheduler::UpdateGauges() {
  int64_t kv = pool_.IdleKvBytes();
  for (const Sequence& s : running_) kv += KvBytes(s.lease.session);
  metrics_.SetKvBytes(kv);
  metrics_.SetActiveSessions(static_cast<int64_t>(running_.size()));
  metrics_.SetIdleSessions(static_cast<int64_t>(pool_.idle()));
}

}  // namespace gemmakit_serve
