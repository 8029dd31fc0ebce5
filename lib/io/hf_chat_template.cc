#include "io/hf_chat_template.h"

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "io/mapped_file.h"

namespace gemmakit {
namespace {

using nlohmann::json;

json ParseJsonFile(const std::string& path) {
  // tokenizer_config.json of Gemma 3 is 1.2 MB (it lists every added token).
  json doc = json::parse(ReadTextFile(path), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) Fail(Status::kFormatError, path + " is not a valid JSON object");
  return doc;
}

std::string TemplateIn(const json& doc, const std::string& path) {
  const auto t = doc.find("chat_template");
  if (t == doc.end() || t->is_null()) return "";
  if (t->is_string()) return t->get<std::string>();
  if (t->is_array()) {
    for (const json& named : *t) {
      if (named.is_object() && named.value("name", "") == "default" && named.contains("template") &&
          named["template"].is_string()) {
        return named["template"].get<std::string>();
      }
    }
    Fail(Status::kFormatError, path + ": \"chat_template\" lists no template named \"default\"");
  }
  Fail(Status::kFormatError, path + ": \"chat_template\" is neither a string nor a list of named templates");
}

}  // namespace

HfChatTemplate ReadHfChatTemplate(const std::string& dir) {
  HfChatTemplate out;
  const std::string jinja = JoinPath(dir, "chat_template.jinja");
  if (FileExists(jinja)) return {ReadTextFile(jinja), "chat_template.jinja"};
  for (const char* name : {"chat_template.json", "tokenizer_config.json"}) {
    const std::string path = JoinPath(dir, name);
    if (!FileExists(path)) continue;
    out.text = TemplateIn(ParseJsonFile(path), path);
    if (!out.text.empty()) {
      out.source = name;
      return out;
    }
  }
  return out;
}

}  // namespace gemmakit
