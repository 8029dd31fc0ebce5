#include "io/vision_checkpoint.h"

#include "gemmakit/status.h"
#include "io/hf_vision_config.h"
#include "io/mapped_file.h"

namespace gemmakit {
namespace {

constexpr PrefixRule kHfVisionPrefixes[] = {
    {"vision_tower.vision_model.", "vision."},
    {"model.vision_tower.vision_model.", "vision."},
    {"multi_modal_projector.", "projector."},
    {"model.multi_modal_projector.", "projector."},
};

}  // namespace

std::optional<VisionCheckpoint> OpenHfVision(const HfCheckpoint& hf) {
  std::optional<VisionHParams> hp = ParseHfVisionConfig(hf.config_json);
  if (!hp) return std::nullopt;
  VisionCheckpoint v;
  v.hparams = *hp;
  const std::string pre = JoinPath(hf.dir, "preprocessor_config.json");
  if (FileExists(pre)) v.processor = ParsePreprocessorConfig(ReadTextFile(pre, 1u << 20));
  v.tensors = RenameByPrefix(hf.tensors, kHfVisionPrefixes, sizeof kHfVisionPrefixes / sizeof *kHfVisionPrefixes);
  return v;
}

}  // namespace gemmakit
