// Load-time moves of the weights (model/repack.h): dense matrices read in place from a file mapping
// are copied out of it, byte for byte, and a tied embedding follows its output matrix; matrices the
// loader already owns stay where they are.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "io/mapped_file.h"
#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "model/repack.h"
#include "model/weights.h"
#include "runtime/thread_pool.h"
#include "test_util.h"

namespace gemmakit {
namespace {

bool Inside(const void* p, const AlignedBytes& arena) {
  const auto* b = static_cast<const uint8_t*>(p);
  return arena.data && b >= arena.data.get() && b < arena.data.get() + arena.size;
}

TEST(RepackWeights, MovesMappedDenseMatricesOutOfTheMapping) {
  test::ScratchDirs dirs;
  const size_t rows = 300, cols = 64;
  // The file: a BF16 output matrix (tied to the embedding), then an F32 down projection.
  std::vector<uint16_t> head(rows * cols);
  std::vector<float> down(cols * rows);
  for (size_t i = 0; i < head.size(); ++i) head[i] = F32ToBF16(static_cast<float>(i % 97) * 0.01f - 0.4f);
  for (size_t i = 0; i < down.size(); ++i) down[i] = static_cast<float>(i % 13) * 0.1f;
  std::string bytes(reinterpret_cast<const char*>(head.data()), head.size() * 2);
  bytes.append(reinterpret_cast<const char*>(down.data()), down.size() * 4);
  const std::string path = dirs.Make("repack") + "/weights.bin";
  test::WriteFile(path, bytes);
  const std::shared_ptr<const MappedFile> file = MappedFile::Open(path);

  ModelWeights w;
  w.lm_head = MatrixView{DType::kBF16, file->data(), rows, cols};
  w.embed = w.lm_head;
  w.layers.resize(1);
  w.layers[0].down_proj = MatrixView{DType::kF32, file->data() + head.size() * 2, cols, rows};
  // A matrix converted at load (owned): already in the process's memory, not moved.
  std::vector<float> up_values(rows * cols, 0.25f);
  w.owned.emplace_back(reinterpret_cast<const uint8_t*>(up_values.data()),
                       reinterpret_cast<const uint8_t*>(up_values.data()) + up_values.size() * 4);
  w.layers[0].up_proj = MatrixView{DType::kF32, w.owned.back().data(), rows, cols};

  ThreadPool pool(2);
  RepackWeights(w, &pool);

  ASSERT_TRUE(Inside(w.lm_head.data, w.relocated));
  ASSERT_TRUE(Inside(w.layers[0].down_proj.data, w.relocated));
  EXPECT_EQ(w.embed.data, w.lm_head.data) << "a tied embedding reads the moved output matrix";
  EXPECT_EQ(w.layers[0].up_proj.data, w.owned.back().data());
  EXPECT_EQ(std::memcmp(w.lm_head.data, head.data(), head.size() * 2), 0);
  EXPECT_EQ(std::memcmp(w.layers[0].down_proj.data, down.data(), down.size() * 4), 0);

  // Products read the moved bytes: the same as from the file.
  const MatrixView from_file{DType::kBF16, file->data(), rows, cols};
  std::vector<float> x(cols, 0.5f), want(rows), got(rows);
  MatMul(x.data(), 1, from_file, want.data(), &pool);
  MatMul(x.data(), 1, w.lm_head, got.data(), &pool);
  EXPECT_EQ(want, got);
}

}  // namespace
}  // namespace gemmakit
