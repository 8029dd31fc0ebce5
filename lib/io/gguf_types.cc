#include "io/gguf_types.h"

namespace gemmakit {
namespace {

struct TypePair {
  DType dtype;
  GgmlType ggml;
};

constexpr TypePair kTypes[] = {
    {DType::kF32, GgmlType::kF32},       {DType::kF16, GgmlType::kF16},       {DType::kBF16, GgmlType::kBF16},
    {DType::kQ8_0, GgmlType::kQ8_0},     {DType::kQ4_0, GgmlType::kQ4_0},     {DType::kQ4_1, GgmlType::kQ4_1},
    {DType::kQ5_0, GgmlType::kQ5_0},     {DType::kQ5_1, GgmlType::kQ5_1},     {DType::kIQ4_NL, GgmlType::kIQ4_NL},
    {DType::kQ2_K, GgmlType::kQ2_K},     {DType::kQ3_K, GgmlType::kQ3_K},     {DType::kQ4_K, GgmlType::kQ4_K},
    {DType::kQ5_K, GgmlType::kQ5_K},     {DType::kQ6_K, GgmlType::kQ6_K},     {DType::kIQ4_XS, GgmlType::kIQ4_XS},
};
static_assert(sizeof(kTypes) / sizeof(kTypes[0]) == kNumDTypes, "every DType has a ggml type");

}  // namespace

bool GgmlToDType(GgmlType t, DType* out) {
  for (const TypePair& p : kTypes) {
    if (p.ggml == t) {
      *out = p.dtype;
      return true;
    }
  }
  return false;
}

GgmlType DTypeToGgml(DType t) {
  for (const TypePair& p : kTypes) {
    if (p.dtype == t) return p.ggml;
  }
  return GgmlType::kF32;
}

std::string RunnableGgmlTypeNames() {
  std::string out;
  for (const TypePair& p : kTypes) out += (out.empty() ? "" : ", ") + std::string(DTypeName(p.dtype));
  return out;
}

}  // namespace gemmakit
