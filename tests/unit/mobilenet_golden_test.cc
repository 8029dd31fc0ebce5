// Gemma 3n's MobileNet-V5 vision tower against timm's own code (tests/data/gemma3n-vision-tiny: the
// full 84-block mobilenetv5_300m_enc sequence with small widths, float32 from the stored weights):
// pixels after preprocessing, the stem's and every stage's output, the MSFA's output and the
// soft tokens after the vision embedder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/image.h"
#include "io/checkpoint.h"
#include "multimodal/mobilenet_v5/mobilenet_encoder.h"
#include "runtime/thread_pool.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;

const std::string kDir = "gemma3n-vision-tiny";
constexpr int64_t kTextHidden = 64;

const MobileNetEncoder& Encoder() {
  static const std::unique_ptr<MobileNetEncoder> e = [] {
    const Checkpoint ck = OpenCheckpoint(test::DataPath(kDir));
    return MobileNetEncoder::Create(*ck.vision, kTextHidden, MatMulOptions{});
  }();
  return *e;
}

json Image(const std::string& name) {
  return json::parse(test::ReadFile(test::DataPath(kDir + "/golden.json"))).at("images").at(name);
}

std::vector<float> File(const json& image, const char* key) {
  return test::ReadF32File(test::DataPath(kDir + "/" + image.at(key).get<std::string>()));
}

float MaxAbsDiff(const float* a, const float* b, size_t n) {
  float m = 0.f;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// [h, w, c] → [c, h, w], as timm's NCHW tensors are dumped.
std::vector<float> ChannelsFirst(const FeatureMap& f) {
  std::vector<float> out(f.data.size());
  for (size_t p = 0; p < f.pixels(); ++p) {
    for (size_t c = 0; c < f.c; ++c) out[c * f.pixels() + p] = f.data[p * f.c + c];
  }
  return out;
}

std::vector<float> Pixels(const std::string& name) {
  return Encoder().Pixels(RgbImage::Load(test::DataPath(kDir + "/" + Image(name).at("file").get<std::string>())));
}

TEST(MobileNetGolden, ConfigFollowsTheModelArgs) {
  const MobileNetConfig& c = Encoder().config();
  ASSERT_EQ(c.stages.size(), 4u);
  size_t blocks = 0;
  for (const auto& s : c.stages) blocks += s.size();
  EXPECT_EQ(blocks, 84u);
  EXPECT_EQ(c.stem_ch, 8);
  EXPECT_EQ(c.image_h, 192);
  EXPECT_EQ(c.out_grid, 4);
  EXPECT_EQ(c.tokens_per_image, 16);
  EXPECT_EQ(c.msfa_in_ch, 32 + 48);
  EXPECT_EQ(c.stages[2][9].kind, MobileNetBlockKind::kAttention);
  EXPECT_EQ(c.stages[2][9].kv_stride, 2);
  EXPECT_EQ(c.stages[3][1].num_heads, 4);
  EXPECT_EQ(c.image_token, 642);
  EXPECT_EQ(c.end_of_image, 641);
}

TEST(MobileNetGolden, PixelsAreExact) {
  for (const char* name : {"square", "resize"}) {
    const std::vector<float> want = File(Image(name), "pixel_values_file");
    const std::vector<float> got = Pixels(name);
    ASSERT_EQ(got.size(), want.size()) << name;
    EXPECT_EQ(MaxAbsDiff(got.data(), want.data(), got.size()), 0.f) << name;
  }
}

TEST(MobileNetGolden, StemAndStagesMatchTimm) {
  const json image = Image("square");
  const std::vector<float> want = File(image, "stages_file");
  ThreadPool pool(2);
  std::vector<FeatureMap> stages;
  Encoder().Tower(Pixels("square").data(), &pool, &stages);
  const json shapes = image.at("stages_shapes");
  ASSERT_EQ(stages.size(), shapes.size());
  size_t offset = 0;
  for (size_t i = 0; i < stages.size(); ++i) {
    const std::vector<int64_t> shape = shapes[i].get<std::vector<int64_t>>();
    EXPECT_EQ(stages[i].c, static_cast<size_t>(shape[0]));
    EXPECT_EQ(stages[i].h, static_cast<size_t>(shape[1]));
    EXPECT_EQ(stages[i].w, static_cast<size_t>(shape[2]));
    const std::vector<float> got = ChannelsFirst(stages[i]);
    ASSERT_LE(offset + got.size(), want.size());
    float scale = 0.f;
    for (size_t j = 0; j < got.size(); ++j) scale = std::max(scale, std::fabs(want[offset + j]));
    // Relative to the stage's largest value: activations grow through the residual stream.
    const float err = MaxAbsDiff(got.data(), want.data() + offset, got.size());
    const std::string what = i == 0 ? std::string("stem") : "stage " + std::to_string(i - 1);
    std::printf("%s: max error %.3g (largest value %.3g)\n", what.c_str(), err, scale);
    EXPECT_LT(err, 1e-5f * std::max(1.f, scale)) << what;
    offset += got.size();
  }
  EXPECT_EQ(offset, want.size());
}

TEST(MobileNetGolden, TowerOutputAndSoftTokens) {
  ThreadPool pool(2);
  for (const char* name : {"square", "resize"}) {
    const json image = Image(name);
    const std::vector<float> pixels = File(image, "pixel_values_file");
    // The tower's grid [tokens, 2048] against timm's [2048, 4, 4].
    const std::vector<float> tower = Encoder().Tower(pixels.data(), &pool);
    const std::vector<float> want_tower = File(image, "vision_tower_file");
    ASSERT_EQ(tower.size(), want_tower.size());
    const size_t tokens = 16, hidden = 2048;
    float tower_err = 0.f;
    for (size_t t = 0; t < tokens; ++t) {
      for (size_t c = 0; c < hidden; ++c) tower_err = std::max(tower_err, std::fabs(tower[t * hidden + c] - want_tower[c * tokens + t]));
    }
    EXPECT_LT(tower_err, 1e-4f) << name;
    const std::vector<float> soft = Encoder().SoftTokens(pixels.data(), &pool);
    const std::vector<float> want_soft = File(image, "soft_tokens_file");
    ASSERT_EQ(soft.size(), want_soft.size());
    EXPECT_LT(MaxAbsDiff(soft.data(), want_soft.data(), soft.size()), 1e-4f) << name;
    std::printf("%s: tower max error %.3g, soft tokens %.3g\n", name, tower_err,
                MaxAbsDiff(soft.data(), want_soft.data(), soft.size()));
  }
}

}  // namespace
}  // namespace gemmakit
