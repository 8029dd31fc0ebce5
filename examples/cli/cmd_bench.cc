// gemmakit bench: prompt processing (pp) and generation (tg) speed like llama-bench, set against
// the machine's measured memory bandwidth: decode reads every weight once per token, so
// bandwidth / bytes-per-token is the ceiling ("roofline") for generation.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "commands.h"
#include "common.h"
#include "lora_option.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: gemmakit bench --model DIR [--weights TYPE] [-p N] [-n N] [--reps N] [--threads N]\n"
    "         [--precision exact|fast] [--batch B] [--lora DIR[:SCALE]]... [--lora-merge DIR[:SCALE]]...\n"
    "  -p/--prompt-tokens N   prompt length for the pp test (default 512; 0 skips it)\n"
    "  -n/--gen-tokens N      generated tokens for the tg test (default 128; 0 skips it)\n"
    "  --weights TYPE         quantize on load: a preset (q4_k_m q8_0 ...) or type, as quantize --type\n"
    "  --precision exact|fast fast: llama.cpp's arithmetic: one 8-bit input term for q8_0/q4_0\n"
    "                         weights, bf16 products (AVX512_BF16) for bf16 weights and prompt\n"
    "                         attention; exact: float32-grade products throughout\n"
    "  --batch B              generation test with B sequences advanced together (batched\n"
    "                         decoding: one forward pass per step); prints total tokens/s\n"
    "  --lora DIR[:SCALE]     a PEFT LoRA adapter active in every session (repeatable); --lora-merge\n"
    "                         folds one into the weights at load\n"
    "  Prints tokens/s as mean ± sd over --reps runs (default 3, after an untimed warm-up), the\n"
    "  memory bandwidth measured here, the weight bytes read per generated token and the\n"
    "  fraction of the roofline reached.\n";

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Best of three passes summing a 1 GiB buffer with n threads: the read bandwidth decode can use.
double MeasureReadBandwidth(int threads) {
  const size_t n = (size_t{1} << 30) / sizeof(uint64_t);
  std::vector<uint64_t> buf(n);
  for (size_t i = 0; i < n; i += 512) buf[i] = i;  // touch every page
  std::vector<uint64_t> sums(static_cast<size_t>(threads));
  double best = 0;
  for (int pass = 0; pass < 3; ++pass) {
    const auto t0 = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        const size_t lo = n * static_cast<size_t>(t) / static_cast<size_t>(threads);
        const size_t hi = n * static_cast<size_t>(t + 1) / static_cast<size_t>(threads);
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (size_t i = lo; i + 4 <= hi; i += 4) {
          s0 += buf[i];
          s1 += buf[i + 1];
          s2 += buf[i + 2];
          s3 += buf[i + 3];
        }
        sums[static_cast<size_t>(t)] = s0 + s1 + s2 + s3;
      });
    }
    for (auto& th : pool) th.join();
    best = std::max(best, static_cast<double>(n * sizeof(uint64_t)) / Since(t0));
  }
  if (std::accumulate(sums.begin(), sums.end(), uint64_t{0}) == 1) std::puts("");  // keeps the sums alive
  return best;
}

struct Stats {
  double mean = 0, sd = 0;
};
Stats Summarize(const std::vector<double>& v) {
  Stats s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (double x : v) s.sd += (x - s.mean) * (x - s.mean);
  s.sd = v.size() > 1 ? std::sqrt(s.sd / static_cast<double>(v.size() - 1)) : 0;
  return s;
}

}  // namespace

int RunBench(int argc, char** argv) {
  // llama-bench's short flags, as long options.
  for (int i = 2; i < argc; ++i) {
    if (!std::strcmp(argv[i], "-p")) argv[i] = const_cast<char*>("--prompt-tokens");
    if (!std::strcmp(argv[i], "-n")) argv[i] = const_cast<char*>("--gen-tokens");
  }
  Args args;
  std::string error;
  long long pp = 0, tg = 0, reps = 0, threads = 0, batch = 0;
  if (!args.Parse(argc, argv, 2, {"model", "weights", "prompt-tokens", "gen-tokens", "reps", "threads", "precision", "batch", "lora", "lora-merge"}, {"help"}, error) ||
      !args.GetInt("prompt-tokens", 512, pp, error) || !args.GetInt("gen-tokens", 128, tg, error) ||
      !args.GetInt("batch", 1, batch, error) ||
      !args.GetInt("reps", 3, reps, error) || !args.GetInt("threads", 0, threads, error)) {
    return UsageError(error, kUsage);
  }
  if (args.Has("help")) return std::fputs(kUsage, stdout), 0;
  if (pp < 0 || tg < 0 || reps < 1 || threads < 0 || batch < 1 || batch > 256) {
    return UsageError("counts must be positive (--batch at most 256)", kUsage);
  }
  const int n_threads = threads > 0 ? static_cast<int>(threads) : static_cast<int>(std::thread::hardware_concurrency());

  gemmakit_model_params mp;
  gemmakit_model_params_init(&mp, sizeof mp);
  mp.n_threads = n_threads;
  if (int rc = ReadPrecision(args, mp)) return rc;
  const LoraMergeOptions merge(args);
  merge.Apply(mp);
  if (args.Has("weights")) {
    const std::string w = args.Get("weights");
    if (!ParseWeightType(w, &mp.weight_type)) return UsageError("unknown --weights " + w, kUsage);
  }
  std::string path = args.Get("model");
  if (path.empty() && std::getenv("GEMMAKIT_MODEL")) path = std::getenv("GEMMAKIT_MODEL");
  if (path.empty()) return UsageError("no model: pass --model DIR or set GEMMAKIT_MODEL", kUsage);

  const auto t_load = Clock::now();
  gemmakit_model* model = nullptr;
  if (gemmakit_model_load(path.c_str(), &mp, &model) != GEMMAKIT_OK) return LibraryError("cannot load model");
  const double load_s = Since(t_load);
  gemmakit_model_info info;
  info.struct_size = sizeof info;
  gemmakit_model_get_info(model, &info);

  gemmakit_session_params sp;
  gemmakit_session_params_init(&sp, sizeof sp);
  sp.n_threads = n_threads;
  // The session's default prompt batch (256), as an app would run it: larger batches buy little
  // speed and cost activation memory and sliding-window ring slots.
  sp.context_length = pp + tg + 1;
  // Session 0 runs the prompt test; all `batch` sessions advance together in the generation test.
  std::vector<gemmakit_session*> sessions(static_cast<size_t>(batch), nullptr);
  for (gemmakit_session*& s : sessions) {
    if (gemmakit_session_create(model, &sp, &s) != GEMMAKIT_OK) {
      const int rc = LibraryError("cannot create session");
      for (gemmakit_session* x : sessions) gemmakit_session_free(x);
      gemmakit_model_free(model);
      return rc;
    }
  }
  for (gemmakit_session* s : sessions) {
    if (int lrc = ApplyLoraOptions(args, model, s)) {
      for (gemmakit_session* x : sessions) gemmakit_session_free(x);
      gemmakit_model_free(model);
      return lrc;
    }
  }
  gemmakit_session* session = sessions[0];
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int32_t> any_id(0, static_cast<int32_t>(std::min<int64_t>(info.vocab_size, 256000) - 1));
  std::vector<double> pp_rates, tg_rates;
  int rc = 0;
  {
    // Untimed warm-up, as llama-bench does: the first pass over the weights pays their page faults
    // and the first prompt the growth of its scratch buffers, which no later run repeats.
    std::vector<int32_t> warm(static_cast<size_t>(std::min<long long>(std::max<long long>(pp, 1), 64)));
    for (auto& id : warm) id = any_id(rng);
    if (gemmakit_session_eval(session, warm.data(), warm.size(), GEMMAKIT_LOGITS_LAST) != GEMMAKIT_OK) {
      rc = LibraryError("warm-up evaluation failed");
    }
  }
  for (long long r = 0; r < reps && rc == 0; ++r) {
    std::vector<int32_t> prompt(static_cast<size_t>(std::max<long long>(pp, 1)));
    for (auto& id : prompt) id = any_id(rng);
    gemmakit_session_reset(session);
    if (pp > 0) {
      const auto t = Clock::now();
      if (gemmakit_session_eval(session, prompt.data(), prompt.size(), GEMMAKIT_LOGITS_LAST) != GEMMAKIT_OK) {
        rc = LibraryError("prompt evaluation failed");
        break;
      }
      pp_rates.push_back(static_cast<double>(pp) / Since(t));
    }
    if (tg > 0) {
      std::vector<int32_t> ids(sessions.size(), prompt[0]);
      for (gemmakit_session* s : sessions) {
        gemmakit_session_reset(s);
        if (gemmakit_session_eval(s, &ids[0], 1, GEMMAKIT_LOGITS_LAST) != GEMMAKIT_OK) rc = LibraryError("evaluation failed");
      }
      if (rc != 0) break;
      const auto t = Clock::now();
      for (long long i = 0; i < tg && rc == 0; ++i) {
        for (int32_t& id : ids) id = any_id(rng);
        const gemmakit_status st = batch == 1 ? gemmakit_session_eval(session, &ids[0], 1, GEMMAKIT_LOGITS_LAST)
                                              : gemmakit_batch_decode(sessions.data(), sessions.size(), ids.data());
        if (st != GEMMAKIT_OK) rc = LibraryError("evaluation failed");
      }
      tg_rates.push_back(static_cast<double>(tg * batch) / Since(t));  // tokens of all sequences
    }
  }
  if (rc == 0) {
    // Peak RSS of loading and running the model, read before the bandwidth probe allocates 1 GiB.
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const double bw = MeasureReadBandwidth(n_threads);
    const double gb = static_cast<double>(info.weight_bytes) / 1e9;
    std::printf("model: %s (%s, %lld layers, %.2f B params) weights %s, %d threads, load %.2f s, peak RSS %.0f MiB\n",
                path.c_str(), info.architecture, static_cast<long long>(info.n_layers),
                static_cast<double>(info.n_params) / 1e9, info.weight_type, n_threads, load_s,
                static_cast<double>(ru.ru_maxrss) / 1024.0);
    std::printf("memory read bandwidth: %.1f GB/s; weights read per generated token: %.3f GB; roofline %.1f tokens/s\n",
                bw / 1e9, gb, bw / 1e9 / gb);
    std::printf("kernels: %s\n", gemmakit_kernels_used());
    std::printf("| test   |        t/s        | roofline fraction |\n|--------|-------------------|-------------------|\n");
    if (!pp_rates.empty()) {
      const Stats s = Summarize(pp_rates);
      std::printf("| pp%-4lld | %8.2f ± %6.2f |                   |\n", pp, s.mean, s.sd);
    }
    if (!tg_rates.empty()) {
      const Stats s = Summarize(tg_rates);
      // A batched step reads the weights once for all its sequences.
      const double steps_per_s = s.mean / static_cast<double>(batch);
      if (batch == 1) {
        std::printf("| tg%-4lld | %8.2f ± %6.2f |       %5.2f       |\n", tg, s.mean, s.sd, steps_per_s * gb / (bw / 1e9));
      } else {
        std::printf("| tg%lld ×%lld | %8.2f ± %6.2f |       %5.2f       | (total tokens/s of %lld sequences)\n", tg,
                    batch, s.mean, s.sd, steps_per_s * gb / (bw / 1e9), batch);
      }
    }
  }
  for (gemmakit_session* s : sessions) gemmakit_session_free(s);
  gemmakit_model_free(model);
  return rc;
}

}  // namespace cli
