#!/usr/bin/env bash
# Builds the unit tests with ThreadSanitizer and runs the ones where threads meet: the thread
# pool, eight sessions on four threads sharing one model, batched decoding, cancellation from
# another thread, and the threaded bf16 kernels of fast precision (packed GEMM, block attention,
# image attention). Not part of CI (a third full build); run it after changing anything a model
# or session shares.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGEMMAKIT_WERROR=ON -DGEMMAKIT_TSAN=ON \
  -DGEMMAKIT_BUILD_BENCH=OFF
cmake --build build-tsan -j "$(nproc)" --target gemmakit_tests
TSAN_OPTIONS="halt_on_error=1" build-tsan/tests/gemmakit_tests \
  --gtest_filter='ThreadPool.*:ConcurrentSessions.*:*BatchDecode*:SessionStateTest.Cancel*:VisionKernels.FullAttention*:AttentionTest.BF16*:BF16*:FastPrecision.*:VisionGolden.FastPrecision*'
