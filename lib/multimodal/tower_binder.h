// Binds an encoder tower's weights by canonical name and checks each against the shape its config
// implies: Linear weights become views into the mapped file, vectors are copied to float32. Errors
// name the tower ("vision", "audio") and the tensor. Every tensor bound is counted in n_params.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/tensor_index.h"
#include "kernels/matmul.h"

namespace gemmakit {

class TowerBinder {
 public:
  TowerBinder(const TensorIndex& tensors, const char* tower, size_t& n_params)
      : tensors_(tensors), tower_(tower), n_params_(n_params) {}

  // Throws Error(kFormatError) naming a missing or mis-shaped tensor, Error(kUnsupported) for a
  // misaligned one.
  const TensorEntry& Get(const std::string& name, const std::vector<int64_t>& shape);
  // A Linear weight [rows, cols], or a tensor of more dimensions read as one (a convolution's
  // [out, in · kernel...]). Throws as Get, and for a row that is not whole blocks of its type.
  MatrixView Matrix(const std::string& name, const std::vector<int64_t>& shape, int64_t rows, int64_t cols);
  MatrixView Linear(const std::string& name, int64_t rows, int64_t cols) { return Matrix(name, {rows, cols}, rows, cols); }
  // Any tensor, converted to float32.
  std::vector<float> Vector(const std::string& name, const std::vector<int64_t>& shape);

 private:
  const TensorIndex& tensors_;
  std::string tower_;
  size_t& n_params_;
};

}  // namespace gemmakit
