// Gemma3nAudioSubSampleConvProjection: two Conv2d blocks over the log-mel spectrogram (time ×
// frequency), each convolution → cumulative group norm → ReLU, then the flattened
// [frequency, channel] features of each step projected to the conformer's width.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/parallel.h"
#include "multimodal/audio/audio_config.h"
#include "multimodal/audio/audio_weights.h"

namespace gemmakit {

// mel: [frames, mel_bins]. Returns [steps, hidden], steps = conv[1].OutFrames(conv[0].OutFrames(frames)).
// `mm` is the model's matmul precision, here and in the other stages.
std::vector<float> SubsampleMel(const AudioConfig& c, const AudioWeights& w, const float* mel, size_t frames, Executor* ex,
                                const MatMulOptions& mm = {});

// One block on x [frames][in_bins][in_channels] (channels last): returns
// [out_frames][out_bins][out_channels]. The convolution is a GEMM of the weight over gathered
// patches (cols ordered [in_channel][kt][kf], the weight's own order).
std::vector<float> SubsampleConvBlock(const AudioConvStage& s, const MatrixView& conv, const std::vector<float>& norm_scale,
                                      float eps, const float* x, size_t frames, Executor* ex, const MatMulOptions& mm = {});

// Gemma3nAudioCumulativeGroupNorm over x [frames, width] (width = bins × channels, channels last):
// each frame is normalised by the mean and variance of every value up to and including it, then
// scaled per channel. Transformers passes no mask here, so every frame counts.
void CumulativeGroupNorm(float* x, size_t frames, size_t width, const std::vector<float>& scale, float eps);

}  // namespace gemmakit
