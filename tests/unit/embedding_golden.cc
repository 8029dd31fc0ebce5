#include "embedding_golden.h"

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace gemmakit {
namespace test {

std::vector<EmbeddingGoldenCase> EmbeddingGoldenCases() {
  const std::string dir = DataPath("embeddinggemma-tiny");
  const nlohmann::json g = nlohmann::json::parse(ReadFile(dir + "/golden.json"));
  std::vector<EmbeddingGoldenCase> out;
  for (const nlohmann::json& c : g["cases"]) {
    EmbeddingGoldenCase k;
    k.name = c["name"];
    if (!c["prompt_name"].is_null()) k.prompt_name = c["prompt_name"];
    k.text = c["text"];
    k.input_text = c["input_text"];
    k.ids = c["ids"].get<std::vector<int32_t>>();
    k.token_embeddings = ReadF32File(dir + "/" + c["token_embeddings_file"].get<std::string>());
    k.pooled = ReadF32File(dir + "/" + c["pooled_file"].get<std::string>());
    k.embedding = ReadF32File(dir + "/" + c["embedding_file"].get<std::string>());
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace test
}  // namespace gemmakit
