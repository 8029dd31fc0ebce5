// --lora DIR[:SCALE] (repeatable): PEFT LoRA adapters made active in a command's session, and
// --lora-merge DIR[:SCALE] (repeatable): adapters folded into the weights at load.
#pragma once

#include <string>
#include <vector>

#include "args.h"
#include "gemmakit.h"
#include "lora_spec.h"

namespace cli {

using gemmakit_app::LoraSpec;
using gemmakit_app::ParseLoraSpec;
// The --lora-merge adapters, kept for gemmakit_model_params to point into.
class LoraMergeOptions : public gemmakit_app::MergeAdapterParams {
 public:
  explicit LoraMergeOptions(const Args& args);
};
// Loads every --lora adapter for model and makes them active in session. Returns an exit code.
int ApplyLoraOptions(const Args& args, gemmakit_model* model, gemmakit_session* session);

}  // namespace cli
