// HuggingFace's tokenizer.json, as Gemma ships it (a BPE model with byte fallback, converted from
// Gemma's SentencePiece model), turned back into a SentencePiece model so that one engine
// tokenizes every vocabulary.
//
// The mapping, and why it gives HuggingFace's ids:
// - pieces keep their ids; ids past the BPE vocabulary come from added_tokens
//   (Gemma 3's <image_soft_token> is 262144);
// - a piece made by merge rank r scores -(r + 1), a piece no merge makes scores 0. SentencePiece
//   merges the adjacent pair whose concatenation scores highest (leftmost on ties); HuggingFace
//   the pair of lowest rank. A vocabulary converted from SentencePiece lists every split of every
//   piece as a merge, so both pick the same pair (checked on Gemma 3's 262,144 pieces against an
//   independent HuggingFace implementation: tests/tokenizer);
// - types: "<unk>" (the model's unk_token) unknown; <0xNN> byte; "<bos>", "<eos>", "<pad>"
//   control, as in Gemma's tokenizer.model; every other added token user-defined, special or not.
//   HuggingFace splits all added tokens out of raw text and decodes them as written, and so does
//   gemmakit with user-defined pieces, so text with "<start_of_turn>" in it encodes to its id and
//   decodes back to the same text. Control pieces are matched in text only when the caller asks
//   (Tokenizer::Encode's parse_special) and decode to nothing, as SentencePiece does.
#pragma once

#include <string>
#include <string_view>

#include "tokenizer/sentencepiece_proto.h"

namespace gemmakit {

// Throws Error(kFormatError) for text that is not a complete, consistent tokenizer.json (truncated,
// ids that do not match, merges of unknown pieces) and Error(kUnsupported) for a tokenizer of
// another family: a model other than BPE, no byte fallback, a byte-level or other pre-tokenizer,
// normalizers and decoders other than Gemma's. `name` prefixes the messages.
SentencePieceSpec SentencePieceSpecFromTokenizerJson(std::string_view json_text, const std::string& name);

}  // namespace gemmakit
