// The only file that includes sentencepiece's header: it clashes with abseil's.
#include <sentencepiece_processor.h>

#include <algorithm>

#include "gemmakit/status.h"
#include "gemmakit/tokenizer.h"
#include "io/mapped_file.h"
#include "tokenizer/added_token_splitter.h"
#include "tokenizer/hf_tokenizer_json.h"
#include "tokenizer/sentencepiece_proto.h"

namespace gemmakit {

struct Tokenizer::Impl {
  sentencepiece::SentencePieceProcessor sp;
  SpecialTokens special;
  // User-defined pieces always, control and unknown pieces with parse_special.
  AddedTokenSplitter added;
};

namespace {

int32_t Lookup(const sentencepiece::SentencePieceProcessor& sp, const char* piece) {
  const int id = sp.PieceToId(piece);
  // PieceToId answers unk_id for unknown pieces; only a real match counts.
  return (id >= 0 && id < sp.GetPieceSize() && sp.IdToPiece(id) == piece) ? id : -1;
}

std::string_view View(const MappedFile& f) { return {reinterpret_cast<const char*>(f.data()), f.size()}; }

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
}

Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::FromSerializedProto(std::string_view bytes) {
  auto impl = std::make_unique<Impl>();
  const auto status = impl->sp.LoadFromSerializedProto(absl::string_view(bytes.data(), bytes.size()));
  if (!status.ok()) Fail(Status::kFormatError, std::string("not a SentencePiece model: ") + status.ToString());
  if (impl->sp.GetPieceSize() <= 0) Fail(Status::kFormatError, "SentencePiece model has no pieces");
  // SentencePiece accepted the bytes, so they parse; its API just does not say which pieces are
  // user-defined, and the splitter needs that.
  const auto pieces = ReadSentencePieces(bytes);
  if (static_cast<int>(pieces.size()) != impl->sp.GetPieceSize()) Fail(Status::kInternal, "piece count disagrees");
  for (size_t id = 0; id < pieces.size(); ++id) {
    const PieceType t = pieces[id].type;
    if (t == PieceType::kUserDefined || t == PieceType::kControl || t == PieceType::kUnknown) {
      impl->added.Add(pieces[id].text, static_cast<int32_t>(id), /*special_only=*/t != PieceType::kUserDefined);
    }
  }
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

std::unique_ptr<Tokenizer> Tokenizer::FromFile(const std::string& path) {
  auto file = MappedFile::Open(path);
  if (file->size() == 0) Fail(Status::kFormatError, "tokenizer file is empty: " + path);
  try {
    return FromSerializedProto(View(*file));
  } catch (const Error& e) {
    Fail(e.status(), path + ": " + e.what());
  }
}

std::unique_ptr<Tokenizer> Tokenizer::FromTokenizerJson(const std::string& path) {
  auto file = MappedFile::Open(path);
  if (file->size() == 0) Fail(Status::kFormatError, path + ": tokenizer.json is empty");
  const SentencePieceSpec spec = SentencePieceSpecFromTokenizerJson(View(*file), path);
  try {
    return FromSerializedProto(SerializeSentencePieceModel(spec));
  } catch (const Error& e) {
    Fail(e.status(), path + ": " + e.what());
  }
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool parse_special) const {
  std::vector<int32_t> out;
  std::vector<int> ids;
  for (const auto& span : impl_->added.Split(text, parse_special)) {
    if (span.id >= 0) {
      out.push_back(span.id);
      continue;
    }
    const absl::string_view part(text.data() + span.begin, span.end - span.begin);
    const auto status = impl_->sp.Encode(part, &ids);
    if (!status.ok()) Fail(Status::kInvalidArgument, "cannot tokenize text: " + status.ToString());
    out.insert(out.end(), ids.begin(), ids.end());
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
  // The unknown piece decodes to its spelling ("<unk>"), as HuggingFace's decoders write it,
  // whatever surface the SentencePiece file sets (" \u2047 " by default): the text then does
  // not depend on which file the vocabulary came from. Gemma adds no dummy prefix, so decoding
  // the runs between unknown pieces separately changes nothing else.
  std::string text, part;
  const int unk = impl_->sp.unk_id();
  if (std::find(v.begin(), v.end(), unk) == v.end()) {
    const auto status = impl_->sp.Decode(v, &text);
    if (!status.ok()) Fail(Status::kInvalidArgument, "cannot decode ids: " + status.ToString());
    return text;
  }
  size_t from = 0;
  for (size_t i = 0; i <= n; ++i) {
    if (i < n && v[i] != unk) continue;
    const std::vector<int> run(v.begin() + static_cast<std::ptrdiff_t>(from),
                               v.begin() + static_cast<std::ptrdiff_t>(i));
    const auto status = impl_->sp.Decode(run, &part);
    if (!status.ok()) Fail(Status::kInvalidArgument, "cannot decode ids: " + status.ToString());
    text += part;
    if (i < n) text += impl_->sp.IdToPiece(unk);
    from = i + 1;
  }
  return text;
}

int32_t Tokenizer::vocab_size() const { return impl_->sp.GetPieceSize(); }

std::string Tokenizer::IdToPiece(int32_t id) const {
  if (id < 0 || id >= impl_->sp.GetPieceSize()) return "";
  return impl_->sp.IdToPiece(id);
}

int32_t Tokenizer::PieceToId(std::string_view piece) const { return Lookup(impl_->sp, std::string(piece).c_str()); }

const SpecialTokens& Tokenizer::special() const { return impl_->special; }

std::string Tokenizer::SerializedModel() const { return impl_->sp.serialized_model_proto(); }

}  // namespace gemmakit
