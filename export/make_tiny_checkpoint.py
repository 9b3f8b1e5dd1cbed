#!/usr/bin/env python3
"""Write a tiny random ABC checkpoint in Hugging Face snapshot layout:

  OUT/base/      config.json (Qwen2-VL format), model.safetensors or sharded + model.safetensors.index.json
  OUT/pretrain/  PEFT LoRA adapter (LLM + vision targets, mlp_head in modules_to_save)
  OUT/instruct/  PEFT LoRA adapter (LLM targets only)

All LoRA B matrices are non-zero so both adapters change the vectors. Deterministic for a seed.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from abc_export.safetensors_io import write_safetensors  # noqa: E402

LLM_TARGETS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
               "mlp.gate_proj", "mlp.down_proj", "mlp.up_proj"]
VISION_TARGETS = ["attn.qkv", "attn.proj", "mlp.fc1", "mlp.fc2"]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--vocab-size", type=int, default=151936)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--intermediate", type=int, default=48)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--kv-heads", type=int, default=1)
    ap.add_argument("--mrope-section", default="2,3,3", help="3 ints summing to head_dim/2")
    ap.add_argument("--rope-theta", type=float, default=1000000.0)
    ap.add_argument("--rms-eps", type=float, default=1e-6)
    ap.add_argument("--vision-embed", type=int, default=32)
    ap.add_argument("--vision-depth", type=int, default=2)
    ap.add_argument("--vision-heads", type=int, default=2)
    ap.add_argument("--vision-mlp-ratio", type=float, default=2.0)
    ap.add_argument("--vision-act", default="quick_gelu")
    ap.add_argument("--mlp-head-hidden", type=int, default=48)
    ap.add_argument("--pretrain-r", type=int, default=4)
    ap.add_argument("--pretrain-alpha", type=float, default=8)
    ap.add_argument("--instruct-r", type=int, default=2)
    ap.add_argument("--instruct-alpha", type=float, default=4)
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32", help="dtype of stored base weights")
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--lm-head", action="store_true", help="also write lm_head.weight")
    return ap.parse_args(argv)


def make(a) -> None:
    g = torch.Generator().manual_seed(a.seed)

    def rnd(*shape, std=1.0):
        return torch.randn(*shape, generator=g) * std

    H, I, nh, kv = a.hidden, a.intermediate, a.heads, a.kv_heads
    hd = H // nh
    E, vh = a.vision_embed, a.vision_heads
    vm = int(E * a.vision_mlp_ratio)
    sec = [int(x) for x in a.mrope_section.split(",")]
    config = {
        "architectures": ["Qwen2VLForConditionalGeneration"], "model_type": "qwen2_vl",
        "attention_dropout": 0.0, "bos_token_id": 151643, "eos_token_id": 151645,
        "vision_start_token_id": 151652, "vision_end_token_id": 151653, "vision_token_id": 151654,
        "image_token_id": 151655, "video_token_id": 151656, "hidden_act": "silu", "hidden_size": H,
        "initializer_range": 0.02, "intermediate_size": I, "max_position_embeddings": 32768,
        "max_window_layers": a.layers, "num_attention_heads": nh, "num_hidden_layers": a.layers,
        "num_key_value_heads": kv, "rms_norm_eps": a.rms_eps, "rope_theta": a.rope_theta,
        "sliding_window": 32768, "tie_word_embeddings": False, "torch_dtype": "bfloat16" if a.dtype == "bf16"
        else "float32", "transformers_version": "4.47.1", "use_cache": True, "use_sliding_window": False,
        "vision_config": {"depth": a.vision_depth, "embed_dim": E, "mlp_ratio": a.vision_mlp_ratio,
                          "num_heads": vh, "in_chans": 3, "hidden_size": H, "hidden_act": a.vision_act,
                          "patch_size": 14, "spatial_merge_size": 2, "spatial_patch_size": 14,
                          "temporal_patch_size": 2},
        "rope_scaling": {"type": "mrope", "mrope_section": sec},
        "vocab_size": a.vocab_size,
    }
    w = {}
    w["visual.patch_embed.proj.weight"] = rnd(E, 3, 2, 14, 14, std=1.0 / 1176 ** 0.5 * 2)
    for i in range(a.vision_depth):
        p = f"visual.blocks.{i}."
        w[p + "norm1.weight"] = 1 + rnd(E, std=0.1)
        w[p + "norm1.bias"] = rnd(E, std=0.1)
        w[p + "norm2.weight"] = 1 + rnd(E, std=0.1)
        w[p + "norm2.bias"] = rnd(E, std=0.1)
        w[p + "attn.qkv.weight"] = rnd(3 * E, E, std=E ** -0.5 * 1.5)
        w[p + "attn.qkv.bias"] = rnd(3 * E, std=0.1)
        w[p + "attn.proj.weight"] = rnd(E, E, std=E ** -0.5)
        w[p + "attn.proj.bias"] = rnd(E, std=0.1)
        w[p + "mlp.fc1.weight"] = rnd(vm, E, std=E ** -0.5)
        w[p + "mlp.fc1.bias"] = rnd(vm, std=0.1)
        w[p + "mlp.fc2.weight"] = rnd(E, vm, std=vm ** -0.5)
        w[p + "mlp.fc2.bias"] = rnd(E, std=0.1)
    C = 4 * E
    w["visual.merger.ln_q.weight"] = 1 + rnd(E, std=0.1)
    w["visual.merger.ln_q.bias"] = rnd(E, std=0.1)
    w["visual.merger.mlp.0.weight"] = rnd(C, C, std=C ** -0.5)
    w["visual.merger.mlp.0.bias"] = rnd(C, std=0.1)
    w["visual.merger.mlp.2.weight"] = rnd(H, C, std=C ** -0.5)
    w["visual.merger.mlp.2.bias"] = rnd(H, std=0.1)
    w["model.embed_tokens.weight"] = rnd(a.vocab_size, H)
    for i in range(a.layers):
        p = f"model.layers.{i}."
        w[p + "self_attn.q_proj.weight"] = rnd(nh * hd, H, std=H ** -0.5 * 1.5)
        w[p + "self_attn.q_proj.bias"] = rnd(nh * hd, std=0.3)
        w[p + "self_attn.k_proj.weight"] = rnd(kv * hd, H, std=H ** -0.5 * 1.5)
        w[p + "self_attn.k_proj.bias"] = rnd(kv * hd, std=0.3)
        w[p + "self_attn.v_proj.weight"] = rnd(kv * hd, H, std=H ** -0.5)
        w[p + "self_attn.v_proj.bias"] = rnd(kv * hd, std=0.1)
        w[p + "self_attn.o_proj.weight"] = rnd(H, nh * hd, std=H ** -0.5)
        w[p + "mlp.gate_proj.weight"] = rnd(I, H, std=H ** -0.5)
        w[p + "mlp.up_proj.weight"] = rnd(I, H, std=H ** -0.5)
        w[p + "mlp.down_proj.weight"] = rnd(H, I, std=I ** -0.5)
        w[p + "input_layernorm.weight"] = 1 + rnd(H, std=0.1)
        w[p + "post_attention_layernorm.weight"] = 1 + rnd(H, std=0.1)
    w["model.norm.weight"] = 1 + rnd(H, std=0.1)
    if a.lm_head:
        w["lm_head.weight"] = rnd(a.vocab_size, H, std=0.02)
    dt = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    w = {k: v.to(dt) for k, v in w.items()}

    base = os.path.join(a.out, "base")
    os.makedirs(base, exist_ok=True)
    with open(os.path.join(base, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    keys = sorted(w)
    if a.shards <= 1:
        write_safetensors(os.path.join(base, "model.safetensors"), w, {"format": "pt"})
    else:
        n = a.shards
        wm = {}
        total = 0
        for s in range(n):
            fn = f"model-{s + 1:05d}-of-{n:05d}.safetensors"
            part = {k: w[k] for j, k in enumerate(keys) if j % n == s}
            write_safetensors(os.path.join(base, fn), part, {"format": "pt"})
            for k in part:
                wm[k] = fn
                total += part[k].numel() * part[k].element_size()
        with open(os.path.join(base, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": wm}, f, indent=2)

    shapes = {k: tuple(v.shape) for k, v in w.items()}

    def adapter(folder, r, alpha, targets, modules_to_save, extra):
        os.makedirs(folder, exist_ok=True)
        tens = {}
        for k in keys:
            if not k.endswith(".weight") or len(shapes[k]) != 2 or k.startswith("model.embed") or k == "lm_head.weight":
                continue
            mod = k[:-len(".weight")]
            if not any(mod.endswith("." + t) for t in targets):
                continue
            out_f, in_f = shapes[k]
            tens[f"base_model.model.{mod}.lora_A.weight"] = rnd(r, in_f, std=in_f ** -0.5)
            tens[f"base_model.model.{mod}.lora_B.weight"] = rnd(out_f, r, std=0.15 * r ** -0.5)
        tens.update(extra)
        cfg = {"alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "Qwen/Qwen2-VL-7B-Instruct",
               "bias": "none", "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True,
               "layer_replication": None, "layers_pattern": None, "layers_to_transform": None,
               "loftq_config": {}, "lora_alpha": alpha, "lora_dropout": 0.05, "megatron_config": None,
               "megatron_core": "megatron.core", "modules_to_save": modules_to_save, "peft_type": "LORA",
               "r": r, "rank_pattern": {}, "revision": None, "target_modules": targets, "task_type": None,
               "use_dora": False, "use_rslora": False}
        with open(os.path.join(folder, "adapter_config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        write_safetensors(os.path.join(folder, "adapter_model.safetensors"),
                          {k: v.to(dt) for k, v in tens.items()}, {"format": "pt"})

    M = a.mlp_head_hidden
    head = {"base_model.model.mlp_head.linear_layer1.weight": rnd(M, H, std=H ** -0.5),
            "base_model.model.mlp_head.linear_layer1.bias": rnd(M, std=0.1),
            "base_model.model.mlp_head.linear_layer2.weight": rnd(H, M, std=M ** -0.5),
            "base_model.model.mlp_head.linear_layer2.bias": rnd(H, std=0.1),
            "base_model.model.temperature.temp": torch.tensor(0.07)}
    adapter(os.path.join(a.out, "pretrain"), a.pretrain_r, a.pretrain_alpha, LLM_TARGETS + VISION_TARGETS,
            ["temperature", "mlp_head"], head)
    adapter(os.path.join(a.out, "instruct"), a.instruct_r, a.instruct_alpha, list(LLM_TARGETS), None, {})


if __name__ == "__main__":
    make(parse_args())
