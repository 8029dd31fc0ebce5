// Text ↔ token ids through SentencePiece, with Gemma's special tokens looked up by their pieces
// (never hard-coded: <end_of_turn> is 107 in Gemma 1/2 and 106 in Gemma 3).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gemmakit {

// -1 where the vocabulary has no such piece.
struct SpecialTokens {
  int32_t pad = -1, eos = -1, bos = -1, unk = -1;
  int32_t start_of_turn = -1, end_of_turn = -1;
};

class Tokenizer {
 public:
  // A SentencePiece model file (tokenizer.model). Throws Error(kIoError / kFormatError).
  static std::unique_ptr<Tokenizer> FromFile(const std::string& path);
  // HuggingFace's tokenizer.json of a Gemma model, converted into a SentencePiece model (see
  // lib/tokenizer/hf_tokenizer_json.h). Throws Error(kIoError), Error(kFormatError) for a truncated
  // or inconsistent file, Error(kUnsupported) for a tokenizer of another family (byte-level BPE,
  // WordPiece, Unigram, no byte fallback).
  static std::unique_ptr<Tokenizer> FromTokenizerJson(const std::string& path);
  // A serialized SentencePiece ModelProto. Throws Error(kFormatError).
  static std::unique_ptr<Tokenizer> FromSerializedProto(std::string_view bytes);
  ~Tokenizer();

  // Text to ids, without <bos>. Invalid UTF-8 bytes become U+FFFD (each byte that does not start
  // a valid character is one U+FFFD, SentencePiece's rule) rather than failing. User-defined
  // pieces written out in the text ("<start_of_turn>", "\n\n", "<unused0>") are always their own
  // ids, found in the text as written, leftmost then longest, as HuggingFace does with added
  // tokens. With parse_special, control and unknown pieces ("<bos>", "<eos>", "<pad>", "<unk>")
  // are found the same way; otherwise they are ordinary text. Encode(text, true) gives the ids of
  // HuggingFace's tokenizer(text, add_special_tokens=False).
  std::vector<int32_t> Encode(std::string_view text, bool parse_special = false) const;
  // Ids to text; control tokens produce no text, user-defined ones and <unk> their spelling (as
  // HuggingFace writes them). Throws Error(kInvalidArgument) for an id outside the vocabulary.
  std::string Decode(const int32_t* ids, size_t n) const;
  std::string Decode(const std::vector<int32_t>& ids) const { return Decode(ids.data(), ids.size()); }

  int32_t vocab_size() const;
  std::string IdToPiece(int32_t id) const;       // "" for an id out of range
  int32_t PieceToId(std::string_view piece) const;  // -1 when absent
  const SpecialTokens& special() const;
  // The SentencePiece ModelProto this tokenizer runs, serialized (for writing it into a GGUF).
  std::string SerializedModel() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Turns a stream of ids into text pieces whose concatenation is exactly the decoding of all ids,
// never splitting a UTF-8 character (byte-fallback tokens that form one character arrive together).
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer) : tok_(tokenizer) {}
  // Text that became final with this id (often empty while a character is incomplete).
  std::string Push(int32_t id);
  // Whatever is still held back: call once at the end of the stream.
  std::string Flush();
  void Reset();

 private:
  const Tokenizer& tok_;
  std::vector<int32_t> ids_;
  size_t prefix_ = 0;  // ids_[prefix_, read_) decoded give the text already emitted after context
  size_t read_ = 0;
};

}  // namespace gemmakit
