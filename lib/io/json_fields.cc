#include "io/json_fields.h"

#include <string>

#include "gemmakit/status.h"

namespace gemmakit {

using nlohmann::json;

namespace {
const json* Find(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}
[[noreturn]] void WrongType(const char* file, const char* key, const char* want) {
  Fail(Status::kFormatError, std::string(file) + ": '" + key + "' must be " + want);
}
}  // namespace

void ReadJsonInt(const json& j, const char* key, int64_t& out, const char* file) {
  const json* v = Find(j, key);
  if (!v) return;
  if (!v->is_number_integer()) WrongType(file, key, "an integer");
  out = v->get<int64_t>();
}

void ReadJsonNumber(const json& j, const char* key, double& out, const char* file) {
  const json* v = Find(j, key);
  if (!v) return;
  if (!v->is_number()) WrongType(file, key, "a number");
  out = v->get<double>();
}

void ReadJsonBool(const json& j, const char* key, bool& out, const char* file) {
  const json* v = Find(j, key);
  if (!v) return;
  if (!v->is_boolean()) WrongType(file, key, "true or false");
  out = v->get<bool>();
}

void ReadJsonNumbers(const json& j, const char* key, std::vector<double>& out, const char* file) {
  const json* v = Find(j, key);
  if (!v) return;
  if (!v->is_array()) WrongType(file, key, "a list of numbers");
  out.clear();
  for (const json& x : *v) {
    if (!x.is_number()) WrongType(file, key, "a list of numbers");
    out.push_back(x.get<double>());
  }
}

}  // namespace gemmakit
