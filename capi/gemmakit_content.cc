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

// An image or audio part as Media; `where` names it in errors.
gemmakit::Media ToMedia(const gemmakit_content_part& p, const std::string& where) {
  if (p.type == GEMMAKIT_PART_IMAGE) {
    if (p.image == nullptr) Fail(Status::kInvalidArgument, where + ": the image is NULL");
    return gemmakit::Media::Image(gemmakit::capi::SharedImage(p.image));
  }
  if (p.type == GEMMAKIT_PART_AUDIO) {
    if (p.audio == nullptr) Fail(Status::kInvalidArgument, where + ": the audio clip is NULL");
    return gemmakit::Media::Audio(p.audio->clip);
  }
  if (p.type == GEMMAKIT_PART_TEXT) Fail(Status::kInvalidArgument, where + ": a text part is not media");
  Fail(Status::kInvalidArgument, where + " has unknown type " + std::to_string(p.type));
}

std::vector<gemmakit::Media> ToMediaList(const gemmakit_content_part* parts, size_t n) {
  std::vector<gemmakit::Media> out;
  if (n == 0) return out;
  if (parts == nullptr) Fail(Status::kInvalidArgument, "media is NULL");
  for (size_t i = 0; i < n; ++i) {
    const gemmakit_content_part p = Element(parts, i, parts[0].struct_size, "media part");
    out.push_back(ToMedia(p, "media part " + std::to_string(i)));
  }
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
      } else {
        const gemmakit::Media m = ToMedia(p, where + ": part " + std::to_string(j));
        parts.push_back(m.kind == gemmakit::MediaKind::kAudio ? gemmakit::ChatPart::Audio(m.audio)
                                                              : gemmakit::ChatPart::Image(m.image));
      }
    }
    out.emplace_back(t.role, std::move(parts));
  }
  return out;
}


}  // namespace

void gemmakit::capi::EvaluateWithMedia(gemmakit_session* session, const int32_t* ids, size_t n_ids,
                                       const std::vector<Media>& media, int32_t logits_mode) {
  if (ids == nullptr) Fail(Status::kInvalidArgument, "ids is NULL");
  if (logits_mode != GEMMAKIT_LOGITS_LAST && logits_mode != GEMMAKIT_LOGITS_ALL) Fail(Status::kInvalidArgument, "unknown logits_mode");
  session->session->Evaluate(std::vector<int32_t>(ids, ids + n_ids), media, logits_mode == GEMMAKIT_LOGITS_ALL);
}

void gemmakit::capi::GenerateWithMedia(gemmakit_session* session, const char* prompt, const std::vector<Media>& media,
                                       const gemmakit_generate_params* params, gemmakit_generation* result) {
  const GenerateOptions o = ToGenerateOptions(params, session->session->model());
  if (prompt == nullptr) Fail(Status::kInvalidArgument, "prompt is NULL");
  CheckResult(result);
  Report(*session, session->session->Generate(prompt, media, o), result);
}

extern "C" {

gemmakit_status gemmakit_session_chat_content(gemmakit_session* session, const gemmakit_content_turn* turns, size_t n_turns,
                                              const gemmakit_generate_params* params, gemmakit_generation* result) {
  return Guard([&] {
    gemmakit_session& s = Need(session, "session");
    const gemmakit::GenerateOptions o = gemmakit::capi::ToGenerateOptions(params, s.session->model());
    gemmakit::capi::CheckResult(result);
    gemmakit::capi::Report(s, s.session->Chat(ToConversation(turns, n_turns), o), result);
  });
}

gemmakit_status gemmakit_session_begin_chat_content(gemmakit_session* session, const gemmakit_content_turn* turns,
                                                    size_t n_turns, const gemmakit_generate_params* params) {
  return Guard([&] {
    gemmakit_session& s = Need(session, "session");
    const gemmakit::GenerateOptions o = gemmakit::capi::ToGenerateOptions(params, s.session->model());
    const std::vector<gemmakit::ChatMessage> conversation = ToConversation(turns, n_turns);
    s.stepper.reset();
    s.stepper = gemmakit::GenerationStepper::BeginChat(*s.session, conversation, o);
  });
}

gemmakit_status gemmakit_session_eval_content(gemmakit_session* session, const int32_t* ids, size_t n_ids,
                                              const gemmakit_content_part* media, size_t n_media, int32_t logits_mode) {
  return Guard([&] {
    Need(session, "session");
    gemmakit::capi::EvaluateWithMedia(session, ids, n_ids, ToMediaList(media, n_media), logits_mode);
  });
}

gemmakit_status gemmakit_session_generate_content(gemmakit_session* session, const char* prompt,
                                                  const gemmakit_content_part* media, size_t n_media,
                                                  const gemmakit_generate_params* params, gemmakit_generation* result) {
  return Guard([&] {
    Need(session, "session");
    gemmakit::capi::GenerateWithMedia(session, prompt, ToMediaList(media, n_media), params, result);
  });
}

gemmakit_status gemmakit_session_begin_generate_content(gemmakit_session* session, const char* prompt,
                                                        const gemmakit_content_part* media, size_t n_media,
                                                        const gemmakit_generate_params* params) {
  return Guard([&] {
    gemmakit_session& s = Need(session, "session");
    const gemmakit::GenerateOptions o = gemmakit::capi::ToGenerateOptions(params, s.session->model());
    if (prompt == nullptr) Fail(Status::kInvalidArgument, "prompt is NULL");
    const std::vector<gemmakit::Media> items = ToMediaList(media, n_media);
    s.stepper.reset();
    s.stepper = gemmakit::GenerationStepper::BeginGenerate(*s.session, prompt, items, o);
  });
}

gemmakit_status gemmakit_model_audio_info(const gemmakit_model* model, int32_t* audio_token_id, int32_t* tokens_per_clip,
                                          double* window_seconds) {
  return Guard([&] {
    const gemmakit::ModelInfo& info = Need(model, "model").model->info();
    if (info.audio_tokens == 0) Fail(Status::kUnsupported, "this model reads no audio (no audio tower)");
    if (audio_token_id) *audio_token_id = info.audio_token_id;
    if (tokens_per_clip) *tokens_per_clip = static_cast<int32_t>(info.audio_tokens);
    if (window_seconds) *window_seconds = info.audio_window_seconds;
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
