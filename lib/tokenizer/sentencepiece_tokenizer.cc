// The only file that includes sentencepiece's header: it clashes with abseil's.
#include <sentencepiece_processor.h>

#include "gemmakit/status.h"
#include "gemmakit/tokenizer.h"
#include "io/mapped_file.h"

namespace gemmakit {

struct Tokenizer::Impl {
  sentencepiece::SentencePieceProcessor sp;
  SpecialTokens special;
  std::vector<std::pair<std::string, int32_t>> control_spellings;  // for parse_special
};

namespace {

int32_t Lookup(const sentencepiece::SentencePieceProcessor& sp, const char* piece) {
  const int id = sp.PieceToId(piece);
  // PieceToId answers unk_id for unknown pieces; only a real match counts.
  return (id >= 0 && id < sp.GetPieceSize() && sp.IdToPiece(id) == piece) ? id : -1;
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  auto& sp = impl_->sp;
  SpecialTokens& s = impl_->special;
  s.pad = Lookup(sp, "<pad>");
  s.eos = Lookup(sp, "<eos>");
  s.bos = Lookup(sp, "<bos>");
  s.unk = Lookup(sp, "<unk>");
  s.start_of_turn = Lookup(sp, "<start_of_turn>");
  s.end_of_turn = Lookup(sp, "<end_of_turn>");
  if (s.eos < 0 && sp.eos_id() >= 0) s.eos = sp.eos_id();
  if (s.bos < 0 && sp.bos_id() >= 0) s.bos = sp.bos_id();
  for (int id = 0; id < sp.GetPieceSize(); ++id) {
    if (sp.IsControl(id) && !sp.IdToPiece(id).empty()) impl_->control_spellings.emplace_back(sp.IdToPiece(id), id);
  }
}

Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::FromSerializedProto(std::string_view bytes) {
  auto impl = std::make_unique<Impl>();
  const auto status = impl->sp.LoadFromSerializedProto(absl::string_view(bytes.data(), bytes.size()));
  if (!status.ok()) Fail(Status::kFormatError, std::string("not a SentencePiece model: ") + status.ToString());
  if (impl->sp.GetPieceSize() <= 0) Fail(Status::kFormatError, "SentencePiece model has no pieces");
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

std::unique_ptr<Tokenizer> Tokenizer::FromFile(const std::string& path) {
  auto file = MappedFile::Open(path);
  if (file->size() == 0) Fail(Status::kFormatError, "tokenizer file is empty: " + path);
  try {
    return FromSerializedProto(std::string_view(reinterpret_cast<const char*>(file->data()), file->size()));
  } catch (const Error& e) {
    Fail(e.status(), path + ": " + e.what());
  }
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool parse_special) const {
  std::vector<int32_t> out;
  auto encode_plain = [&](std::string_view part) {
    if (part.empty()) return;
    std::vector<int> ids;
    const auto status = impl_->sp.Encode(absl::string_view(part.data(), part.size()), &ids);
    if (!status.ok()) Fail(Status::kInvalidArgument, "cannot tokenize text: " + status.ToString());
    out.insert(out.end(), ids.begin(), ids.end());
  };
  if (!parse_special) {
    encode_plain(text);
    return out;
  }
  // Split at the earliest (then longest) control-token spelling; plain text between them.
  size_t pos = 0;
  while (pos < text.size()) {
    size_t best_at = std::string_view::npos, best_len = 0;
    int32_t best_id = -1;
    for (const auto& [spelling, id] : impl_->control_spellings) {
      const size_t at = text.find(spelling, pos);
      if (at == std::string_view::npos) continue;
      if (at < best_at || (at == best_at && spelling.size() > best_len)) {
        best_at = at;
        best_len = spelling.size();
        best_id = id;
      }
    }
    if (best_id < 0) {
      encode_plain(text.substr(pos));
      break;
    }
    encode_plain(text.substr(pos, best_at - pos));
    out.push_back(best_id);
    pos = best_at + best_len;
  }
  return out;
}

std::string Tokenizer::Decode(const int32_t* ids, size_t n) const {
  const int vocab = impl_->sp.GetPieceSize();
  std::vector<int> v(n);
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= vocab) {
      Fail(Status::kInvalidArgument, "token id " + std::to_string(ids[i]) + " is outside the vocabulary [0, " +
                                         std::to_string(vocab) + ")");
    }
    v[i] = ids[i];
  }
  std::string text;
  const auto status = impl_->sp.Decode(v, &text);
  if (!status.ok()) Fail(Status::kInvalidArgument, "cannot decode ids: " + status.ToString());
  return text;
}

int32_t Tokenizer::vocab_size() const { return impl_->sp.GetPieceSize(); }

std::string Tokenizer::IdToPiece(int32_t id) const {
  if (id < 0 || id >= impl_->sp.GetPieceSize()) return "";
  return impl_->sp.IdToPiece(id);
}

int32_t Tokenizer::PieceToId(std::string_view piece) const { return Lookup(impl_->sp, std::string(piece).c_str()); }

const SpecialTokens& Tokenizer::special() const { return impl_->special; }

}  // namespace gemmakit
