#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "io/mapped_file.h"
#include "io/tensor_index.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;

// Runs `f`, which must throw Error with `want` and a message containing `needle`.
void ExpectError(const std::function<void()>& f, Status want, const std::string& needle) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), want) << StatusName(e.status()) << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message lacks \"" << needle << "\": " << e.what();
    return;
  }
  ADD_FAILURE() << "no Error thrown; expected one mentioning \"" << needle << "\"";
}

std::string LengthPrefix(uint64_t n) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out;
}

std::string Safetensors(const std::string& header_text, const std::string& data) {
  return LengthPrefix(header_text.size()) + header_text + data;
}

std::string Safetensors(const json& header, const std::string& data) {
  return Safetensors(header.dump(), data);
}

json Tensor(const std::string& dtype, const json& shape, uint64_t begin, uint64_t end) {
  return {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {begin, end}}};
}

std::string WriteTemp(const std::string& tag, const std::string& bytes) {
  const std::string path = JoinPath(test::MakeTempDir(tag), "model.safetensors");
  test::WriteFile(path, bytes);
  return path;
}

TensorIndex Load(const std::string& path) {
  TensorIndex index;
  ReadSafetensors(MappedFile::Open(path), &index);
  return index;
}

// Loads bytes written to a scratch file; the error checks below all go through here.
void LoadBytes(const std::string& tag, const std::string& bytes) { Load(WriteTemp(tag, bytes)); }

uint64_t HeaderLength(const std::string& file) {
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<uint8_t>(file[i])) << (8 * i);
  return n;
}

// Compares every tensor the reader found with what an independent parse of the same file says.
void ExpectMatchesFile(const std::string& path) {
  const std::string bytes = test::ReadFile(path);
  const uint64_t n = HeaderLength(bytes);
  const json header = json::parse(bytes.substr(8, n));
  const TensorIndex index = Load(path);
  ASSERT_EQ(index.size(), header.size() - (header.contains("__metadata__") ? 1 : 0));
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    SCOPED_TRACE(name);
    const TensorEntry* t = index.Find(name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->name, name);
    EXPECT_EQ(DTypeName(t->dtype), entry["dtype"].get<std::string>());
    EXPECT_EQ(t->shape, entry["shape"].get<std::vector<int64_t>>());
    const uint64_t begin = entry["data_offsets"][0];
    const uint64_t end = entry["data_offsets"][1];
    ASSERT_EQ(t->nbytes, end - begin);
    EXPECT_EQ(DTypeBytes(t->dtype, static_cast<size_t>(t->numel())), t->nbytes);
    EXPECT_EQ(std::memcmp(t->data, bytes.data() + 8 + n + begin, t->nbytes), 0);
  }
}

// --- MappedFile and friends ------------------------------------------------------------------

TEST(MappedFileTest, MapsWholeFile) {
  const std::string path = WriteTemp("map", "hello");
  auto file = MappedFile::Open(path);
  ASSERT_EQ(file->size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(file->data()), 5), "hello");
  EXPECT_EQ(file->path(), path);
}

TEST(MappedFileTest, EmptyFileHasNoData) {
  auto file = MappedFile::Open(WriteTemp("map_empty", ""));
  EXPECT_EQ(file->size(), 0u);
  EXPECT_EQ(file->data(), nullptr);
}

TEST(MappedFileTest, MissingFileIsIoErrorNamingPath) {
  const std::string path = test::MakeTempDir("map_missing") + "/nope.safetensors";
  ExpectError([&] { MappedFile::Open(path); }, Status::kIoError, path);
  ExpectError([&] { MappedFile::Open(path); }, Status::kIoError, "No such file");
}

TEST(MappedFileTest, DirectoryIsIoError) {
  const std::string dir = test::MakeTempDir("map_dir");
  ExpectError([&] { MappedFile::Open(dir); }, Status::kIoError, "Is a directory");
}

TEST(MappedFileTest, ReadTextFile) {
  const std::string dir = test::MakeTempDir("text");
  test::WriteFile(dir + "/a.txt", "some text");
  EXPECT_EQ(ReadTextFile(dir + "/a.txt"), "some text");
  EXPECT_EQ(ReadTextFile(dir + "/a.txt", 9), "some text");
  ExpectError([&] { ReadTextFile(dir + "/a.txt", 8); }, Status::kFormatError, dir + "/a.txt");
  ExpectError([&] { ReadTextFile(dir + "/b.txt"); }, Status::kIoError, dir + "/b.txt");
  ExpectError([&] { ReadTextFile(dir); }, Status::kIoError, "Is a directory");
}

TEST(MappedFileTest, PathHelpers) {
  const std::string dir = test::MakeTempDir("paths");
  test::WriteFile(dir + "/f", "x");
  EXPECT_TRUE(FileExists(dir + "/f"));
  EXPECT_FALSE(FileExists(dir));
  EXPECT_FALSE(FileExists(dir + "/g"));
  EXPECT_TRUE(IsDirectory(dir));
  EXPECT_FALSE(IsDirectory(dir + "/f"));
  EXPECT_FALSE(IsDirectory(dir + "/g"));
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
}

TEST(TensorIndexTest, DuplicateNameIsFormatError) {
  TensorIndex index;
  TensorEntry e;
  e.name = "w";
  index.Add(e);
  ExpectError([&] { index.Add(e); }, Status::kFormatError, "w");
  EXPECT_EQ(index.size(), 1u);
}

TEST(TensorIndexTest, NumelOfScalarAndEmpty) {
  TensorEntry e;
  EXPECT_EQ(e.numel(), 1);
  e.shape = {3, 0, 5};
  EXPECT_EQ(e.numel(), 0);
  e.shape = {3, 4, 5};
  EXPECT_EQ(e.numel(), 60);
}

// --- real checkpoints ------------------------------------------------------------------------

TEST(SafetensorsTest, Gemma1TinyBf16) {
  const std::string path = test::DataPath("gemma1-tiny/model.safetensors");
  ExpectMatchesFile(path);
  const TensorIndex index = Load(path);
  const TensorEntry* embed = index.Find("model.embed_tokens.weight");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->dtype, DType::kBF16);
  EXPECT_EQ(embed->shape, (std::vector<int64_t>{640, 64}));
  EXPECT_EQ(embed->nbytes, 640u * 64u * 2u);
  EXPECT_NE(index.Find("model.layers.2.mlp.down_proj.weight"), nullptr);
  EXPECT_EQ(index.Find("model.layers.3.mlp.down_proj.weight"), nullptr);
  EXPECT_EQ(index.Find("__metadata__"), nullptr);
}

TEST(SafetensorsTest, Gemma2TinyF16) {
  const std::string path = test::DataPath("gemma2-tiny/model.safetensors");
  ExpectMatchesFile(path);
  const TensorIndex index = Load(path);
  const TensorEntry* embed = index.Find("model.embed_tokens.weight");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->dtype, DType::kF16);
}

TEST(SafetensorsTest, Gemma3TinyShards) {
  ExpectMatchesFile(test::DataPath("gemma3-tiny/model-00001-of-00002.safetensors"));
  ExpectMatchesFile(test::DataPath("gemma3-tiny/model-00002-of-00002.safetensors"));
}

// The index, not the caller, keeps the map alive.
TEST(SafetensorsTest, IndexOwnsTheMap) {
  TensorIndex index;
  {
    auto file = MappedFile::Open(test::DataPath("gemma1-tiny/model.safetensors"));
    ReadSafetensors(file, &index);
  }
  const TensorEntry* norm = index.Find("model.norm.weight");
  ASSERT_NE(norm, nullptr);
  std::vector<float> values(static_cast<size_t>(norm->numel()));
  ConvertToF32(norm->dtype, norm->data, values.data(), values.size());
}

// --- synthetic files that are valid --------------------------------------------------------

TEST(SafetensorsTest, F32WithPaddedHeaderMetadataAndEmptyTensor) {
  json header = {{"__metadata__", {{"format", "pt"}}},
                 {"a", Tensor("F32", {2, 2}, 0, 16)},
                 {"empty", Tensor("F32", {0, 7}, 16, 16)},
                 {"scalar", Tensor("BF16", json::array(), 16, 18)}};
  std::string text = header.dump() + std::string(5, ' ');  // writers pad the header to align data
  const float a[4] = {1.f, 2.f, -3.f, 0.5f};
  std::string data(reinterpret_cast<const char*>(a), sizeof(a));
  data += std::string("\x80\x3f", 2);
  const TensorIndex index = Load(WriteTemp("valid", Safetensors(text, data)));
  ASSERT_EQ(index.size(), 3u);
  const TensorEntry* t = index.Find("a");
  ASSERT_NE(t, nullptr);
  float got[4];
  std::memcpy(got, t->data, sizeof(got));
  EXPECT_EQ(got[2], -3.f);
  EXPECT_EQ(index.Find("empty")->nbytes, 0u);
  EXPECT_EQ(index.Find("scalar")->numel(), 1);
}

TEST(SafetensorsTest, DuplicateAcrossFilesLeavesIndexUnchanged) {
  const std::string path = WriteTemp("dup", Safetensors(json{{"w", Tensor("F16", {2}, 0, 4)}},
                                                        std::string(4, '\0')));
  TensorIndex index;
  ReadSafetensors(MappedFile::Open(path), &index);
  ExpectError([&] { ReadSafetensors(MappedFile::Open(path), &index); }, Status::kFormatError,
              "'w'");
  EXPECT_EQ(index.size(), 1u);
}

// --- bad files: each must throw the right Error, never crash ----------------------------------

TEST(SafetensorsErrorTest, MissingFile) {
  const std::string path = test::MakeTempDir("st_missing") + "/model.safetensors";
  ExpectError([&] { Load(path); }, Status::kIoError, path);
}

TEST(SafetensorsErrorTest, EmptyFile) {
  ExpectError([] { LoadBytes("st_empty", ""); }, Status::kFormatError, "too short");
}

TEST(SafetensorsErrorTest, FourByteFile) {
  ExpectError([] { LoadBytes("st_four", "abcd"); }, Status::kFormatError, "too short");
}

TEST(SafetensorsErrorTest, MessageNamesFile) {
  const std::string path = WriteTemp("st_name", "abcd");
  ExpectError([&] { Load(path); }, Status::kFormatError, path);
}

TEST(SafetensorsErrorTest, HeaderLengthBeyondFile) {
  ExpectError([] { LoadBytes("st_hlen", LengthPrefix(1000) + "{}"); }, Status::kFormatError,
              "header length 1000");
}

TEST(SafetensorsErrorTest, AbsurdHeaderLength) {
  ExpectError([] { LoadBytes("st_habsurd", LengthPrefix(~uint64_t{0}) + "{}"); },
              Status::kFormatError, "absurd");
}

TEST(SafetensorsErrorTest, HeaderNotJson) {
  ExpectError([] { LoadBytes("st_nojson", Safetensors(std::string("{\"a\": nope"), "")); },
              Status::kFormatError, "not valid JSON");
}

TEST(SafetensorsErrorTest, HeaderJsonArray) {
  ExpectError([] { LoadBytes("st_array", Safetensors(json::array({1, 2}), "")); },
              Status::kFormatError, "not an object");
}

TEST(SafetensorsErrorTest, DeeplyNestedHeaderDoesNotOverflowStack) {
  const std::string text = std::string(200000, '[') + std::string(200000, ']');
  ExpectError([&] { LoadBytes("st_nested", Safetensors(text, "")); }, Status::kFormatError,
              "not an object");
}

TEST(SafetensorsErrorTest, EntryNotObject) {
  ExpectError([] { LoadBytes("st_entry", Safetensors(json{{"w", 3}}, "")); }, Status::kFormatError,
              "'w': entry is not a JSON object");
}

TEST(SafetensorsErrorTest, MetadataNotObject) {
  ExpectError([] { LoadBytes("st_meta", Safetensors(json{{"__metadata__", 3}}, "")); },
              Status::kFormatError, "__metadata__");
}

TEST(SafetensorsErrorTest, MissingField) {
  json entry = Tensor("F32", {1}, 0, 4);
  entry.erase("data_offsets");
  ExpectError([&] { LoadBytes("st_nofield", Safetensors(json{{"w", entry}}, "abcd")); },
              Status::kFormatError, "no \"data_offsets\"");
}

TEST(SafetensorsErrorTest, IllTypedFields) {
  json entry = Tensor("F32", {1}, 0, 4);
  entry["dtype"] = 32;
  ExpectError([&] { LoadBytes("st_types", Safetensors(json{{"w", entry}}, "abcd")); },
              Status::kFormatError, "\"dtype\" is not a string");
  entry = Tensor("F32", {1}, 0, 4);
  entry["shape"] = "1";
  ExpectError([&] { LoadBytes("st_types", Safetensors(json{{"w", entry}}, "abcd")); },
              Status::kFormatError, "\"shape\" is not an array");
  entry = Tensor("F32", {1}, 0, 4);
  entry["data_offsets"] = {0, 4, 8};
  ExpectError([&] { LoadBytes("st_types", Safetensors(json{{"w", entry}}, "abcd")); },
              Status::kFormatError, "data_offsets");
  entry["data_offsets"] = {-4, 0};
  ExpectError([&] { LoadBytes("st_types", Safetensors(json{{"w", entry}}, "abcd")); },
              Status::kFormatError, "non-negative");
}

TEST(SafetensorsErrorTest, OffsetsBeyondFile) {
  const json header = {{"w", Tensor("F32", {4}, 0, 16)}};
  ExpectError([&] { LoadBytes("st_beyond", Safetensors(header, std::string(8, '\0'))); },
              Status::kFormatError, "'w': data_offsets [0, 16] run past");
}

TEST(SafetensorsErrorTest, HugeOffsetsBeyondFile) {
  const json header = {{"w", Tensor("F32", {4}, ~uint64_t{0} - 15, ~uint64_t{0})}};
  ExpectError([&] { LoadBytes("st_hugeoff", Safetensors(header, std::string(16, '\0'))); },
              Status::kFormatError, "run past");
}

TEST(SafetensorsErrorTest, OffsetsEndBeforeBegin) {
  const json header = {{"w", Tensor("F32", {0}, 8, 4)}};
  ExpectError([&] { LoadBytes("st_backward", Safetensors(header, std::string(16, '\0'))); },
              Status::kFormatError, "end before they begin");
}

TEST(SafetensorsErrorTest, OffsetsDisagreeWithShape) {
  const json header = {{"w", Tensor("F32", {4}, 0, 12)}};
  ExpectError([&] { LoadBytes("st_size", Safetensors(header, std::string(16, '\0'))); },
              Status::kFormatError, "'w': shape [4] of F32 does not match");
}

TEST(SafetensorsErrorTest, OverlappingTensors) {
  const json header = {{"a", Tensor("F32", {4}, 0, 16)}, {"b", Tensor("F32", {4}, 8, 24)}};
  ExpectError([&] { LoadBytes("st_overlap", Safetensors(header, std::string(24, '\0'))); },
              Status::kFormatError, "'a' and 'b' overlap");
}

TEST(SafetensorsErrorTest, SameRangeTwice) {
  const json header = {{"a", Tensor("BF16", {8}, 0, 16)}, {"b", Tensor("F32", {4}, 0, 16)}};
  ExpectError([&] { LoadBytes("st_alias", Safetensors(header, std::string(16, '\0'))); },
              Status::kFormatError, "overlap");
}

TEST(SafetensorsErrorTest, NegativeDim) {
  const json header = {{"w", Tensor("F32", {-1, 4}, 0, 16)}};
  ExpectError([&] { LoadBytes("st_neg", Safetensors(header, std::string(16, '\0'))); },
              Status::kFormatError, "negative dimension -1");
}

TEST(SafetensorsErrorTest, NonIntegerDim) {
  const json header = {{"w", Tensor("F32", {2.5}, 0, 8)}};
  ExpectError([&] { LoadBytes("st_float", Safetensors(header, std::string(8, '\0'))); },
              Status::kFormatError, "not an integer");
}

TEST(SafetensorsErrorTest, HugeDimsOverflow) {
  const uint64_t big = uint64_t{1} << 62;
  const json header = {{"w", Tensor("F32", {big, big}, 0, 0)}};
  ExpectError([&] { LoadBytes("st_overflow", Safetensors(header, "")); }, Status::kFormatError,
              "more elements than int64");
}

// The byte count overflows even though the element count fits.
TEST(SafetensorsErrorTest, HugeByteCountOverflow) {
  const uint64_t big = uint64_t{1} << 62;
  const json header = {{"w", Tensor("F32", {big}, 0, 0)}};
  ExpectError([&] { LoadBytes("st_overflow_bytes", Safetensors(header, "")); },
              Status::kFormatError, "does not match");
}

// A zero must not hide an overflowing product from code that multiplies the other dimensions.
TEST(SafetensorsErrorTest, HugeDimsBesideZero) {
  const uint64_t big = uint64_t{1} << 62;
  const json header = {{"w", Tensor("F32", {0, big, big}, 0, 0)}};
  ExpectError([&] { LoadBytes("st_overflow_zero", Safetensors(header, "")); },
              Status::kFormatError, "more elements than int64");
}

TEST(SafetensorsErrorTest, DimBeyondInt64) {
  const json header = {{"w", Tensor("F32", {~uint64_t{0}}, 0, 0)}};
  ExpectError([&] { LoadBytes("st_dim64", Safetensors(header, "")); }, Status::kFormatError,
              "too large");
}

TEST(SafetensorsErrorTest, OtherSafetensorsDTypeIsUnsupported) {
  const json header = {{"w", Tensor("I8", {4}, 0, 4)}};
  ExpectError([&] { LoadBytes("st_i8", Safetensors(header, std::string(4, '\0'))); },
              Status::kUnsupported, "'w': dtype I8");
}

TEST(SafetensorsErrorTest, GarbageDTypeIsFormatError) {
  const json header = {{"w", Tensor("Q4_WHATEVER", {4}, 0, 4)}};
  ExpectError([&] { LoadBytes("st_garbage", Safetensors(header, std::string(4, '\0'))); },
              Status::kFormatError, "unknown dtype \"Q4_WHATEVER\"");
}

// Every prefix of a real file lacks some tensor's bytes (or its header), so each must be refused.
TEST(SafetensorsErrorTest, TruncatedRealFile) {
  const std::string bytes = test::ReadFile(test::DataPath("gemma1-tiny/model.safetensors"));
  const size_t header_end = 8 + static_cast<size_t>(HeaderLength(bytes));
  std::vector<size_t> cuts = {0, 1, 7, 8, 9, header_end - 1, header_end, header_end + 1,
                              bytes.size() - 1};
  constexpr size_t kSweep = 200;
  for (size_t i = 0; i < kSweep; ++i) cuts.push_back(bytes.size() * i / kSweep);
  const std::string path = WriteTemp("st_truncated", "");
  for (size_t cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut) + " of " + std::to_string(bytes.size()));
    test::WriteFile(path, bytes.substr(0, cut));
    ExpectError([&] { Load(path); }, Status::kFormatError, path);
  }
}

// Flipping bytes of the header must give either a valid index or an Error, nothing worse.
TEST(SafetensorsErrorTest, CorruptedHeaderBytes) {
  const std::string bytes = test::ReadFile(test::DataPath("gemma1-tiny/model.safetensors"));
  const size_t header_end = 8 + static_cast<size_t>(HeaderLength(bytes));
  const std::string path = WriteTemp("st_corrupt", "");
  const char replacements[] = {'9', '-', '"', '}', '\0', '.'};
  for (size_t pos = 0; pos < header_end; pos += 7) {
    std::string copy = bytes;
    copy[pos] = replacements[pos % sizeof(replacements)];
    test::WriteFile(path, copy);
    try {
      Load(path);
    } catch (const Error& e) {
      EXPECT_NE(e.status(), Status::kInternal) << e.what();
    }
  }
}

}  // namespace
}  // namespace gemmakit
