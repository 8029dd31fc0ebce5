#include "multimodal/audio/subsample.h"

#include <algorithm>
#include <cmath>

#include "kernels/matmul.h"

namespace gemmakit {
namespace {

// Patches of this many output values' worth of gathered inputs at most per GEMM (bounds memory
// at long clips: the real model's second block gathers 1152 inputs per output).
constexpr size_t kMaxPatchFloats = size_t{1} << 20;

}  // namespace

void CumulativeGroupNorm(float* x, size_t frames, size_t width, const std::vector<float>& scale, float eps) {
  const size_t channels = scale.size();
  double sum = 0, sum_sq_diff = 0;
  for (size_t t = 0; t < frames; ++t) {
    float* row = x + t * width;
    for (size_t i = 0; i < width; ++i) sum += row[i];
    const double count = static_cast<double>(width) * static_cast<double>(t + 1);
    const double mean = sum / count;
    for (size_t i = 0; i < width; ++i) {
      const double d = row[i] - mean;
      sum_sq_diff += d * d;
    }
    const double inv_std = 1.0 / std::sqrt(sum_sq_diff / count + eps);
    for (size_t i = 0; i < width; ++i) {
      row[i] = static_cast<float>((row[i] - mean) * inv_std) * scale[i % channels];
    }
  }
}

std::vector<float> SubsampleConvBlock(const AudioConvStage& s, const MatrixView& conv, const std::vector<float>& norm_scale,
                                      float eps, const float* x, size_t frames, Executor* ex, const MatMulOptions& mm) {
  const size_t out_frames = s.OutFrames(frames);
  const size_t in_bins = static_cast<size_t>(s.in_bins), out_bins = static_cast<size_t>(s.out_bins);
  const size_t cin = static_cast<size_t>(s.in_channels), cout = static_cast<size_t>(s.out_channels);
  const size_t kt = static_cast<size_t>(s.kernel_t), kf = static_cast<size_t>(s.kernel_f);
  const size_t cols = cin * kt * kf, width = out_bins * cout;
  std::vector<float> out(out_frames * width);
  const size_t frames_per_gemm = std::max<size_t>(1, kMaxPatchFloats / (out_bins * cols));
  std::vector<float> patches(std::min(frames_per_gemm, std::max<size_t>(out_frames, 1)) * out_bins * cols);
  for (size_t t0 = 0; t0 < out_frames; t0 += frames_per_gemm) {
    const size_t t1 = std::min(out_frames, t0 + frames_per_gemm);
    ParallelFor(ex, t1 - t0, 1, [&](size_t a, size_t b) {
      for (size_t t = t0 + a; t < t0 + b; ++t) {
        for (size_t f = 0; f < out_bins; ++f) {
          float* p = &patches[((t - t0) * out_bins + f) * cols];
          for (size_t ci = 0; ci < cin; ++ci) {
            for (size_t i = 0; i < kt; ++i) {
              // Padded coordinates: time starts unpadded (pad before = 0 is all the reference uses,
              // but the general form costs nothing), frequency has pad_f_before zeros in front.
              const int64_t ti = static_cast<int64_t>(t * static_cast<size_t>(s.stride_t) + i) - s.pad_t_before;
              for (size_t j = 0; j < kf; ++j) {
                const int64_t fi = static_cast<int64_t>(f * static_cast<size_t>(s.stride_f) + j) - s.pad_f_before;
                const bool inside = ti >= 0 && ti < static_cast<int64_t>(frames) && fi >= 0 && fi < static_cast<int64_t>(in_bins);
                p[(ci * kt + i) * kf + j] =
                    inside ? x[(static_cast<size_t>(ti) * in_bins + static_cast<size_t>(fi)) * cin + ci] : 0.f;
              }
            }
          }
        }
      }
    });
    MatMul(patches.data(), (t1 - t0) * out_bins, conv, out.data() + t0 * width, ex, mm);
  }
  CumulativeGroupNorm(out.data(), out_frames, width, norm_scale, eps);
  for (float& v : out) v = std::max(v, 0.f);
  return out;
}

std::vector<float> SubsampleMel(const AudioConfig& c, const AudioWeights& w, const float* mel, size_t frames, Executor* ex,
                                const MatMulOptions& mm) {
  const std::vector<float> a = SubsampleConvBlock(c.conv[0], w.conv[0], w.conv_norm[0], c.group_norm_eps, mel, frames, ex, mm);
  const size_t f1 = c.conv[0].OutFrames(frames);
  const std::vector<float> b = SubsampleConvBlock(c.conv[1], w.conv[1], w.conv_norm[1], c.group_norm_eps, a.data(), f1, ex, mm);
  const size_t steps = c.conv[1].OutFrames(f1);
  // b is [steps][bins][channels]: each step's row is already Gemma's [frequency · channels] order.
  std::vector<float> out(steps * static_cast<size_t>(c.hidden));
  MatMul(b.data(), steps, w.input_proj, out.data(), ex, mm);
  return out;
}

}  // namespace gemmakit
