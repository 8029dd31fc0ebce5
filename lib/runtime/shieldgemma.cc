#include "gemmakit/shieldgemma.h"

#include <cmath>

#include "gemmakit/status.h"
#include "gemmakit/tokenizer.h"

namespace gemmakit::shieldgemma {

double ProbabilityOfYes(Session& session, std::string_view prompt) {
  const Tokenizer& tok = session.model().tokenizer();
  // The card looks the answers up as vocabulary pieces (vocab['Yes']), not by tokenizing them.
  const int32_t yes = tok.PieceToId("Yes");
  const int32_t no = tok.PieceToId("No");
  if (yes < 0 || no < 0) {
    Fail(Status::kUnsupported, "ShieldGemma: the vocabulary has no 'Yes' or 'No' piece (not a ShieldGemma model?)");
  }
  std::vector<int32_t> ids;
  if (tok.special().bos >= 0) ids.push_back(tok.special().bos);
  const std::vector<int32_t> text = tok.Encode(prompt, /*parse_special=*/true);
  ids.insert(ids.end(), text.begin(), text.end());
  session.Reset();
  session.Evaluate(ids);
  const float* last = session.logits(session.logits_rows() - 1);
  // softmax over the two answers: 1 / (1 + e^(no - yes)).
  return 1.0 / (1.0 + std::exp(static_cast<double>(last[no]) - static_cast<double>(last[yes])));
}

}  // namespace gemmakit::shieldgemma
