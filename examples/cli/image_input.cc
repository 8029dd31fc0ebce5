#include "image_input.h"

#include <cstdio>

#include "common.h"

namespace cli {
namespace {

constexpr char kMarker[] = "<start_of_image>";

}  // namespace

CliImages::~CliImages() {
  for (const gemmakit_image* img : images_) gemmakit_image_free(const_cast<gemmakit_image*>(img));
}

bool CliImages::Load(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    gemmakit_image* img = nullptr;
    if (gemmakit_image_load(p.c_str(), &img) != GEMMAKIT_OK) {
      LibraryError(("cannot load image " + p).c_str());
      return false;
    }
    images_.push_back(img);
  }
  return true;
}

bool UserTurnParts(const std::string& prompt, const CliImages& images, std::vector<std::string>& texts,
                   std::vector<gemmakit_chat_part>& parts, std::string& error) {
  const std::string marker = kMarker;
  std::vector<size_t> at;
  for (size_t p = prompt.find(marker); p != std::string::npos; p = prompt.find(marker, p + marker.size())) at.push_back(p);
  if (!at.empty() && at.size() != images.size()) {
    error = "the prompt has " + std::to_string(at.size()) + " " + marker + " for " + std::to_string(images.size()) + " --image";
    return false;
  }
  texts.clear();
  texts.reserve(at.size() + 1);  // parts point into texts: no reallocation
  parts.clear();
  auto text = [&](std::string t) {
    if (t.empty()) return;
    texts.push_back(std::move(t));
    parts.push_back({GEMMAKIT_PART_TEXT, texts.back().c_str(), nullptr});
  };
  auto image = [&](size_t i) { parts.push_back({GEMMAKIT_PART_IMAGE, nullptr, images.data()[i]}); };
  if (at.empty()) {
    for (size_t i = 0; i < images.size(); ++i) image(i);
    text(prompt);
    return true;
  }
  size_t pos = 0;
  for (size_t i = 0; i < at.size(); ++i) {
    text(prompt.substr(pos, at[i] - pos));
    image(i);
    pos = at[i] + marker.size();
  }
  text(prompt.substr(pos));
  return true;
}

std::string RawPromptWithImages(const std::string& prompt, size_t n_images) {
  if (n_images == 0 || prompt.find(kMarker) != std::string::npos) return prompt;
  std::string out;
  for (size_t i = 0; i < n_images; ++i) out += kMarker;
  return out + prompt;
}

}  // namespace cli
