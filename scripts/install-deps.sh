#!/usr/bin/env bash
# Installs the Debian 12 packages gemmakit builds, tests and benchmarks with. Idempotent: a second
# run finds everything present and touches nothing.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config
      libeigen3-dev libxnnpack-dev libpthreadpool-dev libcpuinfo-dev libabsl-dev
      libsentencepiece-dev nlohmann-json3-dev libstb-dev
      libsndfile1-dev libsoxr-dev libkissfft-dev
      libgtest-dev libgmock-dev libbenchmark-dev
      python3-numpy
      python3-jinja2   # renders the official chat templates the chat tests compare against
      clang libclang-rt-14-dev   # libFuzzer for the GGUF and safetensors parser fuzzers
      python3-pytest python3-setuptools python3-pip  # the Python bindings' pip install and tests
      golang-go                  # the Go bindings (cgo)
      libcpp-httplib-dev libssl-dev haproxy)  # gemmakit-serve, and its scale-out test behind HAProxy
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm install the JavaScript tokenizer the tokenizer tests compare against. Checked as
# commands, not packages: a Node from elsewhere (e.g. NodeSource's, which bundles npm and conflicts
# with Debian's npm package) is as good as Debian's.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# Rust for the Rust bindings: any cargo will do (rustup's or Debian's).
command -v cargo >/dev/null 2>&1 || [ -x "$HOME/.cargo/bin/cargo" ] || missing+=(cargo)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages, node and npm present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
