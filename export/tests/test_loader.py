"""Checkpoint/adapter reading: merges, sharding, and clear errors naming the offending key."""
import json
import math
import os
import shutil

import pytest
import torch

from abc_export import ExportError, checkpoint
from abc_export.safetensors_io import read_safetensors, write_safetensors
from conftest import dirs, make_ck


def clone(src, dst):
    shutil.copytree(src, dst)
    return str(dst)


def edit_tensors(path, fn):
    t = read_safetensors(path)
    fn(t)
    write_safetensors(path, t)


def edit_json(path, fn):
    with open(path) as f:
        d = json.load(f)
    fn(d)
    with open(path, "w") as f:
        json.dump(d, f)


def test_safetensors_roundtrip(tmp_path):
    g = torch.Generator().manual_seed(0)
    t = {"a": torch.randn(3, 4, generator=g), "b": torch.randn(5, generator=g).to(torch.bfloat16),
         "c": torch.randn(2, 2, generator=g).half(), "d": torch.arange(6).view(2, 3)}
    p = str(tmp_path / "x.safetensors")
    write_safetensors(p, t)
    r = read_safetensors(p)
    for k in t:
        assert r[k].dtype == t[k].dtype and torch.equal(r[k], t[k]), k


def test_merge_matches_peft_formula(small_ck):
    ld = checkpoint.load(*dirs(small_ck))
    base = read_safetensors(os.path.join(small_ck, "base", "model.safetensors"))
    ad = read_safetensors(os.path.join(small_ck, "pretrain", "adapter_model.safetensors"))
    cfg = json.load(open(os.path.join(small_ck, "pretrain", "adapter_config.json")))
    scale = cfg["lora_alpha"] / cfg["r"]
    for mod in ("model.layers.1.self_attn.k_proj", "visual.blocks.0.attn.qkv", "model.layers.0.mlp.down_proj"):
        A = ad[f"base_model.model.{mod}.lora_A.weight"]
        B = ad[f"base_model.model.{mod}.lora_B.weight"]
        want = base[mod + ".weight"] + scale * B @ A
        assert torch.allclose(ld.weights[mod + ".weight"], want, atol=1e-6)
    # untouched weights stay
    assert torch.equal(ld.weights["visual.merger.mlp.0.weight"], base["visual.merger.mlp.0.weight"])
    assert torch.equal(ld.mlp_head["w1"], ad["base_model.model.mlp_head.linear_layer1.weight"])
    icfg = json.load(open(os.path.join(small_ck, "instruct", "adapter_config.json")))
    assert set(ld.instruct) == {f"model.layers.{i}.{t}" for i in range(2) for t in icfg["target_modules"]}
    for a, b, s in ld.instruct.values():
        assert s == icfg["lora_alpha"] / icfg["r"]


def test_rslora_and_regex_targets(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")
    pat = r"model\.layers\.\d+\.(self_attn\.(q|k|v|o)_proj|mlp\.(gate|up|down)_proj)"
    edit_json(os.path.join(ck, "instruct", "adapter_config.json"),
              lambda d: d.update(target_modules=pat, use_rslora=True))
    ld = checkpoint.load(*dirs(ck))
    assert len(ld.instruct) == 14
    r = json.load(open(os.path.join(ck, "instruct", "adapter_config.json")))
    for _, _, s in ld.instruct.values():
        assert s == pytest.approx(r["lora_alpha"] / math.sqrt(r["r"]))


def test_sharded_equals_single(tmp_path, fake_tokenizer):
    from abc_export.exporter import export
    args = ["--seed", 9, "--vocab-size", 151700, "--hidden", 16, "--heads", 2, "--kv-heads", 1,
            "--mrope-section", "1,2,1", "--vision-embed", 16, "--vision-heads", 2]
    a = make_ck(tmp_path / "a", *args)
    b = make_ck(tmp_path / "b", *(args + ["--shards", 3]))
    assert os.path.exists(os.path.join(b, "base", "model.safetensors.index.json"))
    # mlp_head.* aside, identical inputs => identical module files
    ea = export(*dirs(a), str(tmp_path / "ba"), tokenizer=fake_tokenizer)
    eb = export(*dirs(b), str(tmp_path / "bb"), tokenizer=fake_tokenizer)
    for fn in ("vision.pt", "language.pt"):
        assert open(tmp_path / "ba" / fn, "rb").read() == open(tmp_path / "bb" / fn, "rb").read(), fn
    assert ea == eb  # same tensors => same manifest, model_version included


def test_missing_base_tensor(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")
    edit_tensors(os.path.join(ck, "base", "model.safetensors"),
                 lambda t: t.pop("model.layers.1.self_attn.v_proj.bias"))
    with pytest.raises(ExportError, match=r"missing tensor 'model\.layers\.1\.self_attn\.v_proj\.bias'"):
        checkpoint.load(*dirs(ck))


def test_base_shape_mismatch(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")

    def f(t):
        t["visual.blocks.0.mlp.fc1.weight"] = t["visual.blocks.0.mlp.fc1.weight"][:-1]
    edit_tensors(os.path.join(ck, "base", "model.safetensors"), f)
    with pytest.raises(ExportError, match=r"'visual\.blocks\.0\.mlp\.fc1\.weight' has shape"):
        checkpoint.load(*dirs(ck))


def test_missing_lora_tensor(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")
    edit_tensors(os.path.join(ck, "instruct", "adapter_model.safetensors"),
                 lambda t: t.pop("base_model.model.model.layers.0.mlp.up_proj.lora_B.weight"))
    with pytest.raises(ExportError, match=r"missing tensor 'base_model\.model\.model\.layers\.0\.mlp\.up_proj"
                                          r"\.lora_B\.weight'"):
        checkpoint.load(*dirs(ck))


def test_lora_shape_mismatch(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")
    k = "base_model.model.visual.blocks.1.attn.proj.lora_A.weight"

    def f(t):
        t[k] = torch.cat([t[k], t[k]], 0)
    edit_tensors(os.path.join(ck, "pretrain", "adapter_model.safetensors"), f)
    with pytest.raises(ExportError, match=r"'base_model\.model\.visual\.blocks\.1\.attn\.proj\.lora_A\.weight' "
                                          r"has shape"):
        checkpoint.load(*dirs(ck))


def test_mlp_head_missing_and_shape(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")
    p = os.path.join(ck, "pretrain", "adapter_model.safetensors")
    edit_tensors(p, lambda t: t.pop("base_model.model.mlp_head.linear_layer2.bias"))
    with pytest.raises(ExportError, match=r"mlp_head\.linear_layer2\.bias"):
        checkpoint.load(*dirs(ck))
    ck2 = clone(small_ck, tmp_path / "ck2")

    def f(t):
        t["base_model.model.mlp_head.linear_layer2.weight"] = t["base_model.model.mlp_head.linear_layer2.weight"][:, 1:]
    edit_tensors(os.path.join(ck2, "pretrain", "adapter_model.safetensors"), f)
    with pytest.raises(ExportError, match=r"mlp_head\.linear_layer2\.weight' has shape"):
        checkpoint.load(*dirs(ck2))


def test_adapter_key_for_untargeted_module(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")
    edit_json(os.path.join(ck, "instruct", "adapter_config.json"),
              lambda d: d.update(target_modules=["self_attn.q_proj", "self_attn.k_proj"]))
    with pytest.raises(ExportError, match=r"key 'base_model\.model\.model\.layers\.0\.(self_attn|mlp)\.[a-z_]+\.lora_"
                                          r"[AB]\.weight'.*do not target"):
        checkpoint.load(*dirs(ck))


def test_adapter_key_for_unknown_module(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")

    def f(t):
        t["base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight"] = torch.zeros(2, 16)
    edit_tensors(os.path.join(ck, "instruct", "adapter_model.safetensors"), f)
    with pytest.raises(ExportError, match=r"key 'base_model\.model\.model\.layers\.7\.self_attn\.q_proj\.lora_A"
                                          r"\.weight' matches no module"):
        checkpoint.load(*dirs(ck))


def test_unknown_target(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")
    edit_json(os.path.join(ck, "instruct", "adapter_config.json"), lambda d: d.update(target_modules=["qkv_proj"]))
    with pytest.raises(ExportError, match=r"target_modules \['qkv_proj'\] match no module"):
        checkpoint.load(*dirs(ck))
    edit_json(os.path.join(ck, "instruct", "adapter_config.json"),
              lambda d: d.update(target_modules=["embed_tokens"]))
    with pytest.raises(ExportError, match=r"'model\.embed_tokens', which is not a supported Linear"):
        checkpoint.load(*dirs(ck))


def test_instruct_on_vision_rejected(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")
    src = read_safetensors(os.path.join(ck, "pretrain", "adapter_model.safetensors"))
    t = {k: v for k, v in src.items() if ".lora_" in k}
    write_safetensors(os.path.join(ck, "instruct", "adapter_model.safetensors"), t)
    edit_json(os.path.join(ck, "instruct", "adapter_config.json"),
              lambda d: d.update(target_modules=json.load(open(os.path.join(ck, "pretrain", "adapter_config.json")))
                                 ["target_modules"], r=4))
    with pytest.raises(ExportError, match=r"instruct adapter .*targets 'visual\."):
        checkpoint.load(*dirs(ck))


@pytest.mark.parametrize("ptype", ["IA3", "LOHA", "PROMPT_TUNING"])
def test_non_lora_peft_type(small_ck, tmp_path, ptype):
    ck = clone(small_ck, tmp_path / "ck")
    edit_json(os.path.join(ck, "pretrain", "adapter_config.json"), lambda d: d.update(peft_type=ptype))
    with pytest.raises(ExportError, match=f"peft_type '{ptype}' is not supported"):
        checkpoint.load(*dirs(ck))


def test_dora_rejected(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")
    edit_json(os.path.join(ck, "instruct", "adapter_config.json"), lambda d: d.update(use_dora=True))
    with pytest.raises(ExportError, match="DoRA"):
        checkpoint.load(*dirs(ck))


def test_bad_mrope_section(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")
    edit_json(os.path.join(ck, "base", "config.json"),
              lambda d: d.update(rope_scaling={"type": "mrope", "mrope_section": [2, 2, 2]}))
    with pytest.raises(ExportError, match="mrope_section"):
        checkpoint.load(*dirs(ck))


def test_newer_transformers_key_layout(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")

    def f(t):
        for k in list(t):
            if k.startswith("model."):
                t["model.language_model." + k[6:]] = t.pop(k)
            elif k.startswith("visual."):
                t["model." + k] = t.pop(k)
    edit_tensors(os.path.join(ck, "base", "model.safetensors"), f)
    a = checkpoint.load(*dirs(small_ck))
    b = checkpoint.load(*dirs(ck))
    for k in a.weights:
        assert torch.equal(a.weights[k], b.weights[k]), k


def test_alpha_pattern_and_exclude(small_ck, tmp_path):
    ck = clone(small_ck, tmp_path / "ck")
    edit_json(os.path.join(ck, "instruct", "adapter_config.json"),
              lambda d: d.update(alpha_pattern={"self_attn.q_proj": 10}))
    ld = checkpoint.load(*dirs(ck))
    r = json.load(open(os.path.join(ck, "instruct", "adapter_config.json")))
    for mod, (_, _, s) in ld.instruct.items():
        want = (10 if mod.endswith("self_attn.q_proj") else r["lora_alpha"]) / r["r"]
        assert s == pytest.approx(want), mod
    # excluding a module whose LoRA tensors are present is an error naming the key
    edit_json(os.path.join(ck, "instruct", "adapter_config.json"),
              lambda d: d.update(exclude_modules=["model.layers.1.mlp.up_proj"]))
    with pytest.raises(ExportError, match=r"model\.layers\.1\.mlp\.up_proj\.lora_[AB]\.weight"):
        checkpoint.load(*dirs(ck))
