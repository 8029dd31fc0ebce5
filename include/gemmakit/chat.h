// Gemma's chat format, rendered exactly as the official Gemma 3 template in tokenizer_config.json
// does (checked byte for byte against Python's jinja2 running the real template: tests/tokenizer):
//   <bos><start_of_turn>user\n{system}\n\n{user}<end_of_turn>\n<start_of_turn>model\n{reply}<end_of_turn>\n...
// - A leading system message is folded into the first user turn, followed by a blank line; its
//   text is not trimmed (the template does not trim it). A conversation of only a system message
//   renders no turn at all, as the template does.
// - "assistant" becomes "model"; "model" is accepted as it is.
// - Every other text is trimmed of the whitespace Python's str.strip() removes (Unicode White_Space
//   as Python defines it, e.g. U+00A0, U+3000, U+2028; not U+200B or U+FEFF).
// - A message may carry a list of parts instead of a string: text parts are trimmed one by one,
//   image parts render as <start_of_image> and audio parts as <start_of_audio> (the markers
//   gemmakit expands into each item's tokens; Gemma 3n's own template writes <image_soft_token> /
//   <audio_soft_token>, which its processor expands the same way). A system message given as
//   parts contributes its first part's text only, as the template does.
//
// Gemma 1 and 2 have no system role (Gemma 2's template raises an error on one). gemmakit folds a
// system message into the first user turn for them too, as Gemma 3 does, so one conversation
// works with every Gemma; for conversations their templates accept, the output is identical.
//
// Where gemmakit is stricter than the template: it refuses roles other than system (first only),
// user, assistant and model, which the template would render verbatim as a turn Gemma never saw
// in training ("<start_of_turn>tool\n").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gemmakit/image.h"
#include "gemmakit/media.h"

namespace gemmakit {

struct ChatPart {
  enum class Type : int32_t { kText = 0, kImage = 1, kAudio = 2 };
  Type type = Type::kText;
  std::string text;  // kText only
  // kImage / kAudio: what Session::Chat shows the model. Rendering the template needs neither.
  std::shared_ptr<const RgbImage> image;
  std::shared_ptr<const AudioClip> audio;

  static ChatPart Text(std::string text) { return {Type::kText, std::move(text), nullptr, nullptr}; }
  static ChatPart Image() { return {Type::kImage, "", nullptr, nullptr}; }
  static ChatPart Image(std::shared_ptr<const RgbImage> image) { return {Type::kImage, "", std::move(image), nullptr}; }
  static ChatPart Audio() { return {Type::kAudio, "", nullptr, nullptr}; }
  static ChatPart Audio(std::shared_ptr<const AudioClip> clip) { return {Type::kAudio, "", nullptr, std::move(clip)}; }
  bool is_media() const { return type == Type::kImage || type == Type::kAudio; }
  // The part as Media (an image or audio part); Error(kInvalidArgument) when it carries none.
  Media media() const;
};

struct ChatMessage {
  ChatMessage() = default;
  ChatMessage(std::string role, std::string content) : role(std::move(role)), content(std::move(content)) {}
  ChatMessage(std::string role, std::vector<ChatPart> parts) : role(std::move(role)), parts(std::move(parts)) {}

  std::string role;     // "system" (first message only), "user", "assistant" or "model"
  std::string content;  // the message's text, used when parts is empty
  std::vector<ChatPart> parts;  // when not empty: the message's content as a list of parts
};

// Throws Error(kInvalidArgument) where the template raises an error (the turns after an optional
// system message do not alternate user / model starting with user; an empty conversation; a
// system message whose first part is not text) and for the roles gemmakit refuses (above).
std::string FormatGemmaChat(const std::vector<ChatMessage>& messages, bool add_generation_prompt);

// jinja's `trim` (Python's str.strip()), as the templates apply it to message text.
std::string PythonStrip(const std::string& s);

}  // namespace gemmakit
