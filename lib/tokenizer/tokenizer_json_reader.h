// Reads HuggingFace's tokenizer.json in one streaming pass. The two big parts, model.vocab
// (262,144 entries for Gemma 3) and model.merges (514,906), go straight into vectors; everything
// else becomes an ordinary JSON tree. Building a tree of the whole 33 MB file took a second, most
// of it allocating nodes; this takes a fraction of that.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace gemmakit {

struct TokenizerJson {
  nlohmann::json rest;  // the document without model.vocab and model.merges
  std::vector<std::pair<std::string, int64_t>> vocab;   // model.vocab, in file order
  std::vector<std::pair<std::string, std::string>> merges;  // model.merges, in rank order
  bool has_vocab = false, has_merges = false;
  // Set when model.vocab is not an object of integers (e.g. Unigram's [piece, score] list) or
  // model.merges not a list of pairs: the caller decides whether that is unsupported or corrupt.
  bool vocab_malformed = false, merges_malformed = false;
};

// Throws Error(kFormatError) naming `name` when the text is not valid JSON (truncated, corrupt).
TokenizerJson ReadTokenizerJson(std::string_view text, const std::string& name);

}  // namespace gemmakit
