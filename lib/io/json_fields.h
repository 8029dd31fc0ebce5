// Optional fields of HuggingFace's JSON config files: absent or null keeps the caller's default,
// a value of the wrong type is a format error naming the file and the key.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace gemmakit {

void ReadJsonInt(const nlohmann::json& j, const char* key, int64_t& out, const char* file);
void ReadJsonNumber(const nlohmann::json& j, const char* key, double& out, const char* file);
void ReadJsonBool(const nlohmann::json& j, const char* key, bool& out, const char* file);
void ReadJsonNumbers(const nlohmann::json& j, const char* key, std::vector<double>& out, const char* file);

}  // namespace gemmakit
