#include "io/gguf_checkpoint.h"

#include <cmath>

#include "gemmakit/status.h"
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

// llama.cpp's tensor names → HuggingFace's, per layer. Gemma 1 calls its pre-feed-forward norm
// "post_attention_layernorm"; Gemma 2/3 use that name for the norm after attention.
std::string CanonicalName(const std::string& name, bool sandwich) {
  static const std::pair<const char*, const char*> kTop[] = {
      {"token_embd.weight", "embed_tokens.weight"}, {"output_norm.weight", "norm.weight"}, {"output.weight", "lm_head.weight"}};
  for (const auto& [from, to] : kTop) {
    if (name == from) return to;
  }
  if (name.compare(0, 4, "blk.") != 0) return "";
  const size_t dot = name.find('.', 4);
  if (dot == std::string::npos) return "";
  const std::string layer = name.substr(4, dot - 4), rest = name.substr(dot + 1);
  static const std::pair<const char*, const char*> kLayer[] = {
      {"attn_q.weight", "self_attn.q_proj.weight"},     {"attn_k.weight", "self_attn.k_proj.weight"},
      {"attn_v.weight", "self_attn.v_proj.weight"},     {"attn_output.weight", "self_attn.o_proj.weight"},
      {"attn_q_norm.weight", "self_attn.q_norm.weight"}, {"attn_k_norm.weight", "self_attn.k_norm.weight"},
      {"attn_norm.weight", "input_layernorm.weight"},   {"post_attention_norm.weight", "post_attention_layernorm.weight"},
      {"post_ffw_norm.weight", "post_feedforward_layernorm.weight"}, {"ffn_gate.weight", "mlp.gate_proj.weight"},
      {"ffn_up.weight", "mlp.up_proj.weight"},          {"ffn_down.weight", "mlp.down_proj.weight"},
  };
  for (const auto& [from, to] : kLayer) {
    if (rest == from) return "layers." + layer + "." + to;
  }
  if (rest == "ffn_norm.weight") {
    return "layers." + layer + (sandwich ? ".pre_feedforward_layernorm.weight" : ".post_attention_layernorm.weight");
  }
  return "";
}

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

}  // namespace

Checkpoint CheckpointFromGguf(const std::string& path, const GgufFile& file) {
  const std::string arch = [&] {
    const GgufValue* v = file.Find("general.architecture");
    if (!v || v->type != GgufType::kString) Fail(Status::kFormatError, path + ": GGUF has no general.architecture");
    return v->s;
  }();
  Metadata md(file, arch);
  HParams hp;
  if (arch == "gemma") hp.model_type = "gemma";
  else if (arch == "gemma2") hp.model_type = "gemma2";
  else if (arch == "gemma3") hp.model_type = "gemma3_text";
  else Fail(Status::kUnsupported, path + ": GGUF architecture '" + arch + "' is not supported (gemma, gemma2, gemma3)");
  const bool sandwich = arch != "gemma";

  hp.hidden_size = md.ArchInt("embedding_length");
  hp.intermediate_size = md.ArchInt("feed_forward_length");
  hp.num_hidden_layers = md.ArchInt("block_count");
  hp.num_attention_heads = md.ArchInt("attention.head_count");
  hp.num_key_value_heads = md.ArchInt("attention.head_count_kv");
  hp.head_dim = md.ArchInt("attention.key_length");
  hp.max_position_embeddings = md.ArchInt("context_length");
  hp.rms_norm_eps = md.ArchFloat("attention.layer_norm_rms_epsilon");
  hp.rope_theta = md.ArchFloat("rope.freq_base");
  hp.rope_local_base_freq = md.ArchFloat("rope.freq_base_swa");
  hp.sliding_window = md.ArchInt("attention.sliding_window");
  // Either the period of the local/global pattern, or (newer llama.cpp) one bool per layer.
  if (const GgufValue* pattern = md.Arch("attention.sliding_window_pattern")) {
    if (pattern->type == GgufType::kArray) {
      for (double sliding : pattern->numbers) hp.layer_types.push_back(sliding != 0 ? "sliding_attention" : "full_attention");
    } else {
      hp.sliding_window_pattern = Metadata::Int(pattern, arch + ".attention.sliding_window_pattern");
    }
  }
  hp.attn_logit_softcapping = md.ArchFloat("attn_logit_softcapping");
  hp.final_logit_softcapping = md.ArchFloat("final_logit_softcapping");
  // Not written by llama.cpp (which derives it from the model size); honoured when present.
  hp.query_pre_attn_scalar = md.ArchFloat("attention.query_pre_attn_scalar");
  const std::string scaling = md.String(arch + ".rope.scaling.type");
  if (!scaling.empty() && scaling != "none") {
    hp.rope_scaling_type = scaling;
    hp.rope_scaling_factor = md.ArchFloat("rope.scaling.factor");
  }
  hp.norm_weights_include_one = true;

  auto index = std::make_shared<TensorIndex>();
  for (const GgufTensorInfo& t : file.tensors) {
    const std::string name = CanonicalName(t.name, sandwich);
    if (name.empty()) continue;  // tensors of other parts (e.g. rope_freqs) are not the decoder's
    TensorEntry e;
    e.name = name;
    if (!GgmlToDType(t.type, &e.dtype)) {
      const GgmlTypeTraits* tr = FindGgmlType(static_cast<uint32_t>(t.type));
      Fail(Status::kUnsupported, path + ": tensor '" + t.name + "' has type " + (tr ? tr->name : "?") +
                                     ", which gemmakit does not run (it runs " + RunnableGgmlTypeNames() + ")");
    }
    for (auto it = t.dims.rbegin(); it != t.dims.rend(); ++it) e.shape.push_back(static_cast<int64_t>(*it));
    e.data = t.data;
    e.nbytes = t.nbytes;
    index->Add(std::move(e));
  }
  index->KeepAlive(file.file);
  if (const TensorEntry* embed = index->Find("embed_tokens.weight"); embed && embed->shape.size() == 2) {
    hp.vocab_size = embed->shape[0];
  }

  Checkpoint ck;
  ck.path = path;
  ck.format = "gguf";
  ck.hparams = hp;
  ck.tensors = index;
  ck.tokenizer_proto = VocabularyProto(md);
  ck.chat_template = md.String("tokenizer.chat_template");
  return ck;
}

}  // namespace gemmakit
