// llama.cpp's Gemma 3n mmproj GGUF (clip.vision.projector_type "gemma3nv", written by
// convert_hf_to_gguf.py --mmproj) → the VisionCheckpoint the HuggingFace route makes, so the
// MobileNet-V5 code cannot tell the two apart. The file carries no timm architecture string or
// block arguments: as llama.cpp's own graph builder does, the block sequence is read off the
// tensor names (v.blk.<stage>.<index>.*) and shapes, a block's kind from which tensors it has, and
// a stage's first block strided. Tensor names go back to timm's and transformers':
//   v.blk.S.I.<x>   → mobilenet.blocks.S.I.<x>      v.conv_stem.* / v.msfa.* → mobilenet.*
//   mm.input_projection → embed_vision.embedding_projection, mm.soft_emb_norm →
//   embed_vision.soft_embedding_norm, mm.hard_emb_norm → embed_vision.hard_embedding_norm,
//   mm.embedding → embed_vision.embedding
#pragma once

#include <string>

#include "io/gguf.h"
#include "io/mobilenet_hparams.h"
#include "io/vision_checkpoint.h"

namespace gemmakit {

// Throws Error(kFormatError) for a missing tensor or key, a tensor of the wrong rank, a block
// without the tensors of any MobileNet-V5 block kind, or stages not numbered 0, 1, 2, ...;
// Error(kUnsupported) for tensor types the kernels do not read. Widths that disagree across
// blocks surface when the tower binds its weights.
VisionCheckpoint MobileNetFromMmproj(const GgufFile& g, const std::string& path);

// The image token ids and vision vocabulary offset are the text model's business (the mmproj
// file does not carry them): a HuggingFace text folder's config.json states them (read here from
// `text_model_path`); a GGUF text model keeps the E2B/E4B values MobileNetHParams defaults to.
void TakeTextSideImageFields(const std::string& text_model_path, MobileNetHParams& tower);

}  // namespace gemmakit
