#!/usr/bin/env bash
# Decode and prompt speed with the cores shared (issue 15): `gemmakit bench` at 1 and 2 threads,
# first on an idle machine, then with busy processes (`yes > /dev/null`) holding the cores, as an
# application embedding the library would. A thread pool whose waiting collapses when its threads
# are descheduled shows it here as 2 threads falling far below 1 thread under load.
#
#   bash bench/under_load.sh [-b NAME=BINARY]... [-m MODEL]... [-t THREADS]... [-H HOGS] [-r REPS]
#                            [-p PROMPT] [-n GEN] [-P PRECISION] [-T SECONDS]
#
# Defaults: build/examples/gemmakit, the bundled tests/data/gemma3-tiny, threads 1 and 2,
# as many hogs as cores, 2 reps of -p 64 -n 32, the CLI's default precision (-P fast: llama.cpp's
# arithmetic). A BINARY named llama-bench (llama.cpp, ik_llama.cpp) runs as an anchor on the same
# GGUF models. A run past -T seconds (default 600) is stopped and shown as "timeout". Prints a
# markdown table, one row per binary × model × threads, with the 1-minute load average before each run.
set -euo pipefail
cd "$(dirname "$0")/.."

bins=() models=() threads=() hogs=$(nproc) reps=2 pp=64 tg=32 precision="" limit=600
while getopts "b:m:t:H:r:p:n:P:T:" opt; do
  case $opt in
    b) bins+=("$OPTARG") ;;
    m) models+=("$OPTARG") ;;
    t) threads+=("$OPTARG") ;;
    H) hogs=$OPTARG ;;
    r) reps=$OPTARG ;;
    p) pp=$OPTARG ;;
    n) tg=$OPTARG ;;
    P) precision=$OPTARG ;;
    T) limit=$OPTARG ;;
    *) sed -n 2,14p "$0"; exit 2 ;;
  esac
done
[[ ${#bins[@]} -gt 0 ]] || bins=("gemmakit=build/examples/gemmakit")
[[ ${#models[@]} -gt 0 ]] || models=("tests/data/gemma3-tiny")
[[ ${#threads[@]} -gt 0 ]] || threads=(1 2)

hog_pids=()
stop_hogs() {
  for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${hog_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  hog_pids=()
}
trap stop_hogs EXIT

# One run: prints "pp t/s|tg t/s" from the bench's table (llama-bench: from its CSV).
run_one() {
  local bin=$1 model=$2 t=$3 out
  if [[ $(basename "$bin") == llama-bench ]]; then
    out=$(timeout "$limit" "$bin" -m "$model" -p "$pp" -n "$tg" -r "$reps" -t "$t" -o csv 2>/dev/null) || true
    python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
ts = lambda key: next(("%.1f" % float(r["avg_ts"]) for r in rows if int(r[key]) > 0), "timeout")
print(ts("n_prompt") + "|" + ts("n_gen"))' <<< "$out"
    return
  fi
  local args=(bench --model "$model" -p "$pp" -n "$tg" --reps "$reps" --threads "$t")
  [[ -z $precision ]] || args+=(--precision "$precision")
  out=$(timeout "$limit" "$bin" "${args[@]}" 2>/dev/null) || true
  awk -F'|' '/^\| pp/ {pp=$3} /^\| tg/ {tg=$3}
    END {gsub(/^ +| +$/, "", pp); gsub(/^ +| +$/, "", tg); print (pp == "" ? "timeout" : pp) "|" (tg == "" ? "timeout" : tg)}' <<< "$out"
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; hogs: $hogs"
echo
echo "| load | binary | model | threads | pp$pp t/s | tg$tg t/s | loadavg (1 min) |"
echo "|------|--------|-------|---------|-----------|-----------|-----------------|"
for load in idle busy; do
  if [[ $load == busy ]]; then
    for ((i = 0; i < hogs; ++i)); do yes > /dev/null & hog_pids+=($!); done
    sleep 1
  fi
  for model in "${models[@]}"; do
    for t in "${threads[@]}"; do
      for b in "${bins[@]}"; do
        name=${b%%=*} bin=${b#*=}
        la=$(cut -d' ' -f1 /proc/loadavg)
        r=$(run_one "$bin" "$model" "$t")
        echo "| $load | $name | $(basename "$model") | $t | ${r%%|*} | ${r#*|} | $la |"
      done
    done
  done
  stop_hogs
done
