#include "gemmakit/model.h"

#include <algorithm>
#include <climits>
#include <map>

#include "gemmakit/log.h"
#include "gemmakit/status.h"
#include "io/gguf_mobilenet_map.h"
#include "io/mapped_file.h"
#include "model/architecture.h"
#include "model/gemma3n/matformer_slice.h"
#include "model/repack.h"
#include "model/requantize.h"
#include "multimodal/audio/audio_media_encoder.h"
#include "multimodal/image_media_encoder.h"
#include "multimodal/mobilenet_v5/mobilenet_media_encoder.h"
#include "runtime/adapter_impl.h"
#include "runtime/thread_pool.h"
#include "runtime/model_impl.h"
#include "runtime/tokenizer_loader.h"

namespace gemmakit {
namespace {

ModelInfo DescribeModel(const ModelConfig& c, const ModelWeights& w, const std::string& format) {
  ModelInfo info;
  info.architecture = c.architecture;
  info.format = format;
  info.vocab_size = c.vocab_size;
  info.context_length = c.context_length;
  info.n_layers = c.n_layers();
  for (const auto& l : c.layers) info.n_sliding_layers += l.sliding ? 1 : 0;
  info.sliding_window = c.max_window();
  info.hidden_size = c.hidden;
  info.intermediate_size = c.intermediate;
  info.n_heads = c.n_heads;
  info.n_kv_heads = c.n_kv_heads;
  info.head_dim = c.head_dim;
  info.n_params = static_cast<int64_t>(w.n_params);
  info.weight_bytes = static_cast<int64_t>(DecodeBytes(w));
  std::map<std::string, size_t> bytes_by_type;
  for (const auto& l : w.layers) {
    for (const MatrixView* m : {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj}) {
      bytes_by_type[DTypeName(m->dtype)] += DTypeBytes(m->dtype, m->rows * m->cols);
    }
  }
  size_t best = 0;
  for (const auto& [name, bytes] : bytes_by_type) {
    if (bytes > best) {
      best = bytes;
      info.weight_type = name;
    }
  }
  return info;
}

// What the checkpoint recommends, over SamplingParams' defaults.
void DescribeSampling(const SamplingHParams& s, int64_t context_length, ModelInfo& info) {
  SamplingParams& p = info.recommended_sampling;
  uint32_t& fields = info.recommended_sampling_fields;
  auto take = [&fields](const auto& from, auto& to, SamplingFieldBit bit) {
    if (!from) return;
    to = *from;
    fields |= static_cast<uint32_t>(bit);
  };
  take(s.temperature, p.temperature, SamplingFieldBit::kTemperature);
  take(s.top_k, p.top_k, SamplingFieldBit::kTopK);
  take(s.top_p, p.top_p, SamplingFieldBit::kTopP);
  take(s.min_p, p.min_p, SamplingFieldBit::kMinP);
  take(s.repeat_penalty, p.repeat_penalty, SamplingFieldBit::kRepeatPenalty);
  take(s.repeat_last_n, p.repeat_last_n, SamplingFieldBit::kRepeatLastN);
  // -1, the whole sequence: a session never holds more tokens than the context.
  if (p.repeat_last_n < 0) p.repeat_last_n = static_cast<int32_t>(std::min<int64_t>(context_length, INT32_MAX));
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::shared_ptr<const Model> Model::Load(const std::string& path, const LoadOptions& options) {
  // llama-quantize's presets first (q4_k_m, q6_k, q8_0, ...), then plain types (q4_k, q5_k, q3_k).
  DType target = DType::kF32;
  const QuantPreset* preset = options.weight_type.empty() ? nullptr : FindQuantPreset(options.weight_type);
  if (!options.weight_type.empty() && !preset && !ParseDType(options.weight_type.c_str(), &target)) {
    Fail(Status::kInvalidArgument, "unknown weight type '" + options.weight_type +
                                       "' (use f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl, iq4_xs, q2_k, q3_k_m, "
                                       "q4_k_m, q5_k_m, q6_k, or a type: q4_k, q5_k, q3_k)");
  }
  if (options.n_threads < 0) Fail(Status::kInvalidArgument, "n_threads must be >= 0");
  Checkpoint ck = OpenCheckpoint(path);
  if (!options.slice_path.empty()) ApplyMatFormerSlice(ParseMatFormerSlice(ReadTextFile(options.slice_path)), ck);
  if (!options.mmproj_path.empty()) {
    if (ck.vision) Fail(Status::kInvalidArgument, path + " has a vision tower already; it takes no mmproj file");
    ck.vision = OpenMmprojGguf(options.mmproj_path);
    if (ck.vision->mobilenet) TakeTextSideImageFields(path, *ck.vision->mobilenet);
  }
  auto impl = std::make_unique<Impl>();
  impl->config = ResolveModelConfig(ck.hparams, &impl->config_fields);
  impl->weights = BindWeights(impl->config, ck.tensors, ck.norms_include_one);
  {
    ThreadPool pool(options.n_threads);
    MergeAdaptersAtLoad(impl->weights, options.merge_adapters, !options.weight_type.empty(), &pool);
    if (preset) {
      PresetModel pm;
      pm.n_layers = static_cast<int>(impl->config.n_layers());
      pm.n_gqa = static_cast<int>(impl->config.n_heads / std::max<int64_t>(1, impl->config.n_kv_heads));
      RequantizeWeights(impl->weights, *preset, pm, &pool);
    } else if (!options.weight_type.empty()) {
      RequantizeWeights(impl->weights, target, &pool);
    }
    RepackWeights(impl->weights, &pool, options.precision == Precision::kFast);
  }
  CheckpointTokenizer tok = LoadCheckpointTokenizer(ck);  // which file wins: runtime/tokenizer_loader.h
  impl->tokenizer = std::move(tok.tokenizer);
  impl->chat_template = tok.chat_template;
  impl->chat_template_source = tok.chat_template_source;
  // A tokenizer may know more ids than the embedding table has rows (Gemma 3's 262,145 pieces for
  // 262,144 rows: <image_soft_token> is never embedded); transformers does not check it, and
  // prompts are checked id by id at evaluation.
  MatMulOptions matmul;
  matmul.bf16_inputs = options.precision == Precision::kFast;
  // Exact: Q8_0 / Q4_0 products within float32 rounding of exact math (two 8-bit input terms);
  // fast: one term, as llama.cpp computes them.
  matmul.two_term_q8_inputs = options.precision == Precision::kExact;
  impl->decoder = CreateDecoder(impl->config, impl->weights, ck.tensors, ck.norms_include_one, matmul);
  if (ck.embedding) {
    impl->embedding_head = std::make_unique<EmbeddingHead>(*ck.embedding, impl->config.hidden);
    impl->embedding = std::move(*ck.embedding);
  }
  impl->info = DescribeModel(impl->config, impl->weights, ck.format);
  impl->sampling = ck.sampling;
  DescribeSampling(impl->sampling, impl->config.context_length, impl->info);
  for (const std::string& why : impl->sampling.ignored) Log(LogLevel::kWarning, path + ": " + why);
  impl->info.weight_bytes += static_cast<int64_t>(impl->decoder->FamilyDecodeBytes());
  impl->info.lookup_bytes = static_cast<int64_t>(impl->decoder->LookupTableBytes());
  impl->info.n_params += static_cast<int64_t>(impl->decoder->FamilyParams());
  for (const ConfigField& f : impl->config_fields) impl->info.resolved_config.push_back({f.name, f.value, f.from_default});
  impl->info.tokenizer_source = tok.source;
  impl->info.chat_template = ChatTemplateKindName(impl->chat_template);
  if (ck.vision) {
    // A broken or stub vision tower leaves the text model usable; images then fail with the reason.
    try {
      if (ck.vision->mobilenet) {
        impl->mobilenet = MobileNetEncoder::Create(*ck.vision, impl->config.hidden, matmul);
      } else {
        impl->vision = VisionModel::Create(*ck.vision, impl->config.hidden, impl->config.vocab_size,
                                           impl->tokenizer.get(), matmul);
      }
    } catch (const Error& e) {
      if (!options.mmproj_path.empty()) throw;
      impl->vision_error = e.what();
      Log(LogLevel::kWarning, path + ": the vision tower did not load, images are refused: " + impl->vision_error);
    }
  }
  if (ck.audio) {
    try {
      impl->audio = AudioEncoder::Create(*ck.audio, matmul);
    } catch (const Error& e) {
      impl->audio_error = e.what();
      Log(LogLevel::kWarning, path + ": the audio tower did not load, audio is refused: " + impl->audio_error);
    }
  }
  if (impl->vision) impl->media.push_back(MakeImageMediaEncoder(*impl->vision, impl->vision->processor().do_pan_and_scan));
  if (impl->audio) {
    impl->media.push_back(MakeAudioMediaEncoder(*impl->audio));
    impl->info.audio_tokens = static_cast<int64_t>(impl->audio->tokens_per_clip());
    impl->info.audio_token_id = impl->audio->config().audio_token;
    impl->info.audio_window_seconds =
        static_cast<double>(AudioWindowSamples(*impl->audio)) / static_cast<double>(AudioClip::kSampleRate);
  }
  if (impl->mobilenet) {
    impl->media.push_back(MakeMobileNetMediaEncoder(*impl->mobilenet));
    impl->info.image_size = impl->mobilenet->config().image_h;
    impl->info.image_tokens = impl->mobilenet->config().tokens_per_image;
    impl->info.image_token_id = impl->mobilenet->config().image_token;
  }
  if (impl->vision) {
    impl->info.image_size = impl->vision->config().image_size;
    impl->info.image_tokens = impl->vision->config().tokens_per_image;
    impl->info.image_token_id = impl->vision->config().image_token;
  }
  if (LogEnabled(LogLevel::kInfo)) {
    const ModelInfo& i = impl->info;
    Log(LogLevel::kInfo, "loaded " + path + ": " + i.architecture + " (" + i.format + "), " + std::to_string(i.n_layers) +
                             " layers, " + i.weight_type + " weights, tokenizer from " +
                             (i.tokenizer_source.empty() ? "nowhere" : i.tokenizer_source));
  }
  if (impl->info.chat_template == "unrecognized") {
    Log(LogLevel::kWarning, path + ": the chat template is not an official Gemma one; chat is refused, raw generation works");
  }
  return std::shared_ptr<const Model>(new Model(std::move(impl)));
}

const MediaEncoder& Model::Impl::Encoder(MediaKind kind) const {
  for (const auto& e : media) {
    if (e->kind() == kind) return *e;
  }
  const std::string& why = kind == MediaKind::kImage ? vision_error : audio_error;
  if (!why.empty()) {
    Fail(Status::kFormatError, std::string("this checkpoint's ") + (kind == MediaKind::kImage ? "vision" : "audio") +
                                   " tower did not load: " + why);
  }
  if (kind == MediaKind::kImage) {
    Fail(Status::kUnsupported, "this model reads no images (its checkpoint has no vision tower; multimodal Gemma 3 and "
                               "Gemma 3n checkpoints do)");
  }
  Fail(Status::kUnsupported, "this model reads no audio (it has no audio tower; Gemma 3n does)");
}

const ModelInfo& Model::info() const { return impl_->info; }
bool Model::has_tokenizer() const { return impl_->tokenizer != nullptr; }

const Tokenizer& Model::tokenizer() const {
  if (!impl_->tokenizer) Fail(Status::kUnsupported, "this checkpoint has no tokenizer (tokenizer.json or tokenizer.model)");
  return *impl_->tokenizer;
}

}  // namespace gemmakit
