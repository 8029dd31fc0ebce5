// LoRA adapters: thin wrappers over gemmakit::Adapter and Session::SetAdapters.
#include <memory>
#include <string>
#include <vector>

#include "capi_internal.h"
#include "gemmakit.h"
#include "gemmakit/adapter.h"

using gemmakit::Fail;
using gemmakit::Status;
using gemmakit::capi::Guard;
using gemmakit::capi::Need;

struct gemmakit_adapter {
  std::shared_ptr<const gemmakit::Adapter> adapter;
};

namespace gemmakit::capi {

std::vector<MergedAdapter> ToMergedAdapters(const gemmakit_model_params& p) {
  if (p.n_merge_adapters < 0) Fail(Status::kInvalidArgument, "model params: n_merge_adapters is negative");
  if (p.n_merge_adapters > 0 && p.merge_adapters == nullptr) {
    Fail(Status::kInvalidArgument, "model params: merge_adapters is NULL");
  }
  std::vector<MergedAdapter> out;
  for (int32_t i = 0; i < p.n_merge_adapters; ++i) {
    if (p.merge_adapters[i] == nullptr) {
      Fail(Status::kInvalidArgument, "model params: merge_adapters[" + std::to_string(i) + "] is NULL");
    }
    out.push_back({p.merge_adapters[i], p.merge_adapter_scales ? p.merge_adapter_scales[i] : 1.f});
  }
  return out;
}

}  // namespace gemmakit::capi

gemmakit_status gemmakit_adapter_load(const gemmakit_model* model, const char* dir, gemmakit_adapter** out) {
  return Guard([&] {
    gemmakit_adapter*& result = Need(out, "out");
    result = nullptr;
    if (dir == nullptr) Fail(Status::kInvalidArgument, "dir is NULL");
    auto adapter = gemmakit::Adapter::Load(Need(model, "model").model, dir);
    result = new gemmakit_adapter{std::move(adapter)};
  });
}

void gemmakit_adapter_free(gemmakit_adapter* adapter) { delete adapter; }

gemmakit_status gemmakit_adapter_info(const gemmakit_adapter* adapter, int32_t* rank, double* scaling) {
  return Guard([&] {
    const gemmakit::Adapter& a = *Need(adapter, "adapter").adapter;
    if (rank) *rank = static_cast<int32_t>(a.rank());
    if (scaling) *scaling = a.scaling();
  });
}

gemmakit_status gemmakit_session_set_adapters(gemmakit_session* session, const gemmakit_adapter* const* adapters,
                                              const float* scales, size_t n) {
  return Guard([&] {
    gemmakit::Session& s = *Need(session, "session").session;
    if (n > 0 && adapters == nullptr) Fail(Status::kInvalidArgument, "adapters is NULL");
    std::vector<gemmakit::ActiveAdapter> set;
    for (size_t i = 0; i < n; ++i) {
      if (adapters[i] == nullptr) Fail(Status::kInvalidArgument, "adapters[" + std::to_string(i) + "] is NULL");
      set.push_back({adapters[i]->adapter, scales ? scales[i] : 1.f});
    }
    s.SetAdapters(set);
  });
}
