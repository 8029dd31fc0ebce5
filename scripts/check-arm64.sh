#!/usr/bin/env bash
# ARM64 without an ARM64 machine: cross-compiles every library source for aarch64 (warnings as
# errors, the dependencies' headers from this machine), then builds the NEON dot kernels with a
# check program statically and runs it under qemu-aarch64, once on a CPU model with the dot-product
# extension and once on one without. Not part of CI (a cross toolchain and qemu are extra
# installs); run it after touching kernels or anything architecture-specific.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v aarch64-linux-gnu-g++ >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    g++-aarch64-linux-gnu qemu-user >/dev/null
fi
OUT="${GEMMAKIT_ARM64_DIR:-build-arm64}"
mkdir -p "$OUT/obj"
CXX=aarch64-linux-gnu-g++
# Host headers only after the cross toolchain's own, for the header-only and C-API dependencies.
FLAGS=(-std=c++17 -O2 -Wall -Wextra -Werror -fPIC -Iinclude -Icapi -Ilib -idirafter /usr/include
       -idirafter /usr/include/eigen3 -idirafter /usr/include/stb -DGEMMAKIT_BUILDING -DGEMMAKIT_STATIC
       -DGEMMAKIT_VERSION_STRING=\"arm64-check\")
mapfile -t SOURCES < <(find lib capi -name '*.cc' ! -name 'x86_*' | sort)
echo "check-arm64: compiling ${#SOURCES[@]} sources for aarch64"
for f in "${SOURCES[@]}"; do
  extra=()
  [[ "$f" == *arm_neon_dotprod.cc ]] && extra=(-march=armv8.2-a+dotprod)
  "$CXX" "${FLAGS[@]}" "${extra[@]}" -c "$f" -o "$OUT/obj/$(echo "$f" | tr / _).o"
done
echo "check-arm64: building the NEON kernel check"
KERNELS=(lib/kernels/matmul/dot_scalar.cc lib/kernels/matmul/arm_neon.cc lib/kernels/dtype.cc
         lib/kernels/quant/quantize.cc lib/kernels/quant/dequantize.cc lib/kernels/quant/activation_q8.cc)
"$CXX" "${FLAGS[@]}" -static -c lib/kernels/matmul/arm_neon_dotprod.cc -march=armv8.2-a+dotprod -o "$OUT/dotprod.o"
"$CXX" "${FLAGS[@]}" -static tests/arm64/neon_dot_check.cc "${KERNELS[@]}" "$OUT/dotprod.o" -o "$OUT/neon_dot_check"
status=0
for cpu in max cortex-a57; do
  echo -n "check-arm64: qemu-aarch64 -cpu $cpu: "
  qemu-aarch64 -cpu "$cpu" "$OUT/neon_dot_check" || status=1
done
exit $status
