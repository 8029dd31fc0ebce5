#include "io/gguf_checkpoint.h"

#include <algorithm>
#include <cmath>

#include "gemmakit/status.h"
#include "io/gguf_gemma_map.h"
#include "io/gguf_sampling.h"
#include "tokenizer/sentencepiece_proto.h"

namespace gemmakit {
namespace {

class Metadata {
 public:
  Metadata(const GgufFile& f, std::string arch) : f_(f), arch_(std::move(arch)) {}

  const GgufValue* Find(const std::string& key) const { return f_.Find(key); }
  const GgufValue* Arch(const std::string& key) const { return f_.Find(arch_ + "." + key); }

  static std::optional<int64_t> Int(const GgufValue* v, const std::string& key) {
    if (!v) return std::nullopt;
    switch (v->type) {
      case GgufType::kUint8: case GgufType::kUint16: case GgufType::kUint32: case GgufType::kUint64:
        if (v->u > static_cast<uint64_t>(INT64_MAX)) Fail(Status::kFormatError, "GGUF key " + key + " is out of range");
        return static_cast<int64_t>(v->u);
      case GgufType::kInt8: case GgufType::kInt16: case GgufType::kInt32: case GgufType::kInt64:
        return v->i;
      default:
        Fail(Status::kFormatError, "GGUF key " + key + " should be an integer");
    }
  }
  static std::optional<double> Float(const GgufValue* v, const std::string& key) {
    if (!v) return std::nullopt;
    if (v->type == GgufType::kFloat32 || v->type == GgufType::kFloat64) return v->f;
    if (auto i = Int(v, key)) return static_cast<double>(*i);
    return std::nullopt;
  }
  std::optional<int64_t> ArchInt(const std::string& key) const { return Int(Arch(key), arch_ + "." + key); }
  std::optional<double> ArchFloat(const std::string& key) const { return Float(Arch(key), arch_ + "." + key); }
  std::string String(const std::string& key) const {
    const GgufValue* v = Find(key);
    if (!v) return "";
    if (v->type != GgufType::kString) Fail(Status::kFormatError, "GGUF key " + key + " should be a string");
    return v->s;
  }

 private:
  const GgufFile& f_;
  std::string arch_;
};

// The SentencePiece vocabulary llama.cpp's converter embeds (tokens, scores, token types).
std::string VocabularyProto(const Metadata& md) {
  const GgufValue* tokens = md.Find("tokenizer.ggml.tokens");
  if (!tokens) return "";
  if (md.String("tokenizer.ggml.model") != "llama") {
    Fail(Status::kUnsupported, "GGUF vocabulary of type '" + md.String("tokenizer.ggml.model") +
                                   "' is not a SentencePiece one (Gemma's is 'llama')");
  }
  if (tokens->type != GgufType::kArray || tokens->elem_type != GgufType::kString) {
    Fail(Status::kFormatError, "GGUF tokenizer.ggml.tokens should be an array of strings");
  }
  const GgufValue* scores = md.Find("tokenizer.ggml.scores");
  const GgufValue* types = md.Find("tokenizer.ggml.token_type");
  const size_t n = tokens->strings.size();
  if ((scores && scores->numbers.size() != n) || (types && types->numbers.size() != n)) {
    Fail(Status::kFormatError, "GGUF tokenizer arrays differ in length");
  }
  SentencePieceSpec spec;
  spec.pieces.resize(n);
  bool has_bytes = false;
  for (size_t i = 0; i < n; ++i) {
    auto& p = spec.pieces[i];
    p.text = tokens->strings[i];
    p.score = scores ? static_cast<float>(scores->numbers[i]) : 0.f;
    const int t = types ? static_cast<int>(types->numbers[i]) : 1;
    // GGUF token types use SentencePiece's numbering.
    p.type = (t >= 1 && t <= 6) ? static_cast<PieceType>(t) : PieceType::kNormal;
    // The converter stores Gemma's turn and image markers as normal pieces; chat needs them as
    // single tokens again (llama.cpp restores them by name too).
    if (p.type == PieceType::kNormal && (p.text == "<start_of_turn>" || p.text == "<end_of_turn>" ||
                                         p.text == "<start_of_image>" || p.text == "<end_of_image>")) {
      p.type = PieceType::kUserDefined;
    }
    has_bytes |= p.type == PieceType::kByte;
  }
  spec.algorithm = SentencePieceSpec::Algorithm::kBpe;
  spec.byte_fallback = has_bytes;
  if (const GgufValue* v = md.Find("tokenizer.ggml.add_space_prefix"); v && v->type == GgufType::kBool) {
    spec.add_dummy_prefix = v->u != 0;
  }
  auto id = [&](const char* key, int32_t fallback) {
    const auto v = Metadata::Int(md.Find(key), key);
    return v && *v >= 0 && static_cast<size_t>(*v) < n ? static_cast<int32_t>(*v) : fallback;
  };
  spec.unk_id = id("tokenizer.ggml.unknown_token_id", 3);
  spec.bos_id = id("tokenizer.ggml.bos_token_id", 2);
  spec.eos_id = id("tokenizer.ggml.eos_token_id", 1);
  spec.pad_id = id("tokenizer.ggml.padding_token_id", 0);
  return SerializeSentencePieceModel(spec);
}

// A tensor of the file under `name`, its dimensions outermost first.
TensorEntry Entry(const std::string& path, const GgufTensorInfo& t, std::string name) {
  TensorEntry e;
  e.name = std::move(name);
  if (!GgmlToDType(t.type, &e.dtype)) {
    const GgmlTypeTraits* tr = FindGgmlType(static_cast<uint32_t>(t.type));
    Fail(Status::kUnsupported, path + ": tensor '" + t.name + "' has type " + (tr ? tr->name : "?") +
                                   ", which gemmakit does not run (it runs " + RunnableGgmlTypeNames() + ")");
  }
  for (auto it = t.dims.rbegin(); it != t.dims.rend(); ++it) e.shape.push_back(static_cast<int64_t>(*it));
  e.data = t.data;
  e.nbytes = t.nbytes;
  return e;
}

// EmbeddingGemma as llama.cpp's converter writes it (architecture gemma-embedding): the pooling type,
// and sentence-transformers' Dense modules as dense_2 / dense_3 when it was run with
// --sentence-transformers-dense-modules (without them the file holds the pooled vector's model only,
// which is what llama.cpp then computes). The vector is normalised to unit length, as EmbeddingGemma's
// Normalize module and llama.cpp's embedding tools do.
EmbeddingHParams EmbeddingHeadFromGguf(const std::string& path, const GgufFile& file, const Metadata& md,
                                       const HParams& hp) {
  EmbeddingHParams e;
  const auto pooling = md.ArchInt("pooling_type");
  // llama.cpp's enum: 0 none, 1 mean, 2 cls, 3 last, 4 rank.
  if (!pooling || *pooling == 1) {
    e.pooling = EmbeddingPooling::kMean;
  } else if (*pooling == 2) {
    e.pooling = EmbeddingPooling::kCls;
  } else if (*pooling == 3) {
    e.pooling = EmbeddingPooling::kLastToken;
  } else {
    Fail(Status::kUnsupported, path + ": GGUF pooling_type " + std::to_string(*pooling) +
                                   " is not supported (gemmakit pools each text into one vector: mean, cls or last)");
  }
  e.pooling_dim = hp.hidden_size.value_or(0);
  auto tensors = std::make_shared<TensorIndex>();
  for (const char* dense : {"dense_2", "dense_3"}) {
    const std::string name = std::string(dense) + ".weight";
    const auto it =
        std::find_if(file.tensors.begin(), file.tensors.end(), [&](const GgufTensorInfo& t) { return t.name == name; });
    if (it == file.tensors.end()) continue;
    TensorEntry w = Entry(path, *it, name);
    if (w.shape.size() != 2) Fail(Status::kFormatError, path + ": tensor '" + name + "' is not a matrix");
    EmbeddingStage stage;
    stage.in_features = w.shape[1];
    stage.out_features = w.shape[0];
    stage.weight = name;
    // The widths the converter wrote must be the matrix's (the head checks that the stages chain).
    const auto in = md.ArchInt(std::string(dense) + "_feat_in"), out = md.ArchInt(std::string(dense) + "_feat_out");
    if ((in && *in != stage.in_features) || (out && *out != stage.out_features)) {
      Fail(Status::kFormatError, path + ": tensor '" + name + "' has shape [" + std::to_string(w.shape[0]) + ", " +
                                     std::to_string(w.shape[1]) + "] but the file's " + dense + "_feat_in/out say [" +
                                     std::to_string(out.value_or(0)) + ", " + std::to_string(in.value_or(0)) + "]");
    }
    e.stages.push_back(stage);
    tensors->Add(std::move(w));
  }
  EmbeddingStage normalize;
  normalize.kind = EmbeddingStage::kNormalize;
  e.stages.push_back(normalize);
  tensors->KeepAlive(file.file);
  e.tensors = tensors;
  e.max_seq_length = hp.max_position_embeddings.value_or(0);
  auto flag = [&](const char* key, bool fallback) {
    const GgufValue* v = md.Find(key);
    return v && v->type == GgufType::kBool ? v->u != 0 : fallback;
  };
  e.add_bos = flag("tokenizer.ggml.add_bos_token", true);
  e.add_eos = flag("tokenizer.ggml.add_eos_token", false);
  return e;
}

}  // namespace

Checkpoint CheckpointFromGguf(const std::string& path, const GgufFile& file) {
  const std::string arch = [&] {
    const GgufValue* v = file.Find("general.architecture");
    if (!v || v->type != GgufType::kString) Fail(Status::kFormatError, path + ": GGUF has no general.architecture");
    return v->s;
  }();
  Metadata md(file, arch);
  HParams hp;
  hp.model_type = GgufArchToModelType(arch);
  if (hp.model_type.empty()) {
    Fail(Status::kUnsupported, path + ": GGUF architecture '" + arch +
                                   "' is not supported (gemma, gemma2, gemma3, gemma3n, gemma-embedding)");
  }
  for (size_t i = 0; i < kNumGgufIntKeys; ++i) {
    const GgufValue* v = md.Arch(kGgufIntKeys[i].key);
    // Gemma 3n's feed_forward_length is one width per layer.
    if (v && v->type == GgufType::kArray && kGgufIntKeys[i].field == &HParams::intermediate_size) {
      for (double w : v->numbers) hp.intermediate_sizes.push_back(static_cast<int64_t>(w));
      continue;
    }
    hp.*kGgufIntKeys[i].field = md.ArchInt(kGgufIntKeys[i].key);
  }
  // Gemma 3n: the converter stores each layer's Φ⁻¹(sparsity), not the sparsity.
  if (const GgufValue* z = md.Arch("activation_sparsity_scale"); z && z->type == GgufType::kArray) {
    hp.activation_sparsity_scale = z->numbers;
  }
  for (size_t i = 0; i < kNumGgufFloatKeys; ++i) hp.*kGgufFloatKeys[i].field = md.ArchFloat(kGgufFloatKeys[i].key);
  // Either the period of the local/global pattern, or (newer llama.cpp) one bool per layer.
  if (const GgufValue* pattern = md.Arch("attention.sliding_window_pattern")) {
    if (pattern->type == GgufType::kArray) {
      for (double sliding : pattern->numbers) hp.layer_types.push_back(sliding != 0 ? "sliding_attention" : "full_attention");
    } else {
      hp.sliding_window_pattern = Metadata::Int(pattern, arch + ".attention.sliding_window_pattern");
    }
  }
  const std::string scaling = md.String(arch + ".rope.scaling.type");
  if (!scaling.empty() && scaling != "none") {
    hp.rope_scaling = RopeHParams{scaling, std::nullopt, md.ArchFloat("rope.scaling.factor")};
  }
  // llama.cpp does not store query_pre_attn_scalar: it scales queries by key_length^-0.5, except
  // for the 27B models (46 layers of Gemma 2, 62 of Gemma 3), whose scalar is hidden / heads.
  if (!hp.query_pre_attn_scalar && arch != "gemma" && hp.head_dim) {
    const bool is_27b = hp.num_hidden_layers && *hp.num_hidden_layers == (arch == "gemma2" ? 46 : 62);
    if (is_27b && hp.hidden_size && hp.num_attention_heads && *hp.num_attention_heads > 0) {
      hp.query_pre_attn_scalar = static_cast<double>(*hp.hidden_size / *hp.num_attention_heads);
    } else {
      hp.query_pre_attn_scalar = static_cast<double>(*hp.head_dim);
    }
  }
  // llama.cpp writes soft-caps only where the model has them; a Gemma 2 file without them has none.
  if (!hp.attn_logit_softcapping) hp.nulls.insert("attn_logit_softcapping");
  if (!hp.final_logit_softcapping) hp.nulls.insert("final_logit_softcapping");

  auto index = std::make_shared<TensorIndex>();
  for (const GgufTensorInfo& t : file.tensors) {
    const GgufStackedTensor* stacked = nullptr;
    for (size_t i = 0; i < kNumGgufStackedTensors; ++i) stacked = t.name == kGgufStackedTensors[i].gguf ? &kGgufStackedTensors[i] : stacked;
    const std::string name = stacked ? std::string() : GgufToHfTensorName(t.name, arch);
    if (name.empty() && !stacked) continue;  // tensors of other parts (e.g. rope_freqs) are not the decoder's
    TensorEntry e = Entry(path, t, name);
    if (!stacked) {
      index->Add(std::move(e));
      continue;
    }
    // [k, rows, cols]: k matrices one after another (the reader checked the sizes).
    if (e.shape.size() != 3 || e.shape[0] < 1) Fail(Status::kFormatError, path + ": tensor '" + t.name + "' is not a stack of matrices");
    const size_t k = static_cast<size_t>(e.shape[0]), each = e.nbytes / k;
    for (size_t i = 0; i < k; ++i) {
      TensorEntry m = e;
      m.name = std::string(stacked->hf_prefix) + std::to_string(i) + ".weight";
      m.shape = {e.shape[1], e.shape[2]};
      m.data = static_cast<const uint8_t*>(e.data) + i * each;
      m.nbytes = each;
      index->Add(std::move(m));
    }
  }
  // Gemma 3n sizes llama.cpp keeps only in tensor shapes.
  if (const TensorEntry* laurel = index->Find("layers.0.laurel.linear_left.weight"); laurel && laurel->shape.size() == 2) {
    hp.laurel_rank = laurel->shape[0];
  }
  if (const TensorEntry* ple = index->Find("embed_tokens_per_layer.weight"); ple && ple->shape.size() == 2) {
    hp.vocab_size_per_layer_input = ple->shape[0];
  }
  index->KeepAlive(file.file);
  if (const TensorEntry* embed = index->Find("embed_tokens.weight"); embed && embed->shape.size() == 2) {
    hp.vocab_size = embed->shape[0];
  }
  hp.tie_word_embeddings = index->Find("lm_head.weight") == nullptr;  // llama.cpp writes output.weight only when untied

  Checkpoint ck;
  ck.path = path;
  ck.format = "gguf";
  ck.hparams = hp;
  ck.norms_include_one = true;  // llama.cpp's converter adds Gemma's 1 to every RMSNorm weight
  ck.tensors = index;
  ck.tokenizer_proto = VocabularyProto(md);
  ck.chat_template = md.String("tokenizer.chat_template");
  ck.sampling = ReadGgufSampling(file);
  if (arch == "gemma-embedding") {
    ck.hparams.use_bidirectional_attention = true;
    ck.embedding = EmbeddingHeadFromGguf(path, file, md, ck.hparams);
  }
  return ck;
}

}  // namespace gemmakit
