#include "runtime/gguf_export.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "gemmakit/status.h"
#include "io/gguf_gemma_map.h"
#include "io/gguf_sampling.h"
#include "io/gguf_types.h"
#include "io/gguf_writer.h"
#include "model/architecture.h"
#include "runtime/model_impl.h"
#include "tokenizer/sentencepiece_proto.h"

namespace gemmakit {
namespace {

// llama.cpp's general.file_type (enum llama_ftype) for the type most weights have.
uint32_t FileType(DType t) {
  switch (t) {
    case DType::kF32: return 0;
    case DType::kF16: return 1;
    case DType::kQ4_0: return 2;
    case DType::kQ8_0: return 7;
    case DType::kQ4_K: return 15;  // Q4_K_M
    case DType::kQ5_K: return 17;  // Q5_K_M
    case DType::kQ6_K: return 18;
    case DType::kBF16: return 32;
    case DType::kQ4_1: return 3;
    case DType::kQ5_0: return 8;
    case DType::kQ5_1: return 9;
    case DType::kQ2_K: return 10;
    case DType::kQ3_K: return 12;  // Q3_K_M
    case DType::kIQ4_NL: return 25;
    case DType::kIQ4_XS: return 30;
  }
  return 0;
}

void AddMatrix(GgufWriter& w, const std::string& name, const MatrixView& m) {
  const size_t row_bytes = DTypeBytes(m.dtype, m.cols);
  w.AddTensor(name, DTypeToGgml(m.dtype), {m.cols, m.rows}, [m, row_bytes](uint8_t* out, size_t n) {
    for (size_t r = 0; r < m.rows && (r + 1) * row_bytes <= n; ++r) m.RowBytes(r, out + r * row_bytes);
  });
}

// Norm scales are held as the multipliers GGUF stores (Gemma's 1 + w), in float32.
void AddNorm(GgufWriter& w, const std::string& name, const std::vector<float>& scale) {
  const std::vector<float>* v = &scale;
  w.AddTensor(name, GgmlType::kF32, {scale.size()}, [v](uint8_t* out, size_t n) { std::memcpy(out, v->data(), n); });
}

// Tensors only the model's family has, under their GGUF names; matrices HuggingFace lists one by one
// and llama.cpp stacks (io/gguf_gemma_map.h) are written stacked.
void AddFamilyTensors(GgufWriter& w, const Decoder& decoder, const std::string& arch) {
  const std::vector<Decoder::FamilyTensor> tensors = decoder.FamilyTensors();
  for (size_t i = 0; i < kNumGgufStackedTensors; ++i) {
    const std::string prefix = kGgufStackedTensors[i].hf_prefix;
    std::vector<MatrixView> stack;
    for (size_t k = 0;; ++k) {
      const std::string name = prefix + std::to_string(k) + ".weight";
      auto it = std::find_if(tensors.begin(), tensors.end(), [&](const Decoder::FamilyTensor& t) { return t.name == name; });
      if (it == tensors.end()) break;
      stack.push_back(it->matrix);
    }
    if (stack.empty()) continue;
    const MatrixView first = stack[0];
    const size_t row_bytes = DTypeBytes(first.dtype, first.cols), each = row_bytes * first.rows;
    for (const MatrixView& m : stack) {
      if (m.dtype != first.dtype || m.rows != first.rows || m.cols != first.cols) {
        Fail(Status::kUnsupported, "GGUF export: the matrices of '" + prefix + "*' differ in type or shape");
      }
    }
    w.AddTensor(kGgufStackedTensors[i].gguf, DTypeToGgml(first.dtype), {first.cols, first.rows, stack.size()},
                [stack, row_bytes, each](uint8_t* out, size_t) {
                  for (size_t k = 0; k < stack.size(); ++k) {
                    for (size_t r = 0; r < stack[k].rows; ++r) stack[k].RowBytes(r, out + k * each + r * row_bytes);
                  }
                });
  }
  for (const Decoder::FamilyTensor& t : tensors) {
    const std::string name = HfToGgufTensorName(t.name, arch);
    if (name.empty()) continue;  // one of the stacked ones
    if (!t.values) {
      AddMatrix(w, name, t.matrix);
      continue;
    }
    std::vector<uint64_t> dims(t.shape.rbegin(), t.shape.rend());
    const std::vector<float>* v = t.values;
    w.AddTensor(name, GgmlType::kF32, dims, [v](uint8_t* out, size_t n) { std::memcpy(out, v->data(), n); });
  }
}

// The model's hyper-parameters under the keys of the shared GGUF table (io/gguf_gemma_map.h).
void AddHyperParameters(GgufWriter& w, const ModelConfig& c, const std::string& arch) {
  const HParams hp = DescribeAsHParams(c);
  for (size_t i = 0; i < kNumGgufIntKeys; ++i) {
    if (const auto& v = hp.*kGgufIntKeys[i].field) w.SetUint32(arch + "." + kGgufIntKeys[i].key, static_cast<uint32_t>(*v));
  }
  for (size_t i = 0; i < kNumGgufFloatKeys; ++i) {
    if (const auto& v = hp.*kGgufFloatKeys[i].field) w.SetFloat32(arch + "." + kGgufFloatKeys[i].key, static_cast<float>(*v));
  }
  w.SetUint32(arch + ".attention.value_length", static_cast<uint32_t>(c.head_dim));
  if (hp.rope_scaling) {
    w.SetString(arch + ".rope.scaling.type", *hp.rope_scaling->rope_type);
    w.SetFloat32(arch + ".rope.scaling.factor", static_cast<float>(*hp.rope_scaling->factor));
  }
  if (!hp.intermediate_sizes.empty()) {
    std::vector<uint32_t> widths(hp.intermediate_sizes.begin(), hp.intermediate_sizes.end());
    w.SetUint32Array(arch + ".feed_forward_length", widths);
  }
  if (!hp.activation_sparsity_scale.empty()) {
    std::vector<float> z(hp.activation_sparsity_scale.begin(), hp.activation_sparsity_scale.end());
    w.SetFloat32Array(arch + ".activation_sparsity_scale", z);
  }
  if (arch == "gemma3n") {
    // As llama.cpp's converter writes it: one flag per layer.
    std::vector<int32_t> flags;
    for (const auto& l : c.layers) flags.push_back(l.sliding ? 1 : 0);
    w.SetBoolArray(arch + ".attention.sliding_window_pattern", flags);
  }
  if (arch == "gemma3" || arch == "gemma-embedding") {
    // The period of the local/global pattern (the first global layer's index + 1), which every
    // llama.cpp reads, when the layers follow one; else one flag per layer, which newer ones read.
    size_t period = 0;
    for (size_t i = 0; i < c.layers.size() && !period; ++i) period = c.layers[i].sliding ? 0 : i + 1;
    bool periodic = period > 0;
    for (size_t i = 0; i < c.layers.size() && periodic; ++i) periodic = c.layers[i].sliding == ((i + 1) % period != 0);
    if (periodic) {
      w.SetUint32(arch + ".attention.sliding_window_pattern", static_cast<uint32_t>(period));
    } else {
      std::vector<int32_t> flags;
      for (const auto& l : c.layers) flags.push_back(l.sliding ? 1 : 0);
      w.SetBoolArray(arch + ".attention.sliding_window_pattern", flags);
    }
  }
}

// EmbeddingGemma's head as llama.cpp's converter writes it (with --sentence-transformers-dense-modules):
// the pooling type, the two Dense modules as dense_2 (hidden → wider) and dense_3 (back to hidden), and
// the framing of each text. llama.cpp runs exactly that (identity activations, no biases) and then
// normalises; a head it cannot run is refused rather than written as another model.
void AddEmbeddingHead(GgufWriter& w, const EmbeddingHParams& e, int64_t hidden, const std::string& arch) {
  auto refuse = [](const std::string& why) {
    Fail(Status::kUnsupported, "GGUF export: llama.cpp's gemma-embedding cannot hold this embedding head: " + why);
  };
  uint32_t pooling = 0;  // llama.cpp's enum: 1 mean, 2 cls, 3 last
  switch (e.pooling) {
    case EmbeddingPooling::kMean:
      pooling = 1;
      break;
    case EmbeddingPooling::kCls:
      pooling = 2;
      break;
    case EmbeddingPooling::kLastToken:
      pooling = 3;
      break;
    case EmbeddingPooling::kMax:
      refuse("max pooling");
  }
  std::vector<const EmbeddingStage*> dense;
  for (size_t i = 0; i < e.stages.size(); ++i) {
    const EmbeddingStage& s = e.stages[i];
    if (s.kind == EmbeddingStage::kNormalize) {
      if (i + 1 != e.stages.size()) refuse("a Normalize module before the last");
      continue;
    }
    if (s.tanh || !s.bias.empty()) refuse("a Dense module with a bias or a tanh");
    dense.push_back(&s);
  }
  if (e.stages.empty() || e.stages.back().kind != EmbeddingStage::kNormalize) refuse("no Normalize module last");
  if (!dense.empty() && (dense.size() != 2 || dense[0]->in_features != hidden || dense[1]->out_features != hidden)) {
    refuse("Dense modules other than hidden → width → hidden");
  }
  w.SetUint32(arch + ".pooling_type", pooling);
  const char* names[] = {"dense_2", "dense_3"};
  for (size_t i = 0; i < dense.size(); ++i) {
    const TensorEntry* t = e.tensors ? e.tensors->Find(dense[i]->weight) : nullptr;
    if (!t) Fail(Status::kInternal, "GGUF export: the embedding head's tensor '" + dense[i]->weight + "' is gone");
    w.SetUint32(arch + "." + names[i] + "_feat_in", static_cast<uint32_t>(dense[i]->in_features));
    w.SetUint32(arch + "." + names[i] + "_feat_out", static_cast<uint32_t>(dense[i]->out_features));
    AddMatrix(w, std::string(names[i]) + ".weight",
              MatrixView{t->dtype, t->data, static_cast<size_t>(dense[i]->out_features),
                         static_cast<size_t>(dense[i]->in_features)});
  }
  w.SetBool("tokenizer.ggml.add_bos_token", e.add_bos);
  w.SetBool("tokenizer.ggml.add_eos_token", e.add_eos);
}

}  // namespace

void SaveGguf(const Model& model, const std::string& path) {
  const Model::Impl& m = model.impl();
  const ModelConfig& c = m.config;
  if (ModelTypeToGgufArch(DescribeAsHParams(c).model_type) != c.architecture) {
    Fail(Status::kUnsupported, "GGUF export of architecture '" + c.architecture + "' is not supported");
  }
  // llama.cpp writes EmbeddingGemma as its own architecture, with the Dense layers beside it.
  const bool embedding = m.embedding_head != nullptr;
  if (c.bidirectional != embedding || (embedding && c.architecture != "gemma3")) {
    Fail(Status::kUnsupported,
         "GGUF export: llama.cpp runs bidirectional attention only as EmbeddingGemma "
         "(a Gemma 3 encoder with its embedding head)");
  }
  const std::string arch = embedding ? "gemma-embedding" : c.architecture;
  if (c.gemma3n.table_layers != 0 && c.gemma3n.table_layers != c.n_layers()) {
    Fail(Status::kUnsupported, "GGUF export of a MatFormer-sliced model is not supported yet: slice at load instead");
  }
  if (c.activation != FfnActivation::kGeluTanh) {
    Fail(Status::kUnsupported, "GGUF has no key for the exact GELU this model uses; llama.cpp would run it with the tanh GELU");
  }
  GgufWriter w;
  w.SetString("general.architecture", arch);
  w.SetString("general.name", "gemmakit export");
  w.SetUint32("general.file_type", m.weights.file_type >= 0 ? static_cast<uint32_t>(m.weights.file_type)
                                   : FileType(m.weights.layers.empty() ? DType::kF32 : m.weights.layers[0].gate_proj.dtype));
  w.SetUint32("general.quantization_version", 2);
  // As llama.cpp's converter copies generation_config.json, so the folder's advice survives.
  WriteGgufSampling(m.sampling, w);
  AddHyperParameters(w, c, arch);
  if (embedding) AddEmbeddingHead(w, m.embedding, c.hidden, arch);

  const Tokenizer& tok = model.tokenizer();
  const auto pieces = ReadSentencePieces(tok.SerializedModel());
  std::vector<std::string> texts;
  std::vector<float> scores;
  std::vector<int32_t> types;
  for (const auto& p : pieces) {
    texts.push_back(p.text);
    scores.push_back(p.score);
    types.push_back(static_cast<int32_t>(p.type));  // GGUF token types use SentencePiece's numbers
  }
  w.SetString("tokenizer.ggml.model", "llama");
  w.SetStringArray("tokenizer.ggml.tokens", texts);
  w.SetFloat32Array("tokenizer.ggml.scores", scores);
  w.SetInt32Array("tokenizer.ggml.token_type", types);
  const SpecialTokens& sp = tok.special();
  if (sp.bos >= 0) w.SetUint32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(sp.bos));
  if (sp.eos >= 0) w.SetUint32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(sp.eos));
  if (sp.unk >= 0) w.SetUint32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(sp.unk));
  if (sp.pad >= 0) w.SetUint32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(sp.pad));
  w.SetBool("tokenizer.ggml.add_space_prefix", false);

  const ModelWeights& mw = m.weights;
  auto matrix = [&](const std::string& hf, const MatrixView& v) { AddMatrix(w, HfToGgufTensorName(hf, arch), v); };
  auto norm = [&](const std::string& hf, const std::vector<float>& v) { AddNorm(w, HfToGgufTensorName(hf, arch), v); };
  matrix("embed_tokens.weight", mw.embed);
  if (!c.tied_embeddings) matrix("lm_head.weight", mw.lm_head);
  norm("norm.weight", mw.final_norm);
  for (size_t i = 0; i < mw.layers.size(); ++i) {
    const LayerWeights& l = mw.layers[i];
    const std::string p = "layers." + std::to_string(i) + ".";
    matrix(p + "self_attn.q_proj.weight", l.q_proj);
    if (l.k_proj.rows) {  // KV-shared layers of a file without them have none
      matrix(p + "self_attn.k_proj.weight", l.k_proj);
      matrix(p + "self_attn.v_proj.weight", l.v_proj);
    }
    matrix(p + "self_attn.o_proj.weight", l.o_proj);
    matrix(p + "mlp.gate_proj.weight", l.gate_proj);
    matrix(p + "mlp.up_proj.weight", l.up_proj);
    matrix(p + "mlp.down_proj.weight", l.down_proj);
    norm(p + "input_layernorm.weight", l.input_norm);
    if (c.sandwich_norms) {
      norm(p + "post_attention_layernorm.weight", l.post_attn_norm);
      norm(p + "pre_feedforward_layernorm.weight", l.pre_ffw_norm);
      norm(p + "post_feedforward_layernorm.weight", l.post_ffw_norm);
    } else {
      norm(p + "post_attention_layernorm.weight", l.pre_ffw_norm);
    }
    if (c.qk_norm) {
      norm(p + "self_attn.q_norm.weight", l.q_norm);
      norm(p + "self_attn.k_norm.weight", l.k_norm);
    }
  }
  AddFamilyTensors(w, *m.decoder, arch);
  w.Write(path);
}

}  // namespace gemmakit
