#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "commands.h"
#include "common.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: gemmakit chat --model DIR [--system TEXT] [sampling options as for generate] [--threads N]\n"
    "         [--grammar FILE.gbnf [--grammar-root NAME] | --json-schema FILE | --json] (each reply)\n"
    "         [--precision exact|fast] [--lora DIR[:SCALE]]... [--lora-merge DIR[:SCALE]]...\n"
    "  --lora applies a PEFT LoRA adapter folder at SCALE (default 1) beside the weights (repeatable);\n"
    "  --lora-merge folds one into the weights at load. /reset keeps the adapters.\n"
    "  Reads one user turn per line from stdin and streams the reply. The conversation is kept;\n"
    "  only each new turn is evaluated. Commands: /reset starts over, /exit (or end of input) quits.\n"
    "  [--kv-type f32|bf16|f16|q8_0] stores the KV cache in that type. [--context-full stop|drop-oldest]:\n"
    "  when the conversation outgrows the context, stop (default) or drop the oldest turns.\n"
    "  [--tools FILE.json] declares functions (a JSON array of {name, description, parameters} or of\n"
    "  OpenAI's {type: function, function: {...}}); each call the model makes is printed as\n"
    "  'call NAME ARGUMENTS_JSON'. A line '/result TEXT' answers the calls as a tool message.\n";

int PrintCall(const gemmakit_tool_call* call, void*) {
  std::printf("\ncall %s %s\n", call->name, call->arguments_json);
  return 0;
}

bool ReadWholeFile(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

int RunChat(int argc, char** argv) {
  std::set<std::string> valued = SamplingOptionNames();
  valued.insert({"model", "precision", "system", "threads", "ctx", "tools"});
  valued.insert(SessionOptionNames().begin(), SessionOptionNames().end());
  Args args;
  std::string error;
  std::set<std::string> flags = {"help", "no-stats"};
  flags.insert(SamplingFlagNames().begin(), SamplingFlagNames().end());
  if (!args.Parse(argc, argv, 2, valued, flags, error)) return UsageError(error, kUsage);
  if (args.Has("help")) return std::fputs(kUsage, stdout), 0;
  SamplingOptions so;
  long long threads = 0, ctx = 0;
  if (!ReadSamplingOptions(args, so, error) || !args.GetInt("threads", 0, threads, error) ||
      !args.GetInt("ctx", 0, ctx, error)) {
    return UsageError(error, kUsage);
  }
  std::string tools_json;
  if (args.Has("tools") && !ReadWholeFile(args.Get("tools"), tools_json)) {
    return UsageError("cannot read --tools file " + args.Get("tools"), kUsage);
  }
  gemmakit_tool_params tools;
  gemmakit_tool_params_init(&tools, sizeof tools);
  tools.tools_json = tools_json.c_str();
  tools.on_call = PrintCall;
  gemmakit_model* model = nullptr;
  gemmakit_session* session = nullptr;
  if (int rc = OpenSession(args, threads, ctx, &model, &session)) return rc;
  if (int rc = UseModelSampling(args, model, so)) {
    gemmakit_session_free(session);
    gemmakit_model_free(model);
    return rc;
  }

  // Roles and texts of the conversation so far; messages point into them.
  std::vector<std::pair<std::string, std::string>> history;
  if (args.Has("system")) history.emplace_back("system", args.Get("system"));
  const size_t base = history.size();
  int rc = 0;
  std::string line;
  while (true) {
    std::fprintf(stderr, "> ");
    if (!std::getline(std::cin, line) || line == "/exit") break;
    if (line == "/reset") {
      history.resize(base);
      gemmakit_session_reset(session);
      continue;
    }
    if (line.empty()) continue;
    if (line.rfind("/result ", 0) == 0) {
      history.emplace_back("tool", line.substr(8));
    } else {
      history.emplace_back("user", line);
    }
    std::vector<gemmakit_chat_message> msgs;
    for (const auto& [role, text] : history) msgs.push_back({role.c_str(), text.c_str()});
    gemmakit_generation g;
    g.struct_size = sizeof g;
    const gemmakit_status st = args.Has("tools")
                                   ? gemmakit_session_chat_tools(session, msgs.data(), msgs.size(), &tools, &so.generate, &g)
                                   : gemmakit_session_chat(session, msgs.data(), msgs.size(), &so.generate, &g);
    if (st != GEMMAKIT_OK) {
      history.pop_back();
      rc = LibraryError("chat failed");
      if (gemmakit_session_reset(session) != GEMMAKIT_OK) break;
      continue;
    }
    history.emplace_back("model", std::string(g.text, g.text_len));
    std::printf("\n");
    if (!args.Has("no-stats")) PrintStats(g);
  }
  gemmakit_session_free(session);
  gemmakit_model_free(model);
  return rc;
}

}  // namespace cli
