#include "embeddings.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "api_error.h"

namespace gemmakit_serve {
namespace {

using nlohmann::json;

// The float32 values' little-endian bytes in base64, as OpenAI's encoding_format "base64" sends them.
std::string Base64(const float* values, size_t n) {
  static const char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(n * sizeof(float), '\0');
  std::memcpy(bytes.data(), values, bytes.size());
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t left = bytes.size() - i;
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (left > 1) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (left > 2) v |= static_cast<uint8_t>(bytes[i + 2]);
    out += kDigits[(v >> 18) & 63];
    out += kDigits[(v >> 12) & 63];
    out += left > 1 ? kDigits[(v >> 6) & 63] : '=';
    out += left > 2 ? kDigits[v & 63] : '=';
  }
  return out;
}

ApiError FromStatus(gemmakit_status st) {
  const std::string message = gemmakit_last_error();
  if (st == GEMMAKIT_ERR_UNSUPPORTED) {
    return BadRequest("unsupported_model", message, "model");
  }
  if (st == GEMMAKIT_ERR_INVALID_ARGUMENT || st == GEMMAKIT_ERR_CONTEXT_FULL) return BadRequest("invalid_value", message);
  return ApiError(500, "server_error", "internal_error", message);
}

}  // namespace

EmbeddingsRequest ParseEmbeddingsRequest(const std::string& body, const std::string& served_model) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw BadRequest("invalid_json", "The body is not a JSON object");
  if (!j.contains("model")) throw BadRequest("missing_required_parameter", "'model' is required", "model");
  if (!j["model"].is_string() || j["model"].get<std::string>() != served_model) {
    const std::string asked = j["model"].is_string() ? j["model"].get<std::string>() : j["model"].dump();
    throw ApiError(404, "invalid_request_error", "model_not_found",
                   "The model '" + asked + "' does not exist; this server serves '" + served_model + "'", "model");
  }
  EmbeddingsRequest r;
  if (!j.contains("input")) throw BadRequest("missing_required_parameter", "'input' is required", "input");
  const json& input = j["input"];
  if (input.is_string()) {
    r.input.push_back(input.get<std::string>());
  } else if (input.is_array() && !input.empty()) {
    for (const json& t : input) {
      if (!t.is_string()) {
        throw BadRequest("invalid_type", "'input' must be a string or an array of strings (token arrays are not "
                         "supported)", "input");
      }
      r.input.push_back(t.get<std::string>());
    }
  } else {
    throw BadRequest("invalid_type", "'input' must be a non-empty string or array of strings", "input");
  }
  if (j.contains("dimensions") && !j["dimensions"].is_null()) {
    if (!j["dimensions"].is_number_integer() || j["dimensions"].get<int64_t>() < 1 ||
        j["dimensions"].get<int64_t>() > INT32_MAX) {
      throw BadRequest("invalid_value", "'dimensions' must be a positive integer", "dimensions");
    }
    r.dimensions = static_cast<int32_t>(j["dimensions"].get<int64_t>());
  }
  if (j.contains("encoding_format") && !j["encoding_format"].is_null()) {
    const std::string f = j["encoding_format"].is_string() ? j["encoding_format"].get<std::string>() : "";
    if (f != "float" && f != "base64") {
      throw BadRequest("invalid_value", "'encoding_format' must be 'float' or 'base64'", "encoding_format");
    }
    r.base64 = f == "base64";
  }
  if (j.contains("prompt_name") && !j["prompt_name"].is_null()) {
    if (!j["prompt_name"].is_string()) throw BadRequest("invalid_type", "'prompt_name' must be a string", "prompt_name");
    r.prompt_name = j["prompt_name"].get<std::string>();
  }
  return r;
}

std::string EmbeddingsResponse(const gemmakit_model* model, const EmbeddingsRequest& request,
                               const std::string& served_model, int32_t n_threads) {
  int32_t full = 0;
  gemmakit_status st = gemmakit_model_embedding_dim(model, &full);
  if (st != GEMMAKIT_OK) throw FromStatus(st);
  if (request.dimensions > full) {
    throw BadRequest("invalid_value", "'dimensions' is at most " + std::to_string(full) + " for this model",
                     "dimensions");
  }
  const size_t dim = static_cast<size_t>(request.dimensions ? request.dimensions : full);
  gemmakit_embed_params params;
  gemmakit_embed_params_init(&params, sizeof params);
  params.prompt_name = request.prompt_name.empty() ? nullptr : request.prompt_name.c_str();
  params.dim = request.dimensions;
  params.n_threads = n_threads;
  std::vector<const char*> texts;
  for (const std::string& t : request.input) texts.push_back(t.c_str());
  std::vector<float> out(texts.size() * dim);
  st = gemmakit_embed(model, texts.data(), texts.size(), &params, out.data(), out.size());
  if (st != GEMMAKIT_OK) throw FromStatus(st);

  size_t prompt_tokens = 0;
  for (const std::string& t : request.input) {
    size_t n = 0;
    std::vector<int32_t> ids(t.size() + 2);
    if (gemmakit_tokenize(model, t.data(), t.size(), GEMMAKIT_TOKENIZE_ADD_BOS, ids.data(), ids.size(), &n) ==
        GEMMAKIT_OK) {
      prompt_tokens += n;
    }
  }
  json data = json::array();
  for (size_t i = 0; i < texts.size(); ++i) {
    const float* row = out.data() + i * dim;
    json item = {{"object", "embedding"}, {"index", i}};
    if (request.base64) {
      item["embedding"] = Base64(row, dim);
    } else {
      item["embedding"] = std::vector<float>(row, row + dim);
    }
    data.push_back(std::move(item));
  }
  return json{{"object", "list"},
              {"data", std::move(data)},
              {"model", served_model},
              {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}}
      .dump();
}

}  // namespace gemmakit_serve
