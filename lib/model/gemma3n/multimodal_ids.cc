#include "model/gemma3n/multimodal_ids.h"

#include <string>

#include "gemmakit/status.h"
#include "kernels/norm.h"
#include "model/weights.h"

namespace gemmakit {
namespace {

MultimodalIdRows::Block EmbedBlock(const ModelConfig& c, WeightBinder& b, const TensorEntry& table_entry,
                                   const std::string& prefix, int32_t first_id, const MatMulOptions& mm) {
  if (table_entry.shape.size() != 2) {
    Fail(Status::kFormatError, prefix + "embedding.weight has shape " + WeightBinder::ShapeString(table_entry.shape) +
                                   ", not [ids, width]");
  }
  const int64_t ids = table_entry.shape[0], width = table_entry.shape[1];
  const MatrixView table = b.Matrix(prefix + "embedding.weight", ids, width, "vocab_size, hidden_size");
  const std::vector<float> hard_norm = b.Norm(prefix + "hard_embedding_norm.weight", width, "hidden_size of the tower");
  const MatrixView projection = b.Matrix(prefix + "embedding_projection.weight", c.hidden, width,
                                         "text hidden_size, hidden_size of the tower");
  MultimodalIdRows::Block block;
  block.first_id = first_id;
  block.n = static_cast<size_t>(ids);
  const size_t w = static_cast<size_t>(width), d = static_cast<size_t>(c.hidden);
  std::vector<float> normed(block.n * w);
  for (size_t r = 0; r < block.n; ++r) table.RowToF32(r, &normed[r * w]);
  RmsNorm(normed.data(), block.n, w, hard_norm.data(), c.norm_eps, normed.data());
  block.rows.resize(block.n * d);
  MatMul(normed.data(), block.n, projection, block.rows.data(), nullptr, mm);
  RmsNorm(block.rows.data(), block.n, d, nullptr, c.norm_eps, block.rows.data());
  return block;
}

}  // namespace

const float* MultimodalIdRows::Find(int32_t id, size_t hidden) const {
  for (const Block& b : blocks) {
    if (id >= b.first_id && static_cast<size_t>(id - b.first_id) < b.n) {
      return &b.rows[static_cast<size_t>(id - b.first_id) * hidden];
    }
  }
  return nullptr;
}

MultimodalIdRows BindMultimodalIdRows(const ModelConfig& c, const TensorIndex& tensors, const MatMulOptions& matmul) {
  MultimodalIdRows out;
  WeightBinder b(c, tensors, /*norms_include_one=*/false, &out.n_params);
  // Vision ids start where the per-layer table ends; audio ids are the vocabulary's last block
  // (as every published Gemma 3n config and transformers' defaults lay them out).
  if (const TensorEntry* t = tensors.Find("embed_vision.embedding.weight")) {
    out.blocks.push_back(EmbedBlock(c, b, *t, "embed_vision.", static_cast<int32_t>(c.gemma3n.per_layer_vocab), matmul));
  }
  if (const TensorEntry* t = tensors.Find("embed_audio.embedding.weight")) {
    const int64_t first = t->shape.empty() ? 0 : c.vocab_size - t->shape[0];
    out.blocks.push_back(EmbedBlock(c, b, *t, "embed_audio.", static_cast<int32_t>(first), matmul));
  }
  int64_t next_free = c.gemma3n.per_layer_vocab;
  for (const MultimodalIdRows::Block& blk : out.blocks) {
    if (blk.first_id < next_free || blk.first_id + static_cast<int64_t>(blk.n) > c.vocab_size) {
      Fail(Status::kFormatError, "the media embedders' id blocks overlap each other or the text vocabulary, or run past "
                                 "the vocabulary of " + std::to_string(c.vocab_size));
    }
    next_free = blk.first_id + static_cast<int64_t>(blk.n);
  }
  return out;
}

}  // namespace gemmakit
