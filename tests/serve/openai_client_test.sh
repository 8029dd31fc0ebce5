#!/usr/bin/env bash
# gemmakit-serve driven by OpenAI's own JavaScript client (the npm package `openai`, pinned),
# on loopback. Exits 77 (ctest: skipped) when node or npm is missing or the package cannot be
# installed (offline); installs into a cache outside the repository (GEMMAKIT_NPM_CACHE).
#   openai_client_test.sh GEMMAKIT_SERVE TEST_DATA_DIR
set -euo pipefail
server=$1
data=$2
here=$(cd "$(dirname "$0")" && pwd)
version=4.104.0
prefix=${GEMMAKIT_NPM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/gemmakit/npm}/openai-$version

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "openai_client_test: $tool not found: skipped"; exit 77; }
done
installed() { node -e 'process.exit(require(process.argv[1] + "/node_modules/openai/package.json").version === process.argv[2] ? 0 : 1)' "$prefix" "$version" 2>/dev/null; }
if ! installed; then
  mkdir -p "$prefix"
  exec 9>"$prefix/.lock"
  flock 9
  if ! installed; then
    [ -f "$prefix/package.json" ] || echo '{"name": "gemmakit-serve-test", "private": true}' >"$prefix/package.json"
    npm install --prefix "$prefix" --no-audit --no-fund --save-exact --loglevel=error "openai@$version" ||
      { echo "openai_client_test: npm could not install openai@$version (offline?): skipped"; exit 77; }
  fi
  exec 9>&-
fi

log=$(mktemp)
"$server" "$data/gemma3-mini" --port 0 --api-key test-key >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do
  url=$(sed -n 's|.*\(http://[0-9.]*:[0-9]*\)/v1.*|\1|p' "$log")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$log"; echo "openai_client_test: the server did not start"; exit 1; }
NODE_PATH="$prefix/node_modules" node "$here/openai_client_test.mjs" "$url/v1" "$prefix/node_modules/openai/index.mjs"
