// POST /v1/embeddings: OpenAI's embeddings endpoint over gemmakit_embed, for embedding models
// (EmbeddingGemma's sentence-transformers folder). A causal model answers 400: it computes no
// embeddings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gemmakit.h"

namespace gemmakit_serve {

struct EmbeddingsRequest {
  std::vector<std::string> input;  // "input": a string or an array of strings
  int32_t dimensions = 0;          // "dimensions": Matryoshka truncation; 0 keeps the full width
  bool base64 = false;             // "encoding_format": "float" (default) or "base64"
  std::string prompt_name;         // "prompt_name" (gemmakit's extension): a named prompt of the model
};

// Throws ApiError for a malformed body or another model's name.
EmbeddingsRequest ParseEmbeddingsRequest(const std::string& body, const std::string& served_model);

// The response body (OpenAI's shape: object "list", data[] of {object "embedding", index,
// embedding}, model, usage). Throws ApiError for what the library refuses.
std::string EmbeddingsResponse(const gemmakit_model* model, const EmbeddingsRequest& request,
                               const std::string& served_model, int32_t n_threads);

}  // namespace gemmakit_serve
