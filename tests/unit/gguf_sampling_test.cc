// llama.cpp's general.sampling.* keys, through the repo's own GGUF writer and reader: the keys it
// writes, other numeric types it may meet, values out of range, and the round trip.
#include <gtest/gtest.h>

#include <cmath>

#include "io/gguf_sampling.h"
#include "io/mapped_file.h"
#include "test_util.h"

namespace gemmakit {
namespace {

// The metadata `fill` writes, as a GGUF file read back.
template <typename Fill>
GgufFile WriteAndRead(Fill fill) {
  test::ScratchDirs scratch;
  const std::string path = scratch.Make("gguf_sampling") + "/s.gguf";
  GgufWriter w;
  w.SetString("general.architecture", "gemma3");
  fill(w);
  w.Write(path);
  return ReadGguf(MappedFile::Open(path));  // the mapping outlives the file's name
}

TEST(GgufSampling, ReadsTheKeysLlamaCppWrites) {
  const GgufFile f = WriteAndRead([](GgufWriter& w) {
    // gguf-py's add_sampling_*: int32 for top_k and penalty_last_n, float32 for the rest.
    w.SetFloat32("general.sampling.temp", 0.7f);
    w.SetInt32("general.sampling.top_k", 40);
    w.SetFloat32("general.sampling.top_p", 0.9f);
    w.SetFloat32("general.sampling.min_p", 0.05f);
    w.SetFloat32("general.sampling.penalty_repeat", 1.1f);
    w.SetInt32("general.sampling.penalty_last_n", -1);
    // Steps gemmakit does not have: left alone, not reported.
    w.SetString("general.sampling.sequence", "top_k;top_p;temperature");
    w.SetFloat32("general.sampling.xtc_probability", 0.5f);
    w.SetInt32("general.sampling.mirostat", 2);
  });
  const SamplingHParams s = ReadGgufSampling(f);
  EXPECT_EQ(s.temperature, 0.7f);
  EXPECT_EQ(s.top_k, 40);
  EXPECT_EQ(s.top_p, 0.9f);
  EXPECT_EQ(s.min_p, 0.05f);
  EXPECT_EQ(s.repeat_penalty, 1.1f);
  EXPECT_EQ(s.repeat_last_n, -1);
  EXPECT_TRUE(s.ignored.empty());
}

TEST(GgufSampling, AbsentKeysRecommendNothing) {
  const SamplingHParams s = ReadGgufSampling(WriteAndRead([](GgufWriter&) {}));
  EXPECT_FALSE(s.temperature || s.top_k || s.top_p || s.min_p || s.repeat_penalty || s.repeat_last_n);
  EXPECT_TRUE(s.ignored.empty());
}

TEST(GgufSampling, OtherNumericTypesAreTakenAsLlamaCppTakesThem) {
  const SamplingHParams s = ReadGgufSampling(WriteAndRead([](GgufWriter& w) {
    w.SetUint32("general.sampling.temp", 0);  // greedy
    w.SetUint32("general.sampling.top_k", 64);
    w.SetFloat32("general.sampling.penalty_last_n", 128.f);
  }));
  EXPECT_EQ(s.temperature, 0.f);
  EXPECT_EQ(s.top_k, 64);
  EXPECT_EQ(s.repeat_last_n, 128);
  EXPECT_TRUE(s.ignored.empty());
}

TEST(GgufSampling, MalformedValuesAreIgnoredAndNamed) {
  const SamplingHParams s = ReadGgufSampling(WriteAndRead([](GgufWriter& w) {
    w.SetFloat32("general.sampling.temp", std::nanf(""));
    w.SetInt32("general.sampling.top_k", -5);
    w.SetFloat32("general.sampling.top_p", 0.f);
    w.SetString("general.sampling.min_p", "0.05");
    w.SetFloat32("general.sampling.penalty_repeat", -1.f);
    w.SetInt32("general.sampling.penalty_last_n", -2);
  }));
  EXPECT_FALSE(s.temperature || s.top_k || s.top_p || s.min_p || s.repeat_penalty || s.repeat_last_n);
  ASSERT_EQ(s.ignored.size(), 6u);
  EXPECT_NE(s.ignored[1].find("general.sampling.top_k is -5, not an integer >= 0"), std::string::npos) << s.ignored[1];
  EXPECT_NE(s.ignored[3].find("general.sampling.min_p is of another type"), std::string::npos) << s.ignored[3];
}

TEST(GgufSampling, WrittenKeysReadBackAsTheyWere) {
  SamplingHParams in;
  in.temperature = 0.f;
  in.top_k = 64;
  in.top_p = 0.95f;
  in.repeat_penalty = 1.3f;
  in.repeat_last_n = -1;
  const GgufFile f = WriteAndRead([&](GgufWriter& w) { WriteGgufSampling(in, w); });
  // llama.cpp's types, so its own reader and gguf-py see what its converter would have written.
  EXPECT_EQ(f.Find("general.sampling.top_k")->type, GgufType::kInt32);
  EXPECT_EQ(f.Find("general.sampling.penalty_last_n")->type, GgufType::kInt32);
  EXPECT_EQ(f.Find("general.sampling.temp")->type, GgufType::kFloat32);
  EXPECT_EQ(f.Find("general.sampling.min_p"), nullptr);  // unset: not written
  const SamplingHParams out = ReadGgufSampling(f);
  EXPECT_EQ(out.temperature, in.temperature);
  EXPECT_EQ(out.top_k, in.top_k);
  EXPECT_EQ(out.top_p, in.top_p);
  EXPECT_FALSE(out.min_p);
  EXPECT_EQ(out.repeat_penalty, in.repeat_penalty);
  EXPECT_EQ(out.repeat_last_n, in.repeat_last_n);
}

}  // namespace
}  // namespace gemmakit
