#include <cstdio>

#include "commands.h"
#include "common.h"
#include "media_input.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: gemmakit generate --model DIR --prompt TEXT [--chat | --raw] [--system TEXT]\n"
    "         [--max-tokens N] [--temperature T] [--top-k K] [--top-p P] [--min-p P]\n"
    "         [--repeat-penalty R] [--repeat-last-n N] [--seed S] [--stop TEXT]... [--threads N]\n"
    "         [--image FILE]... [--audio FILE]... [--mmproj FILE.gguf]\n"
    "         [--kv-type f32|bf16|f16|q8_0]\n"
    "         [--precision exact|fast] [--lora DIR[:SCALE]]... [--lora-merge DIR[:SCALE]]...\n"
    "  --lora applies a PEFT LoRA adapter folder at SCALE (default 1) beside the weights (repeatable);\n"
    "  --lora-merge folds one into the weights at load.\n"
    "         [--grammar FILE.gbnf [--grammar-root NAME] | --json-schema FILE | --json]\n"
    "  --grammar constrains the output to a GBNF grammar (llama.cpp's format), --json-schema to JSON\n"
    "  valid under a JSON schema, --json to any JSON object.\n"
    "  Sampling options left out take the model's recommended values (its generation_config.json or\n"
    "  GGUF general.sampling.* keys; `gemmakit info` lists them), else temperature 1, top-k 64, top-p 0.95.\n"
    "  --chat (default) wraps the prompt in Gemma's chat template; --raw continues the text as is.\n"
    "  --image (JPEG or PNG; multimodal Gemma 3) goes where the prompt says <start_of_image>, one\n"
    "  marker per image in order; a prompt without markers gets the images first. --mmproj gives\n"
    "  a Gemma 3 or 3n text model its vision tower (llama.cpp's projector file). --audio (WAV, FLAC, Ogg;\n"
    "  Gemma 3n) goes where the prompt says <start_of_audio>, or first, the same way.\n"
    "  Text streams to stdout; prompt and generation speed and time to first token go to stderr.\n";

}  // namespace

int RunGenerate(int argc, char** argv) {
  std::set<std::string> valued = SamplingOptionNames();
  valued.insert({"model", "precision", "prompt", "system", "threads", "ctx", "image", "audio", "mmproj", "slice"});
  valued.insert(SessionOptionNames().begin(), SessionOptionNames().end());
  Args args;
  std::string error;
  std::set<std::string> flags = {"chat", "raw", "help", "no-stats"};
  flags.insert(SamplingFlagNames().begin(), SamplingFlagNames().end());
  if (!args.Parse(argc, argv, 2, valued, flags, error)) return UsageError(error, kUsage);
  if (args.Has("help")) return std::fputs(kUsage, stdout), 0;
  if (!args.Has("prompt")) return UsageError("--prompt is required", kUsage);
  if (args.Has("chat") && args.Has("raw")) return UsageError("--chat and --raw exclude each other", kUsage);
  if (args.Has("raw") && args.Has("system")) return UsageError("--system needs --chat", kUsage);
  SamplingOptions so;
  long long threads = 0, ctx = 0;
  if (!ReadSamplingOptions(args, so, error) || !args.GetInt("threads", 0, threads, error) ||
      !args.GetInt("ctx", 0, ctx, error)) {
    return UsageError(error, kUsage);
  }

  gemmakit_model* model = nullptr;
  gemmakit_session* session = nullptr;
  CliMedia media;
  if (!media.Load(args)) return 1;
  int rc = OpenSession(args, threads, ctx, &model, &session);
  if (rc == 0) rc = UseModelSampling(args, model, so);
  if (rc == 0) {
    gemmakit_generation g;
    g.struct_size = sizeof g;
    const std::string prompt = args.Get("prompt"), system = args.Get("system");
    gemmakit_status st;
    if (args.Has("raw") && !media.empty()) {
      const std::string raw = RawPromptWithMedia(prompt, media);
      st = gemmakit_session_generate_content(session, raw.c_str(), media.parts().data(), media.parts().size(),
                                             &so.generate, &g);
    } else if (args.Has("raw")) {
      st = gemmakit_session_generate(session, prompt.c_str(), &so.generate, &g);
    } else if (!media.empty()) {
      std::vector<std::string> texts;
      std::vector<gemmakit_content_part> parts;
      if (!UserTurnParts(prompt, media, texts, parts, error)) {
        gemmakit_session_free(session);
        gemmakit_model_free(model);
        return UsageError(error, kUsage);
      }
      gemmakit_content_part system_part{};
      system_part.struct_size = sizeof system_part;
      system_part.type = GEMMAKIT_PART_TEXT;
      system_part.text = system.c_str();
      std::vector<gemmakit_content_turn> turns;
      if (args.Has("system")) turns.push_back({sizeof(gemmakit_content_turn), "system", &system_part, 1});
      turns.push_back({sizeof(gemmakit_content_turn), "user", parts.data(), parts.size()});
      st = gemmakit_session_chat_content(session, turns.data(), turns.size(), &so.generate, &g);
    } else {
      std::vector<gemmakit_chat_message> msgs;
      if (args.Has("system")) msgs.push_back({"system", system.c_str()});
      msgs.push_back({"user", prompt.c_str()});
      st = gemmakit_session_chat(session, msgs.data(), msgs.size(), &so.generate, &g);
    }
    if (st != GEMMAKIT_OK) {
      rc = LibraryError("generation failed");
    } else {
      std::printf("\n");
      if (!args.Has("no-stats")) PrintStats(g);
    }
  }
  gemmakit_session_free(session);
  gemmakit_model_free(model);
  return rc;
}

}  // namespace cli
