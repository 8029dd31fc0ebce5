#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: gemmakit embed --model DIR --text TEXT [--text TEXT]... [--prompt-name NAME] [--dim N]\n"
    "       [--out FILE] [--threads N] [--stats]\n"
    "  Embeds each text with an embedding model (EmbeddingGemma's sentence-transformers folder).\n"
    "  --prompt-name puts one of the model's named prompts before each text (query, document, STS, ...);\n"
    "  --dim N keeps the first N values, renormalised (Matryoshka: 512, 256, 128). With --out, writes the\n"
    "  vectors as float32 rows [texts, dim] to FILE; without, prints one line of values per text.\n"
    "  --stats prints the time taken and embeddings per second to stderr.\n";

}  // namespace

int RunEmbed(int argc, char** argv) {
  Args args;
  std::string error;
  if (!args.Parse(argc, argv, 2, {"model", "text", "prompt-name", "dim", "out", "threads", "precision"}, {"stats", "help"}, error)) {
    return UsageError(error, kUsage);
  }
  if (args.Has("help")) return std::fputs(kUsage, stdout), 0;
  const std::vector<std::string> texts = args.GetAll("text");
  if (texts.empty()) return UsageError("--text is required", kUsage);
  long long dim = 0, threads = 0;
  if (!args.GetInt("dim", 0, dim, error) || !args.GetInt("threads", 0, threads, error)) return UsageError(error, kUsage);
  if (dim < 0 || dim > (1 << 20) || threads < 0 || threads > 1024) return UsageError("--dim and --threads must be small non-negative numbers", kUsage);
  gemmakit_model* model = nullptr;
  if (int rc = LoadModel(args, &model)) return rc;
  gemmakit_embed_params p;
  gemmakit_embed_params_init(&p, sizeof p);
  const std::string prompt = args.Get("prompt-name");
  p.prompt_name = prompt.empty() ? nullptr : prompt.c_str();
  p.dim = static_cast<int32_t>(dim);
  p.n_threads = static_cast<int32_t>(threads);
  int32_t width = 0;
  int rc = 0;
  if (gemmakit_model_embedding_dim(model, &width) != GEMMAKIT_OK) {
    gemmakit_model_free(model);
    return LibraryError("not an embedding model");
  }
  const size_t cols = dim > 0 ? static_cast<size_t>(dim) : static_cast<size_t>(width);
  std::vector<const char*> ptrs;
  for (const std::string& t : texts) ptrs.push_back(t.c_str());
  std::vector<float> out(ptrs.size() * cols);
  const auto start = std::chrono::steady_clock::now();
  if (gemmakit_embed(model, ptrs.data(), ptrs.size(), &p, out.data(), out.size()) != GEMMAKIT_OK) {
    rc = LibraryError("embedding failed");
  } else {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (args.Has("stats")) {
      std::fprintf(stderr, "embedded %zu texts in %.1f ms: %.1f embeddings/s\n", ptrs.size(), seconds * 1e3,
                   static_cast<double>(ptrs.size()) / seconds);
    }
    if (args.Has("out")) {
      const std::string path = args.Get("out");
      FILE* f = std::fopen(path.c_str(), "wb");
      if (!f || std::fwrite(out.data(), sizeof(float), out.size(), f) != out.size()) {
        std::fprintf(stderr, "gemmakit: cannot write %s\n", path.c_str());
        rc = 1;
      }
      if (f && std::fclose(f) != 0) rc = 1;
    } else {
      for (size_t i = 0; i < ptrs.size(); ++i) {
        for (size_t j = 0; j < cols; ++j) std::printf(j ? " %.8g" : "%.8g", static_cast<double>(out[i * cols + j]));
        std::printf("\n");
      }
    }
  }
  gemmakit_model_free(model);
  return rc;
}

}  // namespace cli
