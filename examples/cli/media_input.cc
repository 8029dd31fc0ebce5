#include "media_input.h"

#include <algorithm>
#include <cstdio>

#include "common.h"

namespace cli {
namespace {

constexpr const char* kImageMarker = "<start_of_image>";
constexpr const char* kAudioMarker = "<start_of_audio>";

const char* MarkerOf(const gemmakit_content_part& p) { return p.type == GEMMAKIT_PART_AUDIO ? kAudioMarker : kImageMarker; }

gemmakit_content_part MediaPart(int32_t type, const gemmakit_image* image, const gemmakit_audio* audio) {
  gemmakit_content_part p{};
  p.struct_size = sizeof p;
  p.type = type;
  p.image = image;
  p.audio = audio;
  return p;
}

std::vector<size_t> Find(const std::string& text, const std::string& marker) {
  std::vector<size_t> at;
  for (size_t p = text.find(marker); p != std::string::npos; p = text.find(marker, p + marker.size())) at.push_back(p);
  return at;
}

size_t Count(const CliMedia& media, int32_t type) {
  return static_cast<size_t>(std::count_if(media.parts().begin(), media.parts().end(),
                                           [&](const gemmakit_content_part& p) { return p.type == type; }));
}

}  // namespace

CliMedia::~CliMedia() {
  for (gemmakit_image* img : images_) gemmakit_image_free(img);
  for (gemmakit_audio* clip : clips_) gemmakit_audio_free(clip);
}

bool CliMedia::Load(const Args& args) {
  for (const std::string& p : args.GetAll("image")) {
    gemmakit_image* img = nullptr;
    if (gemmakit_image_load(p.c_str(), &img) != GEMMAKIT_OK) {
      LibraryError(("cannot load image " + p).c_str());
      return false;
    }
    images_.push_back(img);
    parts_.push_back(MediaPart(GEMMAKIT_PART_IMAGE, img, nullptr));
  }
  for (const std::string& p : args.GetAll("audio")) {
    gemmakit_audio* clip = nullptr;
    if (gemmakit_audio_load(p.c_str(), &clip) != GEMMAKIT_OK) {
      LibraryError(("cannot load audio " + p).c_str());
      return false;
    }
    clips_.push_back(clip);
    parts_.push_back(MediaPart(GEMMAKIT_PART_AUDIO, nullptr, clip));
  }
  return true;
}

bool UserTurnParts(const std::string& prompt, const CliMedia& media, std::vector<std::string>& texts,
                   std::vector<gemmakit_content_part>& parts, std::string& error) {
  struct Place {
    size_t at;
    int32_t type;
  };
  std::vector<Place> places;
  for (int32_t type : {GEMMAKIT_PART_IMAGE, GEMMAKIT_PART_AUDIO}) {
    const char* marker = type == GEMMAKIT_PART_AUDIO ? kAudioMarker : kImageMarker;
    const std::vector<size_t> at = Find(prompt, marker);
    const size_t items = Count(media, type);
    if (!at.empty() && at.size() != items) {
      error = "the prompt has " + std::to_string(at.size()) + " " + marker + " for " + std::to_string(items) +
              (type == GEMMAKIT_PART_AUDIO ? " --audio" : " --image");
      return false;
    }
    for (size_t a : at) places.push_back({a, type});
  }
  std::sort(places.begin(), places.end(), [](const Place& a, const Place& b) { return a.at < b.at; });
  texts.clear();
  texts.reserve(places.size() + 1);  // parts point into texts: no reallocation
  parts.clear();
  auto text = [&](std::string t) {
    if (t.empty()) return;
    texts.push_back(std::move(t));
    gemmakit_content_part p{};
    p.struct_size = sizeof p;
    p.type = GEMMAKIT_PART_TEXT;
    p.text = texts.back().c_str();
    parts.push_back(p);
  };
  // Kinds without markers come first, in the order given.
  for (const gemmakit_content_part& p : media.parts()) {
    if (Find(prompt, MarkerOf(p)).empty()) parts.push_back(p);
  }
  size_t next[3] = {0, 0, 0};  // per type: items used
  size_t pos = 0;
  for (const Place& place : places) {
    text(prompt.substr(pos, place.at - pos));
    size_t seen = 0;
    for (const gemmakit_content_part& p : media.parts()) {
      if (p.type != place.type) continue;
      if (seen++ == next[place.type]) {
        parts.push_back(p);
        break;
      }
    }
    ++next[place.type];
    pos = place.at + std::string(place.type == GEMMAKIT_PART_AUDIO ? kAudioMarker : kImageMarker).size();
  }
  text(prompt.substr(pos));
  return true;
}

std::string RawPromptWithMedia(const std::string& prompt, const CliMedia& media) {
  std::string head;
  for (const gemmakit_content_part& p : media.parts()) {
    if (prompt.find(MarkerOf(p)) == std::string::npos) head += MarkerOf(p);
  }
  return head + prompt;
}

}  // namespace cli
