#include "lora_option.h"

#include <cstdio>
#include <cstdlib>

#include "common.h"

namespace cli {

namespace {

std::vector<LoraSpec> MergeSpecs(const Args& args) {
  std::vector<LoraSpec> specs;
  for (const std::string& v : args.GetAll("lora-merge")) specs.push_back(ParseLoraSpec(v));
  return specs;
}

}  // namespace

LoraMergeOptions::LoraMergeOptions(const Args& args) : MergeAdapterParams(MergeSpecs(args)) {}

int ApplyLoraOptions(const Args& args, gemmakit_model* model, gemmakit_session* session) {
  const std::vector<std::string> values = args.GetAll("lora");
  if (values.empty()) return 0;
  std::vector<gemmakit_adapter*> adapters;
  std::vector<float> scales;
  int rc = 0;
  for (const std::string& v : values) {
    const LoraSpec spec = ParseLoraSpec(v);
    gemmakit_adapter* a = nullptr;
    if (gemmakit_adapter_load(model, spec.dir.c_str(), &a) != GEMMAKIT_OK) {
      rc = LibraryError(("cannot load adapter " + spec.dir).c_str());
      break;
    }
    adapters.push_back(a);
    scales.push_back(spec.scale);
  }
  if (rc == 0 && gemmakit_session_set_adapters(session, adapters.data(), scales.data(), adapters.size()) != GEMMAKIT_OK) {
    rc = LibraryError("cannot activate adapters");
  }
  // The session keeps what it uses.
  for (gemmakit_adapter* a : adapters) gemmakit_adapter_free(a);
  return rc;
}

}  // namespace cli
