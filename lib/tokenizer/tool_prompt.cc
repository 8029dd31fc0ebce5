// Tool declarations and results rendered into the prompt, per format (see include/gemmakit/tools.h).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "gemmakit/tokenizer.h"
#include "gemmakit/tools.h"

namespace gemmakit {
namespace {

using Json = nlohmann::ordered_json;

// Google's Gemma 3 function-calling instruction, Python-call variant, as the docs print it.
constexpr char kGemma3Instruction[] =
    "You have access to functions. If you decide to invoke any of the function(s),\n"
    "you MUST put it in the format of\n"
    "[func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]\n"
    "You SHOULD NOT include any other text in the response if you call a function\n";

constexpr char kEscape[] = "<escape>";

Json ParseObject(const std::string& text, const std::string& what) {
  if (text.empty()) return Json::object();
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) Fail(Status::kInvalidArgument, what + " is not a JSON object");
  return j;
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

std::string Escaped(const std::string& s) { return kEscape + s + kEscape; }

std::string ValueNotation(const Json& v) {
  if (v.is_string()) return Escaped(v.get<std::string>());
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      out += (first ? "" : ",") + it.key() + ":" + ValueNotation(it.value());
      first = false;
    }
    return out + "}";
  }
  if (v.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + ValueNotation(v[i]);
    return out + "]";
  }
  return v.dump();  // numbers, true, false, null
}

// A JSON Schema in FunctionGemma's notation: properties in key order, then required, then type.
std::string SchemaNotation(const Json& schema) {
  std::vector<std::string> fields;
  if (schema.contains("description") && schema["description"].is_string()) {
    fields.push_back("description:" + Escaped(schema["description"].get<std::string>()));
  }
  if (schema.contains("enum") && schema["enum"].is_array()) fields.push_back("enum:" + ValueNotation(schema["enum"]));
  if (schema.contains("properties") && schema["properties"].is_object()) {
    std::vector<std::string> keys;
    for (auto it = schema["properties"].begin(); it != schema["properties"].end(); ++it) keys.push_back(it.key());
    std::sort(keys.begin(), keys.end());
    std::string props = "properties:{";
    for (size_t i = 0; i < keys.size(); ++i) {
      const Json& p = schema["properties"][keys[i]];
      props += (i ? "," : "") + keys[i] + ":{" + (p.is_object() ? SchemaNotation(p) : "") + "}";
    }
    fields.push_back(props + "}");
  }
  if (schema.contains("items") && schema["items"].is_object()) {
    fields.push_back("items:{" + SchemaNotation(schema["items"]) + "}");
  }
  if (schema.contains("required") && schema["required"].is_array() && !schema["required"].empty()) {
    fields.push_back("required:" + ValueNotation(schema["required"]));
  }
  if (schema.contains("type") && schema["type"].is_string()) {
    fields.push_back("type:" + Escaped(Upper(schema["type"].get<std::string>())));
  }
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
  return out;
}

bool IsModelRole(const std::string& role) { return role == "assistant" || role == "model"; }

void CheckTools(const std::vector<ToolDeclaration>& tools) {
  for (const ToolDeclaration& t : tools) {
    if (t.name.empty()) Fail(Status::kInvalidArgument, "tools: a tool has an empty name");
    ParseObject(t.parameters_json, "tool '" + t.name + "': parameters");
  }
}

// Gemma 3: the instruction opens the first user turn; tool results are user turns of
// ```tool_output``` blocks; the rest is Gemma 3's chat template.
std::string FormatGemma3(const std::vector<ChatMessage>& messages, const std::vector<ToolDeclaration>& tools,
                         bool add_generation_prompt) {
  std::vector<ChatMessage> turns;
  bool instructed = tools.empty();
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role == "tool") {
      std::string block = "```tool_output\n" + m.content + "\n```";
      if (i > 0 && messages[i - 1].role == "tool") {
        turns.back().content += "\n" + block;
      } else {
        turns.emplace_back("user", block);
      }
      continue;
    }
    turns.push_back(m);
    if (!instructed && m.role == "user") {
      turns.back().content = kGemma3Instruction + Gemma3FunctionList(tools) + "\n" + m.content;
      instructed = true;
    }
  }
  return FormatGemmaChat(turns, add_generation_prompt);
}

// The names of the calls in a model message, in order, for the responses that follow it.
std::vector<std::string> CallNames(const ChatMessage& m) {
  std::vector<std::string> names;
  for (const ToolCall& c : ParseToolCalls(m.content, ToolFormat::kFunctionGemma)) names.push_back(c.name);
  return names;
}

std::string FunctionResponse(const std::string& name, const std::string& content) {
  Json j = Json::parse(content, nullptr, /*allow_exceptions=*/false);
  const std::string body = (!j.is_discarded() && j.is_object()) ? ValueNotation(j)
                                                                 : "{value:" + Escaped(content) + "}";
  return "<start_function_response>response:" + name + body + "<end_function_response>";
}

std::string FormatFunctionGemma(const std::vector<ChatMessage>& messages, const std::vector<ToolDeclaration>& tools,
                                bool add_generation_prompt) {
  if (messages.empty()) Fail(Status::kInvalidArgument, "chat: the conversation is empty");
  std::string out = "<bos>";
  size_t first = 0;
  if (messages[0].role == "system" || messages[0].role == "developer" || !tools.empty()) {
    out += "<start_of_turn>developer\n";
    if (messages[0].role == "system" || messages[0].role == "developer") {
      out += PythonStrip(messages[0].content);
      first = 1;
    }
    for (const ToolDeclaration& t : tools) {
      out += "<start_function_declaration>" + FunctionGemmaDeclaration(t) + "<end_function_declaration>";
    }
    out += "<end_of_turn>\n";
  }
  bool in_model_turn = false;  // a model turn left open by calls awaiting their responses
  std::vector<std::string> call_names;
  size_t n_responses = 0;
  for (size_t i = first; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role == "tool") {
      if (!in_model_turn) Fail(Status::kInvalidArgument, "chat: a tool message must follow a model message with calls");
      if (n_responses >= call_names.size()) {
        Fail(Status::kInvalidArgument, "chat: more tool messages than calls in the model message before them");
      }
      out += FunctionResponse(call_names[n_responses++], m.content);
      continue;
    }
    const bool responded = in_model_turn && n_responses > 0;
    if (IsModelRole(m.role)) {
      if (!responded) out += "<start_of_turn>model\n";
      out += PythonStrip(m.content);
      call_names = CallNames(m);
      n_responses = 0;
      in_model_turn = !call_names.empty() && i + 1 < messages.size() && messages[i + 1].role == "tool";
      if (!in_model_turn) out += "<end_of_turn>\n";
      continue;
    }
    if (m.role != "user") Fail(Status::kInvalidArgument, "chat: unknown role '" + m.role + "'");
    if (in_model_turn) out += "<end_of_turn>\n";
    in_model_turn = false;
    out += "<start_of_turn>user\n" + PythonStrip(m.content) + "<end_of_turn>\n";
  }
  // After function responses the model goes on in its own turn.
  if (add_generation_prompt && !in_model_turn) out += "<start_of_turn>model\n";
  return out;
}

}  // namespace

ToolFormat DetectToolFormat(const Tokenizer& tokenizer) {
  return tokenizer.PieceToId("<start_function_call>") >= 0 ? ToolFormat::kFunctionGemma : ToolFormat::kGemma3;
}

ToolFormat ResolveToolFormat(ToolFormat format, const Tokenizer* tokenizer) {
  if (format == ToolFormat::kAuto) return tokenizer ? DetectToolFormat(*tokenizer) : ToolFormat::kGemma3;
  if (format != ToolFormat::kGemma3 && format != ToolFormat::kFunctionGemma) {
    Fail(Status::kInvalidArgument, "tools: unknown format " + std::to_string(static_cast<int32_t>(format)));
  }
  return format;
}

std::vector<ToolDeclaration> ParseToolDeclarations(std::string_view json) {
  const Json list = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (list.is_discarded() || !list.is_array()) Fail(Status::kInvalidArgument, "tools JSON: not a JSON array");
  std::vector<ToolDeclaration> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& item = list[i].is_object() && list[i].contains("function") ? list[i]["function"] : list[i];
    const std::string what = "tools JSON: item " + std::to_string(i);
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) Fail(Status::kInvalidArgument, what + " has no name");
    ToolDeclaration t;
    t.name = item["name"].get<std::string>();
    if (item.contains("description") && item["description"].is_string()) t.description = item["description"].get<std::string>();
    if (item.contains("parameters")) {
      if (!item["parameters"].is_object()) Fail(Status::kInvalidArgument, what + ": parameters is not an object");
      t.parameters_json = item["parameters"].dump();
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::string Gemma3FunctionList(const std::vector<ToolDeclaration>& tools) {
  Json list = Json::array();
  for (const ToolDeclaration& t : tools) {
    Json f;
    f["name"] = t.name;
    f["description"] = t.description;
    f["parameters"] = ParseObject(t.parameters_json, "tool '" + t.name + "': parameters");
    list.push_back(std::move(f));
  }
  return list.dump(2, ' ', /*ensure_ascii=*/false);
}

std::string FunctionGemmaDeclaration(const ToolDeclaration& tool) {
  const Json params = ParseObject(tool.parameters_json, "tool '" + tool.name + "': parameters");
  std::string out = "declaration:" + tool.name + "{description:" + Escaped(tool.description);
  if (!params.empty()) out += ",parameters:{" + SchemaNotation(params) + "}";
  return out + "}";
}

std::string FunctionGemmaValue(std::string_view json) {
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) Fail(Status::kInvalidArgument, "not JSON: " + std::string(json.substr(0, 80)));
  return ValueNotation(j);
}

std::string FormatToolChat(const std::vector<ChatMessage>& messages, const std::vector<ToolDeclaration>& tools,
                           ToolFormat format, bool add_generation_prompt) {
  CheckTools(tools);
  switch (ResolveToolFormat(format, nullptr)) {
    case ToolFormat::kFunctionGemma: return FormatFunctionGemma(messages, tools, add_generation_prompt);
    default: return FormatGemma3(messages, tools, add_generation_prompt);
  }
}

}  // namespace gemmakit
