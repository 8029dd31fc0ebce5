// Gemma 3's real tokenizer against an independent HuggingFace implementation. The data directory
// (GEMMAKIT_GEMMA3_TOKENIZER_DIR) is written by fetch_gemma3_tokenizer.sh, the ctest fixture that
// runs first: the package's tokenizer.json and tokenizer_config.json, and expected.json with the
// JavaScript encoder's ids and decoding of every line of corpus.json and of 2,000 mixes of them.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gemmakit/tokenizer.h"

namespace gemmakit {
namespace {

using nlohmann::json;

std::string DataDir() {
  const char* dir = std::getenv("GEMMAKIT_GEMMA3_TOKENIZER_DIR");
  return dir ? dir : "";
}

json ReadJson(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return json::parse(ss.str());
}

class Gemma3Tokenizer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A missing directory is a failure, not a skip: the fixture that writes it must have run.
    ASSERT_FALSE(DataDir().empty()) << "GEMMAKIT_GEMMA3_TOKENIZER_DIR is not set";
    const auto t0 = std::chrono::steady_clock::now();
    tok_ = Tokenizer::FromTokenizerJson(DataDir() + "/tokenizer.json").release();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "tokenizer.json loaded in " << s * 1000 << " ms\n";
    expected_ = new json(ReadJson(DataDir() + "/expected.json"));
  }
  static void TearDownTestSuite() {
    delete tok_;
    delete expected_;
  }
  static Tokenizer* tok_;
  static json* expected_;
};
Tokenizer* Gemma3Tokenizer::tok_ = nullptr;
json* Gemma3Tokenizer::expected_ = nullptr;

TEST_F(Gemma3Tokenizer, VocabularyAndSpecialTokens) {
  EXPECT_EQ(tok_->vocab_size(), 262145);  // 262,144 BPE pieces + <image_soft_token>
  const SpecialTokens& s = tok_->special();
  EXPECT_EQ(s.pad, 0);
  EXPECT_EQ(s.eos, 1);
  EXPECT_EQ(s.bos, 2);
  EXPECT_EQ(s.unk, 3);
  EXPECT_EQ(s.start_of_turn, 105);
  EXPECT_EQ(s.end_of_turn, 106);
  EXPECT_EQ(tok_->PieceToId("<image_soft_token>"), 262144);
  EXPECT_EQ(tok_->PieceToId("<start_of_image>"), 255999);
}

TEST_F(Gemma3Tokenizer, IdsEqualTheJavaScriptEncoder) {
  ASSERT_GE(expected_->size(), 2050u);  // the corpus and its 2,000 mixes
  for (const json& line : *expected_) {
    const std::string text = line["text"];
    EXPECT_EQ(tok_->Encode(text, /*parse_special=*/true), line["ids"].get<std::vector<int32_t>>())
        << line["name"].get<std::string>();
  }
}

// HuggingFace's decoding, except that control pieces (<bos>, <eos>, <pad>) decode to nothing.
TEST_F(Gemma3Tokenizer, DecodingEqualsTheJavaScriptDecoder) {
  for (const json& line : *expected_) {
    const auto ids = line["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(tok_->Decode(ids), line["decoded_without_control"].get<std::string>()) << line["name"].get<std::string>();
  }
}

// decode(encode(x)) == x wherever HuggingFace's own round trip holds (it does not for text with
// U+2581 in it, which both decode as a space), with control spellings left as text.
TEST_F(Gemma3Tokenizer, RoundTrips) {
  int checked = 0;
  for (const json& line : *expected_) {
    const std::string text = line["text"];
    if (line["decoded"] != line["text"]) continue;
    EXPECT_EQ(tok_->Decode(tok_->Encode(text)), text) << line["name"].get<std::string>();
    if (line["decoded_without_control"] == line["text"]) {
      EXPECT_EQ(tok_->Decode(tok_->Encode(text, true)), text) << line["name"].get<std::string>();
    }
    ++checked;
  }
  EXPECT_GE(checked, static_cast<int>(expected_->size()) * 8 / 10);
}

// Text streamed token by token concatenates to the decoding of all ids, and no piece ends inside
// a UTF-8 character.
TEST_F(Gemma3Tokenizer, StreamingConcatenatesToTheFullDecoding) {
  for (const json& line : *expected_) {
    for (const bool special : {false, true}) {
      const auto ids = tok_->Encode(line["text"].get<std::string>(), special);
      StreamDecoder stream(*tok_);
      std::string streamed;
      for (int32_t id : ids) {
        const std::string piece = stream.Push(id);
        if (!piece.empty()) {
          const unsigned char last = static_cast<unsigned char>(piece.back());
          EXPECT_TRUE(last < 0x80 || (last & 0xC0) == 0x80) << line["name"].get<std::string>();
        }
        streamed += piece;
      }
      streamed += stream.Flush();
      EXPECT_EQ(streamed, tok_->Decode(ids)) << line["name"].get<std::string>();
    }
  }
}

// The whole corpus at once, as one text: segments interact across line boundaries.
TEST_F(Gemma3Tokenizer, WholeCorpusStreams) {
  std::string all;
  for (const json& line : *expected_) all += line["text"].get<std::string>() + "\n";
  const auto ids = tok_->Encode(all);
  StreamDecoder stream(*tok_);
  std::string streamed;
  for (int32_t id : ids) streamed += stream.Push(id);
  streamed += stream.Flush();
  EXPECT_EQ(streamed, tok_->Decode(ids));
}

}  // namespace
}  // namespace gemmakit
