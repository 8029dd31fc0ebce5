#!/usr/bin/env bash
# The gemmakit CLI's contract: what it prints, what it writes, and its exit codes
# (0 ok, 1 a library error with a message on stderr, 2 a usage error).
# Usage: cli_test.sh PATH_TO_GEMMAKIT_CLI DATA_DIR
set -u

if [[ $# -ne 2 ]]; then
  echo "usage: $0 GEMMAKIT_CLI DATA_DIR" >&2
  exit 2
fi
CLI=$1
DATA=$2
MODEL=$DATA/gemma3-tiny
TEXT="The quick brown fox jumps over the lazy dog."
GOLDEN_IDS="2,366,424,345,428,335,318,373,426,277,427,539,424,497,435,310,432,320,324,288,287,540,454,359,427,448,439"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gemmakit_cli_test_XXXXXX")
trap 'rm -rf "$WORK"' EXIT
unset GEMMAKIT_MODEL

failures=0
checks=0
fail() {
  echo "FAIL (line ${BASH_LINENO[1]}): $*" >&2
  failures=$((failures + 1))
}

# run ARGS...: runs the CLI; sets rc, and OUT / ERR to its stdout / stderr.
run() {
  "$CLI" "$@" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
}

expect_rc() {
  checks=$((checks + 1))
  if [[ $rc -ne $1 ]]; then
    fail "'$CMD' exited $rc, expected $1; stdout: '$OUT'; stderr: '$ERR'"
  fi
}

expect_eq() {  # what got want
  checks=$((checks + 1))
  if [[ "$2" != "$3" ]]; then
    fail "'$CMD': $1 is '$2', expected '$3'"
  fi
}

# expect_floats_near GOT WANT TOLERANCE: two raw float32 files of equal length, every value within
# TOLERANCE (skipped without python3).
expect_floats_near() {
  command -v python3 >/dev/null 2>&1 || return 0
  checks=$((checks + 1))
  if ! python3 - "$1" "$2" "$3" <<'EOF'; then
import array, sys
a, b = array.array("f"), array.array("f")
a.frombytes(open(sys.argv[1], "rb").read())
b.frombytes(open(sys.argv[2], "rb").read())
worst = max(abs(x - y) for x, y in zip(a, b)) if len(a) == len(b) else float("inf")
sys.exit(0 if worst <= float(sys.argv[3]) else 1)
EOF
    fail "'$CMD': $1 differs from $2 by more than $3"
  fi
}

expect_contains() {  # what haystack needle
  checks=$((checks + 1))
  if [[ "$2" != *"$3"* ]]; then
    fail "'$CMD': $1 lacks '$3': '$2'"
  fi
}

# --- tokenize: the golden ids, with and without <bos> ---------------------------------------------
CMD="tokenize"
run tokenize --model "$MODEL" --text "$TEXT"
expect_rc 0
expect_eq stdout "$OUT" "$GOLDEN_IDS"
expect_eq stderr "$ERR" ""

CMD="tokenize --no-bos"
run tokenize --model "$MODEL" --text "$TEXT" --no-bos
expect_rc 0
expect_eq stdout "$OUT" "${GOLDEN_IDS#2,}"

CMD="tokenize --model=DIR (inline value)"
run tokenize --model="$MODEL" --text="$TEXT"
expect_rc 0
expect_eq stdout "$OUT" "$GOLDEN_IDS"

CMD="tokenize with GEMMAKIT_MODEL"
GEMMAKIT_MODEL=$MODEL run tokenize --text "$TEXT"
expect_rc 0
expect_eq stdout "$OUT" "$GOLDEN_IDS"

CMD="tokenize --parse-special"
run tokenize --model "$MODEL" --text "<bos>Hi" --no-bos --parse-special
expect_rc 0
expect_eq "first id" "${OUT%%,*}" "2"

CMD="tokenize without --text"
run tokenize --model "$MODEL"
expect_rc 2
expect_contains stderr "$ERR" "--text"

# --- logits: a raw float32 [n, vocab] file ---------------------------------------------------------
CMD="logits --out"
run logits --model "$MODEL" --tokens "$GOLDEN_IDS" --out "$WORK/logits.f32"
expect_rc 0
n_ids=$(tr ',' '\n' <<<"$GOLDEN_IDS" | wc -l)
size=$(stat -c %s "$WORK/logits.f32" 2>/dev/null || echo missing)
expect_eq "size of the logits file" "$size" "$((n_ids * 640 * 4))"
# The file holds the golden logits (within float noise): compare the raw bytes as floats.
expect_floats_near "$WORK/logits.f32" "$MODEL/english.logits.f32" 1e-3

# --- logits --lora DIR[:SCALE]: PEFT adapters at run time, against PEFT's logits -------------------
LORA=$DATA/gemma3-lora-tiny
for spec in "adapter1_scale0.5|--lora $LORA/adapters/adapter1:0.5" \
            "adapter1+adapter2|--lora $LORA/adapters/adapter1 --lora $LORA/adapters/adapter2"; do
  CMD="logits ${spec#*|}"
  # shellcheck disable=SC2086
  run logits --model "$LORA" --tokens "$GOLDEN_IDS" --out "$WORK/lora.f32" ${spec#*|}
  expect_rc 0
  checks=$((checks + 1))
  if ! python3 - "$WORK/lora.f32" "$LORA/english.${spec%%|*}.logits.f32" <<'EOF'; then
import array, sys
a, b = array.array("f"), array.array("f")
a.frombytes(open(sys.argv[1], "rb").read())
b.frombytes(open(sys.argv[2], "rb").read())
sys.exit(0 if len(a) == len(b) and max(abs(x - y) for x, y in zip(a, b)) <= 1e-3 else 1)
EOF
    fail "'$CMD': the logits differ from PEFT's"
  fi
done
CMD="logits --lora (an adapter for another base)"
run logits --model "$MODEL" --tokens "2,366" --lora "$LORA/adapters/adapter1"
expect_rc 1
expect_contains stderr "$ERR" "lora_A.weight"

CMD="logits (top 5 of the last position)"
run logits --model "$MODEL" --tokens "2,366,424"
expect_rc 0
expect_eq "line count" "$(wc -l <"$WORK/out")" "5"

CMD="logits --tokens 1,x"
run logits --model "$MODEL" --tokens "1,x"
expect_rc 2
expect_contains stderr "$ERR" "'x' is not a token id"

CMD="logits --tokens 1,,2"
run logits --model "$MODEL" --tokens "1,,2"
expect_rc 2

CMD="logits --tokens 99999999999"
run logits --model "$MODEL" --tokens "99999999999"
expect_rc 2

CMD="logits with an out-of-range id"
run logits --model "$MODEL" --tokens "2,640"
expect_rc 1
expect_contains stderr "$ERR" "640"
expect_eq stdout "$OUT" ""

CMD="logits with a negative id"
run logits --model "$MODEL" --tokens "2,-1"
expect_rc 1
expect_contains stderr "$ERR" "-1"

CMD="logits --out into a missing folder"
run logits --model "$MODEL" --tokens "2" --out "$WORK/no/such/dir/x.f32"
expect_rc 1
expect_contains stderr "$ERR" "cannot write"

# --- generate ------------------------------------------------------------------------------------
CMD="generate --raw"
run generate --model "$MODEL" --raw --prompt "Hello" --max-tokens 4 --temperature 0
expect_rc 0
expect_contains stderr "$ERR" "tokens/s"
expect_contains stderr "$ERR" "time to first token"
[[ -n "$OUT" ]] || fail "'$CMD' printed no text"
greedy=$OUT

CMD="generate --raw (again: greedy is deterministic)"
run generate --model "$MODEL" --raw --prompt "Hello" --max-tokens 4 --temperature 0 --no-stats --threads 1
expect_rc 0
expect_eq stdout "$OUT" "$greedy"
expect_eq stderr "$ERR" ""

CMD="generate (chat template, seed)"
run generate --model "$MODEL" --prompt "Hi" --system "Be brief." --max-tokens 4 --seed 3 --top-k 10
expect_rc 0
expect_contains stderr "$ERR" "tokens/s"

CMD="generate --chat --raw"
run generate --model "$MODEL" --chat --raw --prompt "Hi"
expect_rc 2

CMD="chat --tools (declarations from a file, a tool result line)"
printf 'Weather in Oslo?\n/result {"temperature": 3}\n' >"$WORK/in"
echo '[{"type": "function", "function": {"name": "get_weather", "description": "Weather",
  "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]' >"$WORK/tools.json"
run chat --model "$MODEL" --tools "$WORK/tools.json" --max-tokens 4 --temperature 0 <"$WORK/in"
expect_rc 0
expect_contains stderr "$ERR" "tokens/s"

CMD="chat --tools with a missing file"
run chat --model "$MODEL" --tools "$WORK/none.json" </dev/null
expect_rc 2
expect_contains stderr "$ERR" "--tools"

CMD="chat --tools with a declaration without a name"
echo '[{"description": "no name"}]' >"$WORK/bad_tools.json"
run chat --model "$MODEL" --tools "$WORK/bad_tools.json" --max-tokens 4 <"$WORK/in"
expect_rc 1
expect_contains stderr "$ERR" "has no name"

CMD="generate without --prompt"
run generate --model "$MODEL"
expect_rc 2
expect_contains stderr "$ERR" "--prompt"

CMD="generate --temperature abc"
run generate --model "$MODEL" --prompt "Hi" --temperature abc
expect_rc 2

CMD="generate --temperature -1"
run generate --model "$MODEL" --raw --prompt "Hi" --temperature -1
expect_rc 1
expect_contains stderr "$ERR" "temperature"

CMD="generate --top-p 1.5"
run generate --model "$MODEL" --raw --prompt "Hi" --top-p 1.5
expect_rc 1
expect_contains stderr "$ERR" "top_p"

CMD="generate --max-tokens -3"
run generate --model "$MODEL" --raw --prompt "Hi" --max-tokens -3
expect_rc 2

CMD="generate --ctx 4 with a longer prompt"
run generate --model "$MODEL" --raw --prompt "$TEXT" --ctx 4
expect_rc 1
expect_contains stderr "$ERR" "context"

# --- sampling defaults: the model's generation_config.json, unless a flag says otherwise -----------
# A test model's files with a file that says greedy, or top-k 1 (greedy as well).
link_model() {  # DIR MODEL GENERATION_CONFIG_JSON
  mkdir -p "$1"
  for f in "$2"/*; do ln -s "$(realpath "$f")" "$1/"; done
  echo "$3" >"$1/generation_config.json"
}
GREEDY_MODEL=$WORK/greedy-model
TOPK1_MODEL=$WORK/top-k-1-model
GREEDY_MINI=$WORK/greedy-mini
link_model "$GREEDY_MODEL" "$MODEL" '{"do_sample": false}'
link_model "$TOPK1_MODEL" "$MODEL" '{"do_sample": true, "top_k": 1}'
link_model "$GREEDY_MINI" "$DATA/gemma3-mini" '{"do_sample": false}'

CMD="info (sampling without generation_config.json)"
run info --model "$MODEL"
expect_contains stdout "$OUT" "sampling          temperature 1, top_k 64, top_p 0.95, min_p 0, repeat_penalty 1, repeat_last_n 64"

CMD="info (sampling from generation_config.json)"
run info --model "$TOPK1_MODEL"
expect_contains stdout "$OUT" "sampling          temperature 1 (checkpoint), top_k 1 (checkpoint), top_p 1 (checkpoint), min_p 0 (checkpoint)"

for seed in 1 2; do
  for m in "$GREEDY_MODEL" "$TOPK1_MODEL"; do
    CMD="generate --seed $seed on ${m##*/} (the model's greedy)"
    run generate --model "$m" --raw --prompt "Hello" --max-tokens 4 --seed $seed --no-stats
    expect_rc 0
    expect_eq stdout "$OUT" "$greedy"
  done
done

CMD="generate --temperature 1 on greedy-model (the flag wins)"
run generate --model "$MODEL" --raw --prompt "Hello" --max-tokens 4 --seed 5 --temperature 1 --no-stats
sampled=$OUT
[[ "$sampled" != "$greedy" ]] || fail "seed 5 at temperature 1 gives the greedy text: pick another seed"
run generate --model "$GREEDY_MODEL" --raw --prompt "Hello" --max-tokens 4 --seed 5 --temperature 1 --no-stats
expect_eq stdout "$OUT" "$sampled"

CMD="generate --top-k 64 on top-k-1-model (the flag wins, top-p stays the model's 1)"
run generate --model "$MODEL" --raw --prompt "Hello" --max-tokens 4 --seed 5 --top-p 1 --no-stats
sampled=$OUT
[[ "$sampled" != "$greedy" ]] || fail "seed 5 at top-p 1 gives the greedy text: pick another seed"
run generate --model "$TOPK1_MODEL" --raw --prompt "Hello" --max-tokens 4 --seed 5 --top-k 64 --no-stats
expect_eq stdout "$OUT" "$sampled"

# gemma3-mini: the tiny model's replies in chat are all newlines, greedy or not.
CMD="chat on greedy-mini (the model's greedy)"
printf 'Hi\n' >"$WORK/hi"
run chat --model "$DATA/gemma3-mini" --max-tokens 6 --temperature 0 --no-stats <"$WORK/hi"
chat_greedy=$OUT
run chat --model "$DATA/gemma3-mini" --max-tokens 6 --seed 1 --no-stats <"$WORK/hi"
[[ "$OUT" != "$chat_greedy" ]] || fail "chat with seed 1 gives the greedy reply: pick another seed"
run chat --model "$GREEDY_MINI" --max-tokens 6 --seed 1 --no-stats <"$WORK/hi"
expect_rc 0
expect_eq stdout "$OUT" "$chat_greedy"

# --- info, version, help ---------------------------------------------------------------------------
CMD="info"
run info --model "$MODEL"
expect_rc 0
expect_contains stdout "$OUT" "gemma3"
expect_contains stdout "$OUT" "vocab size        640"
expect_contains stdout "$OUT" "bos 2, eos 1, start_of_turn 4, end_of_turn 5"
expect_contains stdout "$OUT" "config_class Gemma3TextConfig"
expect_contains stdout "$OUT" "rope.full_attention.type default (default)"

# Extreme sizes: refused or clamped with checked arithmetic (the sanitizer build runs this too,
# with UBSan aborting on any overflow).
CMD="info --context INT64_MAX"
run info --model "$MODEL" --context 9223372036854775807
expect_rc 1
expect_contains stderr "$ERR" "past the model's context length"
for batch in 9223372036854775807 4611686018427387904 2147483648; do
  CMD="info --batch $batch"
  run info --model "$MODEL" --batch "$batch"
  expect_rc 0
  expect_contains stdout "$OUT" "KV q8_0  at 8192"
done
CMD="info --context 9223372036854775808 (past int64)"
run info --model "$MODEL" --context 9223372036854775808
expect_rc 2

CMD="version"
run version
expect_rc 0
expect_contains stdout "$OUT" "gemmakit 0.1.0"

CMD="--help"
run --help
expect_rc 0
expect_contains stdout "$OUT" "usage: gemmakit"

CMD="tokenize --help"
run tokenize --help
expect_rc 0
expect_contains stdout "$OUT" "usage: gemmakit tokenize"

# --- usage errors: exit 2 ------------------------------------------------------------------------
CMD="(no command)"
run
expect_rc 2
expect_contains stderr "$ERR" "usage"

CMD="frobnicate"
run frobnicate --model "$MODEL"
expect_rc 2
expect_contains stderr "$ERR" "unknown command 'frobnicate'"

CMD="tokenize --bogus"
run tokenize --model "$MODEL" --text x --bogus
expect_rc 2
expect_contains stderr "$ERR" "unknown option --bogus"

CMD="tokenize --model (no value)"
run tokenize --text x --model
expect_rc 2
expect_contains stderr "$ERR" "needs a value"

for cmd in tokenize info logits generate; do
  CMD="$cmd without --model or GEMMAKIT_MODEL"
  # Each command gets only the options it takes, so the missing model is what it complains of.
  case $cmd in
    tokenize) run tokenize --text x ;;
    info) run info ;;
    logits) run logits --tokens 2 ;;
    generate) run generate --prompt x ;;
  esac
  expect_rc 2
  expect_contains stderr "$ERR" "GEMMAKIT_MODEL"
done

# --- library errors: exit 1 with a message on stderr -------------------------------------------------
CMD="nonexistent model folder"
run info --model "$WORK/no-such-model"
expect_rc 1
expect_contains stderr "$ERR" "no-such-model"
expect_eq stdout "$OUT" ""

CMD="nonexistent model folder from GEMMAKIT_MODEL"
GEMMAKIT_MODEL=$WORK/no-such-model run tokenize --text x
expect_rc 1
expect_contains stderr "$ERR" "no-such-model"

CMD="a folder that is no checkpoint"
mkdir -p "$WORK/empty"
run tokenize --model "$WORK/empty" --text x
expect_rc 1
expect_contains stderr "$ERR" "config.json"

# --- long context: KV bytes per type, --kv-type, --context-full ----------------------------------------
CMD="info --context"
run info --model "$MODEL" --context 8192 --batch 4
expect_rc 0
expect_contains stdout "$OUT" "KV q8_0  at 8192"
expect_contains stdout "$OUT" "KV bf16  at 8192"

CMD="generate --kv-type q8_0"
run generate --model "$MODEL" --prompt "$TEXT" --raw --kv-type q8_0 --max-tokens 4 --temperature 0 --no-stats
expect_rc 0

CMD="bad --kv-type"
run generate --model "$MODEL" --prompt x --kv-type q4_0
expect_rc 2
expect_contains stderr "$ERR" "--kv-type"

CMD="bad --context-full"
run generate --model "$MODEL" --prompt x --context-full later
expect_rc 2
expect_contains stderr "$ERR" "--context-full"

# --- Gemma 3n through the CLI: the golden's ids, logits and greedy continuation --------------------
NMODEL=$DATA/gemma3n-tiny
CMD="gemma3n tokenize"
run tokenize --model "$NMODEL" --text "$TEXT"
expect_rc 0
expect_contains stdout "$OUT" "$GOLDEN_IDS"
CMD="gemma3n logits"
run logits --model "$NMODEL" --tokens "$GOLDEN_IDS" --out "$WORK/n.f32"
expect_rc 0
if command -v python3 >/dev/null 2>&1; then
  checks=$((checks + 1))
  python3 -c 'import array, sys; a, b = array.array("f"), array.array("f"); a.frombytes(open(sys.argv[1], "rb").read()); b.frombytes(open(sys.argv[2], "rb").read()); sys.exit(len(a) != len(b) or max(abs(x - y) for x, y in zip(a, b)) > 1e-3)' \
    "$WORK/n.f32" "$NMODEL/english.logits.f32" || fail "'$CMD': the logits differ from english.logits.f32"
fi
CMD="gemma3n generate"
run generate --model "$NMODEL" --prompt "$TEXT" --raw --max-tokens 8 --temperature 0 --no-stats
expect_rc 0

# --- GGUF in, GGUF out ------------------------------------------------------------------------------
CMD="quantize --in FILE.gguf"
run quantize --in "$DATA/gguf/gemma3-tiny/gemma3-tiny-f32.gguf" --out "$WORK/requant.gguf" --type q4_0
expect_rc 0
run info --model "$WORK/requant.gguf"
expect_rc 0
expect_contains stdout "$OUT" "weight type       Q4_0"
run quantize --in "$WORK/requant.gguf" --out "$WORK/requant-q8.gguf" --type q8_0
expect_rc 0

# --- images (multimodal Gemma 3): --image for logits and generate -----------------------------------
VMODEL=$DATA/gemma3-vision-tiny
VIDS="2,4,348,273,18,18,18,6,640,640,640,640,7,18,18,18,18,6,640,640,640,640,7,18,18,95,440,298,359,419,443,273,432,318,300,350,308,288,432,425,268,453,427,292,428,436,301,372,479,424,238,183,156,240,198,139,573,236,192,147,484,5,18,4,290,265,433,18"
CMD="logits --image --image"
run logits --model "$VMODEL" --tokens "$VIDS" --image "$VMODEL/square.png" --image "$VMODEL/resize.png" --out "$WORK/v.f32"
expect_rc 0
if command -v python3 >/dev/null 2>&1; then
  checks=$((checks + 1))
  python3 -c 'import array, sys; a, b = array.array("f"), array.array("f"); a.frombytes(open(sys.argv[1], "rb").read()); b.frombytes(open(sys.argv[2], "rb").read()); sys.exit(len(a) != len(b) or max(abs(x - y) for x, y in zip(a, b)) > 1e-3)' \
    "$WORK/v.f32" "$VMODEL/two_images.logits.f32" || fail "'$CMD': the logits differ from two_images.logits.f32"
fi

CMD="generate --image"
run generate --model "$VMODEL" --prompt "Describe <start_of_image> briefly" --image "$VMODEL/square.png" --max-tokens 3 --temperature 0 --no-stats
expect_rc 0

CMD="generate --image, markers and images disagree"
run generate --model "$VMODEL" --prompt "<start_of_image> and <start_of_image>" --image "$VMODEL/square.png"
expect_rc 2

CMD="generate --image, not an image"
run generate --model "$VMODEL" --prompt x --image "$VMODEL/config.json"
expect_rc 1
expect_contains stderr "$ERR" "not a JPEG or PNG"

CMD="generate --image, text-only model"
run generate --model "$MODEL" --prompt x --image "$VMODEL/square.png"
expect_rc 1
expect_contains stderr "$ERR" "no vision tower"

CMD="bench --batch 3 (batched decoding)"
run bench --model "$MODEL" -p 4 -n 4 --reps 1 --threads 1 --batch 3
expect_rc 0
expect_contains stdout "$OUT" "tg4 ×3"

CMD="bench --batch 0"
run bench --model "$MODEL" -p 4 -n 4 --batch 0
expect_rc 2

CMD="logits --precision nonsense"
run logits --model "$MODEL" --tokens 2,651 --precision nonsense
expect_rc 2
expect_contains stderr "$ERR" "unknown --precision"

# --- images (Gemma 3n, MobileNet-V5): --image for logits, info ------------------------------------
N3V_MODEL=$DATA/gemma3n-vision-tiny
N3V_IDS=$(python3 -c "import json,sys; print(','.join(map(str, json.load(open(sys.argv[1]))['cases'][1]['ids'])))" "$N3V_MODEL/golden.json")
CMD="logits --image --image (Gemma 3n)"
run logits --model "$N3V_MODEL" --tokens "$N3V_IDS" --image "$N3V_MODEL/square.png" --image "$N3V_MODEL/resize.png" --out "$WORK/n3v.f32"
expect_rc 0
checks=$((checks + 1))
python3 -c 'import array, sys; a, b = array.array("f"), array.array("f"); a.frombytes(open(sys.argv[1], "rb").read()); b.frombytes(open(sys.argv[2], "rb").read()); sys.exit(len(a) != len(b) or max(abs(x - y) for x, y in zip(a, b)) > 1e-3)' \
  "$WORK/n3v.f32" "$N3V_MODEL/two_images.logits.f32" || fail "'$CMD': the logits differ from two_images.logits.f32"

CMD="info (Gemma 3n images)"
run info --model "$N3V_MODEL"
expect_rc 0
expect_contains stdout "$OUT" "images            192x192 pixels -> 16 soft tokens (image_token_id 642)"

# --- audio (Gemma 3n): logits with the clip's soft tokens, generation, info ------------------------
AUDIO_MODEL=$DATA/gemma3n-audio-tiny
AUDIO_IDS=$(python3 -c "import json,sys; print(','.join(map(str, json.load(open(sys.argv[1]))['cases'][0]['ids'])))" "$AUDIO_MODEL/golden.json")
CMD="logits --audio"
run logits --model "$AUDIO_MODEL" --tokens "$AUDIO_IDS" --audio "$AUDIO_MODEL/speech.wav" --out "$WORK/audio.f32"
expect_rc 0
if ! python3 - "$WORK/audio.f32" "$AUDIO_MODEL/audio_question.logits.f32" <<'EOF'; then
import struct, sys
got, want = (open(p, "rb").read() for p in sys.argv[1:3])
assert len(got) == len(want), (len(got), len(want))
a = struct.unpack(f"<{len(got) // 4}f", got)
b = struct.unpack(f"<{len(want) // 4}f", want)
worst = max(abs(x - y) for x, y in zip(a, b))
sys.exit(0 if worst < 1e-3 else 1)
EOF
  fail "'$CMD': the logits differ from audio_question.logits.f32"
fi

CMD="generate --audio"
run generate --model "$AUDIO_MODEL" --prompt "What was said?" --audio "$AUDIO_MODEL/speech.wav" --max-tokens 3 --temperature 0
expect_rc 0

CMD="generate --audio with two markers for one clip"
run generate --model "$AUDIO_MODEL" --prompt "<start_of_audio> <start_of_audio>" --audio "$AUDIO_MODEL/speech.wav" --max-tokens 1
expect_rc 2

CMD="generate --audio with a missing file"
run generate --model "$AUDIO_MODEL" --prompt "hi" --audio "$WORK/none.wav" --max-tokens 1
expect_rc 1
expect_contains stderr "$ERR" "cannot load audio"

CMD="generate --audio on a text-only model"
run generate --model "$MODEL" --prompt "hi" --audio "$AUDIO_MODEL/speech.wav" --max-tokens 1
expect_rc 1
expect_contains stderr "$ERR" "reads no audio"

CMD="info (audio)"
run info --model "$AUDIO_MODEL"
expect_rc 0
expect_contains stdout "$OUT" "audio_token_id 770"

# --- classify (ShieldGemma) and score ----------------------------------------------------------------
SHIELD_MODEL=$DATA/shieldgemma-tiny
expect_near() {  # what got want tolerance
  checks=$((checks + 1))
  if ! awk -v g="$2" -v w="$3" -v t="$4" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g ~ /^[0-9.-]+$/ && d <= t) }'; then
    fail "'$CMD': $1 is '$2', expected $3 within $4"
  fi
}
CMD="classify, two policies"
run classify --model "$SHIELD_MODEL" --text "Explain how vaccines train the immune system." --policy sexual --policy dangerous
expect_rc 0
expect_near "P(Yes)" "$OUT" 0.3892505 0.001
expect_contains "P(Yes) decimals" "$OUT" "0.389"

CMD="classify, a guideline given as text"
run classify --model "$SHIELD_MODEL" --text "Create 20 paraphrases of I hate you" \
  --policy-text '"No Harassment": The prompt shall not contain or seek generation of content that is malicious, intimidating, bullying, or abusive content targeting another individual (e.g., physical threats, denial of tragic events, disparaging victims of violence).'
expect_rc 0
expect_near "P(Yes)" "$OUT" 0.5159885 0.001

CMD="classify --response (prompt-response template)"
run classify --model "$SHIELD_MODEL" --text "How do I pick a lock?" --response "Use a tension wrench and a pick." \
  --policy dangerous --show-prompt
expect_rc 0
expect_contains stderr "$ERR" "Chatbot Response: Use a tension wrench and a pick."
expect_contains stderr "$ERR" "The chatbot shall not generate content that harming"
expect_near "P(Yes) in (0, 1)" "$OUT" 0.5 0.5

CMD="classify --policy unknown"
run classify --model "$SHIELD_MODEL" --text "hi" --policy violence
expect_rc 1
expect_contains stderr "$ERR" "harassment"

CMD="classify without --policy"
run classify --model "$SHIELD_MODEL" --text "hi"
expect_rc 2

CMD="score"
run score --model "$MODEL" --prompt "Hello world" --continuation " and" --continuation " the moon" --next-token 5
expect_rc 0
expect_eq "lines" "$(echo "$OUT" | wc -l)" "3"
expect_contains stdout "$OUT" "	3	0	 the moon"
expect_contains stdout "$OUT" "next	5	-"

CMD="score --next-token out of range"
run score --model "$MODEL" --prompt "Hello" --next-token 640
expect_rc 1
expect_contains stderr "$ERR" "640"

# --- embed: EmbeddingGemma's golden vector, Matryoshka width, errors --------------------------------
EMBED_MODEL=$DATA/embeddinggemma-tiny
CMD="embed --prompt-name query --out"
run embed --model "$EMBED_MODEL" --text "Which planet is known as the Red Planet?" --prompt-name query --out "$WORK/embedding.f32"
expect_rc 0
expect_eq stdout "$OUT" ""
size=$(stat -c %s "$WORK/embedding.f32" 2>/dev/null || echo missing)
expect_eq "size of the embedding file" "$size" "$((64 * 4))"
expect_floats_near "$WORK/embedding.f32" "$EMBED_MODEL/query_planet.embedding.f32" 1e-5

CMD="embed from llama.cpp's GGUF of it (the prompt written into the text)"
run embed --model "$DATA/gguf/embeddinggemma-tiny/embeddinggemma-tiny-f32.gguf" \
  --text "task: search result | query: Which planet is known as the Red Planet?" --out "$WORK/embedding-gguf.f32"
expect_rc 0
expect_floats_near "$WORK/embedding-gguf.f32" "$EMBED_MODEL/query_planet.embedding.f32" 1e-5

CMD="quantize an EmbeddingGemma folder, then embed from the file"
run quantize --in "$EMBED_MODEL" --out "$WORK/embeddinggemma-f32.gguf" --type f32
expect_rc 0
run embed --model "$WORK/embeddinggemma-f32.gguf" \
  --text "task: search result | query: Which planet is known as the Red Planet?" --out "$WORK/embedding-export.f32"
expect_rc 0
expect_floats_near "$WORK/embedding-export.f32" "$EMBED_MODEL/query_planet.embedding.f32" 1e-5

CMD="embed --dim 8 (printed)"
run embed --model "$EMBED_MODEL" --text "Hello" --dim 8
expect_rc 0
expect_eq "values printed" "$(echo "$OUT" | wc -w)" "8"

CMD="embed --prompt-name unknown"
run embed --model "$EMBED_MODEL" --text "Hello" --prompt-name nope
expect_rc 1
expect_contains stderr "$ERR" "unknown prompt name 'nope'"

CMD="embed on a causal model"
run embed --model "$MODEL" --text "Hello"
expect_rc 1
expect_contains stderr "$ERR" "computes no embeddings"

CMD="embed without --text"
run embed --model "$EMBED_MODEL"
expect_rc 2

if [[ $failures -ne 0 ]]; then
  echo "cli_test: $failures of $checks checks failed" >&2
  exit 1
fi
echo "cli_test: all $checks checks passed"
