#!/usr/bin/env bash
# Installs dependencies, builds with warnings as errors, and runs every test twice: in a release
# build and in an AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)
for variant in release asan; do
  dir="build-$variant"
  opts=(-DCMAKE_BUILD_TYPE=Release -DGEMMAKIT_WERROR=ON)
  if [ "$variant" = asan ]; then
    # Benchmarks are not run under the sanitizers; skip building them there.
    opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DGEMMAKIT_WERROR=ON -DGEMMAKIT_SANITIZE=ON -DGEMMAKIT_BUILD_BENCH=OFF)
  fi
  echo "=== $variant build ==="
  cmake -S . -B "$dir" -G Ninja "${opts[@]}"
  cmake --build "$dir" -j "$jobs"
  echo "=== $variant tests ==="
  (cd "$dir" && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j "$jobs")
  if [ "$variant" = release ] && grep -q avx512f /proc/cpuinfo 2>/dev/null; then
    # Most users' CPUs stop at AVX2: on an AVX-512 host, every test again on the AVX2 tier (a
    # batch-order difference in an AVX2 kernel once failed only on AVX2 hosts).
    echo "=== release tests, GEMMAKIT_ISA=avx2 ==="
    (cd "$dir" && GEMMAKIT_ISA=avx2 ctest --output-on-failure -j "$jobs" -E '^matmul_tier_')
  fi
done
echo "=== fuzzers (GGUF, safetensors; ${GEMMAKIT_FUZZ_TIME:-20} s each) ==="
GEMMAKIT_FUZZ_TIME="${GEMMAKIT_FUZZ_TIME:-20}" bash tests/fuzz/run_fuzzers.sh
echo "all tests passed"
