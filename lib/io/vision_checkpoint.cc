#include "io/vision_checkpoint.h"

#include "gemmakit/status.h"
#include "io/hf_mobilenet_config.h"
#include "io/hf_vision_config.h"
#include "io/gguf.h"
#include "io/gguf_checkpoint.h"
#include "io/mapped_file.h"
#include "io/gguf_mobilenet_map.h"
#include "io/mmproj_fields.h"

namespace gemmakit {
namespace {

constexpr PrefixRule kHfVisionPrefixes[] = {
    {"vision_tower.vision_model.", "vision."},
    {"model.vision_tower.vision_model.", "vision."},
    {"multi_modal_projector.", "projector."},
    {"model.multi_modal_projector.", "projector."},
};

constexpr PrefixRule kHfMobileNetPrefixes[] = {
    {"model.vision_tower.timm_model.", "mobilenet."},
    {"vision_tower.timm_model.", "mobilenet."},
    {"model.embed_vision.", "embed_vision."},
    {"embed_vision.", "embed_vision."},
};

// llama.cpp's mmproj names → canonical ones; "" for tensors gemmakit does not use.
std::string CanonicalMmprojName(const std::string& name) {
  static const std::pair<const char*, const char*> kTop[] = {
      {"v.patch_embd.weight", "vision.embeddings.patch_embedding.weight"},
      {"v.patch_embd.bias", "vision.embeddings.patch_embedding.bias"},
      {"v.position_embd.weight", "vision.embeddings.position_embedding.weight"},
      {"v.post_ln.weight", "vision.post_layernorm.weight"},
      {"v.post_ln.bias", "vision.post_layernorm.bias"},
      {"mm.input_projection.weight", "projector.mm_input_projection_weight"},
      {"mm.soft_emb_norm.weight", "projector.mm_soft_emb_norm.weight"},
  };
  for (const auto& [from, to] : kTop) {
    if (name == from) return to;
  }
  if (name.compare(0, 6, "v.blk.") != 0) return "";
  const size_t dot = name.find('.', 6);
  if (dot == std::string::npos) return "";
  const std::string layer = name.substr(6, dot - 6), rest = name.substr(dot + 1);
  static const std::pair<const char*, const char*> kLayer[] = {
      {"attn_q.", "self_attn.q_proj."}, {"attn_k.", "self_attn.k_proj."}, {"attn_v.", "self_attn.v_proj."},
      {"attn_out.", "self_attn.out_proj."}, {"ln1.", "layer_norm1."}, {"ln2.", "layer_norm2."},
      // Which of fc1 / fc2 each holds is settled by shape (older converters swapped the names).
      {"ffn_up.", "mlp.ffn_up."}, {"ffn_down.", "mlp.ffn_down."},
  };
  for (const auto& [from, to] : kLayer) {
    const std::string f = from;
    if (rest.compare(0, f.size(), f) == 0) return "vision.encoder.layers." + layer + "." + to + rest.substr(f.size());
  }
  return "";
}

}  // namespace

std::optional<VisionCheckpoint> OpenHfVision(const HfCheckpoint& hf) {
  const std::string pre = JoinPath(hf.dir, "preprocessor_config.json");
  if (std::optional<MobileNetHParams> mn = ParseHfMobileNetConfig(hf.config_json)) {
    VisionCheckpoint v;
    v.mobilenet = std::move(mn);
    if (FileExists(pre)) {
      v.processor = ParsePreprocessorConfig(ReadTextFile(pre, 1u << 20));
    } else {
      // Gemma3nProcessor's image processor: 768x768, rescaled, not normalised.
      v.processor.height = v.processor.width = 768;
      v.processor.do_normalize = false;
    }
    v.tensors = RenameByPrefix(hf.tensors, kHfMobileNetPrefixes, sizeof kHfMobileNetPrefixes / sizeof *kHfMobileNetPrefixes);
    // Gemma 3n configs describe a vision tower even where the file holds none (a checkpoint saved
    // with text and audio only): that is a model without images, not a broken tower.
    for (const auto& [name, e] : v.tensors->all()) {
      if (name.compare(0, 10, "mobilenet.") == 0) return v;
    }
    return std::nullopt;
  }
  std::optional<VisionHParams> hp = ParseHfVisionConfig(hf.config_json);
  if (!hp) return std::nullopt;
  VisionCheckpoint v;
  v.hparams = *hp;
  if (FileExists(pre)) v.processor = ParsePreprocessorConfig(ReadTextFile(pre, 1u << 20));
  v.tensors = RenameByPrefix(hf.tensors, kHfVisionPrefixes, sizeof kHfVisionPrefixes / sizeof *kHfVisionPrefixes);
  return v;
}

VisionCheckpoint OpenMmprojGguf(const std::string& path) {
  if (!FileExists(path) || IsDirectory(path)) Fail(Status::kIoError, "mmproj file does not exist: " + path);
  auto file = MappedFile::Open(path);
  if (!LooksLikeGguf(*file)) Fail(Status::kFormatError, path + " is not a GGUF file");
  const GgufFile g = ReadGguf(file);
  std::string projector;
  for (const char* key : {"clip.projector_type", "clip.vision.projector_type"}) {
    if (const GgufValue* v = g.Find(key); v && v->type == GgufType::kString) projector = v->s;
  }
  if (projector == "gemma3nv") return MobileNetFromMmproj(g, path);
  if (projector != "gemma3") {
    Fail(Status::kUnsupported, path + ": projector type '" + projector + "' is not Gemma 3's ('gemma3') or Gemma 3n's ('gemma3nv')");
  }
  VisionCheckpoint vc;
  VisionHParams& hp = vc.hparams;
  hp.hidden_size = RequireMmprojInt(g, "clip.vision.embedding_length");
  hp.intermediate_size = RequireMmprojInt(g, "clip.vision.feed_forward_length");
  hp.num_hidden_layers = RequireMmprojInt(g, "clip.vision.block_count");
  hp.num_attention_heads = RequireMmprojInt(g, "clip.vision.attention.head_count");
  hp.image_size = RequireMmprojInt(g, "clip.vision.image_size");
  hp.patch_size = RequireMmprojInt(g, "clip.vision.patch_size");
  if (const GgufValue* eps = g.Find("clip.vision.attention.layer_norm_epsilon"); eps && eps->type == GgufType::kFloat32) {
    hp.layer_norm_eps = eps->f;
  }
  // llama.cpp average-pools Gemma 3's patch grid by 4 per side unless the file says otherwise.
  const int64_t pool = MmprojInt(g, "clip.vision.projector.scale_factor").value_or(4);
  if (pool < 1 || hp.patch_size < 1 || hp.image_size % hp.patch_size != 0 || (hp.image_size / hp.patch_size) % pool != 0) {
    Fail(Status::kFormatError, path + ": the patch grid does not pool evenly");
  }
  const int64_t side = hp.image_size / hp.patch_size / pool;
  hp.mm_tokens_per_image = side * side;
  for (auto [key, out] : {std::pair<const char*, double*>{"clip.vision.image_mean", vc.processor.image_mean},
                          {"clip.vision.image_std", vc.processor.image_std}}) {
    const GgufValue* v = g.Find(key);
    if (!v) continue;
    if (v->type != GgufType::kArray || v->numbers.size() != 3) Fail(Status::kFormatError, path + ": " + key + " must be 3 numbers");
    for (size_t c = 0; c < 3; ++c) out[c] = v->numbers[c];
  }
  for (double s : vc.processor.image_std) {
    if (!(s > 0)) Fail(Status::kFormatError, path + ": clip.vision.image_std must be positive");
  }
  auto index = std::make_shared<TensorIndex>();
  for (const GgufTensorInfo& t : g.tensors) {
    std::string name = CanonicalMmprojName(t.name);
    if (name.empty()) continue;
    TensorEntry e = MmprojEntry(t, name, path);
    // fc1 maps hidden → intermediate ([intermediate, hidden]), fc2 back.
    for (const char* which : {".mlp.ffn_up.", ".mlp.ffn_down."}) {
      const size_t at = name.find(which);
      if (at == std::string::npos) continue;
      const bool widens = e.shape.size() == 2 ? e.shape[0] == hp.intermediate_size && e.shape[1] == hp.hidden_size
                                              : e.shape.size() == 1 && e.shape[0] == hp.intermediate_size;
      name = name.substr(0, at) + (widens ? ".mlp.fc1." : ".mlp.fc2.") + name.substr(at + std::string(which).size());
    }
    e.name = name;
    index->Add(std::move(e));
  }
  index->KeepAlive(g.file);
  vc.tensors = index;
  vc.soft_norm_includes_one = true;
  return vc;
}

}  // namespace gemmakit
