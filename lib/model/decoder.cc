// The two ways into a decoder, shared by every family: a chunk of one sequence, or one token of
// several sequences.
#include "model/decoder.h"

#include <string>

#include "gemmakit/status.h"
#include "model/kv_cache.h"

namespace gemmakit {

void Decoder::Forward(const ForwardRequest& req, KvCache& cache, std::vector<float>& logits, Executor* ex,
                      const DebugTap* tap) const {
  if (static_cast<int64_t>(req.n) > cache.max_chunk()) {
    Fail(Status::kInvalidArgument, "forward pass of " + std::to_string(req.n) + " tokens exceeds the KV cache's chunk of " +
                                       std::to_string(cache.max_chunk()));
  }
  Run(req, {Segment{&cache, req.start_pos, 0, req.n}}, logits, ex, tap);
}

void Decoder::ForwardBatch(const DecodeStep* steps, size_t n, std::vector<float>& logits, Executor* ex) const {
  std::vector<int32_t> tokens(n);
  std::vector<Segment> segments(n);
  for (size_t i = 0; i < n; ++i) {
    tokens[i] = steps[i].token;
    segments[i] = Segment{steps[i].cache, steps[i].pos, i, 1};
  }
  ForwardRequest req;
  req.tokens = tokens.data();
  req.n = n;
  req.all_logits = true;
  Run(req, segments, logits, ex, nullptr);
}

void Decoder::ForwardSequences(const int32_t* tokens, const std::vector<Segment>& segments, std::vector<float>& hidden,
                               Executor* ex) const {
  ForwardRequest req;
  req.tokens = tokens;
  for (const Segment& s : segments) {
    if (s.start_pos != 0 || s.first != req.n || s.cache->max_chunk() < static_cast<int64_t>(s.n)) {
      Fail(Status::kInvalidArgument, "ForwardSequences: each sequence starts at position 0, after the previous one, "
                                     "in a cache that takes it in one chunk");
    }
    req.n += s.n;
  }
  req.all_logits = true;
  req.output_hidden = true;
  Run(req, segments, hidden, ex, nullptr);
}

}  // namespace gemmakit
