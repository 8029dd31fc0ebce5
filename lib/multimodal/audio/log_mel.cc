#include "multimodal/audio/log_mel.h"

#include <kiss_fftr.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <memory>
#include <string>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

double HzToMel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double MelToHz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

struct FftrDeleter {
  void operator()(kiss_fftr_cfg cfg) const { kiss_fftr_free(cfg); }
};

}  // namespace

LogMelExtractor::LogMelExtractor(const AudioFeatureConfig& config) : c_(config) {
  frame_length_ = static_cast<size_t>(std::lround(c_.sampling_rate * c_.frame_length_ms / 1000.0));
  hop_ = static_cast<size_t>(std::lround(c_.sampling_rate * c_.hop_length_ms / 1000.0));
  fft_length_ = size_t{1} << static_cast<int>(std::ceil(std::log2(static_cast<double>(frame_length_))));
  if (c_.fft_overdrive) fft_length_ *= 2;
  window_.resize(frame_length_);
  constexpr double kPi = 3.14159265358979323846;
  for (size_t i = 0; i < frame_length_; ++i) {
    window_[i] = static_cast<float>(0.5 * (1.0 - std::cos(2.0 * kPi * static_cast<double>(i) / static_cast<double>(frame_length_))));
  }
  // Mel points evenly spaced in mel between the band's edges; filter m rises from point m to
  // m + 1 and falls to m + 2, evaluated at each FFT bin's frequency.
  const size_t n_mels = static_cast<size_t>(c_.feature_size), n_freqs = fft_length_ / 2 + 1;
  const double m_min = HzToMel(c_.min_frequency), m_max = HzToMel(c_.max_frequency);
  std::vector<double> f_pts(n_mels + 2);
  for (size_t i = 0; i < f_pts.size(); ++i) {
    f_pts[i] = MelToHz(m_min + (m_max - m_min) * static_cast<double>(i) / static_cast<double>(n_mels + 1));
  }
  first_.assign(n_mels, 0);
  weights_.assign(n_mels, {});
  for (size_t m = 0; m < n_mels; ++m) {
    const double rise = f_pts[m + 1] - f_pts[m], fall = f_pts[m + 2] - f_pts[m + 1];
    for (size_t k = 0; k < n_freqs; ++k) {
      // The bin frequencies are float32 in the reference.
      const double f = static_cast<float>(static_cast<float>(k) * static_cast<float>(c_.sampling_rate / static_cast<double>(fft_length_)));
      const double w = std::max(0.0, std::min((f - f_pts[m]) / rise, (f_pts[m + 2] - f) / fall));
      if (w <= 0) continue;
      if (weights_[m].empty()) first_[m] = k;
      weights_[m].resize(k - first_[m] + 1, 0.0);
      weights_[m][k - first_[m]] = w;
    }
  }
}

LogMelFeatures LogMelExtractor::Compute(const float* samples, size_t n) const {
  // Truncated past max_length, then zero-padded to a whole multiple.
  const size_t real = std::min(n, static_cast<size_t>(c_.max_length));
  const size_t multiple = static_cast<size_t>(std::max<int64_t>(1, c_.pad_to_multiple_of));
  const size_t padded = (real + multiple - 1) / multiple * multiple;
  if (padded < frame_length_ + 1) {
    Fail(Status::kInvalidArgument, "audio clip of " + std::to_string(n) + " samples is shorter than one " +
                                       std::to_string(frame_length_ + 1) + "-sample frame");
  }
  std::vector<float> wave(padded, 0.f);
  for (size_t i = 0; i < real; ++i) wave[i] = samples[i] * static_cast<float>(c_.input_scale_factor);

  LogMelFeatures out;
  out.frames = (padded - (frame_length_ + 1)) / hop_ + 1;
  out.bins = static_cast<size_t>(c_.feature_size);
  out.values.resize(out.frames * out.bins);
  out.valid.resize(out.frames);
  std::unique_ptr<kiss_fftr_state, FftrDeleter> fft(kiss_fftr_alloc(static_cast<int>(fft_length_), 0, nullptr, nullptr));
  if (!fft) Fail(Status::kInternal, "kissfft: cannot plan a real FFT of " + std::to_string(fft_length_));
  std::vector<float> frame(fft_length_, 0.f);
  std::vector<kiss_fft_cpx> spectrum(fft_length_ / 2 + 1);
  std::vector<double> magnitude(spectrum.size());
  const float p = static_cast<float>(c_.preemphasis);
  for (size_t t = 0; t < out.frames; ++t) {
    const float* x = wave.data() + t * hop_;
    for (size_t j = 0; j < frame_length_; ++j) {
      float v;
      if (p > 0 && c_.preemphasis_htk_flavor) {
        v = j == 0 ? x[0] * (1.f - p) : x[j] - p * x[j - 1];
      } else if (p > 0) {
        v = x[j + 1] - p * x[j];
      } else {
        v = x[j];
      }
      frame[j] = v * window_[j];
    }
    kiss_fftr(fft.get(), frame.data(), spectrum.data());
    for (size_t k = 0; k < spectrum.size(); ++k) magnitude[k] = std::hypot(double{spectrum[k].r}, double{spectrum[k].i});
    float* row = out.values.data() + t * out.bins;
    for (size_t m = 0; m < out.bins; ++m) {
      double mel = 0;
      for (size_t k = 0; k < weights_[m].size(); ++k) mel += magnitude[first_[m] + k] * weights_[m][k];
      double v = std::log(std::max(mel, c_.mel_floor));
      if (!c_.per_bin_mean.empty()) v -= c_.per_bin_mean[m];
      if (!c_.per_bin_stddev.empty()) v /= c_.per_bin_stddev[m];
      row[m] = static_cast<float>(v);
    }
    out.valid[t] = t * hop_ < real ? 1 : 0;
  }
  return out;
}

}  // namespace gemmakit
