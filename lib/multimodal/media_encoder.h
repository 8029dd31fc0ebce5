// What every media encoder (SigLIP, the USM audio conformer, MobileNet-V5) is to the runtime: it
// says how an item appears in the token stream (text around it, special ids, runs of placeholder
// ids its soft tokens replace), encodes an item into soft-token rows of the text model's width, and
// says how those rows attend (to each other both ways, as Gemma 3's images, or causally, as
// everything in Gemma 3n). Sessions, prompts, saved sessions and forks know only this interface.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gemmakit/media.h"
#include "kernels/parallel.h"

namespace gemmakit {

// Receives an item's appearance in the prompt, in order.
class MediaPromptWriter {
 public:
  virtual ~MediaPromptWriter() = default;
  // Text tokenized together with the text around the item.
  virtual void Text(std::string_view text) = 0;
  // A special id, pushed as it is.
  virtual void Id(int32_t id) = 0;
  // tokens_per_item() placeholder ids whose rows the encoder makes from `item` (the whole item
  // or a part of it: a pan-and-scan crop, a 30-second window). `key` identifies the content
  // (never 0), so that a chat turn reuses rows already in a session only for the same content.
  virtual void SoftTokens(Media item, uint64_t key) = 0;
};

class MediaEncoder {
 public:
  virtual ~MediaEncoder() = default;
  virtual MediaKind kind() const = 0;
  // Where a rendered chat template or a raw prompt places an item: "<start_of_image>".
  virtual std::string_view marker() const = 0;
  // The id the soft tokens take in token lists, and how many one item (or part) has.
  virtual int32_t placeholder_id() const = 0;
  virtual size_t tokens_per_item() const = 0;
  // True: the soft tokens of one item see each other in both directions; false: causal.
  virtual bool bidirectional() const = 0;
  // Writes how the item appears in the prompt. Throws Error(kInvalidArgument) for an item this
  // encoder refuses (an audio clip too long to window, say).
  virtual void Write(const Media& item, MediaPromptWriter& out) const = 0;
  // [tokens_per_item, text_hidden] rows for an item (or part) Write passed to SoftTokens.
  virtual std::vector<float> SoftTokens(const Media& item, Executor* ex) const = 0;
};

// Keys for media content: FNV-1a over the bytes added, salted; never 0.
class ContentHasher {
 public:
  explicit ContentHasher(uint64_t salt) : h_(1469598103934665603ull ^ salt) {}
  void Add(const void* bytes, size_t size) {
    const auto* p = static_cast<const unsigned char*>(bytes);
    for (size_t i = 0; i < size; ++i) {
      h_ ^= p[i];
      h_ *= 1099511628211ull;
    }
  }
  uint64_t key() const { return h_ ? h_ : 1; }

 private:
  uint64_t h_;
};

}  // namespace gemmakit
