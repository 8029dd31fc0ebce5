#!/usr/bin/env bash
# Scale-out on an existing balancer: two gemmakit-serve replicas behind HAProxy
# (packaging/haproxy/gemmakit-serve.cfg) on loopback. Streaming clients load the balancer; one
# replica is killed (SIGKILL) mid-run. Passes when every failed request was in flight at the
# kill, none started after it failed, no reply was cross-talked, and the balancer still answers.
# Exits 77 (ctest: skipped) without haproxy or node.
#   scaleout_test.sh GEMMAKIT_SERVE TEST_DATA_DIR [CLIENTS REQUESTS]
set -euo pipefail
server=$1
data=$2
clients=${3:-8}
requests=${4:-8}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for tool in haproxy node; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "scaleout_test: $tool not found: skipped"; exit 77; }
done
haproxy=$(command -v haproxy || echo /usr/sbin/haproxy)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_replica() {  # prints host:port
  "$server" "$data/gemma3-mini" --port 0 --parallel 4 >"$work/$1.log" 2>&1 &
  pids+=($!)
  echo $! >"$work/$1.pid"
  for _ in $(seq 100); do
    addr=$(sed -n 's|.*http://\([0-9.]*:[0-9]*\)/v1.*|\1|p' "$work/$1.log")
    [ -n "$addr" ] && { echo "$addr"; return; }
    sleep 0.1
  done
  cat "$work/$1.log" >&2
  exit 1
}
r1=$(start_replica replica1)
r2=$(start_replica replica2)
lb_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
GEMMAKIT_LB_BIND=127.0.0.1:$lb_port GEMMAKIT_REPLICA_1=$r1 GEMMAKIT_REPLICA_2=$r2 \
  "$haproxy" -db -f "$root/packaging/haproxy/gemmakit-serve.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$lb_port/health" >/dev/null && break
  sleep 0.1
done
echo "scaleout_test: replicas $r1 $r2 behind HAProxy at 127.0.0.1:$lb_port"

set +e
node "$root/bench/serve/load.mjs" --url "http://127.0.0.1:$lb_port" --model gemma3-mini --clients "$clients" \
  --requests "$requests" --max-tokens 48 --kill-pid "$(cat "$work/replica1.pid")" \
  --kill-after $((clients * requests / 3)) --allow-failures >"$work/report.json"
rc=$?
set -e
cat "$work/report.json"
[ $rc -eq 0 ] || { echo "scaleout_test: load failed (cross-talk or a bad reference run)"; exit 1; }
python3 - "$work/report.json" "$clients" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
clients = int(sys.argv[2])
problems = []
if r["cross_talked"]:
    problems.append("cross-talked replies")
if r["failed_after_kill"]:
    problems.append(f"{r['failed_after_kill']} request(s) started after the kill failed")
if r["failed"] > clients:
    problems.append(f"{r['failed']} failures: more than could be in flight ({clients})")
after = r["served_by_replica"]["after_kill"]
if after.get("replica1") or not after.get("replica2"):
    problems.append(f"requests started after the kill were not all served by replica2: {after}")
if not r["served_by_replica"]["before_kill"].get("replica1"):
    problems.append("replica1 served nothing before the kill")
if any(rep not in ("replica1", "") for rep in r["failed_replicas"]):
    problems.append(f"failures on the surviving replica: {r['failed_replicas']}")
print(f"scaleout_test: {r['total'] - r['failed']} of {r['total']} requests served, {r['failed']} lost in flight on "
      f"the killed replica, 0 after the kill; served {r['served_by_replica']}" if not problems else "scaleout_test: " + "; ".join(problems))
sys.exit(1 if problems else 0)
PY
curl -sf "http://127.0.0.1:$lb_port/v1/models" >/dev/null || { echo "scaleout_test: the balancer stopped answering"; exit 1; }
# fall 2 x inter 1s: the health check takes the dead replica out within a few seconds.
for _ in $(seq 100); do
  grep -q "replica1 is DOWN" "$work/haproxy.log" && { echo "scaleout_test: HAProxy's health check took replica1 out"; exit 0; }
  sleep 0.1
done
cat "$work/haproxy.log"
echo "scaleout_test: HAProxy never marked replica1 down"
exit 1
