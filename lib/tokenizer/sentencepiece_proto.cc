// Protobuf wire format by hand, for the few fields of sentencepiece_model.proto gemmakit writes or
// reads. Field numbers are those of sentencepiece 0.1.97 (Debian 12's), checked against its
// descriptor: ModelProto {1 pieces, 2 trainer_spec, 3 normalizer_spec}, SentencePiece {1 piece,
// 2 score, 3 type}, TrainerSpec {3 model_type, 4 vocab_size, 25 split_digits, 35 byte_fallback,
// 40 unk_id, 41 bos_id, 42 eos_id, 43 pad_id}, NormalizerSpec {1 name,
// 3 add_dummy_prefix, 4 remove_extra_whitespaces, 5 escape_whitespaces}.
#include "tokenizer/sentencepiece_proto.h"

#include <cstring>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutKey(uint32_t field, WireType type, std::string* out) { PutVarint((uint64_t{field} << 3) | type, out); }

void PutInt(uint32_t field, int64_t v, std::string* out) {
  PutKey(field, kVarint, out);
  PutVarint(static_cast<uint64_t>(v), out);  // negative int32s take ten bytes, as protobuf writes them
}

void PutBytes(uint32_t field, std::string_view bytes, std::string* out) {
  PutKey(field, kLengthDelimited, out);
  PutVarint(bytes.size(), out);
  out->append(bytes.data(), bytes.size());
}

void PutFloat(uint32_t field, float v, std::string* out) {
  PutKey(field, kFixed32, out);
  char b[4];
  std::memcpy(b, &v, 4);  // little-endian hosts only, like the rest of gemmakit
  out->append(b, 4);
}

std::string TrainerSpec(const SentencePieceSpec& s) {
  std::string t;
  PutInt(3, static_cast<int32_t>(s.algorithm), &t);
  PutInt(4, static_cast<int64_t>(s.pieces.size()), &t);
  PutInt(25, s.split_digits, &t);
  PutInt(35, s.byte_fallback, &t);
  PutInt(40, s.unk_id, &t);
  PutInt(41, s.bos_id, &t);
  PutInt(42, s.eos_id, &t);
  PutInt(43, s.pad_id, &t);
  return t;
}

std::string NormalizerSpec(const SentencePieceSpec& s) {
  std::string n;
  PutBytes(1, "identity", &n);  // no precompiled character map: text is taken as it is
  PutInt(3, s.add_dummy_prefix, &n);
  PutInt(4, s.remove_extra_whitespaces, &n);
  PutInt(5, 1, &n);  // spaces become U+2581, as every SentencePiece vocabulary expects
  return n;
}

// A bounds-checked reader over one message.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool done() const { return pos_ >= b_.size(); }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= b_.size()) Bad("ends inside a number");
      const uint8_t c = static_cast<uint8_t>(b_[pos_++]);
      v |= uint64_t{c & 0x7Fu} << shift;
      if (c < 0x80) return v;
    }
    Bad("has a number longer than ten bytes");
  }

  std::string_view Bytes() {
    const uint64_t n = Varint();
    if (n > b_.size() - pos_) Bad("has a field longer than the data left (truncated?)");
    const std::string_view out = b_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  uint32_t Fixed32() {
    if (b_.size() - pos_ < 4) Bad("ends inside a 4-byte field");
    uint32_t v;
    std::memcpy(&v, b_.data() + pos_, 4);
    pos_ += 4;
    return v;
  }

  void Skip(uint32_t type) {
    switch (type) {
      case kVarint: Varint(); return;
      case kLengthDelimited: Bytes(); return;
      case kFixed32: Fixed32(); return;
      case kFixed64: Fixed32(); Fixed32(); return;
      default: Bad("has an unknown wire type " + std::to_string(type));
    }
  }

  [[noreturn]] static void Bad(const std::string& what) { Fail(Status::kFormatError, "SentencePiece model " + what); }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

SentencePieceSpec::Piece ReadPiece(std::string_view bytes) {
  SentencePieceSpec::Piece p;
  Reader r(bytes);
  while (!r.done()) {
    const uint64_t key = r.Varint();
    const uint32_t field = static_cast<uint32_t>(key >> 3), type = key & 7;
    if (field == 1 && type == kLengthDelimited) {
      p.text = std::string(r.Bytes());
    } else if (field == 2 && type == kFixed32) {
      const uint32_t bits = r.Fixed32();
      std::memcpy(&p.score, &bits, 4);
    } else if (field == 3 && type == kVarint) {
      const uint64_t t = r.Varint();
      if (t < 1 || t > 6) Reader::Bad("has a piece of unknown type " + std::to_string(t));
      p.type = static_cast<PieceType>(t);
    } else {
      r.Skip(type);
    }
  }
  return p;
}

}  // namespace

std::string SerializeSentencePieceModel(const SentencePieceSpec& spec) {
  std::string out, piece;
  out.reserve(spec.pieces.size() * 24);
  for (const auto& p : spec.pieces) {
    piece.clear();
    PutBytes(1, p.text, &piece);
    PutFloat(2, p.score, &piece);
    PutInt(3, static_cast<int32_t>(p.type), &piece);
    PutBytes(1, piece, &out);
  }
  PutBytes(2, TrainerSpec(spec), &out);
  PutBytes(3, NormalizerSpec(spec), &out);
  return out;
}

std::vector<SentencePieceSpec::Piece> ReadSentencePieces(std::string_view serialized) {
  std::vector<SentencePieceSpec::Piece> pieces;
  Reader r(serialized);
  while (!r.done()) {
    const uint64_t key = r.Varint();
    const uint32_t field = static_cast<uint32_t>(key >> 3), type = key & 7;
    if (field == 1 && type == kLengthDelimited) {
      pieces.push_back(ReadPiece(r.Bytes()));
    } else {
      r.Skip(type);
    }
  }
  return pieces;
}

}  // namespace gemmakit
