#include "openai_constraints.h"

#include "api_error.h"

namespace gemmakit_serve {
namespace {

using nlohmann::json;

bool Present(const json& j, const char* key) { return j.contains(key) && !j[key].is_null(); }

std::string StringField(const json& j, const char* key, const std::string& param) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
    throw BadRequest("invalid_type", std::string("'") + key + "' must be a string", param);
  }
  return j[key].get<std::string>();
}

void ParseResponseFormat(const json& rf, GenerationRequest& out) {
  if (!rf.is_object()) throw BadRequest("invalid_type", "'response_format' must be an object", "response_format");
  const std::string type = StringField(rf, "type", "response_format");
  if (type == "text") return;
  if (type == "json_object") {
    out.json_mode = true;
    return;
  }
  if (type != "json_schema") {
    throw BadRequest("invalid_value", "response_format.type must be 'text', 'json_object' or 'json_schema'",
                     "response_format");
  }
  const json& js = rf.value("json_schema", json());
  if (!js.is_object()) {
    throw BadRequest("invalid_type", "'response_format.json_schema' must be an object", "response_format");
  }
  StringField(js, "name", "response_format");  // required by OpenAI; names the schema, nothing more
  if (!Present(js, "schema")) {  // a name without a schema: any JSON object
    out.json_mode = true;
    return;
  }
  if (!js["schema"].is_object()) {
    throw BadRequest("invalid_type", "'response_format.json_schema.schema' must be a JSON schema object",
                     "response_format");
  }
  // "strict" needs nothing more: the sampler always keeps to the schema.
  out.json_schema = js["schema"].dump();
}

void ParseTools(const json& tools, GenerationRequest& out) {
  if (!tools.is_array()) throw BadRequest("invalid_type", "'tools' must be an array", "tools");
  if (tools.empty()) return;  // as OpenAI: no tools
  for (const json& t : tools) {
    if (!t.is_object() || t.value("type", "") != "function" || !t.contains("function") || !t["function"].is_object()) {
      throw BadRequest("invalid_value", "each tool must be {\"type\": \"function\", \"function\": {...}}", "tools");
    }
    const json& f = t["function"];
    StringField(f, "name", "tools");
    if (Present(f, "description") && !f["description"].is_string()) {
      throw BadRequest("invalid_type", "a function's 'description' must be a string", "tools");
    }
    if (Present(f, "parameters") && !f["parameters"].is_object()) {
      throw BadRequest("invalid_type", "a function's 'parameters' must be a JSON schema object", "tools");
    }
  }
  out.tools_json = tools.dump();
}

void ParseToolChoice(const json& choice, GenerationRequest& out) {
  if (choice.is_string()) {
    out.tool_choice = choice.get<std::string>();
    if (out.tool_choice != "auto" && out.tool_choice != "none" && out.tool_choice != "required") {
      throw BadRequest("invalid_value", "tool_choice must be 'auto', 'none', 'required' or a named function",
                       "tool_choice");
    }
  } else if (choice.is_object() && choice.value("type", "") == "function") {
    out.tool_choice = "function";
    out.forced_tool = StringField(choice.value("function", json()), "name", "tool_choice");
  } else {
    throw BadRequest("invalid_value", "tool_choice must be 'auto', 'none', 'required' or a named function",
                     "tool_choice");
  }
  if (out.tool_choice == "none" || out.tool_choice == "auto") return;
  if (out.tools_json.empty()) throw BadRequest("invalid_value", "tool_choice needs 'tools'", "tool_choice");
  if (out.tool_choice == "function") {
    bool declared = false;
    for (const json& t : json::parse(out.tools_json)) declared |= t["function"]["name"] == out.forced_tool;
    if (!declared) {
      throw BadRequest("invalid_value", "tool_choice names '" + out.forced_tool + "', which 'tools' does not declare",
                       "tool_choice");
    }
  }
}

}  // namespace

void ParseConstraints(const json& j, GenerationRequest& out) {
  for (const char* key : {"functions", "function_call"}) {
    if (Present(j, key)) {
      throw BadRequest("unsupported_parameter", std::string("'") + key + "' is deprecated by OpenAI: use 'tools'", key);
    }
  }
  if (Present(j, "response_format")) ParseResponseFormat(j["response_format"], out);
  if (Present(j, "tools")) ParseTools(j["tools"], out);
  if (Present(j, "tool_choice")) ParseToolChoice(j["tool_choice"], out);
  if (Present(j, "parallel_tool_calls") && !j["parallel_tool_calls"].is_boolean()) {
    throw BadRequest("invalid_type", "'parallel_tool_calls' must be a boolean", "parallel_tool_calls");
  }
  if ((out.json_mode || !out.json_schema.empty()) && (out.tool_choice == "required" || out.tool_choice == "function")) {
    throw BadRequest("invalid_value", "a forced tool call and a response_format cannot both constrain the output",
                     "response_format");
  }
}

std::vector<ToolCall> ParseMessageToolCalls(const json& tool_calls) {
  if (!tool_calls.is_array()) throw BadRequest("invalid_type", "an assistant's 'tool_calls' must be an array", "messages");
  std::vector<ToolCall> out;
  for (const json& c : tool_calls) {
    if (!c.is_object() || !c.contains("function") || !c["function"].is_object()) {
      throw BadRequest("invalid_value", "each tool call must be {\"id\", \"type\": \"function\", \"function\": {...}}",
                       "messages");
    }
    ToolCall call;
    call.id = c.value("id", "");
    call.name = StringField(c["function"], "name", "messages");
    call.arguments = StringField(c["function"], "arguments", "messages");
    const json args = json::parse(call.arguments, nullptr, false);
    if (!args.is_object()) {
      throw BadRequest("invalid_value", "a tool call's 'arguments' must be a JSON object as a string", "messages");
    }
    out.push_back(std::move(call));
  }
  return out;
}

}  // namespace gemmakit_serve
