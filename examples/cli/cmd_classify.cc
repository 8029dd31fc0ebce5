#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: gemmakit classify --model DIR --text USER_PROMPT --policy NAME [--policy NAME]...\n"
    "       [--response MODEL_RESPONSE] [--policy-text GUIDELINE]... [--threads N] [--precision exact|fast]\n"
    "       [--show-prompt]\n"
    "  ShieldGemma: prints P(Yes), the probability that the user prompt violates the policies, as\n"
    "  the model card computes it (softmax over the 'Yes' and 'No' logits after its policy prompt).\n"
    "  --response: classify this response of a model to the user prompt instead (the prompt-response\n"
    "  template of Google's ShieldGemma tutorial; the named guidelines then speak of the chatbot).\n"
    "  --policy: one of the model card's guidelines: dangerous, harassment, hate, sexual.\n"
    "  --policy-text: a guideline of your own, written as the card's are\n"
    "  ('\"No Spam\": The prompt shall not ...'); listed after the named ones.\n"
    "  --show-prompt: print the rendered prompt to stderr first.\n";

std::vector<const char*> Pointers(const std::vector<std::string>& v) {
  std::vector<const char*> out;
  for (const std::string& s : v) out.push_back(s.c_str());
  return out;
}

}  // namespace

int RunClassify(int argc, char** argv) {
  Args args;
  std::string error;
  if (!args.Parse(argc, argv, 2, {"model", "text", "response", "policy", "policy-text", "threads", "precision"},
                  {"help", "show-prompt"}, error)) {
    return UsageError(error, kUsage);
  }
  if (args.Has("help")) return std::fputs(kUsage, stdout), 0;
  long long threads = 0;
  if (!args.Has("text")) return UsageError("--text is required", kUsage);
  if (!args.Has("policy") && !args.Has("policy-text")) return UsageError("--policy or --policy-text is required", kUsage);
  if (!args.GetInt("threads", 0, threads, error)) return UsageError(error, kUsage);

  const std::string text = args.Get("text");
  const std::vector<std::string> names = args.GetAll("policy"), texts = args.GetAll("policy-text");
  const std::vector<const char*> name_ptrs = Pointers(names), text_ptrs = Pointers(texts);
  gemmakit_shieldgemma_params params;
  gemmakit_shieldgemma_params_init(&params, sizeof params);
  params.policy_names = name_ptrs.data();
  params.n_policy_names = name_ptrs.size();
  params.policy_texts = text_ptrs.data();
  params.n_policy_texts = text_ptrs.size();
  params.n_threads = static_cast<int32_t>(threads);
  const std::string response = args.Get("response");
  if (args.Has("response")) params.model_response = response.c_str();
  if (args.Has("show-prompt")) {
    size_t needed = 0;
    gemmakit_shieldgemma_prompt(text.c_str(), &params, nullptr, 0, &needed);
    std::string prompt(needed, '\0');
    if (gemmakit_shieldgemma_prompt(text.c_str(), &params, &prompt[0], prompt.size(), &needed) != GEMMAKIT_OK) {
      return LibraryError("cannot render the prompt");
    }
    std::fputs(prompt.c_str(), stderr);
  }

  gemmakit_model* model = nullptr;
  if (int rc = LoadModel(args, &model)) return rc;
  double p_yes = 0;
  const gemmakit_status st = gemmakit_shieldgemma_classify(model, text.c_str(), &params, &p_yes);
  gemmakit_model_free(model);
  if (st != GEMMAKIT_OK) return LibraryError("classification failed");
  std::printf("%.6f\n", p_yes);
  return 0;
}

}  // namespace cli
