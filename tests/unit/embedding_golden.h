// The EmbeddingGemma golden (tests/data/embeddinggemma-tiny/golden.json: transformers'
// Gemma3TextModel with bidirectional attention and sentence-transformers' modules), read once for
// the folder's tests and for those of llama.cpp's conversion of the same folder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gemmakit {
namespace test {

struct EmbeddingGoldenCase {
  std::string name, prompt_name, text;
  std::string input_text;  // the named prompt written before the text
  std::vector<int32_t> ids;
  std::vector<float> token_embeddings, pooled, embedding;
};

std::vector<EmbeddingGoldenCase> EmbeddingGoldenCases();

}  // namespace test
}  // namespace gemmakit
