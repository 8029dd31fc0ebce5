// gemmakit/embedding.h: texts → ids → one encoder pass over several texts → the embedding head.
#include <algorithm>
#include <memory>
#include <string>

#include "gemmakit/embedding.h"
#include "gemmakit/status.h"
#include "model/kv_cache.h"
#include "runtime/model_impl.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

// Tokens one encoder pass takes at most (a longer text goes alone): short texts share every
// weight read, and activations stay a few megabytes.
constexpr size_t kPassTokens = 2048;

const EmbeddingHead& Head(const Model& model) {
  const Model::Impl& m = model.impl();
  if (!m.embedding_head) {
    Fail(Status::kUnsupported, "this model computes no embeddings: its folder has no sentence-transformers modules "
                               "(modules.json with a Pooling module), as EmbeddingGemma's has");
  }
  return *m.embedding_head;
}

const std::string& PromptText(const EmbeddingHParams& e, const std::string& asked) {
  static const std::string kNone;
  const std::string& name = asked.empty() ? e.default_prompt_name : asked;
  if (name.empty()) return kNone;
  for (const auto& [n, text] : e.prompts) {
    if (n == name) return text;
  }
  std::string known;
  for (const auto& p : e.prompts) known += (known.empty() ? "" : ", ") + p.first;
  Fail(Status::kInvalidArgument, "unknown prompt name '" + name + "' (this model has: " + (known.empty() ? "none" : known) + ")");
}

// <bos> + the prompt and text's pieces + <eos>, as the tokenizer's config frames them, cut to the
// longest input by dropping text pieces (transformers' truncation keeps the special tokens).
std::vector<int32_t> TextIds(const Model::Impl& m, const std::string& prompt, const std::string& text) {
  const EmbeddingHParams& e = m.embedding;
  const Tokenizer& tok = *m.tokenizer;
  std::vector<int32_t> pieces = tok.Encode(prompt + text, /*parse_special=*/true);
  int64_t limit = m.config.context_length;
  if (e.max_seq_length > 0) limit = std::min(limit, e.max_seq_length);
  const int64_t specials = (e.add_bos ? 1 : 0) + (e.add_eos ? 1 : 0);
  if (static_cast<int64_t>(pieces.size()) + specials > limit) pieces.resize(static_cast<size_t>(std::max<int64_t>(0, limit - specials)));
  std::vector<int32_t> ids;
  if (e.add_bos) {
    if (tok.special().bos < 0) Fail(Status::kFormatError, "the tokenizer has no <bos> piece, which its config adds");
    ids.push_back(tok.special().bos);
  }
  ids.insert(ids.end(), pieces.begin(), pieces.end());
  if (e.add_eos) {
    if (tok.special().eos < 0) Fail(Status::kFormatError, "the tokenizer has no <eos> piece, which its config adds");
    ids.push_back(tok.special().eos);
  }
  if (ids.empty()) Fail(Status::kInvalidArgument, "an empty text gives this model no tokens to embed");
  for (int32_t id : ids) {
    if (id < 0 || id >= m.config.vocab_size) {
      Fail(Status::kInvalidArgument, "token id " + std::to_string(id) + " of the text has no embedding row (vocab_size " +
                                         std::to_string(m.config.vocab_size) + ")");
    }
  }
  return ids;
}

}  // namespace

size_t EmbeddingDim(const Model& model) {
  const Model::Impl& m = model.impl();
  return m.embedding_head ? m.embedding_head->dim() : 0;
}

std::vector<std::pair<std::string, std::string>> EmbeddingPrompts(const Model& model) {
  return model.impl().embedding.prompts;
}

std::vector<float> Embed(const Model& model, const std::vector<std::string>& texts, const EmbedOptions& options,
                         std::vector<EmbeddingTrace>* traces) {
  const EmbeddingHead& head = Head(model);
  const Model::Impl& m = model.impl();
  const size_t dim = options.dim == 0 ? head.dim() : options.dim;
  if (dim > head.dim()) {
    Fail(Status::kInvalidArgument, "embedding dimension " + std::to_string(dim) + " exceeds the model's " + std::to_string(head.dim()));
  }
  if (options.n_threads < 0) Fail(Status::kInvalidArgument, "n_threads must be >= 0");
  if (!m.tokenizer) Fail(Status::kUnsupported, "this checkpoint has no tokenizer (tokenizer.json or tokenizer.model)");
  const std::string& prompt = PromptText(m.embedding, options.prompt_name);
  std::vector<std::vector<int32_t>> ids;
  for (const std::string& t : texts) ids.push_back(TextIds(m, prompt, t));

  const size_t d = head.hidden(), full = head.dim();
  std::vector<float> pooled(texts.size() * d), embeddings(texts.size() * full), out(texts.size() * dim);
  if (traces) traces->assign(texts.size(), {});
  ThreadPool pool(options.n_threads);
  std::vector<float> hidden;
  for (size_t first = 0; first < texts.size();) {
    // One pass: texts while they fit kPassTokens, each over a cache of its own.
    std::vector<int32_t> tokens;
    std::vector<std::unique_ptr<KvCache>> caches;
    std::vector<Segment> segments;
    size_t last = first;
    while (last < texts.size() && (last == first || tokens.size() + ids[last].size() <= kPassTokens)) {
      const int64_t len = static_cast<int64_t>(ids[last].size());
      caches.push_back(std::make_unique<KvCache>(m.config, len, len, DType::kF32));
      segments.push_back(Segment{caches.back().get(), 0, tokens.size(), ids[last].size()});
      tokens.insert(tokens.end(), ids[last].begin(), ids[last].end());
      ++last;
    }
    m.decoder->ForwardSequences(tokens.data(), segments, hidden, &pool);
    for (size_t i = first; i < last; ++i) {
      const Segment& s = segments[i - first];
      const float* rows = &hidden[s.first * d];
      head.Pool(rows, s.n, &pooled[i * d]);
      if (traces) {
        EmbeddingTrace& t = (*traces)[i];
        t.ids = ids[i];
        t.token_embeddings.assign(rows, rows + s.n * d);
        t.pooled.assign(&pooled[i * d], &pooled[i * d] + d);
      }
    }
    first = last;
  }
  head.Project(pooled.data(), texts.size(), embeddings.data(), &pool);
  for (size_t i = 0; i < texts.size(); ++i) head.Truncate(&embeddings[i * full], dim, &out[i * dim]);
  return out;
}

}  // namespace gemmakit
