#include "gemmakit/adapter.h"

#include <cmath>

#include "gemmakit/status.h"
#include "runtime/adapter_impl.h"
#include "runtime/model_identity.h"
#include "runtime/model_impl.h"

namespace gemmakit {

namespace {

// Every factor's type, shape and bytes, and the scaling (adapters are megabytes: hashed once, at load).
uint64_t WeightsIdentity(const LoraWeights& w) {
  Hash64 h;
  h.AddValue(w.scaling);
  h.AddValue(w.rank);
  for (const auto& layer : w.layers) {
    for (const LoraFactors& f : layer) {
      for (const MatrixView* m : {&f.a, &f.b}) {
        h.AddValue(static_cast<int32_t>(m->dtype));
        h.AddValue(static_cast<uint64_t>(m->rows));
        h.AddValue(static_cast<uint64_t>(m->cols));
        if (m->rows && m->data) h.Add(m->data, DTypeBytes(m->dtype, m->rows * m->cols));
      }
    }
  }
  return h.value();
}

}  // namespace

std::shared_ptr<const Adapter> Adapter::Load(std::shared_ptr<const Model> model, const std::string& dir) {
  if (!model) Fail(Status::kInvalidArgument, "adapter: model is null");
  auto impl = std::make_unique<Impl>();
  impl->checkpoint = OpenLoraCheckpoint(dir);
  impl->weights = std::make_shared<const LoraWeights>(
      BindLoraWeights(model->impl().weights, impl->checkpoint.tensors, impl->checkpoint.scaling));
  impl->model = std::move(model);
  impl->identity = WeightsIdentity(*impl->weights);
  return std::shared_ptr<const Adapter>(new Adapter(std::move(impl)));
}

uint64_t AdapterSetIdentity(const std::vector<ActiveAdapter>& adapters) {
  if (adapters.empty()) return 0;
  Hash64 h;
  h.AddValue(static_cast<uint64_t>(adapters.size()));
  for (const ActiveAdapter& a : adapters) {
    h.AddValue(a.adapter ? a.adapter->impl().identity : 0);
    h.AddValue(a.scale);
  }
  return h.value() == 0 ? 1 : h.value();
}

Adapter::Adapter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Adapter::~Adapter() = default;

const std::string& Adapter::path() const { return impl_->checkpoint.dir; }
int64_t Adapter::rank() const { return impl_->weights->rank; }
double Adapter::scaling() const { return impl_->checkpoint.scaling; }
const Model& Adapter::model() const { return *impl_->model; }

LoraSet ToLoraSet(const Model& model, const std::vector<ActiveAdapter>& adapters) {
  LoraSet set;
  for (size_t i = 0; i < adapters.size(); ++i) {
    const ActiveAdapter& a = adapters[i];
    const std::string which = "adapter " + std::to_string(i);
    if (!a.adapter) Fail(Status::kInvalidArgument, which + " is null");
    if (&a.adapter->model() != &model) {
      Fail(Status::kInvalidArgument, which + " (" + a.adapter->path() + ") was loaded for another model");
    }
    if (!std::isfinite(a.scale)) Fail(Status::kInvalidArgument, which + " has a scale that is not finite");
    set.push_back({a.adapter->impl().weights, a.scale});
  }
  return set;
}

void MergeAdaptersAtLoad(ModelWeights& weights, const std::vector<MergedAdapter>& adapters, bool converted,
                         Executor* ex) {
  for (const MergedAdapter& a : adapters) {
    if (!std::isfinite(a.scale)) Fail(Status::kInvalidArgument, "merged adapter " + a.path + " has a scale that is not finite");
    const LoraCheckpoint ck = OpenLoraCheckpoint(a.path);
    MergeLoraWeights(weights, BindLoraWeights(weights, ck.tensors, ck.scaling), a.scale, converted, ex);
  }
}

}  // namespace gemmakit
