#include "runtime/grammar/json_schema.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "gemmakit/status.h"

namespace gemmakit::grammar {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kFormats = R"G(date-part ::= [0-9]{4} "-" ("0" [1-9] | "1" [0-2]) "-" ("0" [1-9] | [12] [0-9] | "3" [01])
time-part ::= ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ("." [0-9]{1,6})? ("Z" | [+-] ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9])
hex ::= [0-9a-fA-F]
uuid-part ::= hex{8} "-" hex{4} "-" hex{4} "-" hex{4} "-" hex{12}
)G";

}  // namespace

class SchemaConverter {
 public:
  explicit SchemaConverter(const ValueSyntax& syntax) : syntax_(syntax) {}

  std::string Value(std::string_view schema_json, const std::string& hint) {
    Start(schema_json);
    return Visit(root_, hint, "");
  }

  std::string Object(std::string_view schema_json, const ObjectSpelling& spelling, const std::string& hint) {
    Start(schema_json);
    if (!root_.is_object()) Bad("", "the schema must be an object schema");
    CheckKeywords(root_, "");
    for (const char* key : {"$ref", "const", "enum", "anyOf", "oneOf", "items", "minItems", "maxItems"}) {
      if (root_.contains(key)) Bad("", std::string("'") + key + "' is not supported here: an object schema is needed");
    }
    if (root_.contains("type") && root_["type"] != "object") Bad("", "the schema's type must be \"object\"");
    return Members(root_, spelling, hint, "");
  }

  std::string Rules() const {
    std::string out;
    for (const auto& [name, body] : rules_) out += name + " ::= " + body + "\n";
    if (uses_formats_) out += kFormats;
    return out;
  }

 private:
  void Start(std::string_view schema_json) {
    try {
      root_ = Json::parse(schema_json.begin(), schema_json.end());
    } catch (const Json::parse_error& e) {
      Fail(Status::kInvalidArgument,
           "json schema: not valid JSON at byte " + std::to_string(e.byte) + ": " + e.what());
    }
    refs_.clear();  // "#/$defs/..." means this schema's definitions
  }

  [[noreturn]] static void Bad(const std::string& path, const std::string& message) {
    Fail(Status::kInvalidArgument, "json schema: at " + (path.empty() ? std::string("/") : path) + ": " + message);
  }

  // A rule named after hint (made unique), holding body; equal bodies share one rule.
  std::string AddRule(const std::string& hint, const std::string& body) {
    const auto same = by_body_.find(body);
    if (same != by_body_.end()) return same->second;
    const std::string name = UniqueName(hint);
    rules_[name] = body;
    by_body_[body] = name;
    return name;
  }

  std::string UniqueName(const std::string& hint) {
    std::string base;
    for (char c : hint) base += ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : '-';
    if (base.empty()) base = "v";
    base = "s-" + base;  // never one of the primitives' names
    std::string name = base;
    for (int i = 2; rules_.count(name) || reserved_.count(name); ++i) name = base + "-" + std::to_string(i);
    reserved_.insert(name);
    return name;
  }

  static void CheckKeywords(const Json& s, const std::string& path) {
    static const std::set<std::string> kKnown = {
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
        "minLength", "maxLength", "enum", "const", "anyOf", "oneOf", "$ref", "format", "$defs", "definitions",
        "title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly",
        "writeOnly"};
    for (auto it = s.begin(); it != s.end(); ++it) {
      if (!kKnown.count(it.key())) Bad(path, "keyword '" + it.key() + "' is not supported");
    }
  }

  static uint64_t Count(const Json& s, const char* key, const std::string& path) {
    const Json& v = s.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < 0) Bad(path, std::string("'") + key + "' must be an integer >= 0");
    if (v.get<uint64_t>() > 10000) Bad(path, std::string("'") + key + "' over 10000 is not supported");
    return v.get<uint64_t>();
  }

  static std::string Bounds(uint64_t min, int64_t max) {
    if (max < 0) return "{" + std::to_string(min) + ",}";
    return "{" + std::to_string(min) + "," + std::to_string(max) + "}";
  }

  std::string Visit(const Json& s, const std::string& hint, const std::string& path) {
    if (s.is_boolean()) {
      if (!s.get<bool>()) Bad(path, "the schema 'false' allows no value");
      return "value";
    }
    if (!s.is_object()) Bad(path, "a schema must be an object or a boolean");
    CheckKeywords(s, path);
    if (s.contains("$ref")) return Ref(s, path);
    if (s.contains("const")) return AddRule(hint, Constant(s["const"], path));
    if (s.contains("enum")) {
      const Json& e = s["enum"];
      if (!e.is_array() || e.empty()) Bad(path, "'enum' must be a non-empty array");
      std::string body;
      for (const Json& v : e) body += (body.empty() ? "" : " | ") + Constant(v, path);
      return AddRule(hint, body);
    }
    for (const char* key : {"anyOf", "oneOf"}) {
      if (!s.contains(key)) continue;
      const Json& alts = s[key];
      if (!alts.is_array() || alts.empty()) Bad(path, std::string("'") + key + "' must be a non-empty array");
      std::string body;
      for (size_t i = 0; i < alts.size(); ++i) {
        body += (body.empty() ? "" : " | ") +
                Visit(alts[i], hint + "-" + std::to_string(i), path + "/" + key + "/" + std::to_string(i));
      }
      return AddRule(hint, body);
    }
    std::vector<std::string> types;
    if (s.contains("type")) {
      const Json& t = s["type"];
      if (t.is_string()) {
        types.push_back(t.get<std::string>());
      } else if (t.is_array() && !t.empty()) {
        for (const Json& x : t) {
          if (!x.is_string()) Bad(path, "'type' lists a non-string");
          types.push_back(x.get<std::string>());
        }
      } else {
        Bad(path, "'type' must be a string or a non-empty array of strings");
      }
    } else if (s.contains("properties") || s.contains("additionalProperties") || s.contains("required")) {
      types.push_back("object");
    } else if (s.contains("items") || s.contains("minItems") || s.contains("maxItems")) {
      types.push_back("array");
    } else if (s.contains("minLength") || s.contains("maxLength") || s.contains("format")) {
      types.push_back("string");
    } else {
      return "value";
    }
    std::string body;
    for (const std::string& t : types) body += (body.empty() ? "" : " | ") + Typed(s, t, hint, path);
    return types.size() == 1 ? body : AddRule(hint, body);
  }

  std::string Typed(const Json& s, const std::string& type, const std::string& hint, const std::string& path) {
    if (type == "object") return Members(s, syntax_.Object(), hint, path);
    if (type == "array") return Array(s, hint, path);
    if (type == "string") return String(s, hint, path);
    if (type == "number" || type == "integer" || type == "boolean" || type == "null") return type;
    Bad(path, "unknown type '" + type + "'");
  }

  std::string Ref(const Json& s, const std::string& path) {
    static const std::set<std::string> kBeside = {"$ref", "$defs", "definitions", "title", "description",
                                                  "$schema", "$id", "$comment"};
    for (auto it = s.begin(); it != s.end(); ++it) {
      if (!kBeside.count(it.key())) Bad(path, "'$ref' beside '" + it.key() + "' is not supported");
    }
    if (!s["$ref"].is_string()) Bad(path, "'$ref' must be a string");
    const std::string ref = s["$ref"].get<std::string>();
    const auto known = refs_.find(ref);
    if (known != refs_.end()) return known->second;
    std::string key;
    for (const char* prefix : {"#/$defs/", "#/definitions/"}) {
      if (ref.rfind(prefix, 0) == 0) key = prefix;
    }
    if (key.empty()) Bad(path, "only '$ref' to '#/$defs/NAME' or '#/definitions/NAME' is supported");
    const std::string section = key.substr(2, key.size() - 3), name = ref.substr(key.size());
    if (!root_.is_object() || !root_.contains(section) || !root_[section].contains(name)) {
      Bad(path, "'$ref' " + ref + " names no definition");
    }
    // Named before it is visited, so that a recursive schema refers back to it.
    const std::string rule = UniqueName(name);
    refs_[ref] = rule;
    const std::string inner = Visit(root_[section][name], name + "-body", "/" + section + "/" + name);
    rules_[rule] = inner;
    return rule;
  }

  std::string Constant(const Json& v, const std::string& path) const {
    const std::string spelled = syntax_.Constant(v);
    if (spelled.empty()) Bad(path, "the value " + v.dump() + " cannot be written in this notation");
    return spelled;
  }

  // An object: its properties in order, then additional ones when allowed, written with spelling.
  std::string Members(const Json& s, const ObjectSpelling& spelling, const std::string& hint,
                      const std::string& path) {
    std::vector<std::pair<std::string, bool>> props;  // rule of "key": value, required
    std::set<std::string> required;
    if (s.contains("required")) {
      if (!s["required"].is_array()) Bad(path, "'required' must be an array");
      for (const Json& r : s["required"]) {
        if (!r.is_string()) Bad(path, "'required' lists a non-string");
        required.insert(r.get<std::string>());
      }
    }
    std::set<std::string> declared;
    if (s.contains("properties")) {
      const Json& p = s["properties"];
      if (!p.is_object()) Bad(path, "'properties' must be an object");
      for (auto it = p.begin(); it != p.end(); ++it) {
        const std::string value =
            Visit(it.value(), hint + "-" + it.key(), path + "/properties/" + it.key());
        const std::string key = spelling.key(it.key());
        if (key.empty()) Bad(path + "/properties/" + it.key(), "the name cannot be written in this notation");
        const std::string kv = AddRule(hint + "-" + it.key() + "-kv", key + " " + value);
        props.push_back({kv, required.count(it.key()) > 0});
        declared.insert(it.key());
      }
    }
    for (const std::string& r : required) {
      if (!declared.count(r)) Bad(path, "required property '" + r + "' is not among the properties");
    }
    std::string extra;  // "key": value of an additional property, when allowed
    if (s.contains("additionalProperties")) {
      const Json& a = s["additionalProperties"];
      if (!(a.is_boolean() && !a.get<bool>())) {
        extra = AddRule(hint + "-extra-kv",
                        spelling.any_key + " " + Visit(a, hint + "-extra", path + "/additionalProperties"));
      }
    }
    // first[i]: nothing written yet, properties from i on; after[i]: something written.
    const size_t n = props.size();
    const std::string& sep = spelling.separator;
    std::string first = extra.empty() ? "" : "(" + extra + " (" + sep + " " + extra + ")*)?";
    std::string after = extra.empty() ? "" : "(" + sep + " " + extra + ")*";
    for (size_t k = n; k-- > 0;) {
      const auto& [kv, req] = props[k];
      const std::string rest_after = after.empty() ? "" : " " + after;
      const std::string new_after =
          req ? sep + " " + kv + rest_after : "(" + sep + " " + kv + ")?" + rest_after;
      const std::string with_it = kv + rest_after;
      std::string new_first = req ? with_it : (first.empty() ? "(" + with_it + ")?" : with_it + " | " + first);
      after = AddRule(hint + "-after-" + std::to_string(k), new_after);
      first = AddRule(hint + "-from-" + std::to_string(k), new_first);
    }
    return AddRule(hint, spelling.open + " " + (first.empty() ? "" : first + " ") + spelling.close);
  }

  std::string Array(const Json& s, const std::string& hint, const std::string& path) {
    const std::string item = s.contains("items") ? Visit(s["items"], hint + "-item", path + "/items") : "value";
    const uint64_t min = s.contains("minItems") ? Count(s, "minItems", path) : 0;
    const int64_t max = s.contains("maxItems") ? static_cast<int64_t>(Count(s, "maxItems", path)) : -1;
    if (max >= 0 && static_cast<uint64_t>(max) < min) Bad(path, "maxItems is below minItems");
    const ObjectSpelling brackets = syntax_.Array();
    const std::string more = "(" + brackets.separator + " " + item + ")";
    std::string inner;
    if (max == 0) {
      inner = "";
    } else {
      const std::string tail = more + Bounds(min > 0 ? min - 1 : 0, max < 0 ? -1 : max - 1);
      inner = item + " " + tail;
      if (min == 0) inner = "(" + inner + ")?";
    }
    return AddRule(hint, brackets.open + " " + (inner.empty() ? "" : inner + " ") + brackets.close);
  }

  std::string String(const Json& s, const std::string& hint, const std::string& path) {
    if (s.contains("format")) {
      if (!s["format"].is_string()) Bad(path, "'format' must be a string");
      const std::string f = s["format"].get<std::string>();
      std::string part;
      if (f == "date") part = "date-part";
      if (f == "time") part = "time-part";
      if (f == "date-time") part = "date-part \"T\" time-part";
      if (f == "uuid") part = "uuid-part";
      if (!part.empty()) {
        if (s.contains("minLength") || s.contains("maxLength")) Bad(path, "'format' with a length is not supported");
        uses_formats_ = true;
        return AddRule(hint, syntax_.Quoted(part));
      }
      // Other formats are annotations (JSON Schema 2020-12's default): any string.
    }
    if (!s.contains("minLength") && !s.contains("maxLength")) return "string";
    const uint64_t min = s.contains("minLength") ? Count(s, "minLength", path) : 0;
    const int64_t max = s.contains("maxLength") ? static_cast<int64_t>(Count(s, "maxLength", path)) : -1;
    if (max >= 0 && static_cast<uint64_t>(max) < min) Bad(path, "maxLength is below minLength");
    return AddRule(hint, syntax_.Quoted("char" + Bounds(min, max)));
  }

  const ValueSyntax& syntax_;
  Json root_;
  std::map<std::string, std::string> rules_;
  std::map<std::string, std::string> by_body_;
  std::set<std::string> reserved_;
  std::map<std::string, std::string> refs_;
  bool uses_formats_ = false;
};

SchemaGrammar::SchemaGrammar(const ValueSyntax& syntax)
    : syntax_(syntax), converter_(std::make_unique<SchemaConverter>(syntax)) {}

SchemaGrammar::~SchemaGrammar() = default;

std::string SchemaGrammar::AddValue(std::string_view schema_json, const std::string& hint) {
  return converter_->Value(schema_json, hint);
}

std::string SchemaGrammar::AddObject(std::string_view schema_json, const ObjectSpelling& spelling,
                                     const std::string& hint) {
  return converter_->Object(schema_json, spelling, hint);
}

std::string SchemaGrammar::Rules() const { return converter_->Rules() + syntax_.Primitives(); }

std::string JsonSchemaToGbnf(std::string_view schema_json) {
  SchemaGrammar g(JsonSyntax());
  const std::string top = g.AddValue(schema_json, "root-value");
  return "root ::= " + top + "\n" + g.Rules();
}

std::string JsonObjectGbnf() { return "root ::= object\n" + JsonSyntax().Primitives(); }

}  // namespace gemmakit::grammar
