// Gemma 3n's vision tower from llama.cpp's mmproj GGUF. tests/data/gemma3n-vision-mmproj holds the
// file llama.cpp's own convert_hf_to_gguf.py --mmproj wrote from the gemma3n-vision-tiny golden
// (recipe in its README.md); the text model is that golden folder without its vision tower,
// written here. The block sequence read off the GGUF's tensor names must be the one the config's
// model_args give, and the tower, soft tokens and logits must match timm's and transformers'.
// Files missing tensors or with tensors of the wrong shape are refused with errors that say which.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/image.h"
#include "gemmakit/model.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "io/checkpoint.h"
#include "io/gguf.h"
#include "io/gguf_mobilenet_map.h"
#include "io/gguf_writer.h"
#include "io/hf_checkpoint.h"
#include "io/mapped_file.h"
#include "io/safetensors_writer.h"
#include "multimodal/mobilenet_v5/mobilenet_config.h"
#include "multimodal/mobilenet_v5/mobilenet_encoder.h"
#include "runtime/thread_pool.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;

const std::string kGolden = "gemma3n-vision-tiny";
const std::string kMmproj = "gemma3n-vision-mmproj/mmproj-gemma3n-vision-tiny-bf16.gguf";
constexpr int64_t kTextHidden = 64;

// The golden folder minus model.vision_tower.* (a Gemma 3n text model whose tower comes from an
// mmproj file), written once per test binary.
const std::string& TextOnlyFolder() {
  static const std::string dir = [] {
    const std::string d = test::MakeTempDir("gemma3n_text_only");
    const HfCheckpoint hf = OpenHfCheckpoint(test::DataPath(kGolden));
    std::vector<SafetensorsSpec> specs;
    for (const auto& [name, e] : hf.tensors.all()) {
      if (name.compare(0, 19, "model.vision_tower.") == 0) continue;
      const TensorEntry* entry = &e;
      SafetensorsSpec spec;
      spec.name = name;
      spec.dtype = e.dtype;
      spec.shape = e.shape;
      spec.fill = [entry](uint8_t* out, size_t n) { std::memcpy(out, entry->data, n); };
      specs.push_back(std::move(spec));
    }
    WriteSafetensors(d + "/model.safetensors", specs);
    for (const char* f : {"config.json", "tokenizer.model"}) test::WriteFile(d + "/" + f, test::ReadFile(test::DataPath(kGolden + "/" + f)));
    return d;
  }();
  return dir;
}

std::vector<float> GoldenFile(const std::string& image, const char* key) {
  const json g = json::parse(test::ReadFile(test::DataPath(kGolden + "/golden.json"))).at("images").at(image);
  return test::ReadF32File(test::DataPath(kGolden + "/" + g.at(key).get<std::string>()));
}

void ExpectSameTower(const MobileNetConfig& a, const MobileNetConfig& b, size_t n_blocks) {
  EXPECT_EQ(a.stem_ch, b.stem_ch);
  ASSERT_EQ(a.stages.size(), b.stages.size());
  size_t blocks = 0;
  for (size_t s = 0; s < a.stages.size(); ++s) {
    ASSERT_EQ(a.stages[s].size(), b.stages[s].size()) << "stage " << s;
    for (size_t i = 0; i < a.stages[s].size(); ++i, ++blocks) {
      const MobileNetBlock &x = a.stages[s][i], &y = b.stages[s][i];
      EXPECT_EQ(x.kind, y.kind) << y.name;
      EXPECT_EQ(std::vector<int64_t>({x.in_ch, x.out_ch, x.mid_ch, x.stride, x.kernel, x.dw_start, x.dw_mid, x.dw_end,
                                      x.num_heads, x.key_dim, x.value_dim, x.kv_stride, x.kv_kernel, x.out_h}),
                std::vector<int64_t>({y.in_ch, y.out_ch, y.mid_ch, y.stride, y.kernel, y.dw_start, y.dw_mid, y.dw_end,
                                      y.num_heads, y.key_dim, y.value_dim, y.kv_stride, y.kv_kernel, y.out_h}))
          << y.name;
      EXPECT_EQ(x.residual, y.residual) << y.name;
    }
  }
  EXPECT_EQ(blocks, n_blocks);
  EXPECT_EQ(a.msfa_in_ch, b.msfa_in_ch);
  EXPECT_EQ(a.msfa_mid_ch, b.msfa_mid_ch);
  EXPECT_EQ(a.hidden, b.hidden);
  EXPECT_EQ(a.out_grid, b.out_grid);
  EXPECT_EQ(a.tokens_per_image, b.tokens_per_image);
  EXPECT_EQ(a.text_hidden, b.text_hidden);
  EXPECT_FLOAT_EQ(a.eps, b.eps);
}

TEST(MobileNetMmproj, BlockSequenceReadOffTheTensorsIsTheConfigs) {
  const VisionCheckpoint gguf = OpenMmprojGguf(test::DataPath(kMmproj));
  const Checkpoint hf = OpenCheckpoint(test::DataPath(kGolden));
  ASSERT_TRUE(gguf.mobilenet.has_value());
  EXPECT_EQ(gguf.processor.height, 192);
  EXPECT_FALSE(gguf.processor.do_normalize);
  ExpectSameTower(ResolveMobileNetConfig(*gguf.mobilenet, 192, 192), ResolveMobileNetConfig(*hf.vision->mobilenet, 192, 192), 84);
}

// The tensor names and shapes (ggml order) llama.cpp's converter writes for a tower, without data:
// the real 300M-parameter geometry is read off names and shapes alone.
GgufFile NamesAndShapesOf(const MobileNetConfig& c) {
  GgufFile g;
  const auto key = [&](const char* k, uint64_t v) { g.metadata[k].u = v; };
  key("clip.vision.embedding_length", static_cast<uint64_t>(c.hidden));
  key("clip.vision.projection_dim", static_cast<uint64_t>(c.text_hidden));
  key("clip.vision.image_size", static_cast<uint64_t>(c.image_h));
  key("clip.vision.patch_size", static_cast<uint64_t>(c.image_h / c.tokens_per_image));
  const auto add = [&](const std::string& name, std::vector<uint64_t> dims) {
    GgufTensorInfo t;
    t.name = name;
    t.dims = std::move(dims);
    g.tensors.push_back(std::move(t));
  };
  const auto u = [](int64_t v) { return static_cast<uint64_t>(v); };
  add("v.conv_stem.conv.weight", {3, 3, 3, u(c.stem_ch)});
  add("v.conv_stem.conv.bias", {1, 1, u(c.stem_ch), 1});
  add("v.conv_stem.bn.weight", {u(c.stem_ch)});
  for (const auto& stage : c.stages) {
    for (const MobileNetBlock& b : stage) {
      const std::string q = "v.blk." + b.name.substr(7) + ".";
      const auto dw = [&](const std::string& n, int64_t k, int64_t ch, const std::string& norm) {
        add(q + n, {u(k), u(k), 1, u(ch)});
        add(q + norm, {u(ch)});
      };
      if (b.kind == MobileNetBlockKind::kEdgeResidual) {
        add(q + "conv_exp.weight", {u(b.kernel), u(b.kernel), u(b.in_ch), u(b.mid_ch)});
        add(q + "bn1.weight", {u(b.mid_ch)});
        add(q + "conv_pwl.weight", {1, 1, u(b.mid_ch), u(b.out_ch)});
        add(q + "bn2.weight", {u(b.out_ch)});
      } else if (b.kind == MobileNetBlockKind::kInvertedResidual) {
        if (b.dw_start) dw("dw_start.conv.weight", b.dw_start, b.in_ch, "dw_start.bn.weight");
        add(q + "pw_exp.conv.weight", {1, 1, u(b.in_ch), u(b.mid_ch)});
        add(q + "pw_exp.bn.weight", {u(b.mid_ch)});
        if (b.dw_mid) dw("dw_mid.conv.weight", b.dw_mid, b.mid_ch, "dw_mid.bn.weight");
        add(q + "pw_proj.conv.weight", {1, 1, u(b.mid_ch), u(b.out_ch)});
        add(q + "pw_proj.bn.weight", {u(b.out_ch)});
        add(q + "layer_scale.gamma", {1, 1, u(b.out_ch), 1});
      } else {
        add(q + "norm.weight", {u(b.in_ch)});
        add(q + "attn.query.proj.weight", {1, 1, u(b.in_ch), u(b.num_heads * b.key_dim)});
        add(q + "attn.key.proj.weight", {1, 1, u(b.in_ch), u(b.key_dim)});
        add(q + "attn.value.proj.weight", {1, 1, u(b.in_ch), u(b.value_dim)});
        add(q + "attn.output.proj.weight", {1, 1, u(b.num_heads * b.value_dim), u(b.out_ch)});
        if (b.kv_stride > 1) {
          dw("attn.key.down_conv.weight", b.kv_kernel, b.in_ch, "attn.key.norm.weight");
          dw("attn.value.down_conv.weight", b.kv_kernel, b.in_ch, "attn.value.norm.weight");
        }
        add(q + "layer_scale.gamma", {1, 1, u(b.out_ch), 1});
      }
    }
  }
  add("v.msfa.ffn.pw_exp.conv.weight", {1, 1, u(c.msfa_in_ch), u(c.msfa_mid_ch)});
  add("v.msfa.ffn.pw_proj.conv.weight", {1, 1, u(c.msfa_mid_ch), u(c.hidden)});
  add("mm.input_projection.weight", {u(c.hidden), u(c.text_hidden)});
  return g;
}

TEST(MobileNetMmproj, TheRealGeometryIsReadOffNamesAndShapes) {
  const MobileNetConfig real = ResolveMobileNetConfig(MobileNetHParams{}, 768, 768);  // mobilenetv5_300m_enc
  const VisionCheckpoint vc = MobileNetFromMmproj(NamesAndShapesOf(real), "names-and-shapes");
  ExpectSameTower(ResolveMobileNetConfig(*vc.mobilenet, 768, 768), real, 84);
}

TEST(MobileNetMmproj, TowerAndSoftTokensMatchTimmAndTheHfRoute) {
  const auto gguf = MobileNetEncoder::Create(OpenMmprojGguf(test::DataPath(kMmproj)), kTextHidden, MatMulOptions{});
  const auto hf = MobileNetEncoder::Create(*OpenCheckpoint(test::DataPath(kGolden)).vision, kTextHidden, MatMulOptions{});
  ThreadPool pool(2);
  for (const char* name : {"square", "resize"}) {
    const std::vector<float> pixels = GoldenFile(name, "pixel_values_file");
    const std::vector<float> tower = gguf->Tower(pixels.data(), &pool), want = GoldenFile(name, "vision_tower_file");
    ASSERT_EQ(tower.size(), want.size());
    const size_t tokens = 16, hidden = 2048;
    float err = 0.f;
    for (size_t t = 0; t < tokens; ++t) {
      for (size_t c = 0; c < hidden; ++c) err = std::max(err, std::fabs(tower[t * hidden + c] - want[c * tokens + t]));
    }
    EXPECT_LT(err, 1e-4f) << name;
    const std::vector<float> soft = gguf->SoftTokens(pixels.data(), &pool), want_soft = GoldenFile(name, "soft_tokens_file");
    const std::vector<float> hf_soft = hf->SoftTokens(pixels.data(), &pool);
    ASSERT_EQ(soft.size(), want_soft.size());
    float soft_err = 0.f, route_diff = 0.f;
    for (size_t i = 0; i < soft.size(); ++i) {
      soft_err = std::max(soft_err, std::fabs(soft[i] - want_soft[i]));
      route_diff = std::max(route_diff, std::fabs(soft[i] - hf_soft[i]));
    }
    EXPECT_LT(soft_err, 1e-4f) << name;
    // The same bf16 weights either way (norms widened to f32 by the converter, exactly).
    EXPECT_EQ(route_diff, 0.f) << name;
    std::printf("%s: tower max error %.3g, soft tokens %.3g, vs the HF route %.3g\n", name, err, soft_err, route_diff);
  }
}

TEST(MobileNetMmproj, TextFolderPlusMmprojGivesTheGoldenLogits) {
  LoadOptions o;
  o.mmproj_path = test::DataPath(kMmproj);
  const auto model = Model::Load(TextOnlyFolder(), o);
  EXPECT_EQ(model->info().image_tokens, 16);
  for (const char* name : {"one_image", "two_images"}) {
    const test::GoldenCase c = test::LoadGoldenCase(kGolden, name);
    std::vector<RgbImage> images;
    for (const std::string& f : c.images) images.push_back(RgbImage::Load(test::DataPath(kGolden + "/" + f)));
    Session s(model);
    s.Evaluate(c.ids, images, /*all_logits=*/true);
    ASSERT_EQ(c.logits.size(), c.ids.size() * static_cast<size_t>(model->info().vocab_size));
    double worst = 0;
    for (size_t i = 0; i < c.logits.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(s.logits(0)[i] - c.logits[i])));
    std::printf("[%s via mmproj] max|dlogit|: %.3g\n", name, worst);
    EXPECT_LT(worst, 1e-3) << name;
    SamplingParams greedy;
    greedy.temperature = 0.f;
    std::vector<int32_t> out;
    for (size_t i = 0; i < c.greedy.size(); ++i) {
      out.push_back(s.Sample(greedy));
      s.Evaluate({out.back()});
    }
    EXPECT_EQ(out, c.greedy) << name;
  }
}

// The committed mmproj rewritten with `edit` applied to each tensor (name, ggml dims, bytes; return
// false to drop it).
using TensorEdit = std::function<bool(std::string& name, std::vector<uint64_t>& dims, std::vector<uint8_t>& bytes)>;

std::string RewriteMmproj(const std::string& tag, const TensorEdit& edit) {
  const GgufFile g = ReadGguf(MappedFile::Open(test::DataPath(kMmproj)));
  GgufWriter w;
  w.SetString("general.architecture", "clip");
  w.SetString("clip.vision.projector_type", "gemma3nv");
  for (const char* key : {"clip.vision.embedding_length", "clip.vision.projection_dim", "clip.vision.image_size", "clip.vision.patch_size"}) {
    w.SetUint32(key, static_cast<uint32_t>(g.Find(key)->u));
  }
  for (const GgufTensorInfo& t : g.tensors) {
    std::string name = t.name;
    std::vector<uint64_t> dims = t.dims;
    auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<const uint8_t*>(t.data), static_cast<const uint8_t*>(t.data) + t.nbytes);
    if (!edit(name, dims, *bytes)) continue;
    w.AddTensor(name, t.type, dims, [bytes](uint8_t* out, size_t n) { std::memcpy(out, bytes->data(), std::min(n, bytes->size())); });
  }
  const std::string path = test::MakeTempDir("gemma3n_mmproj_bad") + "/" + tag + ".gguf";
  w.Write(path);
  return path;
}

void ExpectRefused(const std::string& mmproj, Status status, const std::vector<std::string>& needles) {
  LoadOptions o;
  o.mmproj_path = mmproj;
  try {
    Model::Load(TextOnlyFolder(), o);
    ADD_FAILURE() << "loaded " << mmproj;
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), status) << e.what();
    for (const std::string& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
}

TEST(MobileNetMmprojBadInput, MissingTensorsAreNamed) {
  ExpectRefused(RewriteMmproj("no_key", [](std::string& n, auto&, auto&) { return n != "v.blk.2.9.attn.key.proj.weight"; }),
                Status::kFormatError, {"v.blk.2.9", "attn.key.proj.weight"});
  ExpectRefused(RewriteMmproj("no_msfa_norm", [](std::string& n, auto&, auto&) { return n != "v.msfa.norm.weight"; }),
                Status::kFormatError, {"msfa.norm.weight"});
  ExpectRefused(RewriteMmproj("no_stem", [](std::string& n, auto&, auto&) { return n.compare(0, 11, "v.conv_stem") != 0; }),
                Status::kFormatError, {"v.conv_stem.conv.weight"});
  // A block with nothing a MobileNet-V5 block has.
  ExpectRefused(RewriteMmproj("stray", [](std::string& n, auto&, auto&) {
                  if (n == "v.blk.3.2.pw_exp.bn.weight") n = "v.blk.3.40.pw_exp.bn.weight";
                  return true;
                }),
                Status::kFormatError, {"v.blk.3"});
}

TEST(MobileNetMmprojBadInput, WrongShapesAreRefused) {
  // A conv flattened to two dims.
  ExpectRefused(RewriteMmproj("flat", [](std::string& n, std::vector<uint64_t>& d, auto&) {
                  if (n == "v.blk.0.0.conv_exp.weight") d = {d[0] * d[1] * d[2], d[3]};
                  return true;
                }),
                Status::kFormatError, {"v.blk.0.0.conv_exp.weight", "2 dims"});
  // An expansion narrower than its norm: the widths disagree inside the block.
  ExpectRefused(RewriteMmproj("narrow", [](std::string& n, std::vector<uint64_t>& d, auto&) {
                  if (n == "v.blk.1.2.pw_exp.conv.weight") d[3] /= 2;
                  return true;
                }),
                Status::kFormatError, {"blocks.1.2"});
  // An embedder projecting to a width the text model does not have.
  ExpectRefused(RewriteMmproj("proj", [](std::string& n, std::vector<uint64_t>& d, auto&) {
                  if (n == "mm.input_projection.weight") d[1] /= 2;
                  return true;
                }),
                Status::kFormatError, {"embedding_projection"});
}

TEST(MobileNetMmprojBadInput, AFolderWithATowerTakesNoMmproj) {
  LoadOptions o;
  o.mmproj_path = test::DataPath(kMmproj);
  EXPECT_EQ(test::StatusOf([&] { Model::Load(test::DataPath(kGolden), o); }), Status::kInvalidArgument);
}

}  // namespace
}  // namespace gemmakit
