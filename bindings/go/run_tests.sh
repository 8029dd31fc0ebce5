#!/usr/bin/env bash
# go test of the cgo package against the given build of libgemmakit (caches under WORK_DIR).
# usage: run_tests.sh LIBGEMMAKIT_DIR CAPI_INCLUDE_DIR TESTS_DATA_DIR WORK_DIR
set -euo pipefail
libdir=$(readlink -f "$1")
include=$(readlink -f "$2")
data=$(readlink -f "$3")
work=$4
mkdir -p "$work"
work=$(readlink -f "$work")
cd "$(dirname "$0")"
if ! command -v go >/dev/null; then
  echo "SKIPPED: no go (scripts/install-deps.sh installs golang-go)"; exit 77
fi
export GOCACHE="$work/gocache" GOPATH="$work/gopath" GOFLAGS=-mod=mod GOTOOLCHAIN=local GOPROXY=off
export CGO_ENABLED=1 CGO_CFLAGS="-I$include" CGO_LDFLAGS="-L$libdir -Wl,-rpath,$libdir"
GEMMAKIT_TEST_DATA="$data" go test -count=1 ./...
