#include "io/gguf_mobilenet_map.h"

#include <cmath>
#include <map>

#include "gemmakit/status.h"
#include "io/hf_mobilenet_config.h"
#include "io/mapped_file.h"
#include "io/mmproj_fields.h"

namespace gemmakit {
namespace {

// One block's tensors by their name after "v.blk.S.I.".
using BlockTensors = std::map<std::string, const GgufTensorInfo*>;

std::string BlockName(size_t stage, size_t index) { return "v.blk." + std::to_string(stage) + "." + std::to_string(index); }

// The PyTorch-order shape of a block's `suffix` tensor, which must have `rank` dims; empty when
// the block has no such tensor and it is optional.
std::vector<int64_t> Shape(const BlockTensors& b, const std::string& block, const std::string& suffix, size_t rank,
                           bool required, const std::string& path) {
  const auto it = b.find(suffix);
  if (it == b.end()) {
    if (required) Fail(Status::kFormatError, path + ": Gemma 3n mmproj block " + block + " has no " + suffix);
    return {};
  }
  std::vector<int64_t> s;
  for (auto d = it->second->dims.rbegin(); d != it->second->dims.rend(); ++d) s.push_back(static_cast<int64_t>(*d));
  if (s.size() != rank) {
    Fail(Status::kFormatError, path + ": " + block + "." + suffix + " has " + std::to_string(s.size()) + " dims, not " +
                                   std::to_string(rank));
  }
  return s;
}

// A block's arguments as timm would have decoded them, from what its tensors hold.
MobileNetBlockArgs InferBlock(const BlockTensors& b, const std::string& block, bool stage_start, int64_t in_ch,
                              const std::string& path) {
  MobileNetBlockArgs a;
  const auto ratio = [&](int64_t mid) { return static_cast<double>(mid) / static_cast<double>(in_ch); };
  if (b.count("conv_exp.weight")) {
    a.block_type = "er";
    const std::vector<int64_t> exp = Shape(b, block, "conv_exp.weight", 4, true, path);
    a.out_chs = Shape(b, block, "conv_pwl.weight", 4, true, path)[0];
    a.exp_kernel_size = exp[2];
    a.exp_ratio = ratio(exp[0]);
    a.stride = stage_start ? 2 : 1;
  } else if (b.count("attn.query.proj.weight")) {
    a.block_type = "mqa";
    const int64_t queries = Shape(b, block, "attn.query.proj.weight", 4, true, path)[0];
    a.key_dim = Shape(b, block, "attn.key.proj.weight", 4, true, path)[0];
    a.value_dim = Shape(b, block, "attn.value.proj.weight", 4, true, path)[0];
    a.out_chs = Shape(b, block, "attn.output.proj.weight", 4, true, path)[0];
    if (a.key_dim < 1 || queries % a.key_dim != 0) {
      Fail(Status::kFormatError, path + ": " + block + "'s query width " + std::to_string(queries) +
                                     " is not a whole number of " + std::to_string(a.key_dim) + "-wide heads");
    }
    a.num_heads = queries / a.key_dim;
    // Keys and values are downsampled (stride 2) exactly when the block has the depthwise convs.
    const std::vector<int64_t> down = Shape(b, block, "attn.key.down_conv.weight", 4, false, path);
    if (!down.empty()) {
      Shape(b, block, "attn.value.down_conv.weight", 4, true, path);
      a.kv_stride = 2;
      a.dw_kernel_size = down[2];
    }
  } else if (b.count("pw_exp.conv.weight") || b.count("pw_proj.conv.weight")) {
    a.block_type = "uir";
    a.exp_ratio = ratio(Shape(b, block, "pw_exp.conv.weight", 4, true, path)[0]);
    a.out_chs = Shape(b, block, "pw_proj.conv.weight", 4, true, path)[0];
    const std::vector<int64_t> start = Shape(b, block, "dw_start.conv.weight", 4, false, path);
    const std::vector<int64_t> mid = Shape(b, block, "dw_mid.conv.weight", 4, false, path);
    a.dw_kernel_size_start = start.empty() ? 0 : start[2];
    a.dw_kernel_size_mid = mid.empty() ? 0 : mid[2];
    a.stride = stage_start ? 2 : 1;
  } else {
    Fail(Status::kFormatError, path + ": Gemma 3n mmproj block " + block +
                                   " has none of the tensors of an edge residual (conv_exp), inverted residual "
                                   "(pw_exp.conv) or attention (attn.query.proj) block");
  }
  return a;
}

// "v.blk.S.I.rest" → S, I, rest; false for other names.
bool SplitBlockName(const std::string& name, size_t* stage, size_t* index, std::string* rest) {
  if (name.compare(0, 6, "v.blk.") != 0) return false;
  size_t pos = 6;
  size_t* out[2] = {stage, index};
  for (size_t* o : out) {
    const size_t dot = name.find('.', pos);
    if (dot == std::string::npos || dot == pos || dot - pos > 4) return false;
    for (size_t i = pos; i < dot; ++i) {
      if (name[i] < '0' || name[i] > '9') return false;
    }
    *o = std::stoul(name.substr(pos, dot - pos));
    pos = dot + 1;
  }
  *rest = name.substr(pos);
  return !rest->empty();
}

std::string CanonicalName(const std::string& name) {
  static const std::pair<const char*, const char*> kTop[] = {
      {"mm.input_projection.weight", "embed_vision.embedding_projection.weight"},
      {"mm.soft_emb_norm.weight", "embed_vision.soft_embedding_norm.weight"},
      {"mm.hard_emb_norm.weight", "embed_vision.hard_embedding_norm.weight"},
      {"mm.embedding.weight", "embed_vision.embedding.weight"},
  };
  for (const auto& [from, to] : kTop) {
    if (name == from) return to;
  }
  for (const char* prefix : {"v.conv_stem.", "v.msfa."}) {
    const std::string p = prefix;
    if (name.compare(0, p.size(), p) == 0) return "mobilenet." + name.substr(2);
  }
  return "";
}

}  // namespace

VisionCheckpoint MobileNetFromMmproj(const GgufFile& g, const std::string& path) {
  std::vector<std::vector<BlockTensors>> stages;
  auto index = std::make_shared<TensorIndex>();
  int64_t stem_ch = 0;
  for (const GgufTensorInfo& t : g.tensors) {
    size_t s = 0, i = 0;
    std::string rest, name;
    if (SplitBlockName(t.name, &s, &i, &rest)) {
      if (s >= 64 || i >= 256) Fail(Status::kFormatError, path + ": block number out of range in " + t.name);
      if (stages.size() <= s) stages.resize(s + 1);
      if (stages[s].size() <= i) stages[s].resize(i + 1);
      stages[s][i][rest] = &t;
      name = "mobilenet.blocks." + t.name.substr(6);
    } else {
      name = CanonicalName(t.name);
    }
    if (name.empty()) continue;  // the audio tower and embedder a combined file also holds
    TensorEntry e = MmprojEntry(t, name, path);
    // The converter stores per-channel vectors as [1, C, 1, 1] so ggml broadcasts them.
    if (rest == "layer_scale.gamma" || name == "mobilenet.conv_stem.conv.bias") e.shape = {e.numel()};
    if (name == "mobilenet.conv_stem.conv.weight" && !e.shape.empty()) stem_ch = e.shape[0];
    index->Add(std::move(e));
  }
  index->KeepAlive(g.file);
  if (stem_ch == 0) Fail(Status::kFormatError, path + ": Gemma 3n mmproj has no v.conv_stem.conv.weight");
  if (stages.size() < 2) Fail(Status::kFormatError, path + ": Gemma 3n mmproj has fewer than two stages of v.blk.* tensors");

  VisionCheckpoint vc;
  MobileNetHParams& hp = vc.mobilenet.emplace();
  hp.stem_size = stem_ch;
  auto& block_args = hp.block_args.emplace();
  int64_t ch = stem_ch;
  for (size_t s = 0; s < stages.size(); ++s) {
    if (stages[s].empty()) Fail(Status::kFormatError, path + ": Gemma 3n mmproj has no blocks in stage " + std::to_string(s));
    block_args.emplace_back();
    for (size_t i = 0; i < stages[s].size(); ++i) {
      if (stages[s][i].empty()) Fail(Status::kFormatError, path + ": Gemma 3n mmproj has no tensors for " + BlockName(s, i));
      MobileNetBlockArgs a = InferBlock(stages[s][i], BlockName(s, i), i == 0, ch, path);
      ch = a.out_chs;
      block_args.back().push_back(std::move(a));
    }
  }
  hp.hidden_size = RequireMmprojInt(g, "clip.vision.embedding_length");
  hp.text_hidden_size = RequireMmprojInt(g, "clip.vision.projection_dim");
  if (const GgufValue* eps = g.Find("clip.vision.attention.layer_norm_epsilon"); eps && eps->type == GgufType::kFloat32) {
    hp.rms_norm_eps = eps->f;
  }
  if (const TensorEntry* hard = index->Find("embed_vision.embedding.weight"); hard && !hard->shape.empty()) {
    hp.vocab_size = hard->shape[0];
  }
  // The converter records image_seq_length as patch_size = image_size / tokens; the MSFA pools to
  // a square grid of those tokens.
  const int64_t image = RequireMmprojInt(g, "clip.vision.image_size"), patch = RequireMmprojInt(g, "clip.vision.patch_size");
  if (image < 1 || image > 8192 || patch < 1 || image % patch != 0) {
    Fail(Status::kFormatError, path + ": clip.vision.image_size " + std::to_string(image) +
                                   " is not a whole number of clip.vision.patch_size " + std::to_string(patch));
  }
  const int64_t tokens = image / patch;
  const int64_t grid = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(tokens))));
  if (grid * grid != tokens) {
    Fail(Status::kFormatError, path + ": " + std::to_string(tokens) + " soft tokens per image (image_size / patch_size) is not a square grid");
  }
  hp.msfa_output_resolution = grid;
  hp.soft_tokens_per_image = tokens;
  // MobileNet-V5 rescales pixels to [0, 1] and does not normalise (the file says mean 0, std 1).
  vc.processor.height = vc.processor.width = image;
  vc.processor.do_normalize = false;
  vc.tensors = index;
  return vc;
}

void TakeTextSideImageFields(const std::string& text_model_path, MobileNetHParams& tower) {
  const std::string config = JoinPath(text_model_path, "config.json");
  if (!IsDirectory(text_model_path) || !FileExists(config)) return;
  const std::optional<MobileNetHParams> text = ParseHfMobileNetConfig(ReadTextFile(config));
  if (!text) return;
  tower.boi_token_id = text->boi_token_id;
  tower.eoi_token_id = text->eoi_token_id;
  tower.image_token_id = text->image_token_id;
  tower.vocab_offset = text->vocab_offset;
}

}  // namespace gemmakit
