#include "tokenizer/tokenizer_json_reader.h"

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

using nlohmann::json;

// A SAX handler that builds the tree like nlohmann's own DOM builder, except under the paths
// model.vocab and model.merges, which it streams into TokenizerJson's vectors.
class Handler : public nlohmann::json_sax<json> {
 public:
  explicit Handler(TokenizerJson* out) : out_(out) {}

  bool null() override { return Value(json(nullptr)); }
  bool boolean(bool v) override { return Value(json(v)); }
  bool number_integer(number_integer_t v) override { return Number(v, json(v)); }
  bool number_unsigned(number_unsigned_t v) override {
    return Number(v <= static_cast<uint64_t>(INT64_MAX) ? static_cast<int64_t>(v) : -1, json(v));
  }
  bool number_float(number_float_t v, const string_t&) override { return Value(json(v)); }
  bool binary(binary_t&) override { return Value(json()); }

  bool string(string_t& s) override {
    if (skip_ > 0) return true;
    switch (mode_) {
      case Mode::kVocab: out_->vocab_malformed = true; return true;
      case Mode::kMerges: AddStringMerge(s); return true;
      case Mode::kMergePair: pair_.push_back(std::move(s)); return true;
      case Mode::kTree: return Value(json(std::move(s)));
    }
    return true;
  }

  bool key(string_t& k) override {
    if (skip_ > 0) return true;
    if (mode_ == Mode::kVocab) {
      key_ = std::move(k);
      return true;
    }
    // The value of model.vocab / model.merges: the object "model" directly under the root.
    if (stack_.size() == 2 && in_model_ && (k == "vocab" || k == "merges")) {
      next_ = k == "vocab" ? Mode::kVocab : Mode::kMerges;
      (k == "vocab" ? out_->has_vocab : out_->has_merges) = true;
      return true;
    }
    if (stack_.size() == 1) key_at_root_ = k;
    element_ = &(*stack_.back())[k];
    return true;
  }

  bool start_object(std::size_t) override {
    if (Skipping()) return true;
    if (next_ == Mode::kVocab) return Enter(Mode::kVocab);
    if (next_ == Mode::kMerges) return Skip(&out_->merges_malformed);
    if (mode_ != Mode::kTree) return Skip(mode_ == Mode::kVocab ? &out_->vocab_malformed : &out_->merges_malformed);
    if (stack_.size() == 1) in_model_ = key_at_root_ == "model";
    stack_.push_back(Place(json::object()));
    return true;
  }

  bool end_object() override {
    if (Unskip()) return true;
    if (mode_ == Mode::kVocab) return Leave();
    stack_.pop_back();
    if (stack_.size() == 1) in_model_ = false;
    return true;
  }

  bool start_array(std::size_t) override {
    if (Skipping()) return true;
    if (next_ == Mode::kMerges) return Enter(Mode::kMerges);
    if (next_ == Mode::kVocab) return Skip(&out_->vocab_malformed);
    if (mode_ == Mode::kMerges) {
      mode_ = Mode::kMergePair;
      pair_.clear();
      return true;
    }
    if (mode_ != Mode::kTree) return Skip(mode_ == Mode::kVocab ? &out_->vocab_malformed : &out_->merges_malformed);
    stack_.push_back(Place(json::array()));
    return true;
  }

  bool end_array() override {
    if (Unskip()) return true;
    if (mode_ == Mode::kMergePair) {
      if (pair_.size() == 2) out_->merges.emplace_back(std::move(pair_[0]), std::move(pair_[1]));
      else out_->merges_malformed = true;
      mode_ = Mode::kMerges;
      return true;
    }
    if (mode_ == Mode::kMerges) return Leave();
    stack_.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    error_ = "byte " + std::to_string(position) + ": " + e.what();
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  enum class Mode { kTree, kVocab, kMerges, kMergePair };

  // Stores a finished value where the tree expects it and returns it.
  json* Place(json v) {
    if (stack_.empty()) {
      out_->rest = std::move(v);
      return &out_->rest;
    }
    if (stack_.back()->is_array()) {
      stack_.back()->push_back(std::move(v));
      return &stack_.back()->back();
    }
    *element_ = std::move(v);
    return element_;
  }

  bool Value(json v) {
    if (skip_ > 0) return true;
    if (next_ != Mode::kTree) {  // vocab or merges that are a scalar
      (next_ == Mode::kVocab ? out_->vocab_malformed : out_->merges_malformed) = true;
      next_ = Mode::kTree;
      return true;
    }
    if (mode_ == Mode::kVocab) out_->vocab_malformed = true;
    else if (mode_ != Mode::kTree) out_->merges_malformed = true;
    else Place(std::move(v));
    return true;
  }

  bool Number(int64_t id, json v) {
    if (skip_ == 0 && next_ == Mode::kTree && mode_ == Mode::kVocab) {
      out_->vocab.emplace_back(std::move(key_), id);
      return true;
    }
    return Value(std::move(v));
  }

  void AddStringMerge(const std::string& s) {
    const size_t sp = s.find(' ');
    if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
      out_->merges_malformed = true;
      return;
    }
    out_->merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
  }

  bool Enter(Mode m) {
    mode_ = m;
    next_ = Mode::kTree;
    return true;
  }
  bool Leave() {
    mode_ = Mode::kTree;
    return true;
  }
  // A container where none belongs: note it and skip everything inside.
  bool Skip(bool* flag) {
    *flag = true;
    next_ = Mode::kTree;
    skip_ = 1;
    return true;
  }
  bool Skipping() {
    if (skip_ == 0) return false;
    ++skip_;
    return true;
  }
  bool Unskip() {
    if (skip_ == 0) return false;
    --skip_;
    return true;
  }

  TokenizerJson* out_;
  std::vector<json*> stack_;  // open containers of the tree
  json* element_ = nullptr;   // where the value of the last key goes
  std::string key_at_root_;
  bool in_model_ = false;
  Mode mode_ = Mode::kTree;   // where values go now
  Mode next_ = Mode::kTree;   // set by the keys "vocab" / "merges" for the value that follows
  int skip_ = 0;              // > 0: inside a skipped container
  std::string key_;
  std::vector<std::string> pair_;
  std::string error_;
};

}  // namespace

TokenizerJson ReadTokenizerJson(std::string_view text, const std::string& name) {
  TokenizerJson out;
  Handler handler(&out);
  if (!json::sax_parse(text.begin(), text.end(), &handler)) {
    Fail(Status::kFormatError, name + ": not valid JSON (truncated or corrupt): " + handler.error());
  }
  return out;
}

}  // namespace gemmakit
