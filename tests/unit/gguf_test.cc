#include "io/gguf.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "io/gguf_types.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"
#include "io/tensor_index.h"
#include "kernels/dtype.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;

// --- helpers ---------------------------------------------------------------------------------------

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

std::string Le(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}
std::string U8(uint64_t v) { return Le(v, 1); }
std::string U16(uint64_t v) { return Le(v, 2); }
std::string U32(uint64_t v) { return Le(v, 4); }
std::string U64(uint64_t v) { return Le(v, 8); }
std::string F32(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return U32(bits);
}
std::string F64(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return U64(bits);
}
std::string Str(const std::string& s) { return U64(s.size()) + s; }

constexpr uint32_t kMagic = 0x46554747;
constexpr uint32_t T_U8 = 0, T_I8 = 1, T_U16 = 2, T_I16 = 3, T_U32 = 4, T_I32 = 5, T_F32 = 6,
                   T_BOOL = 7, T_STR = 8, T_ARR = 9, T_U64 = 10, T_I64 = 11, T_F64 = 12;

// Writes synthetic GGUF files. Each part is raw bytes so a test can forge any field; the helpers
// produce well-formed pieces, and AddTensor places data at the next aligned offset.
struct GgufBuilder {
  uint32_t magic = kMagic;
  uint32_t version = 3;
  uint64_t alignment = 32;       // used for padding and AddTensor; not written as metadata
  int64_t tensor_count = -1;     // -1: the number of tensors added
  int64_t kv_count = -1;         // -1: the number of key/values added
  std::string kvs;
  uint64_t n_kv = 0;
  std::string infos;
  uint64_t n_tensors = 0;
  std::string data;

  // A key/value whose value bytes (after the type) are given raw.
  GgufBuilder& Raw(const std::string& key, uint32_t type, const std::string& value) {
    kvs += Str(key) + U32(type) + value;
    ++n_kv;
    return *this;
  }
  GgufBuilder& U32Kv(const std::string& key, uint32_t v) { return Raw(key, T_U32, U32(v)); }
  GgufBuilder& StrKv(const std::string& key, const std::string& v) { return Raw(key, T_STR, Str(v)); }
  GgufBuilder& StrArray(const std::string& key, const std::vector<std::string>& v) {
    std::string body = U32(T_STR) + U64(v.size());
    for (const std::string& s : v) body += Str(s);
    return Raw(key, T_ARR, body);
  }
  GgufBuilder& Alignment(uint32_t a) {
    alignment = a;
    return U32Kv("general.alignment", a);
  }

  // A tensor info written as given.
  GgufBuilder& Info(const std::string& name, const std::vector<uint64_t>& dims, uint32_t type,
                    uint64_t offset) {
    infos += Str(name) + U32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) infos += U64(d);
    infos += U32(type) + U64(offset);
    ++n_tensors;
    return *this;
  }
  // A tensor with `nbytes` of data appended at the next aligned offset; the bytes count up.
  GgufBuilder& AddTensor(const std::string& name, const std::vector<uint64_t>& dims, uint32_t type,
                         size_t nbytes) {
    while (data.size() % alignment) data += '\0';
    Info(name, dims, type, data.size());
    for (size_t i = 0; i < nbytes; ++i) data += static_cast<char>(i & 0xff);
    return *this;
  }
  // Bytes to append after the data (or to use as data with Info).
  GgufBuilder& Data(size_t nbytes) {
    data.append(nbytes, '\0');
    return *this;
  }

  std::string Header() const {
    return U32(magic) + U32(version) +
           U64(tensor_count >= 0 ? static_cast<uint64_t>(tensor_count) : n_tensors) +
           U64(kv_count >= 0 ? static_cast<uint64_t>(kv_count) : n_kv);
  }
  std::string Build() const {
    std::string out = Header() + kvs + infos;
    while (out.size() % alignment) out += '\0';
    return out + data;
  }
};

// One scratch directory for the whole binary; every file gets a fresh name and is removed after.
const std::string& ScratchDir() {
  static const std::string dir = test::MakeTempDir("gguf");
  return dir;
}

class TempFile {
 public:
  explicit TempFile(const std::string& bytes) {
    static int counter = 0;
    path_ = JoinPath(ScratchDir(), "f" + std::to_string(counter++) + ".gguf");
    test::WriteFile(path_, bytes);
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

GgufFile Parse(const std::string& bytes) {
  TempFile f(bytes);
  return ReadGguf(MappedFile::Open(f.path()));
}

void ExpectBad(const std::string& bytes, Status want, const std::string& needle) {
  ExpectError([&] { Parse(bytes); }, want, needle);
}

std::string GgufPath(const std::string& model, const std::string& quant) {
  return test::DataPath("gguf/" + model + "/" + model + "-" + quant + ".gguf");
}

GgufFile Open(const std::string& path) { return ReadGguf(MappedFile::Open(path)); }

const GgufTensorInfo* FindTensor(const GgufFile& f, const std::string& name) {
  for (const GgufTensorInfo& t : f.tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// --- the real files --------------------------------------------------------------------------------

const char* const kModels[] = {"gemma1-tiny", "gemma2-tiny", "gemma3-tiny"};
const char* const kQuants[] = {"f32", "q4_0", "q8_0"};

TEST(GgufRealTest, AllNineFilesParseAndMatchGolden) {
  const std::map<std::string, std::string> arch = {
      {"gemma1-tiny", "gemma"}, {"gemma2-tiny", "gemma2"}, {"gemma3-tiny", "gemma3"}};
  for (const char* model : kModels) {
    const json golden = json::parse(test::ReadFile(test::DataPath(std::string("gguf/") + model +
                                                                   "/golden.json")));
    for (const char* quant : kQuants) {
      SCOPED_TRACE(std::string(model) + " " + quant);
      const std::string path = GgufPath(model, quant);
      const auto mapped = MappedFile::Open(path);
      EXPECT_TRUE(LooksLikeGguf(*mapped));
      const GgufFile f = ReadGguf(mapped);
      EXPECT_EQ(f.file, mapped);
      EXPECT_EQ(f.version, 3u);
      EXPECT_EQ(f.alignment, 32u);
      EXPECT_EQ(f.data_offset % 32, 0u);
      ASSERT_NE(f.Find("general.architecture"), nullptr);
      EXPECT_EQ(f.Find("general.architecture")->s, arch.at(model));

      // Type counts as the converter recorded them.
      std::map<std::string, int> counts;
      const uint8_t* begin = mapped->data() + f.data_offset;
      const uint8_t* end = mapped->data() + mapped->size();
      size_t last_end = 0;
      for (const GgufTensorInfo& t : f.tensors) {
        counts[FindGgmlType(static_cast<uint32_t>(t.type))->name]++;
        const uint8_t* p = static_cast<const uint8_t*>(t.data);
        EXPECT_EQ(p, begin + t.offset) << t.name;
        EXPECT_GE(p, begin) << t.name;
        EXPECT_LE(p + t.nbytes, end) << t.name;
        EXPECT_EQ(t.offset % 32, 0u) << t.name;
        EXPECT_GT(t.nbytes, 0u) << t.name;
        last_end = std::max(last_end, f.data_offset + t.offset + t.nbytes);
      }
      EXPECT_EQ(last_end, mapped->size()) << "data should end the file";
      bool found = false;
      for (const json& file : golden["files"]) {
        if (file["file"] != std::string(model) + "-" + quant + ".gguf") continue;
        found = true;
        std::map<std::string, int> want;
        for (auto it = file["tensor_types"].begin(); it != file["tensor_types"].end(); ++it) {
          want[it.key()] = it.value().get<int>();
        }
        EXPECT_EQ(counts, want);
      }
      EXPECT_TRUE(found);
    }
  }
}

TEST(GgufRealTest, Gemma3Q4_0Metadata) {
  const GgufFile f = Open(GgufPath("gemma3-tiny", "q4_0"));
  EXPECT_EQ(f.metadata.size(), 27u);
  EXPECT_EQ(f.tensors.size(), 93u);
  auto get = [&](const std::string& key, GgufType type) -> const GgufValue& {
    const GgufValue* v = f.Find(key);
    EXPECT_NE(v, nullptr) << key;
    static const GgufValue kNone;
    if (!v) return kNone;
    EXPECT_EQ(v->type, type) << key;
    return *v;
  };
  EXPECT_EQ(get("general.architecture", GgufType::kString).s, "gemma3");
  EXPECT_EQ(get("general.name", GgufType::kString).s, "Gemma3 Tiny");
  EXPECT_EQ(get("gemma3.block_count", GgufType::kUint32).u, 7u);
  EXPECT_EQ(get("gemma3.embedding_length", GgufType::kUint32).u, 64u);
  EXPECT_EQ(get("gemma3.feed_forward_length", GgufType::kUint32).u, 160u);
  EXPECT_EQ(get("gemma3.attention.head_count", GgufType::kUint32).u, 4u);
  EXPECT_EQ(get("gemma3.attention.head_count_kv", GgufType::kUint32).u, 1u);
  EXPECT_EQ(get("gemma3.attention.key_length", GgufType::kUint32).u, 32u);
  EXPECT_EQ(get("gemma3.attention.sliding_window", GgufType::kUint32).u, 8u);
  EXPECT_EQ(get("gemma3.rope.freq_base", GgufType::kFloat32).f, 1000000.0);
  EXPECT_EQ(get("gemma3.rope.freq_base_swa", GgufType::kFloat32).f, 10000.0);
  EXPECT_EQ(get("gemma3.attention.layer_norm_rms_epsilon", GgufType::kFloat32).f,
            static_cast<double>(1e-6f));
  EXPECT_EQ(get("tokenizer.ggml.model", GgufType::kString).s, "llama");
  EXPECT_EQ(get("tokenizer.ggml.bos_token_id", GgufType::kUint32).u, 2u);
  EXPECT_EQ(get("tokenizer.ggml.eos_token_id", GgufType::kUint32).u, 1u);
  EXPECT_EQ(get("tokenizer.ggml.add_space_prefix", GgufType::kBool).u, 0u);
  EXPECT_EQ(get("general.file_type", GgufType::kUint32).u, 2u);  // MOSTLY_Q4_0
  EXPECT_EQ(f.Find("general.alignment"), nullptr);
  EXPECT_EQ(f.Find("no.such.key"), nullptr);

  const GgufValue& tokens = get("tokenizer.ggml.tokens", GgufType::kArray);
  EXPECT_EQ(tokens.elem_type, GgufType::kString);
  ASSERT_EQ(tokens.strings.size(), 640u);
  EXPECT_TRUE(tokens.numbers.empty());
  EXPECT_EQ(tokens.strings[0], "<pad>");
  EXPECT_EQ(tokens.strings[1], "<eos>");
  EXPECT_EQ(tokens.strings[2], "<bos>");
  EXPECT_EQ(tokens.strings[3], "<unk>");
  EXPECT_EQ(tokens.strings[5], "<end_of_turn>");
  EXPECT_EQ(tokens.strings[8], "<0x00>");
  EXPECT_EQ(tokens.strings[639], "\xF0\x9F\x9A\x80");  // U+1F680, multi-byte UTF-8 intact

  const GgufValue& types = get("tokenizer.ggml.token_type", GgufType::kArray);
  EXPECT_EQ(types.elem_type, GgufType::kInt32);
  ASSERT_EQ(types.numbers.size(), 640u);
  const std::vector<double> head(types.numbers.begin(), types.numbers.begin() + 9);
  EXPECT_EQ(head, (std::vector<double>{3, 3, 3, 2, 1, 1, 1, 1, 6}));

  const GgufValue& scores = get("tokenizer.ggml.scores", GgufType::kArray);
  EXPECT_EQ(scores.elem_type, GgufType::kFloat32);
  EXPECT_EQ(scores.numbers.size(), 640u);
}

TEST(GgufRealTest, Gemma3Q4_0TensorInfos) {
  const GgufFile f = Open(GgufPath("gemma3-tiny", "q4_0"));
  const GgufTensorInfo* embd = FindTensor(f, "token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->dims, (std::vector<uint64_t>{64, 640}));
  EXPECT_EQ(embd->type, GgmlType::kQ8_0);
  EXPECT_EQ(embd->nbytes, 64u / 32 * 34 * 640);

  const GgufTensorInfo* q = FindTensor(f, "blk.0.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->dims, (std::vector<uint64_t>{64, 128}));
  EXPECT_EQ(q->type, GgmlType::kQ4_0);
  EXPECT_EQ(q->nbytes, 64u / 32 * 18 * 128);

  const GgufTensorInfo* down = FindTensor(f, "blk.6.ffn_down.weight");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->dims, (std::vector<uint64_t>{160, 64}));
  EXPECT_EQ(down->type, GgmlType::kQ4_0);

  const GgufTensorInfo* norm = FindTensor(f, "output_norm.weight");
  ASSERT_NE(norm, nullptr);
  EXPECT_EQ(norm->dims, (std::vector<uint64_t>{64}));
  EXPECT_EQ(norm->type, GgmlType::kF32);
  EXPECT_EQ(norm->nbytes, 256u);
  EXPECT_EQ(norm->offset, 0u);  // llama-quantize wrote it first
  // Tied embeddings: there is no separate output.weight.
  EXPECT_EQ(FindTensor(f, "output.weight"), nullptr);
}

// The data pointers reach the right bytes: the f32 GGUF embedding is the HF bf16 one widened, and
// llama.cpp's converter stores Gemma's RMSNorm weights with the +1 already added.
TEST(GgufRealTest, Gemma1F32DataMatchesHfCheckpoint) {
  TensorIndex hf;
  ReadSafetensors(MappedFile::Open(test::DataPath("gemma1-tiny/model.safetensors")), &hf);
  const GgufFile f = Open(GgufPath("gemma1-tiny", "f32"));

  const TensorEntry* hf_embd = hf.Find("model.embed_tokens.weight");
  const GgufTensorInfo* embd = FindTensor(f, "token_embd.weight");
  ASSERT_NE(hf_embd, nullptr);
  ASSERT_NE(embd, nullptr);
  ASSERT_EQ(hf_embd->dtype, DType::kBF16);
  ASSERT_EQ(hf_embd->shape, (std::vector<int64_t>{640, 64}));
  ASSERT_EQ(embd->dims, (std::vector<uint64_t>{64, 640}));
  const auto* hf_bits = static_cast<const uint8_t*>(hf_embd->data);
  const auto* gg_bits = static_cast<const uint8_t*>(embd->data);
  for (size_t i = 0; i < 640 * 64; ++i) {
    uint16_t h;
    float g;
    std::memcpy(&h, hf_bits + 2 * i, 2);
    std::memcpy(&g, gg_bits + 4 * i, 4);
    ASSERT_EQ(g, BF16ToF32(h)) << "element " << i;
  }

  const TensorEntry* hf_norm = hf.Find("model.norm.weight");
  const GgufTensorInfo* norm = FindTensor(f, "output_norm.weight");
  ASSERT_NE(hf_norm, nullptr);
  ASSERT_NE(norm, nullptr);
  for (size_t i = 0; i < 64; ++i) {
    uint16_t h;
    float g;
    std::memcpy(&h, static_cast<const uint8_t*>(hf_norm->data) + 2 * i, 2);
    std::memcpy(&g, static_cast<const uint8_t*>(norm->data) + 4 * i, 4);
    EXPECT_FLOAT_EQ(g, BF16ToF32(h) + 1.0f) << "element " << i;
  }
}

// Worth knowing for whoever maps metadata to a model: the converter hard-codes Gemma 1's
// eot_token_id as 107 (the full vocabulary's <end_of_turn>), which in a reduced vocabulary is
// another token entirely.
TEST(GgufRealTest, Gemma1EotTokenIdIsHardCoded) {
  const GgufFile f = Open(GgufPath("gemma1-tiny", "q8_0"));
  const GgufValue* eot = f.Find("tokenizer.ggml.eot_token_id");
  ASSERT_NE(eot, nullptr);
  EXPECT_EQ(eot->u, 107u);
  const GgufValue* tokens = f.Find("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->strings.at(107), "<0x63>");
  EXPECT_EQ(tokens->strings.at(5), "<end_of_turn>");
}

TEST(GgufRealTest, FindGgmlType) {
  const GgmlTypeTraits* q4 = FindGgmlType(2);
  ASSERT_NE(q4, nullptr);
  EXPECT_STREQ(q4->name, "Q4_0");
  EXPECT_EQ(q4->block_elems, 32u);
  EXPECT_EQ(q4->block_bytes, 18u);
  ASSERT_NE(FindGgmlType(30), nullptr);
  EXPECT_STREQ(FindGgmlType(30)->name, "BF16");
  EXPECT_EQ(FindGgmlType(15)->block_bytes, 292u);
  // ggml's block sizes: Q4_1 20, Q5_0 22, Q5_1 24, Q2_K 84, Q3_K 110, IQ4_NL 18, IQ4_XS 136.
  for (const auto& [type, elems, bytes] : {std::tuple<uint32_t, uint32_t, uint32_t>{3, 32, 20}, {6, 32, 22}, {7, 32, 24},
                                           {10, 256, 84}, {11, 256, 110}, {20, 32, 18}, {23, 256, 136}}) {
    ASSERT_NE(FindGgmlType(type), nullptr) << type;
    EXPECT_EQ(FindGgmlType(type)->block_elems, elems) << type;
    EXPECT_EQ(FindGgmlType(type)->block_bytes, bytes) << type;
  }
  EXPECT_EQ(FindGgmlType(4), nullptr);   // Q4_2, removed from ggml
  EXPECT_EQ(FindGgmlType(16), nullptr);  // IQ2_XXS, not known here
  EXPECT_EQ(FindGgmlType(0xffffffffu), nullptr);
}

// Every cut of a real file short of its end must throw Error, never crash or read past the map.
TEST(GgufRealTest, TruncatedAtEveryKindOfPoint) {
  const std::string bytes = test::ReadFile(GgufPath("gemma1-tiny", "q4_0"));
  const GgufFile full = Open(GgufPath("gemma1-tiny", "q4_0"));
  std::set<size_t> cuts;
  for (size_t i = 0; i < 64; ++i) cuts.insert(i);                        // header, first key
  for (size_t i = 64; i < full.data_offset; i += full.data_offset / 160) cuts.insert(i);  // metadata, infos
  for (size_t i = full.data_offset - 40; i <= full.data_offset + 8; ++i) cuts.insert(i);  // padding
  for (size_t i = full.data_offset; i < bytes.size(); i += bytes.size() / 64) cuts.insert(i);
  for (size_t i = bytes.size() - 8; i < bytes.size(); ++i) cuts.insert(i);  // the last tensor
  EXPECT_GE(cuts.size(), 300u);
  for (size_t cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    try {
      Parse(bytes.substr(0, cut));
      ADD_FAILURE() << "parsed a file cut at " << cut << " of " << bytes.size();
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kFormatError) << e.what();
    }
  }
}

// --- synthetic files: valid ------------------------------------------------------------------------

GgufBuilder EveryValueType() {
  GgufBuilder b;
  b.Raw("u8", T_U8, U8(200))
      .Raw("i8", T_I8, U8(0x80))
      .Raw("u16", T_U16, U16(65535))
      .Raw("i16", T_I16, U16(0xfffe))
      .U32Kv("u32", 4000000000u)
      .Raw("i32", T_I32, U32(0xffffffff))
      .Raw("f32", T_F32, F32(0.5f))
      .Raw("bool", T_BOOL, U8(1))
      .StrKv("str", "h\xC3\xA9llo")
      .StrKv("empty", "")
      .Raw("u64", T_U64, U64(0xffffffffffffffffull))
      .Raw("i64", T_I64, U64(0x8000000000000000ull))
      .Raw("f64", T_F64, F64(-2.25))
      .StrArray("strs", {"a", "", "ccc"})
      .Raw("i16s", T_ARR, U32(T_I16) + U64(3) + U16(1) + U16(0xffff) + U16(0x8000))
      .Raw("bools", T_ARR, U32(T_BOOL) + U64(2) + U8(0) + U8(1))
      .Raw("f64s", T_ARR, U32(T_F64) + U64(1) + F64(1e300))
      .Raw("none", T_ARR, U32(T_U64) + U64(0));
  b.AddTensor("f32", {4, 2}, 0, 32)
      .AddTensor("q8", {64, 1, 1, 3}, 8, 2 * 34 * 3)
      .AddTensor("q6k", {256}, 14, 210)
      .AddTensor("bf16", {3}, 30, 6)
      .AddTensor("empty", {0, 5}, 1, 0);
  return b;
}

TEST(GgufSyntheticTest, EveryValueTypeAndTensorLayout) {
  const GgufBuilder b = EveryValueType();
  const std::string bytes = b.Build();
  const GgufFile f = Parse(bytes);
  EXPECT_EQ(f.metadata.size(), 18u);
  EXPECT_EQ(f.Find("u8")->u, 200u);
  EXPECT_EQ(f.Find("i8")->i, -128);
  EXPECT_EQ(f.Find("u16")->u, 65535u);
  EXPECT_EQ(f.Find("i16")->i, -2);
  EXPECT_EQ(f.Find("u32")->u, 4000000000u);
  EXPECT_EQ(f.Find("i32")->i, -1);
  EXPECT_EQ(f.Find("f32")->f, 0.5);
  EXPECT_EQ(f.Find("bool")->type, GgufType::kBool);
  EXPECT_EQ(f.Find("bool")->u, 1u);
  EXPECT_EQ(f.Find("str")->s, "h\xC3\xA9llo");
  EXPECT_EQ(f.Find("empty")->s, "");
  EXPECT_EQ(f.Find("u64")->u, 0xffffffffffffffffull);
  EXPECT_EQ(f.Find("i64")->i, INT64_MIN);
  EXPECT_EQ(f.Find("f64")->f, -2.25);
  EXPECT_EQ(f.Find("strs")->strings, (std::vector<std::string>{"a", "", "ccc"}));
  EXPECT_EQ(f.Find("i16s")->elem_type, GgufType::kInt16);
  EXPECT_EQ(f.Find("i16s")->numbers, (std::vector<double>{1, -1, -32768}));
  EXPECT_EQ(f.Find("bools")->numbers, (std::vector<double>{0, 1}));
  EXPECT_EQ(f.Find("f64s")->numbers, (std::vector<double>{1e300}));
  EXPECT_EQ(f.Find("none")->type, GgufType::kArray);
  EXPECT_EQ(f.Find("none")->elem_type, GgufType::kUint64);
  EXPECT_TRUE(f.Find("none")->numbers.empty());

  ASSERT_EQ(f.tensors.size(), 5u);
  EXPECT_EQ(f.data_offset % 32, 0u);
  EXPECT_EQ(f.data_offset + b.data.size(), bytes.size());
  const size_t want_bytes[] = {32, 204, 210, 6, 0};
  for (size_t i = 0; i < 5; ++i) {
    const GgufTensorInfo& t = f.tensors[i];
    EXPECT_EQ(t.nbytes, want_bytes[i]) << t.name;
    EXPECT_EQ(t.data, f.file->data() + f.data_offset + t.offset) << t.name;
  }
  EXPECT_EQ(f.tensors[1].dims, (std::vector<uint64_t>{64, 1, 1, 3}));
  EXPECT_EQ(f.tensors[1].type, GgmlType::kQ8_0);
  EXPECT_EQ(f.tensors[2].type, GgmlType::kQ6_K);
  EXPECT_EQ(f.tensors[3].type, GgmlType::kBF16);
  // The first data byte of each tensor is 0 (AddTensor counts from 0), the second 1.
  EXPECT_EQ(static_cast<const uint8_t*>(f.tensors[1].data)[1], 1);
}

TEST(GgufSyntheticTest, Version2AndCustomAlignment) {
  GgufBuilder b;
  b.version = 2;
  b.Alignment(64).AddTensor("a", {2}, 0, 8).AddTensor("b", {32}, 2, 18);
  const GgufFile f = Parse(b.Build());
  EXPECT_EQ(f.version, 2u);
  EXPECT_EQ(f.alignment, 64u);
  EXPECT_EQ(f.data_offset % 64, 0u);
  EXPECT_EQ(f.tensors[1].offset, 64u);

  GgufBuilder one;
  one.Alignment(1).AddTensor("a", {1}, 0, 4).AddTensor("b", {1}, 1, 2).AddTensor("c", {1}, 0, 4);
  const GgufFile g = Parse(one.Build());
  EXPECT_EQ(g.alignment, 1u);
  EXPECT_EQ(g.tensors[2].offset, 6u);
}

// With no tensors the file may stop right after the metadata, before the aligned data section.
TEST(GgufSyntheticTest, NoTensorsNeedsNoDataSection) {
  GgufBuilder b;
  b.StrKv("general.architecture", "gemma3");
  const std::string bytes = b.Header() + b.kvs;  // not padded
  ASSERT_NE(bytes.size() % 32, 0u);
  const GgufFile f = Parse(bytes);
  EXPECT_TRUE(f.tensors.empty());
  EXPECT_EQ(f.Find("general.architecture")->s, "gemma3");

  GgufBuilder empty;
  EXPECT_TRUE(Parse(empty.Header()).metadata.empty());
}

TEST(GgufSyntheticTest, LooksLikeGguf) {
  TempFile good(GgufBuilder().Build());
  TempFile short_file("GGU");
  TempFile empty("");
  TempFile other("{\"a\": 1}");
  EXPECT_TRUE(LooksLikeGguf(*MappedFile::Open(good.path())));
  EXPECT_FALSE(LooksLikeGguf(*MappedFile::Open(short_file.path())));
  EXPECT_FALSE(LooksLikeGguf(*MappedFile::Open(empty.path())));
  EXPECT_FALSE(LooksLikeGguf(*MappedFile::Open(other.path())));
}

TEST(GgufSyntheticTest, NullFileIsInvalidArgument) {
  ExpectError([] { ReadGguf(nullptr); }, Status::kInvalidArgument, "null");
}

// Every cut of a file holding every value type and several tensors throws, at every byte.
TEST(GgufSyntheticTest, TruncatedAtEveryByte) {
  const std::string bytes = EveryValueType().Build();
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    try {
      Parse(bytes.substr(0, cut));
      ADD_FAILURE() << "parsed a file cut at " << cut << " of " << bytes.size();
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kFormatError) << "cut " << cut << ": " << e.what();
    }
  }
}

// --- synthetic files: bad input, one defect each ---------------------------------------------------

TEST(GgufBadInputTest, BadMagic) {
  GgufBuilder b;
  b.magic = 0x46554746;  // "FGUF"
  ExpectBad(b.Build(), Status::kFormatError, "magic");
  ExpectBad("", Status::kFormatError, "magic");
  ExpectBad("GGU", Status::kFormatError, "magic");
}

TEST(GgufBadInputTest, ErrorNamesTheFile) {
  GgufBuilder b;
  b.magic = 0;
  TempFile f(b.Build());
  ExpectError([&] { ReadGguf(MappedFile::Open(f.path())); }, Status::kFormatError, f.path());
}

TEST(GgufBadInputTest, Version1IsUnsupported) {
  GgufBuilder b;
  b.version = 1;
  ExpectBad(b.Build(), Status::kUnsupported, "version 1");
}

TEST(GgufBadInputTest, Version99IsUnsupported) {
  GgufBuilder b;
  b.version = 99;
  ExpectBad(b.Build(), Status::kUnsupported, "version 99");
}

TEST(GgufBadInputTest, BigEndianIsUnsupported) {
  GgufBuilder b;
  b.version = 0x03000000;
  ExpectBad(b.Build(), Status::kUnsupported, "big-endian");
}

// The counts below would ask for exabytes if trusted; under ASan an allocation that large aborts,
// so passing here means nothing was sized from them.
TEST(GgufBadInputTest, HugeTensorCount) {
  GgufBuilder b;
  b.tensor_count = int64_t{1} << 60;
  b.AddTensor("a", {1}, 0, 4);
  ExpectBad(b.Build(), Status::kFormatError, "tensor count");
}

TEST(GgufBadInputTest, HugeKvCount) {
  GgufBuilder b;
  b.kv_count = int64_t{1} << 60;
  b.U32Kv("a", 1);
  ExpectBad(b.Build(), Status::kFormatError, "metadata count");
}

TEST(GgufBadInputTest, TensorAndKvCountsTogetherTooLarge) {
  GgufBuilder b;
  b.StrKv("k", std::string(100, 'x'));  // 8 + 1 + 4 + 8 + 100 bytes
  b.kv_count = 9;                        // 9 * 13 = 117 of the 121: fits alone
  b.tensor_count = 1;                    // 32 more: does not
  ExpectBad(b.Build(), Status::kFormatError, "tensor count 1 and metadata count 9");
}

TEST(GgufBadInputTest, HugeStringLength) {
  // As a key...
  GgufBuilder key;
  key.kvs = U64(uint64_t{1} << 60) + "abc";
  key.n_kv = 1;
  ExpectBad(key.Build(), Status::kFormatError, "metadata key #0");
  // ...as a value, just one byte more than the file holds...
  GgufBuilder value;
  value.Raw("k", T_STR, U64(5) + "abcd");
  ExpectBad(value.Header() + value.kvs, Status::kFormatError, "claims 5 bytes but only 4 remain");
  // ...and as a tensor name.
  GgufBuilder name;
  name.infos = U64(~uint64_t{0}) + std::string(40, 'n');
  name.n_tensors = 1;
  ExpectBad(name.Build(), Status::kFormatError, "tensor #0 name");
}

TEST(GgufBadInputTest, HugeArrayCount) {
  GgufBuilder nums;
  nums.Raw("a", T_ARR, U32(T_U8) + U64(uint64_t{1} << 60) + "xyz");
  ExpectBad(nums.Build(), Status::kFormatError, "array count");
  GgufBuilder strs;
  strs.Raw("a", T_ARR, U32(T_STR) + U64(uint64_t{1} << 61) + Str("x"));
  ExpectBad(strs.Build(), Status::kFormatError, "array count");
  // One more u64 than the bytes hold.
  GgufBuilder wide;
  wide.Raw("a", T_ARR, U32(T_U64) + U64(3) + U64(1) + U64(2));
  ExpectBad(wide.Header() + wide.kvs + std::string(7, '\0'), Status::kFormatError, "array count 3");
}

TEST(GgufBadInputTest, UnknownMetadataType) {
  GgufBuilder b;
  b.Raw("k", 13, U64(0));
  ExpectBad(b.Build(), Status::kFormatError, "unknown value type 13");
  GgufBuilder elem;
  elem.Raw("k", T_ARR, U32(0x80000000u) + U64(0));
  ExpectBad(elem.Build(), Status::kFormatError, "unknown value type 2147483648");
}

TEST(GgufBadInputTest, NestedArray) {
  GgufBuilder b;
  b.Raw("k", T_ARR, U32(T_ARR) + U64(1) + U32(T_U8) + U64(1) + U8(0));
  ExpectBad(b.Build(), Status::kFormatError, "nested array");
}

TEST(GgufBadInputTest, DuplicateKey) {
  GgufBuilder b;
  b.U32Kv("gemma3.block_count", 7).StrKv("x", "y").U32Kv("gemma3.block_count", 8);
  ExpectBad(b.Build(), Status::kFormatError, "duplicate metadata 'gemma3.block_count'");
}

TEST(GgufBadInputTest, MessagesEscapeControlBytesAndShortenNames) {
  GgufBuilder b;
  b.U32Kv("a\nb", 1).U32Kv("a\nb", 2);
  ExpectBad(b.Build(), Status::kFormatError, "duplicate metadata 'a\\x0ab'");
  GgufBuilder longname;
  const std::string name(5000, 'n');
  longname.AddTensor(name, {1}, 0, 4).AddTensor(name, {1}, 0, 4);
  try {
    Parse(longname.Build());
    ADD_FAILURE() << "duplicate tensor accepted";
  } catch (const Error& e) {
    EXPECT_LT(std::string(e.what()).size(), 400u) << e.what();
    EXPECT_NE(std::string(e.what()).find("nnn...'"), std::string::npos) << e.what();
  }
}

TEST(GgufBadInputTest, BoolOtherThanZeroOrOne) {
  GgufBuilder b;
  b.Raw("k", T_BOOL, U8(2));
  ExpectBad(b.Build(), Status::kFormatError, "bool");
}

TEST(GgufBadInputTest, DuplicateTensorName) {
  GgufBuilder b;
  b.AddTensor("w", {1}, 0, 4).AddTensor("w", {1}, 0, 4);
  ExpectBad(b.Build(), Status::kFormatError, "duplicate tensor 'w'");
}

TEST(GgufBadInputTest, ZeroDims) {
  GgufBuilder b;
  b.Info("w", {}, 0, 0).Data(32);
  ExpectBad(b.Build(), Status::kFormatError, "0 dimensions");
}

TEST(GgufBadInputTest, FiveDims) {
  GgufBuilder b;
  b.Info("w", {1, 1, 1, 1, 1}, 0, 0).Data(32);
  ExpectBad(b.Build(), Status::kFormatError, "5 dimensions");
}

TEST(GgufBadInputTest, DimsProductOverflow) {
  GgufBuilder elems;
  elems.Info("w", {uint64_t{1} << 32, uint64_t{1} << 32}, 0, 0).Data(32);
  ExpectBad(elems.Build(), Status::kFormatError, "more elements than int64");
  // A single dimension past int64, too.
  GgufBuilder one;
  one.Info("w", {uint64_t{1} << 63}, 1, 0).Data(32);
  ExpectBad(one.Build(), Status::kFormatError, "more elements than int64");
  // 2^62 f32 elements fit in int64 but their 2^64 bytes do not fit in 64 bits.
  GgufBuilder bytes;
  bytes.Info("w", {uint64_t{1} << 62}, 0, 0).Data(32);
  ExpectBad(bytes.Build(), Status::kFormatError, "more bytes");
  // A zero dimension does not hide an overflowing product of the others.
  GgufBuilder zero;
  zero.Info("w", {0, uint64_t{1} << 40, uint64_t{1} << 40}, 0, 0).Data(32);
  ExpectBad(zero.Build(), Status::kFormatError, "more elements than int64");
}

TEST(GgufBadInputTest, FirstDimNotMultipleOfBlock) {
  GgufBuilder b;
  b.Info("w", {48, 2}, 2, 0).Data(64);
  ExpectBad(b.Build(), Status::kFormatError, "not a multiple of the 32-element Q4_0 block");
  GgufBuilder k;
  k.Info("w", {128}, 12, 0).Data(256);
  ExpectBad(k.Build(), Status::kFormatError, "256-element Q4_K block");
  GgufBuilder xs;
  xs.Info("w", {128}, 23, 0).Data(256);
  ExpectBad(xs.Build(), Status::kFormatError, "256-element IQ4_XS block");
  GgufBuilder nl;
  nl.Info("w", {48}, 20, 0).Data(64);
  ExpectBad(nl.Build(), Status::kFormatError, "32-element IQ4_NL block");
}

TEST(GgufBadInputTest, DataShorterThanTheTypesBlocksIsRefused) {
  // One Q3_K super-block is 110 bytes, one IQ4_XS 136, one Q5_1 block 24 (two: 48).
  for (const auto& [type, elems, bytes] : {std::tuple<uint32_t, uint64_t, size_t>{11, 256, 96},
                                           {23, 256, 128}, {7, 64, 32}, {10, 256, 64}}) {
    GgufBuilder b;
    b.Info("w", {elems}, type, 0).Data(bytes);
    ExpectBad(b.Build(), Status::kFormatError, "runs past the " + std::to_string(bytes) + " bytes");
  }
}

TEST(GgufBadInputTest, UnknownGgmlTypeIsUnsupported) {
  GgufBuilder removed;
  removed.Info("w", {32}, 4, 0).Data(32);  // Q4_2
  ExpectBad(removed.Build(), Status::kUnsupported, "ggml type 4");
  GgufBuilder iq;
  iq.Info("w", {256}, 16, 0).Data(96);  // IQ2_XXS
  ExpectBad(iq.Build(), Status::kUnsupported, "ggml type 16");
  GgufBuilder garbage;
  garbage.Info("w", {1}, 0xdeadbeef, 0).Data(32);
  ExpectBad(garbage.Build(), Status::kUnsupported, "tensor 'w'");
}

TEST(GgufBadInputTest, OffsetMisaligned) {
  GgufBuilder b;
  b.Info("w", {4}, 0, 16).Data(64);
  ExpectBad(b.Build(), Status::kFormatError, "offset 16 is not a multiple of the alignment 32");
}

TEST(GgufBadInputTest, DataOutOfBounds) {
  GgufBuilder past;
  past.Info("w", {16}, 0, 32).Data(64);  // [32, 96) of 64 bytes
  ExpectBad(past.Build(), Status::kFormatError, "runs past the 64 bytes");
  GgufBuilder wrap;  // offset + nbytes wraps around 2^64
  wrap.Info("w", {16}, 0, ~uint64_t{31}).Data(64);
  ExpectBad(wrap.Build(), Status::kFormatError, "runs past");
  GgufBuilder none;  // data section entirely missing; even an empty tensor may not point there
  none.Info("w", {0}, 0, 0);
  ExpectBad(none.Header() + none.infos, Status::kFormatError, "runs past");
}

TEST(GgufBadInputTest, OverlappingTensors) {
  GgufBuilder same;
  same.Info("a", {16}, 0, 0).Info("b", {16}, 0, 0).Data(64);
  ExpectBad(same.Build(), Status::kFormatError, "overlap");
  GgufBuilder partial;  // a: [0, 64), b: [32, 96)
  partial.Info("b", {16}, 0, 32).Info("a", {16}, 0, 0).Data(96);
  ExpectBad(partial.Build(), Status::kFormatError, "tensors 'a' and 'b' overlap");
  // Adjacent is fine, and an empty tensor overlaps nothing.
  GgufBuilder ok;
  ok.Info("a", {8}, 0, 0).Info("b", {8}, 0, 32).Info("e", {0, 3}, 0, 32).Data(64);
  EXPECT_EQ(Parse(ok.Build()).tensors.size(), 3u);
}

TEST(GgufBadInputTest, AlignmentNotPowerOfTwo) {
  for (uint32_t a : {0u, 3u, 48u, 0x80000001u}) {
    SCOPED_TRACE(a);
    GgufBuilder b;
    b.U32Kv("general.alignment", a);
    ExpectBad(b.Build(), Status::kFormatError, "general.alignment");
  }
  GgufBuilder huge;
  huge.U32Kv("general.alignment", 1u << 30);
  ExpectBad(huge.Build(), Status::kFormatError, "not a power of two up to 1048576");
  GgufBuilder type;
  type.Raw("general.alignment", T_U64, U64(32));
  ExpectBad(type.Build(), Status::kFormatError, "not a uint32");
}


// One table maps DType ↔ ggml type for the reader and the writer: every DType round-trips, with
// ggml's block size, and the types gemmakit does not run are refused.
TEST(GgufTypes, EveryDTypeRoundTripsThroughItsGgmlType) {
  for (int i = 0; i < kNumDTypes; ++i) {
    const DType t = static_cast<DType>(i);
    const GgmlType g = DTypeToGgml(t);
    DType back;
    ASSERT_TRUE(GgmlToDType(g, &back)) << DTypeName(t);
    EXPECT_EQ(back, t);
    const GgmlTypeTraits* tr = FindGgmlType(static_cast<uint32_t>(g));
    ASSERT_NE(tr, nullptr);
    EXPECT_STREQ(tr->name, DTypeName(t));
    EXPECT_EQ(tr->block_elems, DTypeBlockElems(t));
    EXPECT_EQ(tr->block_bytes, DTypeBytes(t, DTypeBlockElems(t)));
    EXPECT_NE(RunnableGgmlTypeNames().find(DTypeName(t)), std::string::npos);
  }
  DType out;
  EXPECT_FALSE(GgmlToDType(GgmlType::kQ8_K, &out));
  EXPECT_FALSE(GgmlToDType(GgmlType::kQ8_1, &out));
}

}  // namespace
}  // namespace gemmakit
