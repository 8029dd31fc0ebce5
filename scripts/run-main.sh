#!/usr/bin/env bash
# Installs dependencies, builds, and generates text with the CLI: from the model named by
# GEMMAKIT_MODEL, or from the tiny Gemma 3 checkpoint bundled in tests/data (random weights, so
# its text is gibberish, but every part of the pipeline runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGEMMAKIT_BUILD_TESTS=OFF -DGEMMAKIT_BUILD_BENCH=OFF
cmake --build build --target gemmakit_cli
model="${GEMMAKIT_MODEL:-tests/data/gemma3-tiny}"
build/examples/gemmakit info --model "$model"
build/examples/gemmakit generate --model "$model" --prompt "${GEMMAKIT_PROMPT:-Write a haiku about the sea.}" \
  --max-tokens "${GEMMAKIT_MAX_TOKENS:-64}" --seed 42
