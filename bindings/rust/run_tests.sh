#!/usr/bin/env bash
# cargo test of the Rust bindings, offline, against the given build of libgemmakit. The crates are
# copied into WORK_DIR (cargo writes Cargo.lock and target/ there, never into the source tree).
# usage: run_tests.sh LIBGEMMAKIT_DIR TESTS_DATA_DIR WORK_DIR
set -euo pipefail
libdir=$(readlink -f "$1")
data=$(readlink -f "$2")
work=$3
here=$(cd "$(dirname "$0")" && pwd)
command -v cargo >/dev/null || export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null; then
  echo "SKIPPED: no cargo (scripts/install-deps.sh installs Debian's)"; exit 77
fi
mkdir -p "$work"
rm -rf "$work/src"
mkdir "$work/src"
cp -r "$here/Cargo.toml" "$here/gemmakit" "$here/gemmakit-sys" "$work/src/"
cd "$work/src"
GEMMAKIT_LIB_DIR="$libdir" LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  GEMMAKIT_TEST_DATA="$data" CARGO_TARGET_DIR="$work/target" cargo test --offline --quiet
