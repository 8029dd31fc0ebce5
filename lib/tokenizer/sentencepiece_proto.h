// Writes a SentencePiece ModelProto in protobuf wire format from a vocabulary held elsewhere
// (tokenizer.json, GGUF metadata), so every vocabulary runs through the one SentencePiece engine.
// Debian's sentencepiece ships no ModelProto header, and linking a second protobuf would crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gemmakit {

// Values of sentencepiece.ModelProto.SentencePiece.Type.
enum class PieceType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

struct SentencePieceSpec {
  struct Piece {
    std::string text;
    float score = 0.f;
    PieceType type = PieceType::kNormal;
  };
  std::vector<Piece> pieces;  // in id order
  enum class Algorithm : int32_t { kUnigram = 1, kBpe = 2 } algorithm = Algorithm::kBpe;
  bool byte_fallback = true;
  bool add_dummy_prefix = false;          // Gemma: false
  bool remove_extra_whitespaces = false;  // Gemma: false
  bool split_digits = false;
  int32_t unk_id = 3, bos_id = 2, eos_id = 1, pad_id = 0;
};

// The serialized ModelProto, ready for SentencePieceProcessor::LoadFromSerializedProto.
std::string SerializeSentencePieceModel(const SentencePieceSpec& spec);

// The pieces (text, score, type) of a serialized ModelProto, in id order; other fields are skipped.
// The tokenizer needs the piece types, which SentencePiece's API does not fully expose (it cannot
// tell a user-defined piece from a normal one). Throws Error(kFormatError) for malformed bytes.
std::vector<SentencePieceSpec::Piece> ReadSentencePieces(std::string_view serialized);

}  // namespace gemmakit
