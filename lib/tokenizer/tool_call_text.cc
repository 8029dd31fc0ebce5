// Calls as the model writes them, for putting a past model turn (its calls given as JSON, as an
// OpenAI client sends them back) into a conversation: the inverse of the call parser.
#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "gemmakit/tools.h"

namespace gemmakit {
namespace {

using Json = nlohmann::ordered_json;

// A JSON value as a Python literal: the notation of Gemma 3's `[f(key=value)]` calls.
std::string PythonLiteral(const Json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "None";
  if (v.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + PythonLiteral(v[i]);
    return out + "]";
  }
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      out += (first ? "" : ", ") + Json(it.key()).dump() + ": " + PythonLiteral(it.value());
      first = false;
    }
    return out + "}";
  }
  return v.dump();  // strings (JSON's escapes are Python's) and numbers
}

Json ArgumentsObject(const ToolCall& call) {
  Json args = call.arguments_json.empty() ? Json::object() : Json::parse(call.arguments_json, nullptr, false);
  if (!args.is_object()) Fail(Status::kInvalidArgument, "call '" + call.name + "': arguments are not a JSON object");
  return args;
}

}  // namespace

std::string FormatToolCalls(const std::vector<ToolCall>& calls, ToolFormat format) {
  std::string out;
  if (ResolveToolFormat(format, nullptr) == ToolFormat::kFunctionGemma) {
    for (const ToolCall& call : calls) {
      out += "<start_function_call>call:" + call.name + FunctionGemmaValue(ArgumentsObject(call).dump()) +
             "<end_function_call>";
    }
    return out;
  }
  if (calls.empty()) return out;
  out = "[";
  for (size_t i = 0; i < calls.size(); ++i) {
    const Json args = ArgumentsObject(calls[i]);
    out += (i ? ", " : "") + calls[i].name + "(";
    bool first = true;
    for (auto it = args.begin(); it != args.end(); ++it) {
      out += (first ? "" : ", ") + it.key() + "=" + PythonLiteral(it.value());
      first = false;
    }
    out += ")";
  }
  return out + "]";
}

}  // namespace gemmakit
