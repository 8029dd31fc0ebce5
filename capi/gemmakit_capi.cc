// The C ABI over the C++ API: handle bookkeeping, struct versioning and error translation only.
#include "gemmakit.h"

#include <cstring>
#include <new>
#include <string>

#include "gemmakit/chat.h"
#include "gemmakit/model.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "kernels/cpu_features.h"
#include "kernels/matmul.h"
#include "runtime/gguf_export.h"
#include "capi_internal.h"
#include "capi_long_context.h"
#include "struct_io.h"

using gemmakit::Error;
using gemmakit::Fail;
using gemmakit::Status;
namespace capi = gemmakit::capi;

using capi::Guard;
using capi::Need;
using capi::g_last_error;
using capi::CheckResult;
using capi::CopyOut;
using capi::Report;
using capi::ToGenerateOptions;
using capi::ToMessages;

void capi::CopyOut(const std::string& text, char* buf, size_t capacity, size_t* needed) {
  if (needed) *needed = text.size() + 1;
  if (buf == nullptr && capacity != 0) Fail(Status::kInvalidArgument, "buffer is NULL but capacity is not 0");
  if (capacity < text.size() + 1) {
    if (capacity > 0) buf[0] = '\0';
    Fail(Status::kBufferTooSmall, "buffer of " + std::to_string(capacity) + " bytes, " +
                                      std::to_string(text.size() + 1) + " needed");
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
}

namespace {

void CopyName(const std::string& s, char* dst, size_t cap) {
  const size_t n = s.size() < cap - 1 ? s.size() : cap - 1;
  std::memcpy(dst, s.data(), n);
  dst[n] = '\0';
}

}  // namespace

std::vector<gemmakit::ChatMessage> capi::ToMessages(const gemmakit_chat_message* messages, size_t n) {
  if (n > 0 && messages == nullptr) Fail(Status::kInvalidArgument, "messages is NULL");
  std::vector<gemmakit::ChatMessage> out(n);
  for (size_t i = 0; i < n; ++i) {
    if (!messages[i].role || !messages[i].content) {
      Fail(Status::kInvalidArgument, "message " + std::to_string(i) + " has a NULL role or content");
    }
    out[i] = {messages[i].role, messages[i].content};
  }
  return out;
}

namespace {

// d's values, with a random seed (C callers ask for a fixed one).
gemmakit_sampling_params ToCSampling(const gemmakit::SamplingParams& d) {
  gemmakit_sampling_params p{};
  p.struct_size = sizeof p;
  p.temperature = d.temperature;
  p.top_k = d.top_k;
  p.top_p = d.top_p;
  p.min_p = d.min_p;
  p.repeat_penalty = d.repeat_penalty;
  p.repeat_last_n = d.repeat_last_n;
  p.seed = GEMMAKIT_SEED_RANDOM;
  return p;
}

gemmakit_sampling_params DefaultSampling() { return ToCSampling(gemmakit::SamplingParams{}); }

gemmakit_sampling_params ModelSampling(const gemmakit::Model& model) {
  return ToCSampling(model.info().recommended_sampling);
}

// A caller's params, or the model's recommendation when there are none.
gemmakit::SamplingParams ToSampling(const gemmakit_sampling_params* caller, const gemmakit::Model& model) {
  const gemmakit_sampling_params p =
      capi::ReadParams(caller, caller ? DefaultSampling() : ModelSampling(model), "sampling params");
  gemmakit::SamplingParams s;
  s.temperature = p.temperature;
  s.top_k = p.top_k;
  s.top_p = p.top_p;
  s.min_p = p.min_p;
  s.repeat_penalty = p.repeat_penalty;
  s.repeat_last_n = p.repeat_last_n;
  s.seed = p.seed;
  if (p.n_logit_bias > 0 && p.logit_bias == nullptr) Fail(Status::kInvalidArgument, "logit_bias is NULL but n_logit_bias is not 0");
  for (size_t i = 0; i < p.n_logit_bias; ++i) s.logit_bias.push_back({p.logit_bias[i].token, p.logit_bias[i].bias});
  if (p.grammar) s.grammar = p.grammar;
  if (p.grammar_root) s.grammar_root = p.grammar_root;
  if (p.json_schema) s.json_schema = p.json_schema;
  s.json_mode = p.json_mode != 0;
  return s;
}

gemmakit_generate_params DefaultGenerate() {
  gemmakit_generate_params p{};
  p.struct_size = sizeof p;
  p.max_tokens = 256;
  return p;
}

}  // namespace

gemmakit::GenerateOptions capi::ToGenerateOptions(const gemmakit_generate_params* caller,
                                                  const gemmakit::Model& model) {
  const gemmakit_generate_params p = capi::ReadParams(caller, DefaultGenerate(), "generate params");
  gemmakit::GenerateOptions o;
  o.max_tokens = p.max_tokens;
  o.sampling = ToSampling(p.sampling, model);
  if (p.n_stop > 0 && p.stop == nullptr) Fail(Status::kInvalidArgument, "stop is NULL but n_stop is not 0");
  for (size_t i = 0; i < p.n_stop; ++i) {
    if (!p.stop[i]) Fail(Status::kInvalidArgument, "stop string " + std::to_string(i) + " is NULL");
    o.stop.emplace_back(p.stop[i]);
  }
  if (p.on_text) {
    gemmakit_text_callback cb = p.on_text;
    void* user = p.user_data;
    o.on_text = [cb, user](std::string_view text) { return cb(text.data(), text.size(), user) == 0; };
  }
  return o;
}

// Checked before generating, so a bad result struct fails the call without touching the session.
void capi::CheckResult(const gemmakit_generation* result) {
  if (result && result->struct_size < sizeof(uint32_t)) {
    Fail(Status::kInvalidArgument, "generation result: struct_size is not set");
  }
}

void capi::Report(gemmakit_session& s, const gemmakit::GenerateResult& r, gemmakit_generation* result) {
  s.last_text = r.text;
  if (!result) return;
  gemmakit_generation g{};
  g.text = s.last_text.c_str();
  g.text_len = s.last_text.size();
  g.stop_reason = static_cast<int32_t>(r.stop_reason);
  g.n_tokens = static_cast<int32_t>(r.tokens.size());
  g.n_prompt_tokens = r.n_prompt_tokens;
  g.prompt_seconds = r.prompt_seconds;
  g.first_token_seconds = r.first_token_seconds;
  g.decode_seconds = r.decode_seconds;
  g.n_decoded = r.n_decoded;
  g.n_dropped_messages = r.n_dropped_messages;
  capi::WriteResult(result, g, "generation result");
}

extern "C" {

const char* gemmakit_version(void) { return GEMMAKIT_VERSION_STRING; }
int32_t gemmakit_abi_version(void) { return GEMMAKIT_ABI_VERSION; }
const char* gemmakit_last_error(void) { return g_last_error.c_str(); }
const char* gemmakit_kernels_used(void) {
  static const char* const kIsaNames[] = {"scalar", "avx2", "avx512", "neon"};
  thread_local std::string text;
  text = std::string("isa ") + kIsaNames[static_cast<int>(gemmakit::BestIsa())];
  if (gemmakit::BestIsa() == gemmakit::Isa::kAvx512 && gemmakit::CpuHasAvx512Bf16()) text += "+bf16";
  if (gemmakit::CpuHasAvxVnni()) text += "+avxvnni";
  const std::string used = gemmakit::MatMulKernelsUsed();
  if (!used.empty()) text += "; " + used;
  return text.c_str();
}
const char* gemmakit_status_string(gemmakit_status status) {
  if (status > 0 || status < GEMMAKIT_ERR_INTERNAL) return "unknown status";
  return gemmakit::StatusName(static_cast<Status>(status));
}

namespace {
gemmakit_model_params DefaultModelParams() {
  gemmakit_model_params p{};
  p.struct_size = sizeof p;
  p.weight_type = GEMMAKIT_WEIGHTS_AS_STORED;
  return p;
}

// By GEMMAKIT_WEIGHTS_* value: LoadOptions::weight_type's names ("" keeps the stored types).
constexpr const char* kTypeNames[] = {"",     "f32",    "f16",    "bf16", "q8_0",   "q4_0",   "q4_k",
                                      "q5_k", "q6_k",   "q4_1",   "q5_0", "q5_1",   "iq4_nl", "iq4_xs",
                                      "q2_k", "q3_k_m", "q4_k_m", "q5_k_m"};

}  // namespace

gemmakit_status gemmakit_weight_type_from_name(const char* name, int32_t* weight_type) {
  return Guard([&] {
    int32_t& out = Need(weight_type, "weight_type");
    if (name == nullptr) Fail(Status::kInvalidArgument, "weight type name is NULL");
    const std::string n = name;
    if (n == "as_stored") {
      out = GEMMAKIT_WEIGHTS_AS_STORED;
      return;
    }
    std::string known = "as_stored";
    for (int32_t i = 1; i < static_cast<int32_t>(sizeof kTypeNames / sizeof *kTypeNames); ++i) {
      if (n == kTypeNames[i]) {
        out = i;
        return;
      }
      known += std::string(", ") + kTypeNames[i];
    }
    Fail(Status::kInvalidArgument, "unknown weight type '" + n + "' (known: " + known + ")");
  });
}

gemmakit_status gemmakit_model_params_init(gemmakit_model_params* params, size_t struct_size) {
  return Guard([&] { capi::InitParams(params, struct_size, DefaultModelParams(), "model params"); });
}

gemmakit_status gemmakit_model_load(const char* path, const gemmakit_model_params* params, gemmakit_model** out) {
  return Guard([&] {
    gemmakit_model*& result = Need(out, "out");
    result = nullptr;
    const gemmakit_model_params p = capi::ReadParams(params, DefaultModelParams(), "model params");
    if (p.weight_type < 0 || p.weight_type >= static_cast<int32_t>(sizeof kTypeNames / sizeof *kTypeNames)) {
      Fail(Status::kInvalidArgument, "model params: unknown weight_type " + std::to_string(p.weight_type));
    }
    if (path == nullptr) Fail(Status::kInvalidArgument, "path is NULL");
    gemmakit::LoadOptions o;
    o.weight_type = kTypeNames[p.weight_type];
    o.n_threads = p.n_threads;
    if (p.mmproj_path) o.mmproj_path = p.mmproj_path;
    if (p.slice_path) o.slice_path = p.slice_path;
    if (p.precision != GEMMAKIT_PRECISION_EXACT && p.precision != GEMMAKIT_PRECISION_FAST) {
      Fail(Status::kInvalidArgument, "model params: unknown precision " + std::to_string(p.precision));
    }
    o.precision = static_cast<gemmakit::Precision>(p.precision);
    o.merge_adapters = capi::ToMergedAdapters(p);
    auto model = gemmakit::Model::Load(path, o);
    result = new gemmakit_model{std::move(model)};
  });
}

void gemmakit_model_free(gemmakit_model* model) { delete model; }

gemmakit_status gemmakit_model_get_info(const gemmakit_model* model, gemmakit_model_info* info) {
  return Guard([&] {
    const gemmakit::Model& m = *Need(model, "model").model;
    Need(info, "info");
    const gemmakit::ModelInfo& mi = m.info();
    gemmakit_model_info o{};
    CopyName(mi.architecture, o.architecture, sizeof o.architecture);
    CopyName(mi.weight_type, o.weight_type, sizeof o.weight_type);
    o.vocab_size = mi.vocab_size;
    o.context_length = mi.context_length;
    o.n_layers = mi.n_layers;
    o.n_sliding_layers = mi.n_sliding_layers;
    o.sliding_window = mi.sliding_window;
    o.hidden_size = mi.hidden_size;
    o.intermediate_size = mi.intermediate_size;
    o.n_heads = mi.n_heads;
    o.n_kv_heads = mi.n_kv_heads;
    o.head_dim = mi.head_dim;
    o.n_params = mi.n_params;
    o.weight_bytes = mi.weight_bytes;
    o.lookup_bytes = mi.lookup_bytes;
    o.recommended_sampling = static_cast<int32_t>(mi.recommended_sampling_fields);
    CopyName(mi.format, o.format, sizeof o.format);
    CopyName(mi.tokenizer_source, o.tokenizer_source, sizeof o.tokenizer_source);
    CopyName(mi.chat_template, o.chat_template, sizeof o.chat_template);
    o.bos_id = o.eos_id = o.start_of_turn_id = o.end_of_turn_id = -1;
    if (m.has_tokenizer()) {
      const gemmakit::SpecialTokens& s = m.tokenizer().special();
      o.bos_id = s.bos;
      o.eos_id = s.eos;
      o.start_of_turn_id = s.start_of_turn;
      o.end_of_turn_id = s.end_of_turn;
    }
    capi::WriteResult(info, o, "model info");
  });
}

gemmakit_status gemmakit_model_resolved_config(const gemmakit_model* model, char* buf, size_t capacity, size_t* needed) {
  return Guard([&] {
    std::string text;
    for (const auto& f : Need(model, "model").model->info().resolved_config) {
      text += f.name + " " + f.value + (f.from_default ? " (default)\n" : "\n");
    }
    CopyOut(text, buf, capacity, needed);
  });
}

gemmakit_status gemmakit_model_save_gguf(const gemmakit_model* model, const char* path) {
  return Guard([&] {
    const gemmakit::Model& m = *Need(model, "model").model;
    if (path == nullptr) Fail(Status::kInvalidArgument, "path is NULL");
    gemmakit::SaveGguf(m, path);
  });
}

gemmakit_status gemmakit_model_kv_cache_bytes(const gemmakit_model* model, int64_t n_positions, int64_t* bytes) {
  return Guard([&] {
    const gemmakit::Model& m = *Need(model, "model").model;
    if (n_positions < 0) Fail(Status::kInvalidArgument, "n_positions must be >= 0");
    Need(bytes, "bytes") = gemmakit::KvCacheBytes(m, n_positions);  // a session with default params
  });
}

gemmakit_status gemmakit_tokenize(const gemmakit_model* model, const char* text, size_t text_len, int32_t flags,
                                  int32_t* ids, size_t capacity, size_t* n_ids) {
  return Guard([&] {
    const gemmakit::Tokenizer& tok = Need(model, "model").model->tokenizer();
    if (text == nullptr && text_len > 0) Fail(Status::kInvalidArgument, "text is NULL");
    if (flags & ~(GEMMAKIT_TOKENIZE_ADD_BOS | GEMMAKIT_TOKENIZE_PARSE_SPECIAL)) Fail(Status::kInvalidArgument, "unknown tokenize flags");
    if (ids == nullptr && capacity > 0) Fail(Status::kInvalidArgument, "ids is NULL but capacity is not 0");
    std::vector<int32_t> out;
    if ((flags & GEMMAKIT_TOKENIZE_ADD_BOS) && tok.special().bos >= 0) out.push_back(tok.special().bos);
    const auto enc = tok.Encode(std::string_view(text ? text : "", text_len), (flags & GEMMAKIT_TOKENIZE_PARSE_SPECIAL) != 0);
    out.insert(out.end(), enc.begin(), enc.end());
    if (n_ids) *n_ids = out.size();
    if (out.size() > capacity) Fail(Status::kBufferTooSmall, "ids buffer holds " + std::to_string(capacity) + ", " + std::to_string(out.size()) + " needed");
    std::copy(out.begin(), out.end(), ids);
  });
}

gemmakit_status gemmakit_detokenize(const gemmakit_model* model, const int32_t* ids, size_t n_ids, char* buf,
                                    size_t capacity, size_t* needed) {
  return Guard([&] {
    const gemmakit::Tokenizer& tok = Need(model, "model").model->tokenizer();
    if (ids == nullptr && n_ids > 0) Fail(Status::kInvalidArgument, "ids is NULL");
    CopyOut(tok.Decode(ids, n_ids), buf, capacity, needed);
  });
}

gemmakit_status gemmakit_apply_chat_template(const gemmakit_model* model, const gemmakit_chat_message* messages,
                                             size_t n_messages, int32_t add_generation_prompt, char* buf,
                                             size_t capacity, size_t* needed) {
  return Guard([&] {
    CopyOut(Need(model, "model").model->ApplyChatTemplate(ToMessages(messages, n_messages), add_generation_prompt != 0),
            buf, capacity, needed);
  });
}

namespace {
gemmakit_session_params DefaultSession() {
  gemmakit::SessionOptions d;
  gemmakit_session_params p{};
  p.struct_size = sizeof p;
  p.n_threads = d.n_threads;
  p.context_length = d.context_length;
  p.batch_size = d.batch_size;
  return p;
}
}  // namespace

gemmakit_status gemmakit_session_params_init(gemmakit_session_params* params, size_t struct_size) {
  return Guard([&] { capi::InitParams(params, struct_size, DefaultSession(), "session params"); });
}

gemmakit_status gemmakit_session_create(const gemmakit_model* model, const gemmakit_session_params* params,
                                        gemmakit_session** out) {
  return Guard([&] {
    gemmakit_session*& result = Need(out, "out");
    result = nullptr;
    const gemmakit_session_params p = capi::ReadParams(params, DefaultSession(), "session params");
    gemmakit::SessionOptions o;
    o.n_threads = p.n_threads;
    o.context_length = p.context_length;
    o.batch_size = p.batch_size;
    capi::ApplyLongContextParams(p, o);
    auto session = std::make_unique<gemmakit::Session>(Need(model, "model").model, o);
    result = new gemmakit_session{std::move(session), {}, nullptr, nullptr};
  });
}

void gemmakit_session_free(gemmakit_session* session) { delete session; }

gemmakit_status gemmakit_session_reset(gemmakit_session* session) {
  return Guard([&] { Need(session, "session").session->Reset(); });
}

gemmakit_status gemmakit_session_n_past(const gemmakit_session* session, int64_t* n_past) {
  return Guard([&] { Need(n_past, "n_past") = Need(session, "session").session->n_past(); });
}

gemmakit_status gemmakit_session_eval(gemmakit_session* session, const int32_t* ids, size_t n_ids, int32_t logits_mode) {
  return Guard([&] {
    gemmakit::Session& s = *Need(session, "session").session;
    if (ids == nullptr) Fail(Status::kInvalidArgument, "ids is NULL");
    if (logits_mode != GEMMAKIT_LOGITS_LAST && logits_mode != GEMMAKIT_LOGITS_ALL) Fail(Status::kInvalidArgument, "unknown logits_mode");
    s.Evaluate(std::vector<int32_t>(ids, ids + n_ids), logits_mode == GEMMAKIT_LOGITS_ALL);
  });
}

gemmakit_status gemmakit_session_logits(const gemmakit_session* session, const float** logits, size_t* n_rows,
                                        size_t* n_vocab) {
  return Guard([&] {
    const gemmakit::Session& s = *Need(session, "session").session;
    const float*& out = Need(logits, "logits");
    out = nullptr;
    if (n_rows) *n_rows = s.logits_rows();
    if (n_vocab) *n_vocab = static_cast<size_t>(s.model().info().vocab_size);
    if (s.logits_rows() == 0) Fail(Status::kInvalidArgument, "no logits: evaluate tokens first");
    out = s.logits(0);
  });
}

gemmakit_status gemmakit_sampling_params_init(gemmakit_sampling_params* params, size_t struct_size) {
  return Guard([&] { capi::InitParams(params, struct_size, DefaultSampling(), "sampling params"); });
}

gemmakit_status gemmakit_sampling_params_from_model(const gemmakit_model* model, gemmakit_sampling_params* params,
                                                    size_t struct_size) {
  return Guard([&] {
    const gemmakit::Model& m = *Need(model, "model").model;
    capi::InitParams(params, struct_size, ModelSampling(m), "sampling params");
  });
}

gemmakit_status gemmakit_session_sample(gemmakit_session* session, const gemmakit_sampling_params* params,
                                        int32_t reseed, int32_t* token) {
  return Guard([&] {
    gemmakit::Session& s = *Need(session, "session").session;
    int32_t& out = Need(token, "token");
    const gemmakit::SamplingParams p = ToSampling(params, s.model());
    if (reseed) s.SeedSampler(p.seed);
    out = s.Sample(p);
  });
}

gemmakit_status gemmakit_generate_params_init(gemmakit_generate_params* params, size_t struct_size) {
  return Guard([&] { capi::InitParams(params, struct_size, DefaultGenerate(), "generate params"); });
}

gemmakit_status gemmakit_session_generate(gemmakit_session* session, const char* prompt,
                                          const gemmakit_generate_params* params, gemmakit_generation* result) {
  return Guard([&] {
    gemmakit_session& s = Need(session, "session");
    const gemmakit::GenerateOptions o = ToGenerateOptions(params, s.session->model());
    if (prompt == nullptr) Fail(Status::kInvalidArgument, "prompt is NULL");
    CheckResult(result);
    Report(s, s.session->Generate(prompt, o), result);
  });
}

gemmakit_status gemmakit_session_chat(gemmakit_session* session, const gemmakit_chat_message* messages,
                                      size_t n_messages, const gemmakit_generate_params* params,
                                      gemmakit_generation* result) {
  return Guard([&] {
    gemmakit_session& s = Need(session, "session");
    const gemmakit::GenerateOptions o = ToGenerateOptions(params, s.session->model());
    CheckResult(result);
    Report(s, s.session->Chat(ToMessages(messages, n_messages), o), result);
  });
}

}  // extern "C"
