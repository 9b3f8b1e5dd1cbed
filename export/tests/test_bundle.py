"""Saved bundles: load with torch.jit.load, run, match; committed tiny bundle matches its goldens."""
import json
import os

import numpy as np
import pytest
import torch

import export as export_cli
from abc_export import checkpoint, reference
from abc_export.exporter import export
from abc_export.preprocess import build_prompt, preprocess_image, rows_sha256, smart_resize_stage1, \
    smart_resize_stage2
from conftest import EOT, IM_END, IM_START, PAD_IMG, ROOT, VE, VS, dirs, make_ck

TINY = os.path.join(ROOT, "bundles", "tiny")


def test_export_load_run_matches_reference(ck, ld, tmp_path, fake_tokenizer):
    out = str(tmp_path / "bundle")
    m = export(*dirs(ck), out, tokenizer=fake_tokenizer)
    man = json.load(open(os.path.join(out, "manifest.json")))
    assert man == json.loads(json.dumps(m))
    assert man["dims"] == ld.cfg.text.hidden_size and man["dtype"] == "float32"
    assert man["positions"] == "sequential"
    assert man["token_ids"]["image_pad"] == PAD_IMG and man["token_ids"]["vision_start"] == VS
    assert man["token_ids"]["im_start"] == IM_START and man["token_ids"]["im_end"] == IM_END
    assert man["preprocessing"]["stage2_max_pixels"] == 1024 * 28 * 28
    vis = torch.jit.load(os.path.join(out, "vision.pt"))
    lang = torch.jit.load(os.path.join(out, "language.pt"))
    g = torch.Generator().manual_seed(1)
    grid = torch.tensor([[1, 4, 4], [1, 2, 4]])
    pv = torch.randn(24, 1176, generator=g)
    f = vis(pv, grid)
    rows = [[IM_START, 5, VS] + [PAD_IMG] * 2 + [VE, 0, 9, IM_END],
            [IM_START, 5, VS] + [PAD_IMG] * 4 + [VE, 16664, 25, 0, IM_END],
            [IM_START, 77, 0, IM_END]]
    L = max(map(len, rows))
    ids = torch.tensor([r + [EOT] * (L - len(r)) for r in rows])
    mask = torch.tensor([[1] * len(r) + [0] * (L - len(r)) for r in rows])
    out_v = lang(ids, mask, f, grid, torch.tensor([1, 0, -1]), torch.tensor([0.0, 1.0, 0.0]))
    imgs = [(pv[16:], grid[1:]), (pv[:16], grid[:1]), (None, None)]
    for b, r in enumerate(rows):
        want = reference.embed(ld, torch.tensor(r), imgs[b][0], imgs[b][1], b == 1)
        assert out_v[b].shape == want.shape
        assert (out_v[b] - want).abs().max() < 2e-5


def test_other_seed_and_dims_bf16_mrope(tmp_path, fake_tokenizer):
    ck = make_ck(tmp_path / "ck", "--seed", 11, "--vocab-size", 151680, "--hidden", 24, "--heads", 3,
                 "--kv-heads", 1, "--mrope-section", "1,1,2", "--vision-embed", 24, "--vision-heads", 2,
                 "--vision-act", "gelu", "--dtype", "bf16", "--shards", 2, "--lm-head", "--layers", 3,
                 "--pretrain-r", 3, "--pretrain-alpha", 5, "--instruct-r", 1, "--instruct-alpha", 3)
    out = str(tmp_path / "b")
    m = export(*dirs(ck), out, dtype="bf16", positions="mrope", tokenizer=fake_tokenizer)
    assert m["dtype"] == "bfloat16" and m["positions"] == "mrope" and m["dims"] == 24
    # fp32 export of the same bf16 checkpoint agrees with the unbatched reference (mrope)
    out32 = str(tmp_path / "b32")
    m32 = export(*dirs(ck), out32, positions="mrope", tokenizer=fake_tokenizer)
    assert m32["model_version"] != m["model_version"]
    ld = checkpoint.load(*dirs(ck))
    vis = torch.jit.load(os.path.join(out32, "vision.pt"))
    lang = torch.jit.load(os.path.join(out32, "language.pt"))
    grid = torch.tensor([[1, 6, 4]])
    pv = torch.randn(24, 1176, generator=torch.Generator().manual_seed(2))
    r = [IM_START, 5, VS] + [PAD_IMG] * 6 + [VE, 16664, 25, 7, IM_END]
    v = lang(torch.tensor([r]), torch.ones(1, len(r), dtype=torch.int64), vis(pv, grid), grid,
             torch.tensor([0]), torch.tensor([1.0]))
    want = reference.embed(ld, torch.tensor(r), pv, grid, True, "mrope")
    assert v[0].shape == want.shape
    assert (v[0] - want).abs().max() < 2e-5


def test_cli_reports_errors(small_ck, tmp_path, capsys, fake_tokenizer):
    import shutil
    ck = str(tmp_path / "ck")
    shutil.copytree(small_ck, ck)
    p = os.path.join(ck, "instruct", "adapter_config.json")
    d = json.load(open(p))
    d["peft_type"] = "IA3"
    json.dump(d, open(p, "w"))
    rc = export_cli.main(["--base", os.path.join(ck, "base"), "--pretrain-adapter", os.path.join(ck, "pretrain"),
                          "--instruct-adapter", os.path.join(ck, "instruct"), "--out", str(tmp_path / "o"),
                          "--tokenizer", fake_tokenizer])
    assert rc == 2
    assert "peft_type 'IA3' is not supported" in capsys.readouterr().err


def test_smart_resize_cases():
    assert smart_resize_stage1(2, 3) == (56, 84)
    assert smart_resize_stage1(40, 1000) == (28, 1008)
    assert smart_resize_stage2(28, 1008) == (84, 2688)
    assert smart_resize_stage1(480, 640) == (476, 644)
    assert smart_resize_stage2(476, 644) == (476, 644)
    # round half to even: 42/28 = 1.5 -> 2, 70/28 = 2.5 -> 2
    assert smart_resize_stage1(42, 70, min_pixels=1) == (56, 56)
    with pytest.raises(ValueError):
        smart_resize_stage1(1, 201)


def test_prompts():
    assert build_prompt("image+instruction", "!") == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
        "<|vision_start|><|image_pad|><|vision_end|>Instruction: !<|im_end|>\n<|im_start|>assistant\n")
    assert build_prompt("text", "hi").endswith("user\nhi<|im_end|>\n<|im_start|>assistant\n")
    assert "Instruction" not in build_prompt("image", "ignored")


@pytest.fixture(scope="module")
def goldens():
    with open(os.path.join(TINY, "goldens", "goldens.json"), encoding="utf-8") as f:
        return json.load(f)


def test_tiny_bundle_manifest(goldens):
    man = json.load(open(os.path.join(TINY, "manifest.json")))
    assert goldens["model_version"] == man["model_version"]
    for fn in man["modules"].values():
        assert os.path.getsize(os.path.join(TINY, fn)) > 0
    total = sum(os.path.getsize(os.path.join(TINY, fn)) for fn in man["modules"].values())
    assert total < 25 * 1024 * 1024


def test_tiny_bundle_matches_goldens(goldens):
    man = json.load(open(os.path.join(TINY, "manifest.json")))
    pp = man["preprocessing"]
    vis = torch.jit.load(os.path.join(TINY, "vision.pt"))
    lang = torch.jit.load(os.path.join(TINY, "language.pt"))
    names = sorted(goldens["images"])
    feats, grids = [], []
    for name in names:
        gi = goldens["images"][name]
        r = preprocess_image(os.path.join(TINY, "goldens", name), pp)
        rows = r["pixel_values"]
        assert list(rows.shape) == gi["pixel_values"]["shape"], name
        assert rows_sha256(rows) == gi["pixel_values"]["sha256_f32le"], name
        assert [float(v) for v in rows[0, :8]] == gi["pixel_values"]["first_row_first8"]
        assert r["grid_thw"] == gi["grid_thw"] and r["stage2_size"] == gi["stage2_size"]
        grids.append(gi["grid_thw"])
        feats.append(vis(torch.from_numpy(rows), torch.tensor([gi["grid_thw"]])))
    cases = goldens["cases"]
    L = max(len(c["input_ids"]) for c in cases)
    ids = torch.full((len(cases), L), man["token_ids"]["pad"], dtype=torch.int64)
    mask = torch.zeros((len(cases), L), dtype=torch.int64)
    for b, c in enumerate(cases):
        ids[b, :len(c["input_ids"])] = torch.tensor(c["input_ids"])
        mask[b, :len(c["input_ids"])] = 1
        assert c["prompt"] == build_prompt(c["mode"], c.get("instruction") or c.get("text") or "", man["prompt"])
        if "image" in c:
            n = goldens["images"][c["image"]]["image_tokens"]
            assert c["input_ids"].count(PAD_IMG) == n
    out = lang(ids, mask, torch.cat(feats), torch.tensor(grids),
               torch.tensor([names.index(c["image"]) if "image" in c else -1 for c in cases]),
               torch.tensor([1.0 if c["instruct"] else 0.0 for c in cases]))
    want = torch.tensor([c["vector"] for c in cases])
    assert out.shape == want.shape
    assert (out - want).abs().max() < 1e-5
    # the golden set exercises what it should
    modes = {c["mode"] for c in cases}
    assert modes == {"image", "image+instruction", "text"}
    assert any(c.get("instruction") == "!" for c in cases)
    assert any(0 in c["input_ids"] for c in cases)


@pytest.mark.skipif(not os.path.exists(os.path.join(TINY, "tokenizer.json")),
                    reason="run dev/fetch-tokenizer.sh bundles/tiny/tokenizer.json")
def test_golden_ids_match_independent_python_bpe(goldens):
    from abc_export.bpe import BPETokenizer
    tok = BPETokenizer(os.path.join(TINY, "tokenizer.json"))
    for c in goldens["cases"]:
        assert tok.encode(c["prompt"]) == c["prompt_ids"], c["id"]
        if "image" in c:
            n = goldens["images"][c["image"]]["image_tokens"]
            assert tok.encode(c["prompt"].replace("<|image_pad|>", "<|image_pad|>" * n)) == c["input_ids"]
        else:
            assert c["input_ids"] == c["prompt_ids"]


def test_golden_invalid_images_rejected(goldens):
    man = json.load(open(os.path.join(TINY, "manifest.json")))
    assert goldens["invalid_images"]
    for name in goldens["invalid_images"]:
        with pytest.raises(ValueError, match="aspect ratio"):
            preprocess_image(os.path.join(TINY, "goldens", name), man["preprocessing"])


QWEN2VL_TEMPLATE = ("{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
                    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
                    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}<|im_start|>"
                    "{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}"
                    "<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == "
                    "'image' or 'image' in content or 'image_url' in content %}{% set image_count.value = "
                    "image_count.value + 1 %}{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}"
                    "<|vision_start|><|image_pad|><|vision_end|>{% elif 'text' in content %}"
                    "{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}"
                    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def test_chat_template_check(small_ck, tmp_path, fake_tokenizer):
    import shutil
    ck = str(tmp_path / "ck")
    shutil.copytree(small_ck, ck)
    p = os.path.join(ck, "base", "chat_template.json")
    json.dump({"chat_template": QWEN2VL_TEMPLATE}, open(p, "w"))
    m = export(*dirs(ck), str(tmp_path / "o"), tokenizer=fake_tokenizer, check=False)
    assert m["prompt_source"].startswith("checked")
    json.dump({"chat_template": QWEN2VL_TEMPLATE.replace("You are a helpful assistant.", "Be terse.")}, open(p, "w"))
    from abc_export import ExportError
    with pytest.raises(ExportError, match="chat template"):
        export(*dirs(ck), str(tmp_path / "o2"), tokenizer=fake_tokenizer, check=False)
