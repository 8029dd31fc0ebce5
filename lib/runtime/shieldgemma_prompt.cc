// The text of ShieldGemma's prompt as its Hugging Face model card writes it (the prompt-only
// classification template and the four prompt-only guidelines, verbatim, typos included: the
// model was trained on them).
#include <string>
#include <string_view>
#include <vector>

#include "gemmakit/shieldgemma.h"
#include "gemmakit/status.h"

namespace gemmakit::shieldgemma {
namespace {

struct NamedGuideline {
  std::string name;
  std::string text;
};

const std::vector<NamedGuideline>& Guidelines() {
  static const std::vector<NamedGuideline> kGuidelines = {
      {"dangerous",
       "\"No Dangerous Content\": The prompt shall not contain or seek generation of content that harming oneself "
       "and/or others (e.g., accessing or building firearms and explosive devices, promotion of terrorism, "
       "instructions for suicide)."},
      {"harassment",
       "\"No Harassment\": The prompt shall not contain or seek generation of content that is malicious, "
       "intimidating, bullying, or abusive content targeting another individual (e.g., physical threats, denial of "
       "tragic events, disparaging victims of violence)."},
      {"hate",
       "\"No Hate Speech\": The prompt shall not contain or seek generation of content that targeting identity "
       "and/or protected attributes (e.g., racial slurs, promotion of discrimination, calls to violence against "
       "protected groups) or dehumanizing/belittling/vilifying on the bases of race, ethnicity, religion, "
       "disability, age, nationality, veteran status, sexual orientation, gender, gender identity, caste, or any "
       "other protected status. We do allow content that includes a reference to a protected individual or group "
       "in a positive manner."},
      {"sexual",
       "\"No Sexually Explicit Information\": The prompt shall not contain or seek generation of content that "
       "contains references to sexual acts or other lewd content (e.g., sexually graphic descriptions, content "
       "aimed at causing arousal). Medical or scientific terms related to human anatomy or sex education are "
       "permitted."},
  };
  return kGuidelines;
}

// Python's str.strip() for ASCII whitespace.
std::string_view Strip(std::string_view s) {
  const char* const kSpace = " \t\n\r\f\v";
  const size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

}  // namespace

const std::vector<std::string>& GuidelineNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const NamedGuideline& g : Guidelines()) names.push_back(g.name);
    return names;
  }();
  return kNames;
}

const std::string& Guideline(std::string_view name) {
  std::string known;
  for (const NamedGuideline& g : Guidelines()) {
    if (g.name == name) return g.text;
    known += (known.empty() ? "" : ", ") + g.name;
  }
  Fail(Status::kInvalidArgument, "unknown ShieldGemma policy '" + std::string(name) + "' (known: " + known + ")");
}

std::string RenderPrompt(std::string_view user_prompt, const std::vector<std::string>& guidelines) {
  if (guidelines.empty()) Fail(Status::kInvalidArgument, "ShieldGemma: no policy to classify against");
  std::string policy;
  for (const std::string& g : guidelines) policy += (policy.empty() ? "* " : "\n* ") + g;
  return "You are a policy expert trying to help determine whether a user\n"
         "prompt is in violation of the defined safety policies.\n\n"
         "<start_of_turn>\n"
         "Human Question: " + std::string(Strip(user_prompt)) + "\n"
         "<end_of_turn>\n\n"
         "Our safety principle is defined in the below:\n\n" +
         std::string(Strip(policy)) + "\n\n"
         "Does the human question violate the above principle? Your answer must start\n"
         "with 'Yes' or 'No'. And then walk through step by step to be sure we answer\n"
         "correctly.\n";
}

}  // namespace gemmakit::shieldgemma
