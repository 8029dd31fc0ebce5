#!/usr/bin/env bash
# Installs gemmakit from an existing build and builds programs against the installed trees only:
#  1. shared: a C99 program compiled by hand with -I/-L (nothing but the installed header and
#     library), the same through find_package(gemmakit CONFIG) and through pkg-config;
#  2. static: the build's libgemmakit_core.a packaged as libgemmakit.a (-DBUILD_SHARED_LIBS=OFF,
#     GEMMAKIT_CORE_ARCHIVE: no recompilation), its global symbols checked, then a C program
#     (pkg-config --static) and a C++ host with clashing names (CMake) linked against it.
# All of them generate the same greedy text from the tiny test model (the static ones compare
# with the build tree's shared library run by hand).
# usage: run_package_tests.sh BUILD_DIR SOURCE_DIR shared|static
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
mode=$3
model="$src/tests/data/gemma3-tiny"
here="$src/tests/package"
work=$(mktemp -d "${TMPDIR:-/tmp}/gemmakit-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc=${CC:-cc}
cxx=${CXX:-c++}
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
# Runs a command quietly; shows its output only when it fails.
quiet() {
  if ! "$@" > "$work/last.log" 2>&1; then
    cat "$work/last.log"; echo "failed: $*"; return 1
  fi
}

if [ "$mode" = static ]; then
  # The reference text: the same C program against the build tree's shared library.
  "$cc" -std=c99 -I"$src/capi" "$src/tests/package/consumer.c" -L"$build" -lgemmakit -Wl,-rpath,"$build" \
    -o "$work/by_hand"
  "$work/by_hand" "$model" > "$work/by_hand.txt"
else
echo "--- install the shared build"
quiet cmake --install "$build" --prefix "$work/shared"
libdir=$(dirname "$(find "$work/shared" -name 'libgemmakit.so' | head -1)")
test -f "$work/shared/include/gemmakit.h"
test -f "$libdir/cmake/gemmakit/gemmakitConfig.cmake"
test -f "$libdir/pkgconfig/gemmakit.pc"
# The SONAME carries the ABI version.
abi=$(sed -n 's/^#define GEMMAKIT_ABI_VERSION \([0-9]*\).*/\1/p' "$work/shared/include/gemmakit.h")
readelf -d "$libdir/libgemmakit.so" | grep -q "SONAME.*libgemmakit.so.$abi\]"

echo "--- the installed header alone, as C99 and C++ with warnings as errors"
printf '#include "gemmakit.h"\nint main(void) { return gemmakit_abi_version() == GEMMAKIT_ABI_VERSION ? 0 : 1; }\n' > "$work/header.c"
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$work/shared/include" "$work/header.c"
"$cxx" -x c++ -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$work/shared/include" "$work/header.c"

echo "--- a C program with only the installed header and library"
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -I"$work/shared/include" "$here/consumer.c" \
  -L"$libdir" -lgemmakit -Wl,-rpath,"$libdir" -o "$work/by_hand"
"$work/by_hand" "$model" > "$work/by_hand.txt"
cat "$work/by_hand.txt"

echo "--- find_package(gemmakit CONFIG REQUIRED)"
quiet cmake -S "$here/cmake_consumer" -B "$work/cmake_shared" "${gen[@]}" -DCMAKE_PREFIX_PATH="$work/shared"
quiet cmake --build "$work/cmake_shared"
"$work/cmake_shared/consumer_c" "$model" > "$work/cmake_shared.txt"
diff "$work/by_hand.txt" "$work/cmake_shared.txt"

echo "--- pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Wextra -Werror "$here/consumer.c" $(pkg-config --cflags --libs gemmakit) \
  -Wl,-rpath,"$libdir" -o "$work/pkgconfig"
"$work/pkgconfig" "$model" > "$work/pkgconfig.txt"
diff "$work/by_hand.txt" "$work/pkgconfig.txt"
echo "package tests (shared) passed"
exit 0
fi

echo "--- static library (BUILD_SHARED_LIBS=OFF) from the build's gemmakit_core"
quiet cmake -S "$src" -B "$work/static_build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DGEMMAKIT_BUILD_TESTS=OFF -DGEMMAKIT_BUILD_BENCH=OFF -DGEMMAKIT_BUILD_EXAMPLES=OFF \
  -DGEMMAKIT_CORE_ARCHIVE="$build/libgemmakit_core.a"
quiet cmake --build "$work/static_build" --target gemmakit
quiet cmake --install "$work/static_build" --prefix "$work/static"
slib=$(find "$work/static" -name 'libgemmakit.a' | head -1)
test -n "$slib"
test -z "$(find "$work/static" -name 'libgemmakit.so*')"
# Global symbols: the C ABI, weak/unique template instantiations (std::, nlohmann::, inline
# variables), nothing strong outside gemmakit_*.
strong=$(nm -g --defined-only "$slib" | awk 'NF == 3 && $2 ~ /^[TDBR]$/ && $3 !~ /^gemmakit_/ {print $3}')
if [ -n "$strong" ]; then
  echo "libgemmakit.a exports non-gemmakit_ symbols:"; echo "$strong" | c++filt | head -20
  exit 1
fi
echo "libgemmakit.a: $(nm -g --defined-only "$slib" | grep -c ' T gemmakit_') gemmakit_* functions, no other strong globals"

export PKG_CONFIG_PATH="$(dirname "$slib")/pkgconfig"
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Wextra -Werror "$here/consumer.c" $(pkg-config --static --cflags --libs gemmakit) -o "$work/static_c"
"$work/static_c" "$model" > "$work/static_c.txt"
diff "$work/by_hand.txt" "$work/static_c.txt"
if ldd "$work/static_c" | grep -q libgemmakit; then echo "static_c links libgemmakit dynamically"; exit 1; fi

quiet cmake -S "$here/cmake_consumer" -B "$work/cmake_static" "${gen[@]}" -DCMAKE_PREFIX_PATH="$work/static"
quiet cmake --build "$work/cmake_static"
"$work/cmake_static/consumer_c" "$model" > "$work/cmake_static.txt"
diff "$work/by_hand.txt" "$work/cmake_static.txt"
"$work/cmake_static/consumer_static_cxx" "$model"
echo "package tests (static) passed"
