// Embeddings through the C ABI: a thin wrapper over gemmakit::Embed (gemmakit/embedding.h).
#include <algorithm>
#include <string>
#include <vector>

#include "capi_internal.h"
#include "gemmakit.h"
#include "gemmakit/embedding.h"
#include "struct_io.h"

using gemmakit::Fail;
using gemmakit::Status;
using gemmakit::capi::Guard;
using gemmakit::capi::Need;

namespace {

gemmakit_embed_params DefaultEmbedParams() {
  gemmakit_embed_params p{};
  p.struct_size = sizeof p;
  return p;
}

}  // namespace

gemmakit_status gemmakit_embed_params_init(gemmakit_embed_params* params, size_t struct_size) {
  return Guard([&] { gemmakit::capi::InitParams(params, struct_size, DefaultEmbedParams(), "embed params"); });
}

gemmakit_status gemmakit_embed(const gemmakit_model* model, const char* const* texts, size_t n_texts,
                               const gemmakit_embed_params* params, float* out, size_t capacity) {
  return Guard([&] {
    const gemmakit::Model& m = *Need(model, "model").model;
    const gemmakit_embed_params p = gemmakit::capi::ReadParams(params, DefaultEmbedParams(), "embed params");
    if (n_texts == 0) Fail(Status::kInvalidArgument, "no texts to embed");
    Need(texts, "texts");
    Need(out, "out");
    if (p.dim < 0) Fail(Status::kInvalidArgument, "dim must be >= 0");
    if (p.n_threads < 0) Fail(Status::kInvalidArgument, "n_threads must be >= 0");
    std::vector<std::string> batch;
    for (size_t i = 0; i < n_texts; ++i) {
      if (texts[i] == nullptr) Fail(Status::kInvalidArgument, "text " + std::to_string(i) + " is NULL");
      batch.emplace_back(texts[i]);
    }
    gemmakit::EmbedOptions o;
    if (p.prompt_name) o.prompt_name = p.prompt_name;
    o.dim = static_cast<size_t>(p.dim);
    o.n_threads = p.n_threads;
    const size_t full = gemmakit::EmbeddingDim(m);
    const size_t dim = o.dim == 0 ? full : o.dim;
    // Checked first so that a short buffer costs no encoder pass (and a non-embedding model
    // reports that rather than a size).
    if (full != 0 && dim <= full && capacity / n_texts < dim) {
      Fail(Status::kBufferTooSmall, "out holds " + std::to_string(capacity) + " floats; " + std::to_string(n_texts) +
                                        " embeddings of " + std::to_string(dim) + " need " + std::to_string(n_texts * dim));
    }
    const std::vector<float> e = gemmakit::Embed(m, batch, o);
    std::copy(e.begin(), e.end(), out);
  });
}

gemmakit_status gemmakit_model_embedding_dim(const gemmakit_model* model, int32_t* dim) {
  return Guard([&] {
    int32_t& result = Need(dim, "dim");
    result = 0;
    const size_t full = gemmakit::EmbeddingDim(*Need(model, "model").model);
    if (full == 0) Fail(Status::kUnsupported, "this model computes no embeddings (no sentence-transformers modules)");
    result = static_cast<int32_t>(full);
  });
}
