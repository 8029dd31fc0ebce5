#!/usr/bin/python3
"""Builds the Gemma 3 multimodal-layout test checkpoints from tests/data/gemma3-tiny-scaled.

Gemma 3 4B/12B/27B are published as Gemma3ForConditionalGeneration: the text model's config is
nested under "text_config" and its tensors carry a prefix, which depends on the transformers
version that saved the checkpoint:

  gemma3-tiny-scaled-mm      "language_model.model.X"  (as first released), plus a vision tensor
  gemma3-tiny-scaled-mm-new  "model.language_model.X"  (transformers >= 4.52), plus a vision tensor

The weights are the text model's, byte for byte, so both folders must reproduce the text model's
golden logits exactly; golden.json and the logits files are copied unchanged.

Usage: /usr/bin/python3 tests/data/make_layout_variants.py   (needs numpy; rerunning overwrites)
"""

import json
import os
import shutil
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "gemma3-tiny-scaled")

# One tensor of another tower, which a text-only loader must leave alone.
VISION_TENSOR = "vision_tower.vision_model.embeddings.patch_embedding.weight"
VISION_SHAPE = [4, 3, 2, 2]


def read_safetensors(path):
    """Returns (metadata or None, {name: (dtype, shape, bytes)}) in data-offset order."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_len].decode("utf-8"))
    data = blob[8 + header_len:]
    metadata = header.pop("__metadata__", None)
    tensors = {}
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = info["data_offsets"]
        tensors[name] = (info["dtype"], info["shape"], data[begin:end])
    return metadata, tensors


def write_safetensors(path, metadata, tensors):
    """Writes tensors contiguously in the given order, header padded with spaces to 8 bytes."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, raw in tensors.values():
            f.write(raw)


def multimodal_config(text_config):
    text = dict(text_config)
    text["model_type"] = "gemma3_text"
    text.pop("architectures", None)
    return {
        "model_type": "gemma3",
        "text_config": text,
        "vision_config": {"model_type": "siglip_vision_model"},
        "architectures": ["Gemma3ForConditionalGeneration"],
    }


def make_variant(name, text_prefix, vision_prefix):
    out = os.path.join(HERE, name)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)

    with open(os.path.join(SOURCE, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(multimodal_config(config), f, indent=2)
        f.write("\n")

    metadata, tensors = read_safetensors(os.path.join(SOURCE, "model.safetensors"))
    renamed = {}
    for tname, value in tensors.items():
        if not tname.startswith("model."):
            raise SystemExit(f"unexpected tensor name {tname!r} in {SOURCE}")
        renamed[text_prefix + tname[len("model."):]] = value
    dummy = np.arange(np.prod(VISION_SHAPE), dtype="<f4").reshape(VISION_SHAPE) / 10.0
    renamed[vision_prefix + VISION_TENSOR] = ("F32", VISION_SHAPE, dummy.astype("<f4").tobytes())
    write_safetensors(os.path.join(out, "model.safetensors"), metadata, renamed)

    with open(os.path.join(SOURCE, "golden.json")) as f:
        golden = json.load(f)
    files = ["tokenizer.model", "golden.json"] + [c["logits_file"] for c in golden["cases"]]
    for fname in files:
        shutil.copyfile(os.path.join(SOURCE, fname), os.path.join(out, fname))
    print(f"wrote {out}: {len(renamed)} tensors, {len(files)} copied files")


def main():
    make_variant("gemma3-tiny-scaled-mm", "language_model.model.", "")
    make_variant("gemma3-tiny-scaled-mm-new", "model.language_model.", "model.")


if __name__ == "__main__":
    main()
