// gemmakit: the command-line face of the library, written against the C API only.
#include <cstdio>
#include <cstring>

#include "commands.h"
#include "gemmakit.h"

namespace {

const char kUsage[] =
    "usage: gemmakit COMMAND [options]\n"
    "commands:\n"
    "  generate  generate text from a prompt (--prompt, --chat or --raw, sampling options)\n"
    "  chat      interactive chat that keeps the conversation\n"
    "  tokenize  print the token ids of --text\n"
    "  logits    logits of every position for --tokens ID,ID,... (--out FILE: float32 [n, vocab])\n"
    "  info      describe a model\n"
    "  bench     prompt and generation speed against the memory-bandwidth roofline\n"
    "  quantize  write a model as GGUF (--in DIR|FILE --out FILE --type q8_0|q4_0|...)\n"
    "  classify  ShieldGemma: P(Yes) that --text violates --policy NAME (dangerous|harassment|hate|sexual)\n"
    "  score     log-probabilities of --continuation texts after --prompt\n"
    "  embed     embedding vectors of --text with an embedding model (EmbeddingGemma)\n"
    "  serve     an OpenAI-compatible HTTP server (runs gemmakit-serve; see its --help)\n"
    "  version   print the library version\n"
    "Every command takes --model DIR (or the GEMMAKIT_MODEL environment variable).\n"
    "Run 'gemmakit COMMAND --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char* cmd = argv[1];
  if (!std::strcmp(cmd, "generate")) return cli::RunGenerate(argc, argv);
  if (!std::strcmp(cmd, "chat")) return cli::RunChat(argc, argv);
  if (!std::strcmp(cmd, "tokenize")) return cli::RunTokenize(argc, argv);
  if (!std::strcmp(cmd, "logits")) return cli::RunLogits(argc, argv);
  if (!std::strcmp(cmd, "info")) return cli::RunInfo(argc, argv);
  if (!std::strcmp(cmd, "bench")) return cli::RunBench(argc, argv);
  if (!std::strcmp(cmd, "quantize")) return cli::RunQuantize(argc, argv);
  if (!std::strcmp(cmd, "classify")) return cli::RunClassify(argc, argv);
  if (!std::strcmp(cmd, "score")) return cli::RunScore(argc, argv);
  if (!std::strcmp(cmd, "embed")) return cli::RunEmbed(argc, argv);
  if (!std::strcmp(cmd, "serve")) return cli::RunServe(argc, argv);
  if (!std::strcmp(cmd, "version")) {
    std::printf("gemmakit %s (ABI %d)\n", gemmakit_version(), gemmakit_abi_version());
    return 0;
  }
  std::fprintf(stderr, "gemmakit: unknown command '%s'\n%s", cmd, kUsage);
  return 2;
}
