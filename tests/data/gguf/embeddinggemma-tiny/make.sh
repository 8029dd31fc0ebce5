#!/usr/bin/env bash
# How these files were made (not run by the tests): llama.cpp's own converter on the sentence-transformers
# folder tests/data/embeddinggemma-tiny, with and without its Dense modules, llama-quantize to Q8_0, and
# llama-embedding's vectors for every golden case (prompt + text, the file's own <bos>/<eos>, mean pooling,
# unit length) as llama_cpp_embeddings.json. llama.cpp d32676d, built by ../shared/tools/anchors.
#   bash make.sh LLAMA_CPP_SOURCE LLAMA_CPP_BUILD_BIN CONVERT_STUBS
# CONVERT_STUBS: ../shared/tools/anchors/convert_stubs plus a safetensors.torch stand-in (load_file).
set -euo pipefail
src=$1 bin=$2 stubs=$3
here=$(cd "$(dirname "$0")" && pwd)
folder=$here/../../embeddinggemma-tiny
tmp=$(mktemp -d)
convert() {
  PYTHONPATH="$stubs:$src/gguf-py" /usr/bin/python3 "$src/convert_hf_to_gguf.py" "$folder" --outtype f32 --outfile "$1" "${@:2}"
}
convert "$here/embeddinggemma-tiny-f32.gguf" --sentence-transformers-dense-modules
convert "$tmp/no-dense-f32.gguf"
"$bin/llama-quantize" "$here/embeddinggemma-tiny-f32.gguf" "$here/embeddinggemma-tiny-q8_0.gguf" Q8_0
"$bin/llama-quantize" "$tmp/no-dense-f32.gguf" "$here/embeddinggemma-tiny-q8_0-no-dense.gguf" Q8_0
/usr/bin/python3 - "$here" "$bin/llama-embedding" "$folder/golden.json" <<'PY'
import json, subprocess, sys
here, embedding, golden = sys.argv[1:]
cases = json.load(open(golden))["cases"]
out = {"llama_cpp": "d32676d", "tool": "llama-embedding --embd-output-format json -t 1", "files": {}}
for f in ["embeddinggemma-tiny-f32.gguf", "embeddinggemma-tiny-q8_0.gguf", "embeddinggemma-tiny-q8_0-no-dense.gguf"]:
    vectors = {}
    for c in cases:
        r = subprocess.run([embedding, "-m", f"{here}/{f}", "-p", c["input_text"], "--embd-output-format", "json",
                            "-t", "1"], capture_output=True, text=True, check=True)
        vectors[c["name"]] = json.loads(r.stdout)["data"][0]["embedding"]
    out["files"][f] = vectors
json.dump(out, open(f"{here}/llama_cpp_embeddings.json", "w"), indent=1)
PY
rm -rf "$tmp"
