// The C ABI of content-part conversations (push and pull) and of audio clip handles.
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "capi_internal.h"
#include "gemmakit/audio.h"
#include "gemmakit/generation_stepper.h"

using gemmakit::AudioClip;
using gemmakit::Fail;
using gemmakit::Status;
using gemmakit::capi::Guard;
using gemmakit::capi::Need;

struct gemmakit_audio {
  std::shared_ptr<const AudioClip> clip;
};

namespace {

// Element i of a caller's array whose elements are `stride` bytes apart (the first element's
// struct_size): an older caller's shorter structs are read with the fields it lacks zeroed.
template <typename T>
T Element(const T* array, size_t i, size_t stride, const std::string& what) {
  if (stride < sizeof(uint32_t) || stride > (1u << 16)) Fail(Status::kInvalidArgument, what + ": struct_size is not set");
  const auto* p = reinterpret_cast<const T*>(reinterpret_cast<const unsigned char*>(array) + i * stride);
  if (p->struct_size != stride) {
    Fail(Status::kInvalidArgument, what + " " + std::to_string(i) + ": struct_size differs from the first element's");
  }
  T out{};
  const unsigned char* bytes = reinterpret_cast<const unsigned char*>(p);
  if (stride > sizeof(T)) {
    for (size_t b = sizeof(T); b < stride; ++b) {
      if (bytes[b] != 0) Fail(Status::kUnsupported, what + " " + std::to_string(i) + ": fields newer than this library are set");
    }
  }
  std::memcpy(&out, p, stride < sizeof(T) ? stride : sizeof(T));
  return out;
}

std::vector<gemmakit::ChatMessage> ToConversation(const gemmakit_content_turn* turns, size_t n) {
  if (n == 0) Fail(Status::kInvalidArgument, "chat: the conversation is empty");
  if (turns == nullptr) Fail(Status::kInvalidArgument, "turns is NULL");
  std::vector<gemmakit::ChatMessage> out;
  for (size_t i = 0; i < n; ++i) {
    const gemmakit_content_turn t = Element(turns, i, turns[0].struct_size, "turn");
    const std::string where = "turn " + std::to_string(i);
    if (t.role == nullptr) Fail(Status::kInvalidArgument, where + " has a NULL role");
    if (t.n_parts == 0) Fail(Status::kInvalidArgument, where + " has no parts");
    if (t.parts == nullptr) Fail(Status::kInvalidArgument, where + " has NULL parts");
    std::vector<gemmakit::ChatPart> parts;
    for (size_t j = 0; j < t.n_parts; ++j) {
      const gemmakit_content_part p = Element(t.parts, j, t.parts[0].struct_size, where + ": part");
      if (p.type == GEMMAKIT_PART_TEXT) {
        if (p.text == nullptr) Fail(Status::kInvalidArgument, where + ": text part " + std::to_string(j) + " is NULL");
        parts.push_back(gemmakit::ChatPart::Text(p.text));
      } else if (p.type == GEMMAKIT_PART_IMAGE) {
        if (p.image == nullptr) Fail(Status::kInvalidArgument, where + ": image part " + std::to_string(j) + " is NULL");
        parts.push_back(gemmakit::ChatPart::Image(gemmakit::capi::SharedImage(p.image)));
      } else {
        Fail(Status::kInvalidArgument, where + ": part " + std::to_string(j) + " has unknown type " + std::to_string(p.type));
      }
    }
    out.emplace_back(t.role, std::move(parts));
  }
  return out;
}


}  // namespace

extern "C" {

gemmakit_status gemmakit_session_chat_content(gemmakit_session* session, const gemmakit_content_turn* turns, size_t n_turns,
                                              const gemmakit_generate_params* params, gemmakit_generation* result) {
  return Guard([&] {
    gemmakit_session& s = Need(session, "session");
    const gemmakit::GenerateOptions o = gemmakit::capi::ToGenerateOptions(params);
    gemmakit::capi::CheckResult(result);
    gemmakit::capi::Report(s, s.session->Chat(ToConversation(turns, n_turns), o), result);
  });
}

gemmakit_status gemmakit_session_begin_chat_content(gemmakit_session* session, const gemmakit_content_turn* turns,
                                                    size_t n_turns, const gemmakit_generate_params* params) {
  return Guard([&] {
    gemmakit_session& s = Need(session, "session");
    const gemmakit::GenerateOptions o = gemmakit::capi::ToGenerateOptions(params);
    const std::vector<gemmakit::ChatMessage> conversation = ToConversation(turns, n_turns);
    s.stepper.reset();
    s.stepper = gemmakit::GenerationStepper::BeginChat(*s.session, conversation, o);
  });
}

gemmakit_status gemmakit_audio_load(const char* path, gemmakit_audio** out) {
  return gemmakit::capi::MakeHandle(out, [&] {
    if (path == nullptr) Fail(Status::kInvalidArgument, "path is NULL");
    return AudioClip::Load(path);
  });
}

gemmakit_status gemmakit_audio_decode(const void* bytes, size_t size, gemmakit_audio** out) {
  return gemmakit::capi::MakeHandle(out, [&] { return AudioClip::Decode(bytes, size); });
}

gemmakit_status gemmakit_audio_from_pcm_f32(const float* pcm, size_t frames, int32_t sample_rate, int32_t channels,
                                            gemmakit_audio** out) {
  return gemmakit::capi::MakeHandle(out, [&] { return AudioClip::FromPcm(pcm, frames, sample_rate, channels); });
}

gemmakit_status gemmakit_audio_from_pcm_i16(const int16_t* pcm, size_t frames, int32_t sample_rate, int32_t channels,
                                            gemmakit_audio** out) {
  return gemmakit::capi::MakeHandle(out, [&] { return AudioClip::FromPcm(pcm, frames, sample_rate, channels); });
}

gemmakit_status gemmakit_audio_samples(const gemmakit_audio* audio, const float** samples, size_t* n_samples) {
  return Guard([&] {
    const AudioClip& clip = *Need(audio, "audio").clip;
    if (samples) *samples = clip.samples.data();
    if (n_samples) *n_samples = clip.samples.size();
  });
}

void gemmakit_audio_free(gemmakit_audio* audio) { delete audio; }

}  // extern "C"
