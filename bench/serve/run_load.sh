#!/usr/bin/env bash
# Starts gemmakit-serve on a free loopback port and runs load.mjs against it: C concurrent
# streaming clients x R requests, throughput, p50/p99 time to first token, failed and
# cross-talked replies. Exits 77 without node.
#   run_load.sh GEMMAKIT_SERVE MODEL_DIR [CLIENTS=32] [REQUESTS=20] [MAX_TOKENS=16] [-- server options]
set -euo pipefail
server=$1
model=$2
clients=${3:-32}
requests=${4:-20}
max_tokens=${5:-16}
shift $(( $# < 5 ? $# : 5 ))
[ "${1:-}" = "--" ] && shift
command -v node >/dev/null || { echo "run_load: node not found: skipped"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
"$server" "$model" --port 0 "$@" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do
  line=$(grep -m1 "http://" "$log" || true)
  [ -n "$line" ] && break
  sleep 0.1
done
url=$(sed -n 's|.*\(http://[0-9.]*:[0-9]*\)/v1.*|\1|p' <<<"$line")
name=$(sed -n "s|.*model '\(.*\)' at.*|\1|p" <<<"$line")
[ -n "$url" ] || { cat "$log"; echo "run_load: the server did not start"; exit 1; }
node "$here/load.mjs" --url "$url" --model "$name" --clients "$clients" --requests "$requests" --max-tokens "$max_tokens"
curl -s "$url/metrics" | grep -E "^gemmakit_(requests_total|generated_tokens_total|prompt_tokens_reused_total|decode_tokens_per_second|errors_total)"
