// The C ABI's image functions: image handles and sessions fed with images, over the C++ API.
#include <functional>
#include <memory>
#include <vector>

#include "capi_internal.h"
#include "gemmakit/image.h"

using gemmakit::Fail;
using gemmakit::RgbImage;
using gemmakit::Status;
using gemmakit::capi::Guard;
using gemmakit::capi::Need;

struct gemmakit_image {
  std::shared_ptr<const RgbImage> image;
};

std::shared_ptr<const RgbImage> gemmakit::capi::SharedImage(const gemmakit_image* image) { return image->image; }

namespace {


std::vector<gemmakit::Media> ToImages(const gemmakit_image* const* images, size_t n) {
  if (n > 0 && images == nullptr) Fail(Status::kInvalidArgument, "images is NULL");
  std::vector<gemmakit::Media> out;
  for (size_t i = 0; i < n; ++i) {
    if (images[i] == nullptr) Fail(Status::kInvalidArgument, "image " + std::to_string(i) + " is NULL");
    out.push_back(gemmakit::Media::Image(images[i]->image));
  }
  return out;
}

std::vector<gemmakit::ChatMessage> ToConversation(const gemmakit_chat_turn* turns, size_t n) {
  if (n > 0 && turns == nullptr) Fail(Status::kInvalidArgument, "turns is NULL");
  std::vector<gemmakit::ChatMessage> out;
  for (size_t i = 0; i < n; ++i) {
    const gemmakit_chat_turn& t = turns[i];
    const std::string where = "turn " + std::to_string(i);
    if (t.role == nullptr) Fail(Status::kInvalidArgument, where + " has a NULL role");
    if (t.n_parts > 0 && t.parts == nullptr) Fail(Status::kInvalidArgument, where + " has NULL parts");
    std::vector<gemmakit::ChatPart> parts;
    for (size_t j = 0; j < t.n_parts; ++j) {
      const gemmakit_chat_part& p = t.parts[j];
      if (p.type == GEMMAKIT_PART_TEXT) {
        if (p.text == nullptr) Fail(Status::kInvalidArgument, where + ": text part " + std::to_string(j) + " is NULL");
        parts.push_back(gemmakit::ChatPart::Text(p.text));
      } else if (p.type == GEMMAKIT_PART_IMAGE) {
        if (p.image == nullptr) Fail(Status::kInvalidArgument, where + ": image part " + std::to_string(j) + " is NULL");
        parts.push_back(gemmakit::ChatPart::Image(p.image->image));
      } else {
        Fail(Status::kInvalidArgument, where + ": part " + std::to_string(j) + " has unknown type " + std::to_string(p.type));
      }
    }
    if (parts.empty()) Fail(Status::kInvalidArgument, where + " has no parts");
    out.emplace_back(t.role, std::move(parts));
  }
  return out;
}

}  // namespace

extern "C" {

gemmakit_status gemmakit_image_load(const char* path, gemmakit_image** out) {
  return gemmakit::capi::MakeHandle(out, [&] {
    if (path == nullptr) Fail(Status::kInvalidArgument, "path is NULL");
    return RgbImage::Load(path);
  });
}

gemmakit_status gemmakit_image_decode(const void* bytes, size_t size, gemmakit_image** out) {
  return gemmakit::capi::MakeHandle(out, [&] { return RgbImage::Decode(bytes, size); });
}

gemmakit_status gemmakit_image_from_pixels(const uint8_t* pixels, int32_t width, int32_t height, size_t stride,
                                           int32_t channels, gemmakit_image** out) {
  return gemmakit::capi::MakeHandle(out, [&] { return RgbImage::FromPixels(pixels, width, height, stride, channels); });
}

gemmakit_status gemmakit_image_size(const gemmakit_image* image, int32_t* width, int32_t* height) {
  return Guard([&] {
    const RgbImage& img = *Need(image, "image").image;
    if (width) *width = img.width;
    if (height) *height = img.height;
  });
}

void gemmakit_image_free(gemmakit_image* image) { delete image; }

gemmakit_status gemmakit_model_image_info(const gemmakit_model* model, int32_t* image_token_id, int32_t* tokens_per_image,
                                          int32_t* image_size) {
  return Guard([&] {
    const gemmakit::ModelInfo& info = Need(model, "model").model->info();
    if (info.image_tokens == 0) Fail(Status::kUnsupported, "this model reads no images (no vision tower)");
    if (image_token_id) *image_token_id = info.image_token_id;
    if (tokens_per_image) *tokens_per_image = static_cast<int32_t>(info.image_tokens);
    if (image_size) *image_size = static_cast<int32_t>(info.image_size);
  });
}

gemmakit_status gemmakit_session_eval_images(gemmakit_session* session, const int32_t* ids, size_t n_ids,
                                             const gemmakit_image* const* images, size_t n_images, int32_t logits_mode) {
  return Guard([&] {
    Need(session, "session");
    gemmakit::capi::EvaluateWithMedia(session, ids, n_ids, ToImages(images, n_images), logits_mode);
  });
}

gemmakit_status gemmakit_session_generate_images(gemmakit_session* session, const char* prompt,
                                                 const gemmakit_image* const* images, size_t n_images,
                                                 const gemmakit_generate_params* params, gemmakit_generation* result) {
  return Guard([&] {
    Need(session, "session");
    gemmakit::capi::GenerateWithMedia(session, prompt, ToImages(images, n_images), params, result);
  });
}

gemmakit_status gemmakit_session_chat_parts(gemmakit_session* session, const gemmakit_chat_turn* turns, size_t n_turns,
                                            const gemmakit_generate_params* params, gemmakit_generation* result) {
  return Guard([&] {
    gemmakit_session& s = Need(session, "session");
    const gemmakit::GenerateOptions o = gemmakit::capi::ToGenerateOptions(params, s.session->model());
    gemmakit::capi::CheckResult(result);
    gemmakit::capi::Report(s, s.session->Chat(ToConversation(turns, n_turns), o), result);
  });
}

}  // extern "C"
