// "DIR[:SCALE]": how every gemmakit program takes a PEFT LoRA adapter on its command line (the CLI's
// --lora and --lora-merge, gemmakit-serve's). Header-only: both are clients of the C API and share no
// library of their own.
#pragma once

#include <cstdlib>
#include <string>

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

}  // namespace gemmakit_app
