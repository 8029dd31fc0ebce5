#include "model/quant_presets.h"

#include <cctype>

namespace gemmakit {
namespace {

// llama_ftype numbers (llama.h).
constexpr QuantPreset kPresets[] = {
    {"f32", DType::kF32, 0},       {"f16", DType::kF16, 1},        {"bf16", DType::kBF16, 32},
    {"q8_0", DType::kQ8_0, 7},     {"q4_0", DType::kQ4_0, 2},      {"q4_1", DType::kQ4_1, 3},
    {"q5_0", DType::kQ5_0, 8},     {"q5_1", DType::kQ5_1, 9},      {"q2_k", DType::kQ2_K, 10},
    {"q3_k_m", DType::kQ3_K, 12},  {"q4_k_m", DType::kQ4_K, 15},   {"q5_k_m", DType::kQ5_K, 17},
    {"q6_k", DType::kQ6_K, 18},    {"iq4_nl", DType::kIQ4_NL, 25}, {"iq4_xs", DType::kIQ4_XS, 30},
};

bool Is(const QuantPreset& p, const char* name) { return std::string(p.name) == name; }

// llama-quantize's use_more_bits: the first and last eighth of the layers, and every third one
// between them.
bool UseMoreBits(int layer, int n_layers) {
  return layer < n_layers / 8 || layer >= 7 * n_layers / 8 || (layer - n_layers / 8) % 3 == 2;
}

DType MixRule(const QuantPreset& p, MatrixRole role, int layer, size_t cols, const PresetModel& m) {
  const DType base = p.base;
  const int n = m.n_layers;
  switch (role) {
    case MatrixRole::kTokenEmbedding:
      if (!m.tied_embeddings) return base;
      [[fallthrough]];  // a tied embedding is quantized as the output projection
    case MatrixRole::kOutput:
      if (cols % DTypeBlockElems(base) != 0) return DType::kQ8_0;
      return base == DType::kQ8_0 ? base : DType::kQ6_K;
    case MatrixRole::kAttnV:
      if (Is(p, "q2_k")) return m.n_gqa >= 4 ? DType::kQ4_K : DType::kQ3_K;
      if (Is(p, "q3_k_m")) return layer < 2 ? DType::kQ5_K : DType::kQ4_K;
      if ((Is(p, "iq4_nl") || Is(p, "iq4_xs")) && m.n_gqa >= 4) return DType::kQ5_K;
      if ((Is(p, "q4_k_m") || Is(p, "q5_k_m")) && UseMoreBits(layer, n)) return DType::kQ6_K;
      return base;
    case MatrixRole::kFfnDown:
      if (Is(p, "q2_k")) return DType::kQ3_K;
      if (Is(p, "q3_k_m")) return layer < n / 16 ? DType::kQ5_K : DType::kQ4_K;
      if (Is(p, "q4_k_m")) return UseMoreBits(layer, n) ? DType::kQ6_K : base;
      if (layer < n / 8 && (Is(p, "iq4_nl") || Is(p, "iq4_xs"))) return DType::kQ5_K;
      if (Is(p, "q5_k_m") && UseMoreBits(layer, n)) return DType::kQ6_K;
      return base;
    case MatrixRole::kAttnOutput:
      if (Is(p, "q2_k")) return DType::kQ3_K;
      if (Is(p, "q3_k_m")) return DType::kQ4_K;
      return base;
    case MatrixRole::kAttnQ:
    case MatrixRole::kAttnK:
    case MatrixRole::kFfnGate:
    case MatrixRole::kFfnUp:
      return base;
  }
  return base;
}

DType Fallback(DType t, size_t cols) {
  if (cols % DTypeBlockElems(t) == 0) return t;
  DType f = DType::kF16;
  switch (t) {
    case DType::kIQ4_XS: f = DType::kIQ4_NL; break;
    case DType::kQ2_K:
    case DType::kQ3_K: f = DType::kQ4_0; break;
    case DType::kQ4_K: f = DType::kQ5_0; break;
    case DType::kQ5_K: f = DType::kQ5_1; break;
    case DType::kQ6_K: f = DType::kQ8_0; break;
    default: break;
  }
  return cols % DTypeBlockElems(f) == 0 ? f : DType::kF16;
}

}  // namespace

const QuantPreset* FindQuantPreset(const std::string& name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const QuantPreset& p : kPresets) {
    if (lower == p.name) return &p;
  }
  return nullptr;
}

DType PresetMatrixType(const QuantPreset& preset, MatrixRole role, int layer, size_t cols, const PresetModel& model) {
  if (!IsQuantized(preset.base)) return preset.base;
  return Fallback(MixRule(preset, role, layer, cols, model), cols);
}

}  // namespace gemmakit
