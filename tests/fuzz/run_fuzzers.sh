#!/usr/bin/env bash
# Builds the libFuzzer targets with Clang in their own build directory and runs each for a bounded
# time, seeded with the real model files under tests/data. Exits non-zero when a build fails or a
# fuzzer finds a crash, leak, timeout or broken invariant (the reproducer is kept under
# $BUILD/artifacts/<fuzzer>/).
#
# Needs (Debian 12): clang, libclang-rt-14-dev (libFuzzer and the sanitizer runtimes; only
# "recommended" by clang-14, so absent after --no-install-recommends), cmake, ninja-build,
# nlohmann-json3-dev.
#
# Environment:
#   GEMMAKIT_FUZZ_TIME       seconds per fuzzer (default 60)
#   GEMMAKIT_FUZZ_BUILD_DIR  build directory (default build-fuzz at the repository root)
#   GEMMAKIT_FUZZ_ARGS       extra libFuzzer flags, e.g. "-jobs=2 -workers=2"
#   GEMMAKIT_FUZZ_KEEP_CORPUS=1  keep what earlier runs found ($BUILD/corpus) instead of
#                            starting from the seeds alone (the default, so runs are comparable)
#   CC, CXX                  compilers (default clang, clang++)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${GEMMAKIT_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
TIME="${GEMMAKIT_FUZZ_TIME:-60}"
EXTRA_ARGS="${GEMMAKIT_FUZZ_ARGS:-}"
export CC="${CC:-clang}" CXX="${CXX:-clang++}"

if ! command -v "$CXX" >/dev/null; then
  echo "run_fuzzers: $CXX not found; install clang and libclang-rt-14-dev" >&2
  exit 2
fi
# Fail early, and clearly, when the compiler has no libFuzzer runtime.
probe_dir="$(mktemp -d)"
trap 'rm -rf "$probe_dir"' EXIT
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' \
  > "$probe_dir/probe.cc"
if ! "$CXX" -fsanitize=fuzzer,address,undefined "$probe_dir/probe.cc" -o "$probe_dir/probe" \
     >"$probe_dir/log" 2>&1; then
  cat "$probe_dir/log" >&2
  echo "run_fuzzers: $CXX cannot link a libFuzzer target; install libclang-rt-14-dev" >&2
  exit 2
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$ROOT/tests/fuzz" -B "$BUILD" "${generator[@]}" -DGEMMAKIT_BUILD_FUZZERS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --parallel "$(nproc)"

# name, then the seed files.
run() {
  local name="$1"
  shift
  local corpus="$BUILD/corpus/$name" seeds="$BUILD/seeds/$name" artifacts="$BUILD/artifacts/$name"
  rm -rf "$seeds" "$artifacts"
  [ "${GEMMAKIT_FUZZ_KEEP_CORPUS:-0}" = 1 ] || rm -rf "$corpus"
  mkdir -p "$corpus" "$seeds" "$artifacts"
  local f
  for f in "$@"; do  # model.safetensors is in many folders: name each seed by its path
    local rel="${f#"$ROOT/tests/data/"}"
    cp "$f" "$seeds/${rel//\//_}"
  done
  echo "== $name: ${TIME}s, $(ls "$seeds" | wc -l) seeds, corpus $corpus" >&2
  # The first directory collects new inputs; the seeds are only read.
  # shellcheck disable=SC2086
  if ! ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
       "$BUILD/$name" -max_total_time="$TIME" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$artifacts/" $EXTRA_ARGS "$corpus" "$seeds" 2>"$BUILD/$name.log"; then
    tail -n 60 "$BUILD/$name.log" >&2
    echo "run_fuzzers: $name FAILED; reproducer(s): $(ls "$artifacts")" >&2
    return 1
  fi
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)|^#[0-9]+ +DONE' \
    "$BUILD/$name.log" >&2 || true
  if [ -n "$(ls -A "$artifacts")" ]; then
    echo "run_fuzzers: $name left artifacts: $(ls "$artifacts")" >&2
    return 1
  fi
}

status=0
mapfile -t gguf_seeds < <(find "$ROOT/tests/data" -name '*.gguf' | sort)
mapfile -t st_seeds < <(find "$ROOT/tests/data" -name '*.safetensors' | sort)
run gguf_fuzz "${gguf_seeds[@]}" || status=1
run safetensors_fuzz "${st_seeds[@]}" || status=1
# Saved sessions: no seed files; the fuzzer builds valid blobs from its inputs itself.
run session_state_fuzz || status=1
[ "$status" = 0 ] && echo "run_fuzzers: no crashes" >&2
exit "$status"
