// tokenizer.json → SentencePiece, on a small file made from tests/data/gemma3-mini/tokenizer.model
// the way HuggingFace's converter makes Gemma's (tests/data/make_tokenizer_json.py): both must
// tokenize identically. Gemma 3's real 262K vocabulary is checked in tests/tokenizer.
#include <filesystem>
#include <functional>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "gemmakit/tokenizer.h"
#include "test_util.h"
#include "tokenizer/hf_tokenizer_json.h"
#include "tokenizer/sentencepiece_proto.h"

namespace gemmakit {
namespace {

using nlohmann::json;

std::string MiniJsonPath() { return test::DataPath("tokenizer-json/gemma3-mini.tokenizer.json"); }
json MiniJson() { return json::parse(test::ReadFile(MiniJsonPath())); }

const std::vector<std::string>& Texts() {
  static const std::vector<std::string> texts = {
      "The capital of France is",
      "Hello, world!  Two spaces,   three, and\ttabs\tand\nnewlines\r\n",
      "可持续发展 and emoji 🦊🌊, ümlauts, 1234567890",
      "<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n",
      "<bos>control<eos> spellings <pad><unk> and <start_of_image>",
      "\xE2\x96\x81literal metaspace \xE2\x96\x81\xE2\x96\x81 next to  spaces",
      "",
      " ",
  };
  return texts;
}

class TokenizerJsonTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    json_ = Tokenizer::FromTokenizerJson(MiniJsonPath()).release();
    model_ = Tokenizer::FromFile(test::DataPath("gemma3-mini/tokenizer.model")).release();
  }
  static void TearDownTestSuite() {
    delete json_;
    delete model_;
  }
  static Tokenizer* json_;
  static Tokenizer* model_;
};
Tokenizer* TokenizerJsonTest::json_ = nullptr;
Tokenizer* TokenizerJsonTest::model_ = nullptr;

TEST_F(TokenizerJsonTest, SameVocabularyAsTheSentencePieceModel) {
  ASSERT_EQ(json_->vocab_size(), model_->vocab_size());
  for (int32_t id = 0; id < model_->vocab_size(); ++id) EXPECT_EQ(json_->IdToPiece(id), model_->IdToPiece(id)) << id;
  const SpecialTokens &a = json_->special(), &b = model_->special();
  EXPECT_EQ(std::vector<int32_t>({a.pad, a.eos, a.bos, a.unk, a.start_of_turn, a.end_of_turn}),
            std::vector<int32_t>({b.pad, b.eos, b.bos, b.unk, b.start_of_turn, b.end_of_turn}));
}

TEST_F(TokenizerJsonTest, TokenizesLikeTheSentencePieceModel) {
  for (const std::string& text : Texts()) {
    for (const bool special : {false, true}) {
      const auto ids = json_->Encode(text, special);
      EXPECT_EQ(ids, model_->Encode(text, special)) << text;
      EXPECT_EQ(json_->Decode(ids), model_->Decode(ids)) << text;
    }
  }
}

TEST_F(TokenizerJsonTest, PieceTypesScoresAndSurface) {
  const SentencePieceSpec spec = SentencePieceSpecFromTokenizerJson(test::ReadFile(MiniJsonPath()), "mini");
  ASSERT_EQ(spec.pieces.size(), 512u);
  EXPECT_EQ(spec.pieces[0].type, PieceType::kControl);  // <pad>
  EXPECT_EQ(spec.pieces[1].type, PieceType::kControl);  // <eos>
  EXPECT_EQ(spec.pieces[2].type, PieceType::kControl);  // <bos>
  EXPECT_EQ(spec.pieces[3].type, PieceType::kUnknown);
  for (int id = 4; id < 8; ++id) EXPECT_EQ(spec.pieces[id].type, PieceType::kUserDefined) << id;
  EXPECT_EQ(spec.pieces[8].type, PieceType::kByte);  // <0x00>
  EXPECT_EQ(spec.pieces[8 + 255].type, PieceType::kByte);
  EXPECT_EQ(spec.pieces[300].type, PieceType::kNormal);
  EXPECT_EQ(std::make_tuple(spec.unk_id, spec.bos_id, spec.eos_id, spec.pad_id), std::make_tuple(3, 2, 1, 0));
  // The first merge's piece scores -1; a later merge never raises a piece's score.
  const json doc = MiniJson();
  const auto& first = doc["model"]["merges"][0];
  const int32_t id = doc["model"]["vocab"][first[0].get<std::string>() + first[1].get<std::string>()];
  EXPECT_EQ(spec.pieces[id].score, -1.f);
  int32_t three = 3;
  EXPECT_EQ(json_->Decode(&three, 1), "<unk>");  // as HuggingFace's decoder writes it
  EXPECT_EQ(model_->Decode(&three, 1), "<unk>");  // whatever surface the SentencePiece file sets
}

TEST(SentencePieceProto, SerializedPiecesReadBack) {
  const SentencePieceSpec spec = SentencePieceSpecFromTokenizerJson(test::ReadFile(MiniJsonPath()), "mini");
  const std::string bytes = SerializeSentencePieceModel(spec);
  const auto pieces = ReadSentencePieces(bytes);
  ASSERT_EQ(pieces.size(), spec.pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    EXPECT_EQ(pieces[i].text, spec.pieces[i].text);
    EXPECT_EQ(pieces[i].score, spec.pieces[i].score);
    EXPECT_EQ(pieces[i].type, spec.pieces[i].type);
  }
  // A proto cut short is a format error, never a crash.
  for (size_t cut : {size_t{1}, bytes.size() / 3, bytes.size() - 1}) {
    try {
      ReadSentencePieces(std::string_view(bytes).substr(0, cut));
      ADD_FAILURE() << "no error at " << cut;
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kFormatError);
    }
  }
}

TEST(TokenizerJson, AddedTokensMayExtendTheVocabulary) {
  json doc = MiniJson();
  doc["added_tokens"].push_back({{"id", 512}, {"content", "<image_soft_token>"}, {"special", true},
                                 {"lstrip", false}, {"rstrip", false}, {"single_word", false}, {"normalized", false}});
  const std::string dir = test::MakeTempDir("tokjson_added");
  test::WriteFile(dir + "/tokenizer.json", doc.dump());
  const auto tok = Tokenizer::FromTokenizerJson(dir + "/tokenizer.json");
  EXPECT_EQ(tok->vocab_size(), 513);
  EXPECT_EQ(tok->Encode("a<image_soft_token>b").at(1), 512);
  const int32_t id = 512;
  EXPECT_EQ(tok->Decode(&id, 1), "<image_soft_token>");
  std::filesystem::remove_all(dir);
}

// Loads a modified copy of the mini tokenizer.json and expects the given error.
void ExpectRejected(const std::string& tag, const std::string& text, Status status, const std::string& needle) {
  SCOPED_TRACE(tag);
  const std::string dir = test::MakeTempDir("tokjson_" + tag);
  test::WriteFile(dir + "/tokenizer.json", text);
  try {
    Tokenizer::FromTokenizerJson(dir + "/tokenizer.json");
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), status) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(TokenizerJson, OtherFamiliesAreUnsupported) {
  const json base = MiniJson();
  auto with = [&](const std::function<void(json&)>& edit) {
    json d = base;
    edit(d);
    return d.dump();
  };
  const Status u = Status::kUnsupported;
  ExpectRejected("wordpiece", with([](json& d) { d["model"]["type"] = "WordPiece"; }), u, "WordPiece");
  ExpectRejected("unigram", with([](json& d) {
                   d["model"] = {{"type", "Unigram"}, {"unk_id", 0}, {"vocab", {{"<unk>", 0.0}, {"a", -1.0}}}};
                 }), u, "Unigram");
  ExpectRejected("no_byte_fallback", with([](json& d) { d["model"]["byte_fallback"] = false; }), u, "byte_fallback");
  ExpectRejected("bytelevel", with([](json& d) {
                   d["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
                 }), u, "byte-level");
  ExpectRejected("nfkc", with([](json& d) { d["normalizer"] = {{"type", "NFKC"}}; }), u, "NFKC");
  ExpectRejected("no_normalizer", with([](json& d) { d["normalizer"] = nullptr; }), u, "normalizer");
  ExpectRejected("metaspace", with([](json& d) {
                   d["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"},
                                         {"prepend_scheme", "always"}};
                 }), u, "Metaspace");
  ExpectRejected("strip_decoder", with([](json& d) {
                   d["decoder"]["decoders"].push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
                 }), u, "Strip");
  ExpectRejected("dropout", with([](json& d) { d["model"]["dropout"] = 0.1; }), u, "dropout");
  ExpectRejected("lstrip", with([](json& d) { d["added_tokens"][4]["lstrip"] = true; }), u, "lstrip");
  ExpectRejected("suffix", with([](json& d) { d["model"]["end_of_word_suffix"] = "</w>"; }), u, "suffix");
}

TEST(TokenizerJson, CorruptFilesAreFormatErrors) {
  const std::string text = test::ReadFile(MiniJsonPath());
  const json base = MiniJson();
  auto with = [&](const std::function<void(json&)>& edit) {
    json d = base;
    edit(d);
    return d.dump();
  };
  const Status f = Status::kFormatError;
  for (size_t cut : {size_t{0}, size_t{1}, text.size() / 10, text.size() / 2, text.size() - 2}) {
    ExpectRejected("cut" + std::to_string(cut), text.substr(0, cut), f, cut == 0 ? "empty" : "JSON");
  }
  ExpectRejected("garbage", "\x89PNG\r\n\x1a\n not json", f, "JSON");
  ExpectRejected("array", "[1, 2, 3]", f, "object");
  ExpectRejected("no_model", with([](json& d) { d.erase("model"); }), f, "model");
  ExpectRejected("no_vocab", with([](json& d) { d["model"].erase("vocab"); }), f, "vocab");
  ExpectRejected("vocab_strings", with([](json& d) { d["model"]["vocab"]["<pad>"] = "zero"; }), f, "vocab");
  ExpectRejected("no_merges", with([](json& d) { d["model"].erase("merges"); }), f, "merges");
  ExpectRejected("merge_triple", with([](json& d) { d["model"]["merges"][0] = {"a", "b", "c"}; }), f, "merges");
  ExpectRejected("gap", with([](json& d) { d["model"]["vocab"].erase("<unk>"); d["added_tokens"].erase(3); }), f,
                 "no piece has id 3");
  ExpectRejected("huge_id", with([](json& d) { d["model"]["vocab"]["<pad>"] = 1 << 30; }), f, "ids run to");
  ExpectRejected("negative_id", with([](json& d) { d["model"]["vocab"]["<pad>"] = -5; }), f, "-5");
  ExpectRejected("repeated_id", with([](json& d) { d["model"]["vocab"]["<unk>"] = 2; }), f, "id");
  ExpectRejected("merge_unknown", with([](json& d) { d["model"]["merges"].push_back({"zzq", "qzz"}); }), f,
                 "not in the vocabulary");
  ExpectRejected("added_mismatch", with([](json& d) { d["added_tokens"][4]["content"] = "<other>"; }), f,
                 "<start_of_turn>");
  ExpectRejected("bytes_missing", with([](json& d) {
                   d["model"]["vocab"]["<0x41>x"] = d["model"]["vocab"]["<0x41>"];
                   d["model"]["vocab"].erase("<0x41>");
                 }), f, "256");
  try {
    Tokenizer::FromTokenizerJson(test::DataPath("no_such_dir/tokenizer.json"));
    ADD_FAILURE() << "loaded a missing file";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kIoError);
  }
}

// Invalid UTF-8 in a prompt is replaced, never a crash or an error: one U+FFFD per bad byte.
TEST_F(TokenizerJsonTest, InvalidUtf8BecomesReplacementCharacters) {
  for (const std::string& bad : {std::string("ok \xff\xfe end"), std::string("cut \xE2\x96"), std::string("\xC0\xAF"),
                                std::string("\xED\xA0\x80 surrogate"), std::string("<start_of_turn\xff>")}) {
    const auto ids = json_->Encode(bad, true);
    EXPECT_FALSE(ids.empty());
    const std::string text = json_->Decode(ids);
    EXPECT_NE(text.find("\xEF\xBF\xBD"), std::string::npos) << text;
    EXPECT_EQ(ids, model_->Encode(bad, true));
  }
}

}  // namespace
}  // namespace gemmakit

namespace gemmakit {
namespace {

// Random damage to the file: it loads, or fails with gemmakit's error; never a crash, a hang or
// another exception (run under ASan/UBSan too).
TEST(TokenizerJson, DamagedFilesNeverCrash) {
  const std::string good = test::ReadFile(MiniJsonPath());
  const std::string dir = test::MakeTempDir("tokjson_fuzz");
  std::mt19937 rng(7);
  const char junk[] = "{}[]\",:\\0123456789 -eE.truefalsnul\xE2\x96\x81\xFF";
  for (int i = 0; i < 150; ++i) {
    std::string text = good;
    for (int edits = 1 + static_cast<int>(rng() % 4); edits > 0; --edits) {
      const size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[at] = junk[rng() % (sizeof junk - 1)]; break;
        case 1: text.erase(at, 1 + rng() % 16); break;
        default: text.insert(at, 1, junk[rng() % (sizeof junk - 1)]);
      }
    }
    test::WriteFile(dir + "/tokenizer.json", text);
    try {
      const auto tok = Tokenizer::FromTokenizerJson(dir + "/tokenizer.json");
      const auto ids = tok->Encode("Hello <start_of_turn> world\n\n", true);
      tok->Decode(ids);
    } catch (const Error& e) {
      EXPECT_NE(e.status(), Status::kInternal) << e.what();
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gemmakit
