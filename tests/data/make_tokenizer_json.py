#!/usr/bin/python3
"""Writes tests/data/tokenizer-json/gemma3-mini.tokenizer.json from tests/data/gemma3-mini/tokenizer.model,
the way HuggingFace's GemmaConverter turns a Gemma SentencePiece model into tokenizer.json
(transformers/convert_slow_tokenizer.py): vocab in id order, merges = every split of every piece
into two pieces, ordered by the piece's score (then longer left part first), added tokens for the
control, unknown and user-defined pieces, Gemma 3's normalizer, pre-tokenizer and decoder.

The unit tests check that gemmakit tokenizes this file exactly as the tokenizer.model it came
from, without needing the real Gemma 3 files (tests/tokenizer checks those).

Usage: /usr/bin/python3 tests/data/make_tokenizer_json.py   (standard library only; rerunning overwrites)
"""

import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "gemma3-mini", "tokenizer.model")
TARGET = os.path.join(HERE, "tokenizer-json", "gemma3-mini.tokenizer.json")


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def fields(b):
    i, out = 0, []
    while i < len(b):
        k, i = varint(b, i)
        f, w = k >> 3, k & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif w == 5:
            v, i = b[i:i + 4], i + 4
        elif w == 1:
            v, i = b[i:i + 8], i + 8
        else:
            raise ValueError(f"wire type {w}")
        out.append((f, v))
    return out


def pieces(model):
    for f, v in fields(model):
        if f == 1:
            d = dict(fields(v))
            score = struct.unpack("<f", d[2])[0] if 2 in d else 0.0
            yield d[1].decode("utf-8"), score, d.get(3, 1)


def main():
    with open(SOURCE, "rb") as f:
        spm = list(pieces(f.read()))
    vocab = {p: i for i, (p, _, _) in enumerate(spm)}
    scores = {p: s for p, s, _ in spm}
    merges = []
    for piece, score, kind in spm:
        if kind not in (1, 4):  # normal and user-defined pieces, as SentencePieceExtractor does
            continue
        local = [(piece[:k], piece[k:], score) for k in range(1, len(piece))
                 if piece[:k] in vocab and piece[k:] in vocab]
        merges += sorted(local, key=lambda m: (vocab[m[0]], vocab[m[1]]))
    merges = sorted(merges, key=lambda m: (m[2], len(m[0]), len(m[1])), reverse=True)
    added = [{"id": i, "content": p, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True}
             for i, (p, _, kind) in enumerate(spm) if kind in (2, 3, 4)]
    doc = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
        "pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious",
                          "invert": False},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [], "special_tokens": {"<bos>": {"id": "<bos>", "ids": [2], "tokens": ["<bos>"]}}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": vocab, "merges": [[a, b] for a, b, _ in merges]},
    }
    os.makedirs(os.path.dirname(TARGET), exist_ok=True)
    with open(TARGET, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
    print(f"wrote {TARGET}: {len(vocab)} pieces, {len(merges)} merges, {len(added)} added tokens")


if __name__ == "__main__":
    main()
