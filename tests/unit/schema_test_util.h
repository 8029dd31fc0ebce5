// JSON schema test helpers: a validator for the subset of JSON Schema the converter supports, and
// random schemas over every supported keyword (the JSON schema and tool-call grammar tests share
// them).
#pragma once

#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "gemmakit/session.h"

namespace gemmakit::test {

using Json = nlohmann::ordered_json;

inline size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// A validator for the subset of JSON Schema the converter supports; "" when v is valid.
inline std::string Validate(const Json& v, const Json& s, const Json& root, const std::string& at) {
  if (s.is_boolean()) return s.get<bool>() ? "" : at + ": false schema";
  if (s.contains("$ref")) {
    const std::string ref = s["$ref"].get<std::string>();
    const std::string name = ref.substr(ref.rfind('/') + 1);
    return Validate(v, root.contains("$defs") ? root["$defs"][name] : root["definitions"][name], root, at);
  }
  if (s.contains("const") && v != s["const"]) return at + ": not the const";
  if (s.contains("enum")) {
    bool found = false;
    for (const Json& e : s["enum"]) found = found || e == v;
    if (!found) return at + ": not in the enum";
  }
  if (s.contains("anyOf")) {
    bool ok = false;
    for (const Json& alt : s["anyOf"]) ok = ok || Validate(v, alt, root, at).empty();
    if (!ok) return at + ": matches no anyOf alternative";
  }
  if (s.contains("oneOf")) {
    int n = 0;
    for (const Json& alt : s["oneOf"]) n += Validate(v, alt, root, at).empty();
    if (n != 1) return at + ": matches " + std::to_string(n) + " oneOf alternatives";
  }
  if (s.contains("type")) {
    std::vector<std::string> types;
    if (s["type"].is_string()) types.push_back(s["type"]);
    else for (const Json& t : s["type"]) types.push_back(t);
    bool ok = false;
    for (const std::string& t : types) {
      ok = ok || (t == "object" && v.is_object()) || (t == "array" && v.is_array()) ||
           (t == "string" && v.is_string()) || (t == "number" && v.is_number()) ||
           (t == "integer" && v.is_number_integer()) || (t == "boolean" && v.is_boolean()) ||
           (t == "null" && v.is_null());
    }
    if (!ok) return at + ": not of type " + s["type"].dump() + ": " + v.dump();
  }
  if (v.is_object()) {
    for (const Json& r : s.value("required", Json::array())) {
      if (!v.contains(r.get<std::string>())) return at + ": missing " + r.get<std::string>();
    }
    const Json props = s.value("properties", Json::object());
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (props.contains(it.key())) {
        const std::string e = Validate(it.value(), props[it.key()], root, at + "/" + it.key());
        if (!e.empty()) return e;
      } else if (s.contains("additionalProperties")) {
        const std::string e = Validate(it.value(), s["additionalProperties"], root, at + "/" + it.key());
        if (!e.empty()) return e;
      }
    }
  }
  if (v.is_array()) {
    if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>()) return at + ": too few items";
    if (s.contains("maxItems") && v.size() > s["maxItems"].get<size_t>()) return at + ": too many items";
    for (size_t i = 0; i < v.size() && s.contains("items"); ++i) {
      const std::string e = Validate(v[i], s["items"], root, at + "/" + std::to_string(i));
      if (!e.empty()) return e;
    }
  }
  if (v.is_string()) {
    const std::string str = v.get<std::string>();
    if (s.contains("minLength") && CodePoints(str) < s["minLength"].get<size_t>()) return at + ": too short";
    if (s.contains("maxLength") && CodePoints(str) > s["maxLength"].get<size_t>()) return at + ": too long";
    static const std::regex kDate(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))");
    static const std::regex kTime(R"(([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))");
    static const std::regex kUuid(R"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})");
    const std::string f = s.value("format", "");
    const size_t t = str.find('T');
    const bool ok = f == "date"        ? std::regex_match(str, kDate)
                    : f == "time"      ? std::regex_match(str, kTime)
                    : f == "uuid"      ? std::regex_match(str, kUuid)
                    : f == "date-time" ? t != std::string::npos && std::regex_match(str.substr(0, t), kDate) &&
                                             std::regex_match(str.substr(t + 1), kTime)
                                       : true;
    if (!ok) return at + ": not a " + f + ": " + str;
  }
  return "";
}

// Random schemas whose every instance is finite (strings and arrays bounded), over every
// supported keyword.
class SchemaMaker {
 public:
  explicit SchemaMaker(uint32_t seed) : rng_(seed) {}

  Json Make(int depth) {
    const int kinds = depth >= 2 ? 8 : 11;
    switch (Pick(kinds)) {
      case 0: {
        Json s = {{"type", "string"}, {"maxLength", Pick(8)}};
        if (Pick(2)) s["minLength"] = Pick(s["maxLength"].get<int>() + 1);
        return s;
      }
      case 1: return {{"type", "integer"}};
      case 2: return {{"type", "number"}};
      case 3: return {{"type", Pick(2) ? "boolean" : "null"}};
      case 4: return {{"enum", Json::array({"red", "green", 3, nullptr, "bl\"ue"})}};
      case 5: return {{"const", Pick(2) ? Json("fixed") : Json({{"k", 1}})}};
      case 6: {
        static const char* const kFormats[] = {"date", "time", "date-time", "uuid"};
        return {{"type", "string"}, {"format", kFormats[Pick(4)]}};
      }
      case 7: return {{"type", Json::array({"integer", "null"})}};
      case 8: {
        Json s = {{"type", "array"}, {"items", Make(depth + 1)}};
        const int min = Pick(2);
        s["minItems"] = min;
        s["maxItems"] = min + Pick(3);
        return s;
      }
      case 9: {
        Json s = {{"type", "object"}, {"additionalProperties", false}};
        Json props = Json::object(), required = Json::array();
        const int n = 1 + Pick(4);
        for (int i = 0; i < n; ++i) {
          const std::string key = "p" + std::to_string(i) + (Pick(3) == 0 ? " \xC3\xA9" : "");
          props[key] = Make(depth + 1);
          if (Pick(2)) required.push_back(key);
        }
        s["properties"] = props;
        s["required"] = required;
        return s;
      }
      default: {
        // oneOf over types that cannot overlap, anyOf over anything.
        if (Pick(2)) return {{"oneOf", Json::array({{{"type", "boolean"}}, {{"type", "string"}, {"maxLength", 4}}})}};
        return {{"anyOf", Json::array({Make(depth + 1), Make(depth + 1)})}};
      }
    }
  }

 private:
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  std::mt19937 rng_;
};

// Sampling at temperature 1 over the whole vocabulary, so that only a constraint shapes the output.
inline GenerateOptions UnconstrainedSampling(uint32_t seed) {
  GenerateOptions o;
  o.max_tokens = 1000;
  o.sampling.temperature = 1.f;
  o.sampling.top_k = 0;
  o.sampling.top_p = 1.f;
  o.sampling.seed = seed;
  return o;
}

}  // namespace gemmakit::test
