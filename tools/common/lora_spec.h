// "DIR[:SCALE]": how every gemmakit program takes a PEFT LoRA adapter on its command line (the CLI's
// --lora and --lora-merge, gemmakit-serve's), and the merged ones as model params. Header-only: both
// are clients of the C API and share no library of their own.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "gemmakit.h"

namespace gemmakit_app {

struct LoraSpec {
  std::string dir;
  float scale = 1.f;
};

// A suffix after the last ':' that is not a number belongs to DIR.
inline LoraSpec ParseLoraSpec(const std::string& value) {
  LoraSpec spec{value, 1.f};
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) return spec;
  const std::string tail = value.substr(colon + 1);
  char* end = nullptr;
  const float scale = std::strtof(tail.c_str(), &end);
  if (tail.empty() || *end != '\0') return spec;
  return LoraSpec{value.substr(0, colon), scale};
}

// --lora-merge adapters as gemmakit_model_params points at them (folded into the weights at load).
class MergeAdapterParams {
 public:
  explicit MergeAdapterParams(std::vector<LoraSpec> specs) : specs_(std::move(specs)) {
    for (const LoraSpec& s : specs_) dirs_.push_back(s.dir.c_str()), scales_.push_back(s.scale);
  }
  MergeAdapterParams(const MergeAdapterParams&) = delete;  // mp points into this object
  MergeAdapterParams& operator=(const MergeAdapterParams&) = delete;

  // Sets mp's merge_adapters fields; valid while this object lives.
  void Apply(gemmakit_model_params& mp) const {
    mp.merge_adapters = dirs_.data();
    mp.merge_adapter_scales = scales_.data();
    mp.n_merge_adapters = static_cast<int32_t>(dirs_.size());
  }

 private:
  std::vector<LoraSpec> specs_;
  std::vector<const char*> dirs_;
  std::vector<float> scales_;
};

}  // namespace gemmakit_app
