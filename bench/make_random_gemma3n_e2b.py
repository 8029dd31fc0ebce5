#!/usr/bin/python3
"""Random-weight Gemma 3n E2B in HuggingFace layout, for timing the image tower against llama.cpp.

usage: make_random_gemma3n_e2b.py TEXT_DIR VISION_DIR TOKENIZER_MODEL [--layers N]

TEXT_DIR: a Gemma3nForCausalLM folder at the real E2B width (2048, vocab 262400) with only N decoder
layers (default 5: four sliding, one full, no KV sharing), so llama.cpp's converter can make the text
GGUF that llama-mtmd-cli needs next to the projector; the image encode does not depend on the depth.
VISION_DIR: a Gemma3nForConditionalGeneration folder holding only the real vision tower (timm's
mobilenetv5_300m_enc: 84 blocks, 768x768 input, MSFA to 16x16 = 256 tokens of 2048) and the vision
embedder into width 2048, for `convert_hf_to_gguf.py --mmproj`. The shapes follow timm's block
strings (the ones lib/multimodal/mobilenet_v5/architectures.cc keeps as data). Values are random
(bf16, reused slices of one random pool: speed does not depend on them).
"""
import json, os, struct, sys
import numpy as np

TEXT_H, VOCAB, VOCAB_PER_LAYER, PER_LAYER, LAUREL = 2048, 262400, 262144, 256, 64
HEADS, KV_HEADS, HEAD_DIM, FFN = 8, 2, 256, 8192

# timm mobilenetv5_300m_enc as (kind, kernel/option fields, stride, expansion, out channels), runs expanded.
def tower_blocks():
    er = lambda s, c: ("er", dict(k=3, s=s, e=4, c=c))
    uir = lambda a, k, s, e, c: ("uir", dict(a=a, k=k, s=s, e=e, c=c))
    mqa = lambda h, d, v, c: ("mqa", dict(h=h, d=d, v=v, k=3, c=c))
    return [
        [er(2, 128)] + [er(1, 128)] * 2,
        [uir(3, 5, 2, 6, 256)] + [uir(5, 0, 1, 4, 256), uir(3, 0, 1, 4, 256)] * 2,
        [uir(5, 5, 2, 6, 640)] + [uir(5, 0, 1, 4, 640)] * 7 + [uir(0, 0, 1, 1, 640)]
        + [mqa(12, 64, 2, 640), uir(0, 0, 1, 2, 640)] * 14,
        [uir(5, 5, 2, 6, 1280)] + [mqa(16, 96, 1, 1280), uir(0, 0, 1, 2, 1280)] * 19,
    ]


def vision_shapes():
    t, stem = "model.vision_tower.timm_model.", 64
    shapes = [(t + "conv_stem.conv.weight", (stem, 3, 3, 3)), (t + "conv_stem.conv.bias", (stem,)),
              (t + "conv_stem.bn.weight", (stem,))]
    cin, stage_outs = stem, []
    for si, stage in enumerate(tower_blocks()):
        for bi, (kind, o) in enumerate(stage):
            p, cout = f"{t}blocks.{si}.{bi}.", o["c"]
            if kind == "er":
                mid = cin * o["e"]
                shapes += [(p + "conv_exp.weight", (mid, cin, o["k"], o["k"])), (p + "bn1.weight", (mid,)),
                           (p + "conv_pwl.weight", (cout, mid, 1, 1)), (p + "bn2.weight", (cout,))]
            elif kind == "uir":
                mid = cin * o["e"]
                if o["a"]:
                    shapes += [(p + "dw_start.conv.weight", (cin, 1, o["a"], o["a"])), (p + "dw_start.bn.weight", (cin,))]
                shapes += [(p + "pw_exp.conv.weight", (mid, cin, 1, 1)), (p + "pw_exp.bn.weight", (mid,))]
                if o["k"]:
                    shapes += [(p + "dw_mid.conv.weight", (mid, 1, o["k"], o["k"])), (p + "dw_mid.bn.weight", (mid,))]
                shapes += [(p + "pw_proj.conv.weight", (cout, mid, 1, 1)), (p + "pw_proj.bn.weight", (cout,)),
                           (p + "layer_scale.gamma", (cout,))]
            else:  # multi-query attention: one key and one value head of width d
                a = p + "attn."
                shapes += [(p + "norm.weight", (cin,)), (a + "query.proj.weight", (o["h"] * o["d"], cin, 1, 1)),
                           (a + "key.proj.weight", (o["d"], cin, 1, 1)), (a + "value.proj.weight", (o["d"], cin, 1, 1)),
                           (a + "output.proj.weight", (cout, o["h"] * o["d"], 1, 1))]
                if o["v"] > 1:
                    for kv in ("key", "value"):
                        shapes += [(a + kv + ".down_conv.weight", (cin, 1, o["k"], o["k"])), (a + kv + ".norm.weight", (cin,))]
                shapes += [(p + "layer_scale.gamma", (cout,))]
            cin = cout
        stage_outs.append(cin)
    msfa_in = stage_outs[-2] + stage_outs[-1]
    shapes += [(t + "msfa.ffn.pw_exp.conv.weight", (2 * msfa_in, msfa_in, 1, 1)), (t + "msfa.ffn.pw_exp.bn.weight", (2 * msfa_in,)),
               (t + "msfa.ffn.pw_proj.conv.weight", (2048, 2 * msfa_in, 1, 1)), (t + "msfa.ffn.pw_proj.bn.weight", (2048,)),
               (t + "msfa.norm.weight", (2048,))]
    e = "model.embed_vision."
    shapes += [(e + "embedding.weight", (128, 2048)), (e + "embedding_projection.weight", (TEXT_H, 2048)),
               (e + "hard_embedding_norm.weight", (2048,)), (e + "soft_embedding_norm.weight", (2048,))]
    return shapes


def text_shapes(L):
    shapes = [("model.embed_tokens.weight", (VOCAB, TEXT_H)), ("model.embed_tokens_per_layer.weight", (VOCAB_PER_LAYER, L * PER_LAYER)),
              ("model.per_layer_model_projection.weight", (L * PER_LAYER, TEXT_H)),
              ("model.per_layer_projection_norm.weight", (PER_LAYER,)), ("model.norm.weight", (TEXT_H,))]
    for i in range(3):
        shapes += [(f"model.altup_projections.{i}.weight", (TEXT_H, TEXT_H)), (f"model.altup_unembed_projections.{i}.weight", (TEXT_H, TEXT_H))]
    H, D = TEXT_H, HEAD_DIM
    for l in range(L):
        p = f"model.layers.{l}."
        shapes += [(p + n, s) for n, s in [
            ("altup.correct_output_scale", (H,)), ("altup.correction_coefs.weight", (4, 4)), ("altup.prediction_coefs.weight", (16, 4)),
            ("altup.modality_router.weight", (4, H)), ("altup.router_norm.weight", (H,)), ("laurel.linear_left.weight", (LAUREL, H)),
            ("laurel.linear_right.weight", (H, LAUREL)), ("laurel.post_laurel_norm.weight", (H,)),
            ("self_attn.q_proj.weight", (HEADS * D, H)), ("self_attn.k_proj.weight", (KV_HEADS * D, H)),
            ("self_attn.v_proj.weight", (KV_HEADS * D, H)), ("self_attn.o_proj.weight", (H, HEADS * D)),
            ("self_attn.q_norm.weight", (D,)), ("self_attn.k_norm.weight", (D,)), ("mlp.gate_proj.weight", (FFN, H)),
            ("mlp.up_proj.weight", (FFN, H)), ("mlp.down_proj.weight", (H, FFN)), ("input_layernorm.weight", (H,)),
            ("post_attention_layernorm.weight", (H,)), ("pre_feedforward_layernorm.weight", (H,)),
            ("post_feedforward_layernorm.weight", (H,)), ("per_layer_input_gate.weight", (PER_LAYER, H)),
            ("per_layer_projection.weight", (H, PER_LAYER)), ("post_per_layer_input_norm.weight", (H,))]]
    return shapes


POOL = np.random.default_rng(0).standard_normal(1 << 24, dtype=np.float32)


def write_safetensors(path, shapes):
    header, off = {"__metadata__": {"format": "pt"}}, 0
    for n, s in shapes:
        nb = int(np.prod(s)) * 2
        header[n] = {"dtype": "BF16", "shape": list(s), "data_offsets": [off, off + nb]}
        off += nb
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for i, (n, s) in enumerate(shapes):
            count, fan_in = int(np.prod(s)), int(np.prod(s[1:])) if len(s) > 1 else 0
            for start in range(0, count, POOL.size):
                k = min(POOL.size, count - start)
                o = (i * 7919) % (POOL.size - k + 1)  # a different slice per tensor
                a = POOL[o:o + k]
                a = 1.0 + 0.1 * a if len(s) == 1 else a / np.sqrt(max(fan_in, 1))
                f.write((a.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16).tobytes())
    return off


def main():
    text_dir, vision_dir, tok = sys.argv[1:4]
    L = int(sys.argv[sys.argv.index("--layers") + 1]) if "--layers" in sys.argv else 5
    layer_types = ["full_attention" if (i + 1) % 5 == 0 or i == L - 1 else "sliding_attention" for i in range(L)]
    text_cfg = dict(model_type="gemma3n_text", vocab_size=VOCAB, vocab_size_per_layer_input=VOCAB_PER_LAYER, hidden_size=TEXT_H,
                    hidden_size_per_layer_input=PER_LAYER, intermediate_size=[FFN] * L, num_hidden_layers=L,
                    num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, head_dim=HEAD_DIM,
                    hidden_activation="gelu_pytorch_tanh", max_position_embeddings=32768, rms_norm_eps=1e-6, rope_theta=1e6,
                    rope_local_base_freq=1e4, sliding_window=512, layer_types=layer_types, final_logit_softcapping=30.0,
                    altup_active_idx=0, altup_coef_clip=120.0, altup_correct_scale=True, altup_num_inputs=4,
                    num_kv_shared_layers=0, laurel_rank=LAUREL, activation_sparsity_pattern=[0.95] * min(L, 10) + [0.0] * max(0, L - 10),
                    bos_token_id=2, eos_token_id=[1, 106], pad_token_id=0, torch_dtype="bfloat16")
    for d in (text_dir, vision_dir):
        os.makedirs(d, exist_ok=True)
        with open(tok, "rb") as s, open(os.path.join(d, "tokenizer.model"), "wb") as o:
            o.write(s.read())
    json.dump(dict(text_cfg, architectures=["Gemma3nForCausalLM"]), open(os.path.join(text_dir, "config.json"), "w"), indent=1)
    # The converter reads the audio hparams even for an image-only projector: E2B's audio_config.
    audio_cfg = dict(model_type="gemma3n_audio", vocab_size=128, vocab_offset=262272, input_feat_size=128, hidden_size=1536,
                     rms_norm_eps=1e-6, conf_num_attention_heads=8, conf_num_hidden_layers=12, conf_conv_kernel_size=5,
                     conf_reduction_factor=4, conf_attention_chunk_size=12, conf_attention_context_left=13,
                     conf_attention_context_right=0, conf_attention_logit_cap=50.0, conf_residual_weight=0.5,
                     gradient_clipping=1e10, sscp_conv_channel_size=[128, 32], sscp_conv_group_norm_eps=1e-3,
                     sscp_conv_kernel_size=[[3, 3], [3, 3]], sscp_conv_stride_size=[[2, 2], [2, 2]])
    vision_cfg = dict(model_type="gemma3n_vision", architecture="mobilenetv5_300m_enc", do_pooling=False, hidden_size=2048,
                      rms_norm_eps=1e-6, vocab_offset=262144, vocab_size=128)
    full = dict(architectures=["Gemma3nForConditionalGeneration"], model_type="gemma3n", text_config=text_cfg,
                vision_config=vision_cfg, audio_config=audio_cfg, vision_soft_tokens_per_image=256, audio_soft_tokens_per_image=188,
                boi_token_id=255999, eoi_token_id=262144, image_token_id=262145, boa_token_id=256000, eoa_token_id=262272,
                audio_token_id=262273, tie_word_embeddings=True, torch_dtype="bfloat16")
    json.dump(full, open(os.path.join(vision_dir, "config.json"), "w"), indent=1)
    json.dump(dict(do_normalize=False, do_rescale=True, do_resize=True, rescale_factor=1 / 255, resample=2,
                   image_processor_type="SiglipImageProcessorFast", image_seq_length=256, size=dict(height=768, width=768),
                   image_mean=[0.5] * 3, image_std=[0.5] * 3, processor_class="Gemma3nProcessor"),
              open(os.path.join(vision_dir, "preprocessor_config.json"), "w"), indent=1)
    json.dump(dict(image_seq_length=256, audio_seq_length=188, processor_class="Gemma3nProcessor"),
              open(os.path.join(vision_dir, "processor_config.json"), "w"), indent=1)
    vs = vision_shapes()
    tower = sum(int(np.prod(s)) for n, s in vs if "vision_tower" in n)
    print(f"vision: {len(vs)} tensors, tower {tower / 1e6:.1f}M parameters,",
          write_safetensors(os.path.join(vision_dir, "model.safetensors"), vs) / 1e9, "GB")
    print(f"text: {L} layers,", write_safetensors(os.path.join(text_dir, "model.safetensors"), text_shapes(L)) / 1e9, "GB")


if __name__ == "__main__":
    main()
