// Gemma 3 vision from GGUF: the text model as a GGUF file plus the vision tower in a separate
// mmproj GGUF with llama.cpp's keys and tensor names (written here from the bundled
// gemma3-vision-tiny checkpoint, in both fc1/fc2 namings converters have used) gives the golden
// logits; mmproj files that are not Gemma 3's are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/model.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "io/checkpoint.h"
#include "io/gguf_writer.h"
#include "runtime/gguf_export.h"
#include "test_util.h"

namespace gemmakit {
namespace {

const std::string kDir = "gemma3-vision-tiny";

// Canonical vision name → llama.cpp's mmproj name.
std::string MmprojName(const std::string& canonical, bool legacy_ffn_names) {
  static const std::pair<const char*, const char*> kTop[] = {
      {"vision.embeddings.patch_embedding.weight", "v.patch_embd.weight"},
      {"vision.embeddings.patch_embedding.bias", "v.patch_embd.bias"},
      {"vision.embeddings.position_embedding.weight", "v.position_embd.weight"},
      {"vision.post_layernorm.weight", "v.post_ln.weight"},
      {"vision.post_layernorm.bias", "v.post_ln.bias"},
      {"projector.mm_input_projection_weight", "mm.input_projection.weight"},
      {"projector.mm_soft_emb_norm.weight", "mm.soft_emb_norm.weight"},
  };
  for (const auto& [from, to] : kTop) {
    if (canonical == from) return to;
  }
  const std::string prefix = "vision.encoder.layers.";
  const size_t dot = canonical.find('.', prefix.size());
  const std::string layer = canonical.substr(prefix.size(), dot - prefix.size()), rest = canonical.substr(dot + 1);
  const std::pair<std::string, std::string> kLayer[] = {
      {"self_attn.q_proj.", "attn_q."}, {"self_attn.k_proj.", "attn_k."},     {"self_attn.v_proj.", "attn_v."},
      {"self_attn.out_proj.", "attn_out."}, {"layer_norm1.", "ln1."},         {"layer_norm2.", "ln2."},
      {"mlp.fc1.", legacy_ffn_names ? "ffn_down." : "ffn_up."}, {"mlp.fc2.", legacy_ffn_names ? "ffn_up." : "ffn_down."},
  };
  for (const auto& [from, to] : kLayer) {
    if (rest.compare(0, from.size(), from) == 0) return "v.blk." + layer + "." + to + rest.substr(from.size());
  }
  return "";
}

std::string WriteMmproj(const std::string& dir, bool legacy_ffn_names, const std::string& projector) {
  const Checkpoint ck = OpenCheckpoint(test::DataPath(kDir));
  const VisionHParams& hp = ck.vision->hparams;
  GgufWriter w;
  w.SetString("general.architecture", "clip");
  w.SetString("clip.projector_type", projector);
  w.SetUint32("clip.vision.embedding_length", static_cast<uint32_t>(hp.hidden_size));
  w.SetUint32("clip.vision.feed_forward_length", static_cast<uint32_t>(hp.intermediate_size));
  w.SetUint32("clip.vision.block_count", static_cast<uint32_t>(hp.num_hidden_layers));
  w.SetUint32("clip.vision.attention.head_count", static_cast<uint32_t>(hp.num_attention_heads));
  w.SetUint32("clip.vision.image_size", static_cast<uint32_t>(hp.image_size));
  w.SetUint32("clip.vision.patch_size", static_cast<uint32_t>(hp.patch_size));
  w.SetFloat32("clip.vision.attention.layer_norm_epsilon", static_cast<float>(hp.layer_norm_eps));
  w.SetFloat32Array("clip.vision.image_mean", {0.5f, 0.5f, 0.5f});
  w.SetFloat32Array("clip.vision.image_std", {0.5f, 0.5f, 0.5f});
  for (const auto& [name, e] : ck.vision->tensors->all()) {
    const std::string out = MmprojName(name, legacy_ffn_names);
    if (out.empty()) ADD_FAILURE() << "no mmproj name for " << name;
    std::vector<uint64_t> dims(e.shape.rbegin(), e.shape.rend());
    const TensorEntry* entry = &e;
    // llama.cpp's converter stores the projector norm with Gemma's 1 added.
    const bool add_one = name == "projector.mm_soft_emb_norm.weight";
    w.AddTensor(out, GgmlType::kF32, dims, [entry, add_one](uint8_t* dst, size_t nbytes) {
      std::vector<float> v(static_cast<size_t>(entry->numel()));
      ConvertToF32(entry->dtype, entry->data, v.data(), v.size());
      if (add_one) {
        for (float& x : v) x += 1.f;
      }
      std::copy_n(reinterpret_cast<const uint8_t*>(v.data()), nbytes, dst);
    });
  }
  const std::string path = dir + "/mmproj-" + projector + (legacy_ffn_names ? "-legacy" : "") + ".gguf";
  w.Write(path);
  return path;
}

TEST(VisionMmproj, TextGgufPlusMmprojGivesTheGoldenLogits) {
  const std::string dir = test::MakeTempDir("vision_mmproj");
  const std::string text_gguf = dir + "/text.gguf";
  SaveGguf(*Model::Load(test::DataPath(kDir)), text_gguf);
  const nlohmann::json g = nlohmann::json::parse(test::ReadFile(test::DataPath(kDir + "/golden.json")));
  const nlohmann::json& c = g.at("cases").at(1);
  const std::vector<int32_t> ids = c.at("ids").get<std::vector<int32_t>>();
  const std::vector<float> golden = test::ReadF32File(test::DataPath(kDir + "/" + c.at("logits_file").get<std::string>()));
  std::vector<RgbImage> images;
  for (const auto& f : c.at("images")) images.push_back(RgbImage::Load(test::DataPath(kDir + "/" + f.get<std::string>())));
  for (bool legacy : {false, true}) {
    LoadOptions o;
    o.mmproj_path = WriteMmproj(dir, legacy, "gemma3");
    auto model = Model::Load(text_gguf, o);
    ASSERT_EQ(model->info().image_tokens, 4);
    Session s(model);
    s.Evaluate(ids, images, /*all_logits=*/true);
    const size_t vocab = static_cast<size_t>(model->info().vocab_size);
    float worst = 0.f;
    for (size_t r = 0; r < ids.size(); ++r) {
      for (size_t j = 0; j < vocab; ++j) worst = std::max(worst, std::fabs(s.logits(r)[j] - golden[r * vocab + j]));
    }
    EXPECT_LE(worst, 1e-3f) << (legacy ? "legacy ffn names" : "current ffn names");
  }
}

TEST(VisionMmproj, Refusals) {
  const std::string dir = test::MakeTempDir("vision_mmproj_bad");
  const std::string text_gguf = dir + "/text.gguf";
  SaveGguf(*Model::Load(test::DataPath(kDir)), text_gguf);
  auto status = [&](const std::string& model, const std::string& mmproj) {
    try {
      LoadOptions o;
      o.mmproj_path = mmproj;
      Model::Load(model, o);
    } catch (const Error& e) {
      return e.status();
    }
    return Status::kOk;
  };
  EXPECT_EQ(status(text_gguf, WriteMmproj(dir, false, "llava")), Status::kUnsupported);
  EXPECT_EQ(status(text_gguf, dir + "/none.gguf"), Status::kIoError);
  test::WriteFile(dir + "/garbage.gguf", "not a gguf at all");
  EXPECT_EQ(status(text_gguf, dir + "/garbage.gguf"), Status::kFormatError);
  // A folder that has its own vision tower takes no mmproj.
  EXPECT_EQ(status(test::DataPath(kDir), WriteMmproj(dir, false, "gemma3")), Status::kInvalidArgument);
}

}  // namespace
}  // namespace gemmakit
