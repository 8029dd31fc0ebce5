#include "tokenizer/hf_tokenizer_json.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "gemmakit/status.h"
#include "tokenizer/tokenizer_json_reader.h"

namespace gemmakit {
namespace {

using nlohmann::json;

constexpr char kMetaspace[] = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

struct Ctx {
  const std::string& name;
  [[noreturn]] void Format(const std::string& what) const { Fail(Status::kFormatError, name + ": " + what); }
  [[noreturn]] void Unsupported(const std::string& what) const {
    Fail(Status::kUnsupported, name + ": " + what + "; gemmakit reads Gemma's tokenizer.json (BPE with byte fallback)");
  }
};

std::string TypeOf(const json& j) {
  if (!j.is_object()) return j.is_null() ? "none" : "?";
  const auto t = j.find("type");
  return t != j.end() && t->is_string() ? t->get<std::string>() : "?";
}

bool IsStringPattern(const json& j, const char* key, const std::string& value) {
  const auto p = j.find(key);
  if (p == j.end() || !p->is_object()) return false;
  const auto s = p->find("String");
  return s != p->end() && s->is_string() && s->get_ref<const std::string&>() == value;
}

bool IsReplace(const json& j, const std::string& from, const std::string& to) {
  if (TypeOf(j) != "Replace" || !IsStringPattern(j, "pattern", from)) return false;
  const auto c = j.find("content");
  return c != j.end() && c->is_string() && c->get_ref<const std::string&>() == to;
}

// Gemma's normalizer: every space becomes U+2581 (SentencePiece's escape_whitespaces), nothing else.
void CheckNormalizer(const json& root, const Ctx& ctx) {
  const auto n = root.find("normalizer");
  if (n == root.end() || n->is_null()) ctx.Unsupported("no normalizer (Gemma's replaces spaces with U+2581)");
  const json* one = &*n;
  if (TypeOf(*n) == "Sequence" && n->contains("normalizers") && (*n)["normalizers"].size() == 1) {
    one = &(*n)["normalizers"][0];
  }
  if (!IsReplace(*one, " ", kMetaspace)) ctx.Unsupported("normalizer '" + TypeOf(*one) + "' is not Gemma's");
}

// None, or Gemma 3's split at spaces, which finds none once the normalizer has replaced them.
void CheckPreTokenizer(const json& root, const Ctx& ctx) {
  const auto p = root.find("pre_tokenizer");
  if (p == root.end() || p->is_null()) return;
  const std::string type = TypeOf(*p);
  if (type == "Split" && IsStringPattern(*p, "pattern", " ") && !p->value("invert", false)) return;
  if (type == "ByteLevel") ctx.Unsupported("a byte-level pre-tokenizer (GPT-2 / Llama 3 style BPE)");
  ctx.Unsupported("pre-tokenizer '" + type + "' is not Gemma's");
}

// Gemma's decoder: U+2581 back to spaces, byte pieces to bytes, pieces joined. SentencePiece's
// decoder does exactly that; anything more (Strip, Metaspace prefix handling) would differ.
void CheckDecoder(const json& root, const Ctx& ctx) {
  const auto d = root.find("decoder");
  if (d == root.end() || d->is_null()) ctx.Unsupported("no decoder");
  json steps = TypeOf(*d) == "Sequence" ? d->value("decoders", json::array()) : json::array({*d});
  bool replace = false, byte_fallback = false;
  for (const json& s : steps) {
    const std::string type = TypeOf(s);
    if (IsReplace(s, kMetaspace, " ")) replace = true;
    else if (type == "ByteFallback") byte_fallback = true;
    else if (type != "Fuse") ctx.Unsupported("decoder step '" + type + "' is not Gemma's");
  }
  if (!replace || !byte_fallback) {
    ctx.Unsupported("the decoder does not turn U+2581 into spaces and byte pieces into bytes");
  }
}

bool IsNullOr(const json& model, const char* key, const json& neutral) {
  const auto it = model.find(key);
  return it == model.end() || it->is_null() || *it == neutral;
}

const json& CheckModel(const TokenizerJson& doc, const Ctx& ctx) {
  const json& root = doc.rest;
  const auto m = root.find("model");
  if (m == root.end() || !m->is_object()) ctx.Format("no \"model\" object");
  const std::string type = TypeOf(*m);
  if (type != "BPE") ctx.Unsupported("a " + (type == "?" ? std::string("model without a type") : type + " model"));
  if (!m->value("byte_fallback", false)) ctx.Unsupported("a BPE model without byte_fallback");
  if (!IsNullOr(*m, "dropout", 0.0)) ctx.Unsupported("BPE dropout");
  if (!IsNullOr(*m, "continuing_subword_prefix", "") || !IsNullOr(*m, "end_of_word_suffix", "")) {
    ctx.Unsupported("word-piece prefixes or suffixes");
  }
  if (!IsNullOr(*m, "ignore_merges", false)) ctx.Unsupported("ignore_merges");
  if (!doc.has_vocab || doc.vocab_malformed || doc.vocab.empty()) {
    ctx.Format("model.vocab is missing, empty or not an object of ids");
  }
  if (!doc.has_merges || doc.merges_malformed) ctx.Format("model.merges is missing or not a list of pairs");
  return *m;
}

struct Vocab {
  SentencePieceSpec spec;
  std::unordered_map<std::string_view, int32_t> ids;  // views into spec.pieces[].text
  std::vector<bool> added;

  int32_t Find(std::string_view piece) const {
    const auto it = ids.find(piece);
    return it == ids.end() ? -1 : it->second;
  }
};

int64_t IdOf(const json& v, const std::string& what, const Ctx& ctx) {
  if (!v.is_number_integer()) ctx.Format(what + " has an id that is not an integer");
  return v.is_number_unsigned() && v.get<uint64_t>() > (uint64_t{1} << 62) ? -1 : v.get<int64_t>();
}

// Pieces in id order from the BPE vocabulary and the added tokens (which may extend it).
void ReadPieces(const TokenizerJson& doc, const Ctx& ctx, Vocab* v) {
  const json& root = doc.rest;
  const auto& vocab = doc.vocab;
  const json empty = json::array();
  const auto added_it = root.find("added_tokens");
  const json& added = added_it != root.end() && added_it->is_array() ? *added_it : empty;

  // Ids must cover 0..n-1 exactly; n comes from the largest id, so a gap is reported as one.
  int64_t n = 0;
  for (const auto& [text, id] : vocab) n = std::max(n, id + 1);
  for (const json& a : added) {
    if (!a.is_object() || !a.contains("id") || !a.contains("content") || !a["content"].is_string()) {
      ctx.Format("an added token lacks an id or content");
    }
    n = std::max(n, IdOf(a["id"], "an added token", ctx) + 1);
  }
  // Checked before allocating: a lying id must not make a huge vector.
  if (n > static_cast<int64_t>(vocab.size() + added.size())) {
    ctx.Format("ids run to " + std::to_string(n - 1) +
               " but there are fewer pieces (ids must run from 0 without gaps)");
  }
  if (n < static_cast<int64_t>(vocab.size())) ctx.Format("model.vocab has repeated or negative ids");
  auto& pieces = v->spec.pieces;
  pieces.assign(static_cast<size_t>(n), {});
  std::vector<bool> set(pieces.size(), false);
  v->added.assign(pieces.size(), false);
  for (const auto& [text, id] : vocab) {
    if (id < 0 || id >= n || set[id]) ctx.Format("piece '" + text + "' has a bad or repeated id " + std::to_string(id));
    pieces[id].text = text;
    set[id] = true;
  }
  for (const json& a : added) {
    const int64_t id = a["id"].get<int64_t>();
    const std::string& text = a["content"].get_ref<const std::string&>();
    if (id < 0) ctx.Format("added token '" + text + "' has a negative id");
    for (const char* flag : {"lstrip", "rstrip", "single_word"}) {
      if (a.value(flag, false)) ctx.Unsupported("added token '" + text + "' with " + flag);
    }
    // Added tokens are found in the text as written; a normalized one would be looked for after
    // spaces become U+2581, which only matters when it contains a space.
    if (a.value("normalized", false) && text.find(' ') != std::string::npos) {
      ctx.Unsupported("normalized added token '" + text + "' with a space");
    }
    if (set[id] && pieces[id].text != text) {
      ctx.Format("added token " + std::to_string(id) + " is '" + text + "' but the vocabulary has '" +
                 pieces[id].text + "'");
    }
    pieces[id].text = text;
    set[id] = true;
    v->added[id] = true;
  }
  for (size_t id = 0; id < pieces.size(); ++id) {
    if (!set[id]) ctx.Format("no piece has id " + std::to_string(id) + " (ids must run from 0 without gaps)");
    if (pieces[id].text.empty()) ctx.Format("piece " + std::to_string(id) + " is empty");
  }
  v->ids.reserve(pieces.size());
  for (size_t id = 0; id < pieces.size(); ++id) {
    if (!v->ids.emplace(pieces[id].text, static_cast<int32_t>(id)).second) {
      ctx.Format("piece '" + pieces[id].text + "' appears twice");
    }
  }
}

bool IsBytePiece(const std::string& s) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
  return s.size() == 6 && s.compare(0, 3, "<0x") == 0 && hex(s[3]) && hex(s[4]) && s[5] == '>';
}

void AssignTypes(const json& model, const Ctx& ctx, Vocab* v) {
  SentencePieceSpec& spec = v->spec;
  const auto unk = model.find("unk_token");
  if (unk == model.end() || !unk->is_string()) ctx.Unsupported("a BPE model without an unk_token");
  spec.unk_id = v->Find(unk->get_ref<const std::string&>());
  if (spec.unk_id < 0) ctx.Format("unk_token '" + unk->get<std::string>() + "' is not in the vocabulary");
  spec.bos_id = v->Find("<bos>");
  spec.eos_id = v->Find("<eos>");
  spec.pad_id = v->Find("<pad>");
  int n_bytes = 0;
  for (size_t id = 0; id < spec.pieces.size(); ++id) {
    auto& p = spec.pieces[id];
    const auto i = static_cast<int32_t>(id);
    if (i == spec.unk_id) {
      p.type = PieceType::kUnknown;
    } else if (i == spec.bos_id || i == spec.eos_id || i == spec.pad_id) {
      p.type = PieceType::kControl;
    } else if (v->added[id]) {
      p.type = PieceType::kUserDefined;
    } else if (IsBytePiece(p.text)) {
      p.type = PieceType::kByte;
      ++n_bytes;
    }
  }
  if (n_bytes != 256) ctx.Format("byte_fallback needs the 256 pieces <0x00>..<0xFF>, found " + std::to_string(n_bytes));
}

void AssignScores(const TokenizerJson& doc, const Ctx& ctx, Vocab* v) {
  std::vector<bool> scored(v->spec.pieces.size(), false);
  std::string joined;
  size_t rank = 0;
  for (const auto& [left, right] : doc.merges) {
    joined.assign(left).append(right);
    // Only the piece a merge makes is looked up: its parts are pieces too in any vocabulary whose
    // merges build it, and three lookups per merge would triple the load time.
    const int32_t id = v->Find(joined);
    if (id < 0) {
      ctx.Format("merge " + std::to_string(rank) + " ('" + left + "', '" + right + "') makes '" + joined +
                 "', which is not in the vocabulary");
    }
    // The first (lowest-rank) merge that makes a piece decides its priority. Ranks stay below
    // 2^24, so every score is an exact float.
    if (!scored[id]) {
      v->spec.pieces[id].score = -static_cast<float>(rank + 1);
      scored[id] = true;
    }
    ++rank;
  }
  if (rank >= (size_t{1} << 24)) ctx.Unsupported("more than 2^24 merges");
}

}  // namespace

SentencePieceSpec SentencePieceSpecFromTokenizerJson(std::string_view json_text, const std::string& name) {
  const Ctx ctx{name};
  const TokenizerJson doc = ReadTokenizerJson(json_text, name);
  if (!doc.rest.is_object()) ctx.Format("not a JSON object");
  try {
    const json& model = CheckModel(doc, ctx);
    CheckNormalizer(doc.rest, ctx);
    CheckPreTokenizer(doc.rest, ctx);
    CheckDecoder(doc.rest, ctx);
    Vocab v;
    ReadPieces(doc, ctx, &v);
    AssignTypes(model, ctx, &v);
    AssignScores(doc, ctx, &v);
    v.spec.algorithm = SentencePieceSpec::Algorithm::kBpe;
    v.spec.byte_fallback = true;
    v.spec.add_dummy_prefix = false;
    v.spec.remove_extra_whitespaces = false;
    return std::move(v.spec);
  } catch (const json::exception& e) {
    // Fields are checked before use; this keeps a library exception from escaping on odd shapes.
    ctx.Format(std::string("unexpected structure: ") + e.what());
  }
}

}  // namespace gemmakit
