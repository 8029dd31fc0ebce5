#!/usr/bin/python3
"""Runs llama.cpp's convert_hf_to_gguf.py with one fix for Gemma 3n projectors, so llama-mtmd-cli can load them.

usage: convert_gemma3n_mmproj.py LLAMA_CPP_DIR HF_DIR --mmproj --outtype f16 --outfile OUT.gguf

At llama.cpp d32676d the converter writes MobileNet-V5 block gammas (`v.blk.S.I.layer_scale.gamma`)
as [C]: its block branch returns before the [1, C, 1, 1] reshape it gives the stem bias, and then
llama.cpp's own graph (tools/mtmd/models/mobilenetv5.cpp: ggml_mul(cur, layer_scale)) aborts on
ggml_can_repeat while warming up. This wrapper reshapes those gammas to [1, C, 1, 1] before the
converter maps them; everything else is the converter's own code. gemmakit reads either shape.
"""
import runpy, sys
from pathlib import Path

llama = Path(sys.argv.pop(1)).resolve()
sys.path[:0] = [str(llama), str(llama / "gguf-py")]
from conversion import gemma  # noqa: E402

model = gemma.Gemma3nVisionAudioModel
original = model.modify_tensors


def modify_tensors(self, data_torch, name, bid):
    if name.startswith("model.vision_tower.timm_model.blocks.") and name.endswith("layer_scale.gamma"):
        data_torch = data_torch.reshape(1, -1, 1, 1)
    return original(self, data_torch, name, bid)


model.modify_tensors = modify_tensors
sys.argv[0] = str(llama / "convert_hf_to_gguf.py")
runpy.run_path(sys.argv[0], run_name="__main__")
