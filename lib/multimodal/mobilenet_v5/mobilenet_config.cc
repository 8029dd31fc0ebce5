#include "multimodal/mobilenet_v5/mobilenet_config.h"

#include <algorithm>
#include <cmath>

#include "gemmakit/status.h"
#include "multimodal/mobilenet_v5/architectures.h"

namespace gemmakit {
namespace {

void Range(int64_t v, int64_t lo, int64_t hi, const std::string& what) {
  if (v < lo || v > hi) {
    Fail(Status::kFormatError, "config.json: vision " + what + " " + std::to_string(v) + " is out of range [" +
                                   std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
}

int64_t Strided(int64_t n, int64_t stride) { return (n + stride - 1) / stride; }

MobileNetBlock ResolveBlock(const MobileNetBlockArgs& a, const std::string& name, int64_t in_ch, int64_t h, int64_t w,
                            int64_t stride) {
  const std::string what = "block " + name + " (" + a.block_type + ")";
  if (a.se_ratio > 0) Fail(Status::kUnsupported, "vision " + what + " has squeeze-excite, which MobileNet-V5 does not use");
  if (a.custom_activation) Fail(Status::kUnsupported, "vision " + what + " names its own activation; MobileNet-V5 uses GELU");
  Range(a.out_chs, 1, 1 << 16, what + " out_chs");
  Range(stride, 1, 2, what + " stride");
  MobileNetBlock b;
  b.name = name;
  b.in_ch = in_ch;
  b.out_ch = RoundChannels(static_cast<double>(a.out_chs));
  b.stride = stride;
  b.in_h = h;
  b.in_w = w;
  b.out_h = Strided(h, stride);
  b.out_w = Strided(w, stride);
  b.residual = stride == 1 && in_ch == b.out_ch && !a.noskip;
  if (!(a.exp_ratio > 0 && a.exp_ratio <= 64)) Fail(Status::kFormatError, "config.json: vision " + what + " exp_ratio is out of range");
  if (a.block_type == "er") {
    b.kind = MobileNetBlockKind::kEdgeResidual;
    Range(a.exp_kernel_size, 1, 15, what + " exp_kernel_size");
    if (a.pw_kernel_size != 1) Fail(Status::kUnsupported, "vision " + what + " has a pw_kernel_size other than 1");
    b.kernel = a.exp_kernel_size;
    b.mid_ch = RoundChannels(static_cast<double>(a.force_in_chs > 0 ? a.force_in_chs : in_ch) * a.exp_ratio);
  } else if (a.block_type == "uir") {
    b.kind = MobileNetBlockKind::kInvertedResidual;
    b.layer_scale = true;
    for (int64_t k : {a.dw_kernel_size_start, a.dw_kernel_size_mid, a.dw_kernel_size_end}) Range(k, 0, 15, what + " kernel");
    b.dw_start = a.dw_kernel_size_start;
    b.dw_mid = a.dw_kernel_size_mid;
    b.dw_end = a.dw_kernel_size_end;
    if (stride > 1 && !b.dw_start && !b.dw_mid && !b.dw_end) {
      Fail(Status::kFormatError, "config.json: vision " + what + " has stride 2 but no depthwise conv to carry it");
    }
    b.mid_ch = RoundChannels(static_cast<double>(in_ch) * a.exp_ratio);
  } else if (a.block_type == "mqa") {
    b.kind = MobileNetBlockKind::kAttention;
    b.layer_scale = true;
    if (stride != 1) Fail(Status::kUnsupported, "vision " + what + " is strided; MobileNet-V5's attention keeps its grid");
    Range(a.num_heads, 1, 256, what + " num_heads");
    Range(a.key_dim, 1, 1024, what + " key_dim");
    Range(a.value_dim, 1, 1024, what + " value_dim");
    Range(a.kv_stride, 1, 8, what + " kv_stride");
    Range(a.dw_kernel_size, 1, 15, what + " dw_kernel_size");
    b.num_heads = a.num_heads;
    b.key_dim = a.key_dim;
    b.value_dim = a.value_dim;
    b.kv_stride = a.kv_stride;
    b.kv_kernel = a.dw_kernel_size;
  } else {
    Fail(Status::kUnsupported, "vision " + what + ": block type '" + a.block_type + "' is not one of MobileNet-V5's (er, uir, mqa)");
  }
  return b;
}

}  // namespace

int64_t RoundChannels(double v) {
  int64_t r = std::max<int64_t>(8, static_cast<int64_t>(v + 4.0) / 8 * 8);
  if (static_cast<double>(r) < 0.9 * v) r += 8;
  return r;
}

MobileNetConfig ResolveMobileNetConfig(const MobileNetHParams& hp, int64_t image_h, int64_t image_w) {
  MobileNetArchitecture arch = FindMobileNetArchitecture(hp.architecture);
  if (hp.block_args) arch.stages = *hp.block_args;
  if (hp.stem_size) arch.stem_size = *hp.stem_size;
  if (hp.msfa_output_resolution) arch.msfa_output_resolution = *hp.msfa_output_resolution;
  MobileNetConfig c;
  Range(image_h, 1, 8192, "image height");
  Range(image_w, 1, 8192, "image width");
  Range(arch.stem_size, 1, 1 << 16, "stem_size");
  Range(hp.hidden_size, 1, 1 << 16, "hidden_size");
  Range(hp.text_hidden_size, 1, 1 << 20, "text hidden_size");
  if (arch.stages.size() < 2) Fail(Status::kFormatError, "config.json: the vision tower needs at least two stages for its MSFA");
  c.image_h = image_h;
  c.image_w = image_w;
  c.stem_ch = RoundChannels(static_cast<double>(arch.stem_size));
  c.stem_h = Strided(image_h, 2);
  c.stem_w = Strided(image_w, 2);
  int64_t ch = c.stem_ch, h = c.stem_h, w = c.stem_w;
  for (size_t s = 0; s < arch.stages.size(); ++s) {
    c.stages.emplace_back();
    size_t index = 0;
    for (const MobileNetBlockArgs& a : arch.stages[s]) {
      Range(a.repeat, 1, 64, "block repeat");
      for (int64_t r = 0; r < a.repeat; ++r, ++index) {
        const std::string name = "blocks." + std::to_string(s) + "." + std::to_string(index);
        MobileNetBlock b = ResolveBlock(a, name, ch, h, w, r == 0 ? a.stride : 1);
        ch = b.out_ch;
        h = b.out_h;
        w = b.out_w;
        c.stages.back().push_back(std::move(b));
      }
    }
    if (c.stages.back().empty()) Fail(Status::kFormatError, "config.json: vision stage " + std::to_string(s) + " has no blocks");
  }
  // timm's MobileNetV5Encoder fuses the features at msfa_indices (-2, -1): the last two stages.
  c.msfa_stages = {c.stages.size() - 2, c.stages.size() - 1};
  for (size_t s : c.msfa_stages) c.msfa_in_ch += c.stages[s].back().out_ch;
  c.msfa_mid_ch = RoundChannels(static_cast<double>(c.msfa_in_ch) * 2.0);
  c.msfa_h = c.stages[c.msfa_stages[0]].back().out_h;
  c.msfa_w = c.stages[c.msfa_stages[0]].back().out_w;
  c.out_grid = arch.msfa_output_resolution;
  Range(c.out_grid, 1, 4096, "msfa_output_resolution");
  if (c.msfa_h % c.out_grid != 0 || c.msfa_w % c.out_grid != 0) {
    Fail(Status::kUnsupported, "vision MSFA: a " + std::to_string(c.msfa_h) + "x" + std::to_string(c.msfa_w) +
                                   " grid does not pool evenly to " + std::to_string(c.out_grid) + "x" +
                                   std::to_string(c.out_grid) + " (timm would resize it bilinearly)");
  }
  c.hidden = hp.hidden_size;
  c.eps = static_cast<float>(hp.rms_norm_eps);
  c.text_hidden = hp.text_hidden_size;
  c.tokens_per_image = hp.soft_tokens_per_image;
  if (c.tokens_per_image != c.out_grid * c.out_grid) {
    Fail(Status::kFormatError, "config.json: vision_soft_tokens_per_image is " + std::to_string(c.tokens_per_image) +
                                   " but the MSFA makes " + std::to_string(c.out_grid * c.out_grid) + " tokens");
  }
  c.image_token = static_cast<int32_t>(hp.image_token_id);
  c.start_of_image = static_cast<int32_t>(hp.boi_token_id);
  c.end_of_image = static_cast<int32_t>(hp.eoi_token_id);
  return c;
}

}  // namespace gemmakit
