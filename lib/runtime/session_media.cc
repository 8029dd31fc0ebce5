#include "runtime/session_media.h"

#include <algorithm>

#include "gemmakit/status.h"

namespace gemmakit {

void SessionMedia::Add(Span span) {
  if (!spans_.empty() && spans_.back().end > span.begin) Fail(Status::kInternal, "media spans overlap");
  spans_.push_back(std::move(span));
}

void SessionMedia::Truncate(int64_t n) {
  while (!spans_.empty() && spans_.back().begin >= n) spans_.pop_back();
}

const SessionMedia::Span* SessionMedia::Find(int64_t p) const {
  auto it = std::upper_bound(spans_.begin(), spans_.end(), p, [](int64_t pos, const Span& s) { return pos < s.begin; });
  if (it == spans_.begin()) return nullptr;
  --it;
  return p < it->end ? &*it : nullptr;
}

uint64_t SessionMedia::KeyAt(int64_t p) const {
  const Span* s = Find(p);
  return s ? s->key : 0;
}

size_t SessionMedia::ChunkLength(int64_t start, size_t n) const {
  const int64_t end = start + static_cast<int64_t>(n);
  if (const Span* first = Find(start); first && first->begin == start && first->end > end) {
    return static_cast<size_t>(first->end - start);
  }
  // An item that starts inside the chunk and runs past its end waits for the next one.
  if (const Span* last = Find(end - 1); last && last->end > end && last->begin > start) {
    return static_cast<size_t>(last->begin - start);
  }
  return n;
}

void SessionMedia::Prepare(int64_t start, size_t n, ForwardRequest& req, Buffers& b) const {
  b.rows.assign(n, nullptr);
  b.begin.assign(n, 0);
  b.end.assign(n, 0);
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    const int64_t p = start + static_cast<int64_t>(i);
    const Span* s = Find(p);
    if (!s) continue;
    const size_t hidden = s->rows.size() / static_cast<size_t>(s->end - s->begin);
    b.rows[i] = &s->rows[static_cast<size_t>(p - s->begin) * hidden];
    // Causal media add no keys beyond the causal ones: an empty range.
    b.begin[i] = s->bidirectional ? static_cast<int32_t>(s->begin) : 0;
    b.end[i] = s->bidirectional ? static_cast<int32_t>(s->end) : 0;
    any = true;
  }
  req.soft_rows = any ? b.rows.data() : nullptr;
  req.soft_begin = any ? b.begin.data() : nullptr;
  req.soft_end = any ? b.end.data() : nullptr;
}

}  // namespace gemmakit
