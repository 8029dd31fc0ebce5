#include "runtime/media_prompt.h"

#include <algorithm>
#include <string>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

// Builds ids as the processor's text would tokenize: text is gathered until a special id or a
// soft-token run ends it, then tokenized as one run.
class IdWriter final : public MediaPromptWriter {
 public:
  IdWriter(const Tokenizer& tok, bool parse_special, MediaPrompt& out) : tok_(tok), special_(parse_special), out_(out) {}

  void Text(std::string_view text) override { pending_.append(text); }
  void Id(int32_t id) override {
    Flush();
    out_.ids.push_back(id);
  }
  void SoftTokens(Media item, uint64_t key) override {
    Flush();
    out_.slots.push_back({out_.ids.size(), std::move(item), key, encoder_});
    out_.ids.insert(out_.ids.end(), encoder_->tokens_per_item(), encoder_->placeholder_id());
  }
  void Flush() {
    if (pending_.empty()) return;
    const std::vector<int32_t> ids = tok_.Encode(pending_, special_);
    out_.ids.insert(out_.ids.end(), ids.begin(), ids.end());
    pending_.clear();
  }
  void set_encoder(const MediaEncoder* e) { encoder_ = e; }

 private:
  const Tokenizer& tok_;
  bool special_;
  MediaPrompt& out_;
  std::string pending_;
  const MediaEncoder* encoder_ = nullptr;
};

// Collects the soft-token parts an item is written as, ignoring the text and ids around them.
class PartCollector final : public MediaPromptWriter {
 public:
  void Text(std::string_view) override {}
  void Id(int32_t) override {}
  void SoftTokens(Media item, uint64_t key) override { parts.push_back({std::move(item), key}); }
  std::vector<std::pair<Media, uint64_t>> parts;
};

struct Marker {
  size_t at;
  const MediaEncoder* encoder;
};

}  // namespace

MediaPrompt TokenizeWithMedia(const Tokenizer& tok, std::string_view text, const std::vector<Media>& items,
                              bool parse_special, const EncoderFor& encoder_for) {
  MediaPrompt out;
  if (items.empty()) {
    out.ids = tok.Encode(text, parse_special);
    return out;
  }
  // Each kind that has items claims its marker; the markers of the other kinds stay text.
  std::vector<const MediaEncoder*> kinds;
  for (const Media& m : items) {
    const MediaEncoder& e = encoder_for(m.kind);
    if (std::find(kinds.begin(), kinds.end(), &e) == kinds.end()) kinds.push_back(&e);
  }
  std::vector<Marker> markers;
  for (const MediaEncoder* e : kinds) {
    const std::string_view mk = e->marker();
    size_t n_markers = 0, n_items = 0;
    for (size_t p = text.find(mk); p != std::string_view::npos; p = text.find(mk, p + mk.size()), ++n_markers) {
      markers.push_back({p, e});
    }
    for (const Media& m : items) n_items += m.kind == e->kind();
    if (n_markers != n_items) {
      Fail(Status::kInvalidArgument, "the prompt has " + std::to_string(n_markers) + " " + MediaKindName(e->kind()) +
                                         " place(s) (" + std::string(mk) + ") for " + std::to_string(n_items) + " " +
                                         MediaKindName(e->kind()) + " item(s)");
    }
  }
  std::sort(markers.begin(), markers.end(), [](const Marker& a, const Marker& b) { return a.at < b.at; });
  IdWriter w(tok, parse_special, out);
  std::vector<size_t> next(kinds.size(), 0);  // per kind: items of that kind used so far
  size_t pos = 0;
  for (const Marker& m : markers) {
    w.Text(text.substr(pos, m.at - pos));
    pos = m.at + m.encoder->marker().size();
    const size_t k = static_cast<size_t>(std::find(kinds.begin(), kinds.end(), m.encoder) - kinds.begin());
    size_t seen = 0;
    const Media* item = nullptr;
    for (const Media& it : items) {
      if (it.kind != m.encoder->kind()) continue;
      if (seen++ == next[k]) {
        item = &it;
        break;
      }
    }
    ++next[k];
    w.set_encoder(m.encoder);
    m.encoder->Write(*item, w);
  }
  w.Text(text.substr(pos));
  w.Flush();
  return out;
}

MediaPrompt SlotsFromIds(const std::vector<int32_t>& ids, const std::vector<Media>& items, const EncoderFor& encoder_for) {
  MediaPrompt out;
  out.ids = ids;
  std::vector<const MediaEncoder*> kinds;
  for (const Media& m : items) {
    const MediaEncoder& e = encoder_for(m.kind);
    if (std::find(kinds.begin(), kinds.end(), &e) == kinds.end()) kinds.push_back(&e);
  }
  for (const MediaEncoder* e : kinds) {
    PartCollector parts;
    for (const Media& m : items) {
      if (m.kind == e->kind()) e->Write(m, parts);
    }
    const int32_t placeholder = e->placeholder_id();
    const size_t per_item = e->tokens_per_item();
    const std::string kind = MediaKindName(e->kind());
    size_t used = 0;
    for (size_t i = 0; i < ids.size();) {
      if (ids[i] != placeholder) {
        ++i;
        continue;
      }
      size_t run = 0;
      while (i + run < ids.size() && ids[i + run] == placeholder) ++run;
      if (run % per_item != 0) {
        Fail(Status::kInvalidArgument, "a run of " + std::to_string(run) + " " + kind + " tokens at index " +
                                           std::to_string(i) + " does not hold whole " + kind + " items of " +
                                           std::to_string(per_item) + " tokens");
      }
      for (size_t k = 0; k < run; k += per_item) {
        if (used >= parts.parts.size()) {
          Fail(Status::kInvalidArgument, "the ids hold more " + kind + " tokens than the " + std::to_string(parts.parts.size()) +
                                             " " + kind + " part(s) given fill");
        }
        out.slots.push_back({i + k, std::move(parts.parts[used].first), parts.parts[used].second, e});
        ++used;
      }
      i += run;
    }
    if (used != parts.parts.size()) {
      Fail(Status::kInvalidArgument, std::to_string(parts.parts.size()) + " " + kind + " part(s) given but the ids hold places for " +
                                         std::to_string(used));
    }
  }
  std::sort(out.slots.begin(), out.slots.end(), [](const MediaSlot& a, const MediaSlot& b) { return a.offset < b.offset; });
  return out;
}

}  // namespace gemmakit
