// libFuzzer target for the saved-session parser (runtime/session_state.h). Inputs come in three
// kinds, chosen by the first byte, so the fuzzer reaches past the checksum: the bytes as they are;
// a valid header (this model's identity, the right sizes and checksum) over the bytes as the
// payload; and a valid blob built from the bytes' values, then one byte of it changed. Whatever
// the input, the parser must throw a gemmakit::Error of a documented status or return a state
// that re-encodes to a blob it parses back to the same state.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gemmakit/status.h"
#include "model/kv_cache.h"
#include "runtime/model_identity.h"
#include "runtime/session_state.h"

namespace {

constexpr char kFuzzerName[] = "session_state_fuzz";
constexpr uint64_t kModelId = 0x5eed5eed5eed5eedull;
constexpr size_t kHeader = 48;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "%s: invariant broken: %s\n", kFuzzerName, what);
  std::abort();
}
#define CHECK(cond)          \
  do {                       \
    if (!(cond)) Die(#cond); \
  } while (0)

// Two sliding layers and a global one; head_dim 40 ends in a short 8-bit block.
const gemmakit::ModelConfig& Config() {
  static const gemmakit::ModelConfig c = [] {
    gemmakit::ModelConfig m;
    m.vocab_size = 50;
    m.n_heads = 2;
    m.n_kv_heads = 2;
    m.head_dim = 40;
    m.context_length = 64;
    m.layers.resize(3);
    for (int i = 0; i < 2; ++i) {
      m.layers[i].sliding = true;
      m.layers[i].window = 4;
    }
    // Each layer its own KV store (what model/architecture.cc's AssignOwnKvStores does; this
    // target links only the session-state sources).
    for (size_t l = 0; l < m.layers.size(); ++l) {
      m.layers[l].kv_store = static_cast<int32_t>(l);
      m.kv_store_owner.push_back(static_cast<int32_t>(l));
    }
    return m;
  }();
  return c;
}

void Put64(std::vector<uint8_t>& b, size_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); }

std::vector<uint8_t> WithHeader(const uint8_t* payload, size_t n) {
  std::vector<uint8_t> b(kHeader + n, 0);
  std::memcpy(b.data(), "GMKSESS", 8);
  const uint32_t version = gemmakit::kSessionStateVersion, header = kHeader;
  std::memcpy(b.data() + 8, &version, 4);
  std::memcpy(b.data() + 12, &header, 4);
  Put64(b, 16, kModelId);
  Put64(b, 24, n);
  if (n) std::memcpy(b.data() + kHeader, payload, n);
  gemmakit::Hash64 h;
  h.Add(b.data() + kHeader, n);
  Put64(b, 32, h.value());
  return b;
}

// A valid blob whose shape and contents come from the input.
std::vector<uint8_t> Built(const uint8_t* data, size_t size) {
  auto byte = [&](size_t i) -> uint8_t { return size ? data[i % size] : 0; };
  const gemmakit::ModelConfig& c = Config();
  const int64_t batch = 1 + byte(1) % 8;
  const gemmakit::DType types[] = {gemmakit::DType::kF32, gemmakit::DType::kBF16, gemmakit::DType::kF16,
                                   gemmakit::DType::kQ8_0};
  gemmakit::KvCache cache(c, c.context_length, batch, types[byte(2) % 4]);
  std::vector<int32_t> tokens(byte(3) % 65);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = byte(4 + i) % 50;
  const int64_t n = static_cast<int64_t>(tokens.size());
  cache.Reserve(n);
  std::vector<float> k(80), v(80);
  for (int64_t p = 0; p < n; ++p) {
    for (size_t l = 0; l < 3; ++l) {
      for (size_t j = 0; j < 80; ++j) k[j] = v[j] = static_cast<float>(static_cast<int8_t>(byte(p * 7 + l + j))) / 16.f;
      cache.Store(l, p, k.data(), v.data());
    }
  }
  const uint64_t rng[4] = {1, 2, 3, byte(5)};
  std::vector<float> logits(50, 0.5f);
  gemmakit::SessionStateView s;
  s.model_id = kModelId;
  s.options = {c.context_length, batch, cache.type()};
  s.tokens = &tokens;
  s.rng = rng;
  s.last_logits = (byte(6) & 1) ? logits.data() : nullptr;
  s.vocab = 50;
  s.cache = &cache;
  std::vector<uint8_t> blob(gemmakit::EncodeSessionState(s, nullptr));
  gemmakit::EncodeSessionState(s, blob.data());
  if (size > 8 && (byte(7) & 1)) blob[(byte(8) * 257u + byte(9)) % blob.size()] ^= byte(10) | 1;
  return blob;
}

void Parse(const std::vector<uint8_t>& blob) {
  const gemmakit::ModelConfig& c = Config();
  gemmakit::RestoredSession r;
  try {
    r = gemmakit::DecodeSessionState(blob.data(), blob.size(), c, kModelId, 0);
  } catch (const gemmakit::Error& e) {
    CHECK(e.status() == gemmakit::Status::kFormatError || e.status() == gemmakit::Status::kUnsupported ||
          e.status() == gemmakit::Status::kInvalidArgument);
    return;
  }
  CHECK(r.cache != nullptr);
  CHECK(static_cast<int64_t>(r.tokens.size()) <= r.options.context);
  CHECK(r.last_logits.empty() || r.last_logits.size() == 50);
  for (int32_t t : r.tokens) CHECK(t >= 0 && t < 50);
  // What parsed re-encodes to a blob that parses to the same state.
  gemmakit::SessionStateView s;
  s.model_id = kModelId;
  s.options = r.options;
  s.tokens = &r.tokens;
  s.rng = r.rng;
  s.last_logits = r.last_logits.empty() ? nullptr : r.last_logits.data();
  s.vocab = 50;
  s.cache = r.cache.get();
  std::vector<uint8_t> again(gemmakit::EncodeSessionState(s, nullptr));
  gemmakit::EncodeSessionState(s, again.data());
  const gemmakit::RestoredSession r2 = gemmakit::DecodeSessionState(again.data(), again.size(), c, kModelId, 0);
  CHECK(r2.tokens == r.tokens);
  CHECK(std::memcmp(r2.rng, r.rng, sizeof r.rng) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int kind = size ? data[0] % 3 : 0;
  if (kind == 0) {
    Parse(std::vector<uint8_t>(data, data + size));
  } else if (kind == 1) {
    Parse(WithHeader(data + 1, size - 1));
  } else {
    Parse(Built(data + 1, size - 1));
  }
  return 0;
}
