#include "multimodal/mobilenet_v5/architectures.h"

#include <cstdlib>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

// A pattern of blocks repeated `times` times: timm's lists written as runs.
struct Run {
  std::vector<const char*> pattern;
  int times;
};

// timm's _gen_mobilenet_v5 for every variant but mobilenetv5_base (Gemma 3n's image encoder).
const std::vector<std::vector<Run>>& Mobilenetv5_300m() {
  static const std::vector<std::vector<Run>> kStages = {
      {{{"er_r1_k3_s2_e4_c128"}, 1}, {{"er_r1_k3_s1_e4_c128"}, 2}},
      {{{"uir_r1_a3_k5_s2_e6_c256"}, 1},
       {{"uir_r1_a5_k0_s1_e4_c256", "uir_r1_a3_k0_s1_e4_c256"}, 2}},
      {{{"uir_r1_a5_k5_s2_e6_c640"}, 1},
       {{"uir_r1_a5_k0_s1_e4_c640"}, 7},
       {{"uir_r1_a0_k0_s1_e1_c640"}, 1},
       {{"mqa_r1_k3_h12_v2_s1_d64_c640", "uir_r1_a0_k0_s1_e2_c640"}, 14}},
      {{{"uir_r1_a5_k5_s2_e6_c1280"}, 1},
       {{"mqa_r1_k3_h16_s1_d96_c1280", "uir_r1_a0_k0_s1_e2_c1280"}, 19}},
  };
  return kStages;
}

int64_t OptionValue(const std::string& block, const std::string& option, size_t skip) {
  const std::string digits = option.substr(skip);
  char* end = nullptr;
  const long v = digits.empty() ? -1 : std::strtol(digits.c_str(), &end, 10);
  if (digits.empty() || *end != '\0' || v < 0) {
    Fail(Status::kUnsupported, "vision block '" + block + "': option '" + option + "' is not a letter and a number");
  }
  return v;
}

}  // namespace

MobileNetArchitecture FindMobileNetArchitecture(const std::string& name) {
  if (name != "mobilenetv5_300m_enc") {
    Fail(Status::kUnsupported, "vision architecture '" + name + "' is not one gemmakit knows (it knows mobilenetv5_300m_enc)");
  }
  MobileNetArchitecture a;
  for (const auto& stage : Mobilenetv5_300m()) {
    a.stages.emplace_back();
    for (const Run& run : stage) {
      for (int i = 0; i < run.times; ++i) {
        for (const char* s : run.pattern) a.stages.back().push_back(ParseTimmBlockString(s));
      }
    }
  }
  a.stem_size = 64;
  a.msfa_output_resolution = 16;
  return a;
}

MobileNetBlockArgs ParseTimmBlockString(const std::string& s) {
  std::vector<std::string> parts;
  for (size_t begin = 0;;) {
    const size_t end = s.find('_', begin);
    parts.push_back(s.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  MobileNetBlockArgs a;
  a.block_type = parts[0];
  if (a.block_type != "er" && a.block_type != "uir" && a.block_type != "mqa") {
    Fail(Status::kUnsupported, "vision block '" + s + "' has type '" + a.block_type + "' (MobileNet-V5 has er, uir and mqa)");
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& o = parts[i];
    const char key = o.empty() ? '\0' : o[0];
    const bool er = a.block_type == "er", uir = a.block_type == "uir", mqa = a.block_type == "mqa";
    if (key == 'r') {
      a.repeat = OptionValue(s, o, 1);
    } else if (key == 's') {
      a.stride = OptionValue(s, o, 1);
    } else if (key == 'c') {
      a.out_chs = OptionValue(s, o, 1);
    } else if (key == 'e' && !mqa) {
      a.exp_ratio = static_cast<double>(OptionValue(s, o, 1));
    } else if (key == 'k') {
      const int64_t k = OptionValue(s, o, 1);
      (er ? a.exp_kernel_size : uir ? a.dw_kernel_size_mid : a.dw_kernel_size) = k;
    } else if (key == 'a' && uir) {
      a.dw_kernel_size_start = OptionValue(s, o, 1);
    } else if (key == 'h' && mqa) {
      a.num_heads = OptionValue(s, o, 1);
    } else if (key == 'v' && mqa) {
      a.kv_stride = OptionValue(s, o, 1);
    } else if (key == 'd' && mqa) {
      a.key_dim = a.value_dim = OptionValue(s, o, 1);
    } else {
      Fail(Status::kUnsupported, "vision block '" + s + "' has option '" + o + "', which gemmakit does not implement");
    }
  }
  return a;
}

}  // namespace gemmakit
