#include <gtest/gtest.h>

#include "gemmakit/status.h"
#include "gemmakit/tokenizer.h"
#include "test_util.h"

namespace gemmakit {
namespace {

class TokenizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tok_ = Tokenizer::FromFile(test::DataPath("gemma3-mini/tokenizer.model")).release(); }
  static void TearDownTestSuite() { delete tok_; }
  static Tokenizer* tok_;
};
Tokenizer* TokenizerTest::tok_ = nullptr;

TEST_F(TokenizerTest, SpecialTokensComeFromTheVocabulary) {
  const SpecialTokens& s = tok_->special();
  EXPECT_EQ(s.pad, 0);
  EXPECT_EQ(s.eos, 1);
  EXPECT_EQ(s.bos, 2);
  EXPECT_EQ(s.unk, 3);
  EXPECT_EQ(s.start_of_turn, 4);
  EXPECT_EQ(s.end_of_turn, 5);
  EXPECT_EQ(tok_->PieceToId("<start_of_image>"), 6);
  EXPECT_EQ(tok_->PieceToId("no such piece"), -1);
  EXPECT_EQ(tok_->vocab_size(), 512);
}

TEST_F(TokenizerTest, RoundTripsTextWithByteFallback) {
  for (const std::string text : {"Hello, world!", "  leading and trailing  ", "tabs\tand\nnewlines\r\n",
                                 "可持续发展", "emoji 🦊🌊 and ümlauts", "1234567890", ""}) {
    const auto ids = tok_->Encode(text);
    EXPECT_EQ(tok_->Decode(ids), text) << text;
  }
}

TEST_F(TokenizerTest, TurnMarkersAreAlwaysSingleTokens) {
  const auto ids = tok_->Encode("<start_of_turn>user\nhi<end_of_turn>");
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids.front(), 4);
  EXPECT_EQ(ids.back(), 5);
}

TEST_F(TokenizerTest, ControlTokensAreParsedOnlyWhenAsked) {
  const auto plain = tok_->Encode("<bos>hi");
  EXPECT_NE(plain.front(), 2);
  const auto special = tok_->Encode("<bos>hi<eos>", /*parse_special=*/true);
  ASSERT_GE(special.size(), 3u);
  EXPECT_EQ(special.front(), 2);
  EXPECT_EQ(special.back(), 1);
  EXPECT_EQ(std::vector<int32_t>(special.begin() + 1, special.end() - 1), tok_->Encode("hi"));
}

TEST_F(TokenizerTest, InvalidUtf8IsReplacedNotRejected) {
  const std::string bad = "ok \xff\xfe end";
  const auto ids = tok_->Encode(bad);
  EXPECT_FALSE(ids.empty());
  EXPECT_NE(tok_->Decode(ids).find("\xEF\xBF\xBD"), std::string::npos);
}

TEST_F(TokenizerTest, DecodeRejectsIdsOutsideTheVocabulary) {
  for (int32_t bad : {-1, 512, 1 << 30}) {
    try {
      tok_->Decode(&bad, 1);
      FAIL() << "no error for id " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos);
    }
  }
}

TEST_F(TokenizerTest, StreamingConcatenatesToTheFullDecoding) {
  // Chinese characters in this vocabulary are mostly byte-fallback pieces: 3 ids per character.
  const std::string text = "Mixed text: 可持续发展 and emoji 🦊, then ASCII again.";
  const auto ids = tok_->Encode(text);
  StreamDecoder stream(*tok_);
  std::string streamed;
  for (int32_t id : ids) {
    const std::string piece = stream.Push(id);
    // No piece may end inside a UTF-8 character.
    if (!piece.empty()) {
      const unsigned char last = static_cast<unsigned char>(piece.back());
      EXPECT_TRUE(last < 0x80 || (last & 0xC0) == 0x80) << "piece ends with a lead byte";
      EXPECT_EQ(piece.find("\xEF\xBF\xBD"), std::string::npos) << "half a character shown as U+FFFD";
    }
    streamed += piece;
  }
  streamed += stream.Flush();
  EXPECT_EQ(streamed, tok_->Decode(ids));
  EXPECT_EQ(streamed, text);
}

TEST(TokenizerFiles, CorruptAndMissingFilesAreErrors) {
  const std::string dir = test::MakeTempDir("tok");
  test::WriteFile(dir + "/empty.model", "");
  test::WriteFile(dir + "/junk.model", std::string("\x0a\xff\xff\xff\x0f garbage", 13));
  const std::string real = test::ReadFile(test::DataPath("gemma1-tiny/tokenizer.model"));
  test::WriteFile(dir + "/cut.model", real.substr(0, real.size() / 2));
  for (const char* name : {"empty.model", "junk.model", "cut.model"}) {
    try {
      Tokenizer::FromFile(dir + "/" + name);
      FAIL() << name << " loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kFormatError) << name << ": " << e.what();
    }
  }
  try {
    Tokenizer::FromFile(dir + "/missing.model");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kIoError);
  }
}

}  // namespace
}  // namespace gemmakit
