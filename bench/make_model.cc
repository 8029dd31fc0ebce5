// Writes a random-weight Gemma 3 checkpoint with a real geometry (270m, 1b, 4b, or EmbeddingGemma's
// embeddinggemma-300m as a sentence-transformers folder) as a HuggingFace folder, for benchmarks:
// no model can be downloaded here, and speed depends on shapes, not values.
//   make_model --geometry 1b --out DIR [--tokenizer tokenizer.model] [--seed N]
//              [--lora-rank R --lora-out DIR2]
// With --lora-rank, also a random PEFT LoRA adapter of rank R on all seven projections (bf16,
// lora_alpha 2R), to time adapters at run time.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "gemmakit/status.h"
#include "io/safetensors_writer.h"
#include "kernels/dtype.h"

namespace {

struct Geometry {
  const char* name;
  int64_t vocab, hidden, intermediate, layers, heads, kv_heads, head_dim, window, context;
  // An embedding model (bidirectional, no LM head, tensors without "model."): the width of the
  // sentence-transformers Dense module between hidden → dense → hidden; 0 for a causal LM.
  int64_t dense;
};

// splitmix64-driven uniform values with the spread of a trained layer (std ≈ 0.02); bf16 random
// normals would cost minutes for 4B parameters and buy nothing for timing.
void FillRandomBF16(uint8_t* out, size_t nbytes, uint64_t seed) {
  uint16_t* v = reinterpret_cast<uint16_t*>(out);
  uint64_t x = seed;
  for (size_t i = 0; i < nbytes / 2; ++i) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    const float u = static_cast<float>(z >> 40) / static_cast<float>(1 << 24);  // [0, 1)
    v[i] = gemmakit::F32ToBF16((u - 0.5f) * 0.07f);
  }
}

// From the published google/gemma-3-{270m,1b-pt,4b-pt} configs.
constexpr Geometry kGeometries[] = {
    {"270m", 262144, 640, 2048, 18, 4, 1, 256, 512, 32768, 0},
    {"1b", 262144, 1152, 6912, 26, 4, 1, 256, 512, 32768, 0},
    {"4b", 262208, 2560, 10240, 34, 8, 4, 256, 1024, 131072, 0},
    // google/embeddinggemma-300m (config.json, 2_Dense, 3_Dense).
    {"embeddinggemma-300m", 262144, 768, 1152, 24, 3, 1, 256, 512, 2048, 3072},
};

// The sentence-transformers modules of EmbeddingGemma: mean pooling, Dense hidden → dense →
// hidden without bias or activation, Normalize; the published prompts used by benchmarks.
void WriteSentenceTransformerModules(const std::string& out, const Geometry& g, uint64_t seed) {
  using nlohmann::json;
  json modules = json::array();
  const char* kinds[] = {"Transformer", "Pooling", "Dense", "Dense", "Normalize"};
  const char* paths[] = {"", "1_Pooling", "2_Dense", "3_Dense", "4_Normalize"};
  for (int i = 0; i < 5; ++i) {
    modules.push_back({{"idx", i}, {"name", std::to_string(i)}, {"path", paths[i]},
                       {"type", std::string("sentence_transformers.models.") + kinds[i]}});
  }
  std::ofstream(out + "/modules.json") << modules.dump(2) << "\n";
  std::filesystem::create_directories(out + "/1_Pooling");
  std::ofstream(out + "/1_Pooling/config.json")
      << json{{"word_embedding_dimension", g.hidden}, {"pooling_mode_mean_tokens", true}, {"include_prompt", true}}.dump(2);
  const int64_t widths[][2] = {{g.hidden, g.dense}, {g.dense, g.hidden}};
  for (int i = 0; i < 2; ++i) {
    const std::string dir = out + "/" + paths[2 + i];
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/config.json") << json{{"in_features", widths[i][0]}, {"out_features", widths[i][1]}, {"bias", false},
                                                {"activation_function", "torch.nn.modules.linear.Identity"}}.dump(2);
    const uint64_t s = seed * 7919 + static_cast<uint64_t>(i);
    gemmakit::WriteSafetensors(dir + "/model.safetensors",
                               {{"linear.weight", gemmakit::DType::kBF16, {widths[i][1], widths[i][0]},
                                 [s](uint8_t* o, size_t n) { FillRandomBF16(o, n, s); }}});
  }
  std::ofstream(out + "/config_sentence_transformers.json")
      << json{{"prompts", {{"query", "task: search result | query: "}, {"document", "title: none | text: "}}},
              {"default_prompt_name", nullptr}}.dump(2);
  std::ofstream(out + "/tokenizer_config.json") << json{{"add_bos_token", true}, {"add_eos_token", true}}.dump(2);
}

// A PEFT adapter folder for geometry g: adapter_config.json and adapter_model.safetensors with
// PEFT's tensor names, lora_A [r, in] and lora_B [out, r] for every projection of every layer.
void WriteRandomAdapter(const Geometry& g, int64_t rank, const std::string& dir, uint64_t seed) {
  std::filesystem::create_directories(dir);
  const nlohmann::json config = {
      {"peft_type", "LORA"}, {"task_type", "CAUSAL_LM"}, {"r", rank}, {"lora_alpha", 2 * rank},
      {"use_rslora", false}, {"use_dora", false}, {"lora_dropout", 0.0}, {"bias", "none"},
      {"target_modules", {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}}};
  std::ofstream(dir + "/adapter_config.json") << config.dump(2) << "\n";
  const int64_t q = g.heads * g.head_dim, kv = g.kv_heads * g.head_dim;
  struct Proj {
    const char* name;
    int64_t out, in;
  };
  const Proj projs[] = {{"self_attn.q_proj", q, g.hidden},           {"self_attn.k_proj", kv, g.hidden},
                        {"self_attn.v_proj", kv, g.hidden},          {"self_attn.o_proj", g.hidden, q},
                        {"mlp.gate_proj", g.intermediate, g.hidden}, {"mlp.up_proj", g.intermediate, g.hidden},
                        {"mlp.down_proj", g.hidden, g.intermediate}};
  std::vector<gemmakit::SafetensorsSpec> specs;
  for (int64_t l = 0; l < g.layers; ++l) {
    for (const Proj& p : projs) {
      const std::string name = "base_model.model.model.layers." + std::to_string(l) + "." + p.name;
      const uint64_t s = ++seed;
      auto fill = [s](uint8_t* o, size_t n) { FillRandomBF16(o, n, s); };
      specs.push_back({name + ".lora_A.weight", gemmakit::DType::kBF16, {rank, p.in}, fill});
      specs.push_back({name + ".lora_B.weight", gemmakit::DType::kBF16, {p.out, rank}, fill});
    }
  }
  gemmakit::WriteSafetensors(dir + "/adapter_model.safetensors", specs);
}

}  // namespace

int main(int argc, char** argv) {
  std::string geometry, out, tokenizer;
  uint64_t seed = 1;
  std::string lora_out;
  int64_t lora_rank = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--geometry")) geometry = argv[i + 1];
    else if (!std::strcmp(argv[i], "--out")) out = argv[i + 1];
    else if (!std::strcmp(argv[i], "--tokenizer")) tokenizer = argv[i + 1];
    else if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--lora-rank")) lora_rank = std::strtoll(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--lora-out")) lora_out = argv[i + 1];
  }
  const Geometry* g = nullptr;
  for (const auto& cand : kGeometries) {
    if (geometry == cand.name) g = &cand;
  }
  if (!g || out.empty() || (lora_rank > 0) != !lora_out.empty() || lora_rank < 0) {
    std::fprintf(stderr, "usage: make_model --geometry 270m|1b|4b|embeddinggemma-300m --out DIR [--tokenizer FILE] [--seed N]\n"
                         "                  [--lora-rank R --lora-out DIR]\n");
    return 2;
  }
  try {
    std::filesystem::create_directories(out);
    nlohmann::json layer_types = nlohmann::json::array();
    for (int64_t i = 0; i < g->layers; ++i) layer_types.push_back((i + 1) % 6 ? "sliding_attention" : "full_attention");
    nlohmann::json config = {
        {"model_type", "gemma3_text"}, {"architectures", {g->dense ? "Gemma3TextModel" : "Gemma3ForCausalLM"}}, {"vocab_size", g->vocab},
        {"hidden_size", g->hidden}, {"intermediate_size", g->intermediate}, {"num_hidden_layers", g->layers},
        {"num_attention_heads", g->heads}, {"num_key_value_heads", g->kv_heads}, {"head_dim", g->head_dim},
        {"query_pre_attn_scalar", g->head_dim}, {"sliding_window", g->window}, {"layer_types", layer_types},
        {"max_position_embeddings", g->context}, {"rms_norm_eps", 1e-6}, {"rope_theta", 1000000.0},
        {"rope_local_base_freq", 10000.0}, {"hidden_activation", "gelu_pytorch_tanh"}, {"torch_dtype", "bfloat16"},
        {"tie_word_embeddings", true}, {"bos_token_id", 2}, {"eos_token_id", 1}, {"pad_token_id", 0}};
    if (g->dense) config["use_bidirectional_attention"] = true;
    std::ofstream(out + "/config.json") << config.dump(2) << "\n";

    using gemmakit::DType;
    std::vector<gemmakit::SafetensorsSpec> specs;
    uint64_t tensor_seed = seed * 1000003;
    auto matrix = [&](const std::string& name, int64_t rows, int64_t cols) {
      const uint64_t s = ++tensor_seed;
      specs.push_back({name, DType::kBF16, {rows, cols}, [s](uint8_t* o, size_t n) { FillRandomBF16(o, n, s); }});
    };
    // Gemma stores norm weights as w in (1 + w): zeros give unit scales.
    auto norm = [&](const std::string& name, int64_t dim) {
      specs.push_back({name, DType::kBF16, {dim}, [](uint8_t* o, size_t n) { std::memset(o, 0, n); }});
    };
    const std::string prefix = g->dense ? "" : "model.";  // Gemma3TextModel saves no prefix
    matrix(prefix + "embed_tokens.weight", g->vocab, g->hidden);
    norm(prefix + "norm.weight", g->hidden);
    for (int64_t l = 0; l < g->layers; ++l) {
      const std::string p = prefix + "layers." + std::to_string(l) + ".";
      matrix(p + "self_attn.q_proj.weight", g->heads * g->head_dim, g->hidden);
      matrix(p + "self_attn.k_proj.weight", g->kv_heads * g->head_dim, g->hidden);
      matrix(p + "self_attn.v_proj.weight", g->kv_heads * g->head_dim, g->hidden);
      matrix(p + "self_attn.o_proj.weight", g->hidden, g->heads * g->head_dim);
      matrix(p + "mlp.gate_proj.weight", g->intermediate, g->hidden);
      matrix(p + "mlp.up_proj.weight", g->intermediate, g->hidden);
      matrix(p + "mlp.down_proj.weight", g->hidden, g->intermediate);
      for (const char* n : {"input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
                            "post_feedforward_layernorm"}) {
        norm(p + n + ".weight", g->hidden);
      }
      norm(p + "self_attn.q_norm.weight", g->head_dim);
      norm(p + "self_attn.k_norm.weight", g->head_dim);
    }
    gemmakit::WriteSafetensors(out + "/model.safetensors", specs);
    if (g->dense) WriteSentenceTransformerModules(out, *g, seed);
    if (!tokenizer.empty()) {
      // The loader finds the tokenizer by these names, and tells the two formats apart by them.
      const bool json = std::filesystem::path(tokenizer).extension() == ".json";
      const std::string name = json ? "tokenizer.json" : "tokenizer.model";
      std::filesystem::copy_file(tokenizer, out + "/" + name, std::filesystem::copy_options::overwrite_existing);
    }
    std::printf("wrote %s (Gemma 3 %s geometry, random bf16 weights)\n", out.c_str(), g->name);
    if (lora_rank > 0) {
      WriteRandomAdapter(*g, lora_rank, lora_out, seed * 7919);
      std::printf("wrote %s (rank-%lld LoRA adapter, all seven projections)\n", lora_out.c_str(),
                  static_cast<long long>(lora_rank));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_model: %s\n", e.what());
    return 1;
  }
  return 0;
}
