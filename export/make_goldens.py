#!/usr/bin/env python3
"""Generate goldens for a bundle made from a tiny checkpoint (see make_tiny_bundle.sh).

Writes OUT/*.png (only when missing: they are committed) and OUT/goldens.json. Pixel rows come from the
Python reference preprocessing (abc_export/preprocess.py), input_ids from an independent tokenizer
(@lenml/tokenizers, a JS port of HF tokenizers, run with node), vectors from the unbatched eager
reference (abc_export/reference.py) and are cross-checked against the scripted bundle.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from abc_export import checkpoint, reference  # noqa: E402
from abc_export.preprocess import build_prompt, expand_image_pad, preprocess_image, rows_sha256  # noqa: E402

TOKENIZERS_PKG = "@lenml/tokenizers@3.7.2"


def _smooth(w, h, seed, channels=3):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.zeros((h, w, channels))
    for c in range(channels):
        a, b, p = rng.uniform(0.005, 0.05, 3)
        out[..., c] = 127.5 + 100 * np.sin(a * xx + b * yy + p * 6) + 27 * np.cos(0.5 * a * yy - b * xx)
    for _ in range(4):
        x0, y0 = int(rng.integers(0, max(1, w - 1))), int(rng.integers(0, max(1, h - 1)))
        x1, y1 = min(w, x0 + 1 + int(rng.integers(0, max(1, w // 3)))), min(h, y0 + 1 + int(rng.integers(0, max(1, h // 3))))
        out[y0:y1, x0:x1] = rng.integers(0, 256, channels)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


IMAGES = [
    # name, width, height, mode, note
    ("tiny_3x2.png", 3, 2, "RGB", "stage 1 upscales to min pixels, stage 2 upscales"),
    ("photo_640x480.png", 640, 480, "RGB", "stage 1 rounds to 644x476, stage 2 keeps size (PIL copy)"),
    ("large_1100x800.png", 1100, 800, "RGB", "stage 2 downscales (above 1024*28*28)"),
    ("rgba_90x70.png", 90, 70, "RGBA", "alpha dropped by convert('RGB'), stage 2 upscales"),
    ("wide_1000x40.png", 1000, 40, "RGB", "very wide: 1008x28 then 2688x84-ish"),
    ("odd_333x217.png", 333, 217, "RGB", "odd size"),
    ("gray_50x61.png", 50, 61, "L", "grayscale converted to RGB"),
    ("dot_1x1.png", 1, 1, "RGB", "single pixel: 56x56 then 448x448"),
    ("line_200x1.png", 200, 1, "RGB", "aspect ratio exactly 200 (allowed)"),
]

# images the pipeline must reject (qwen_vl_utils smart_resize raises: aspect ratio > 200)
INVALID_IMAGES = [("line_201x1.png", 201, 1, "RGB", "aspect ratio 201 > 200: rejected")]

INSTRUCTIONS = ["What is in the image?", "左边的动物是什么？", "Find the 🐱 and the 🚗.", "!"]
TEXTS = ["a photo of a cat", "!", "猫の写真 📷 — naïve café", "  leading and trailing spaces  ",
         "line one\nline two\t\ttabs"]


def make_images(out):
    for i, (name, w, h, mode, _note) in enumerate(IMAGES + INVALID_IMAGES):
        path = os.path.join(out, name)
        if os.path.exists(path):
            continue
        if mode == "RGBA":
            arr = _smooth(w, h, 100 + i, 4)
            arr[..., 3] = np.linspace(0, 255, w, dtype=np.uint8)[None, :]
            arr[: h // 3, :, 3] = 0
            img = Image.fromarray(arr, "RGBA")
        elif mode == "L":
            img = Image.fromarray(_smooth(w, h, 100 + i, 1)[..., 0], "L")
        else:
            img = Image.fromarray(_smooth(w, h, 100 + i, 3), "RGB")
        img.save(path, optimize=True)


def ensure_node_tokenizers(node_modules):
    if node_modules and os.path.isdir(os.path.join(node_modules, "@lenml", "tokenizers")):
        return node_modules
    d = tempfile.mkdtemp(prefix="abc-tok-")
    subprocess.run(["npm", "install", "--silent", "--prefix", d, TOKENIZERS_PKG], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(d, "node_modules")


def tokenize(texts, tokenizer_json, node_modules):
    env = dict(os.environ, NODE_PATH=node_modules)
    r = subprocess.run(["node", os.path.join(HERE, "goldens", "tokenize.js"), tokenizer_json],
                       input=json.dumps(texts).encode("utf-8"), capture_output=True, env=env, check=True)
    return json.loads(r.stdout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--checkpoint", required=True, help="tiny checkpoint dir (base/, pretrain/, instruct/)")
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--node-modules", default=None)
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    make_images(a.out)
    with open(os.path.join(a.bundle, "manifest.json")) as f:
        man = json.load(f)
    pp = man["preprocessing"]
    tid = man["token_ids"]
    positions = man["positions"]
    ld = checkpoint.load(os.path.join(a.checkpoint, "base"), os.path.join(a.checkpoint, "pretrain"),
                         os.path.join(a.checkpoint, "instruct"))

    images = {}
    for name, w, h, mode, note in IMAGES:
        r = preprocess_image(os.path.join(a.out, name), pp)
        rows = r["pixel_values"]
        images[name] = {
            "note": note, "size": r["size"], "mode": r["mode"], "stage1_size": r["stage1_size"],
            "stage2_size": r["stage2_size"], "grid_thw": r["grid_thw"],
            "image_tokens": int(np.prod(r["grid_thw"])) // (pp["merge_size"] ** 2),
            "pixel_values": {
                "shape": list(rows.shape), "sha256_f32le": rows_sha256(rows),
                "first_row_first8": [float(v) for v in rows[0, :8]],
                "first_row_last8": [float(v) for v in rows[0, -8:]],
                "last_row_first8": [float(v) for v in rows[-1, :8]],
                "row1_196_204": [float(v) for v in rows[min(1, len(rows) - 1), 196:204]],
                "sum_f64": float(rows.astype(np.float64).sum()),
            },
            "_rows": rows,
        }

    invalid = {}
    for name, w, h, mode, note in INVALID_IMAGES:
        try:
            preprocess_image(os.path.join(a.out, name), pp)
        except ValueError as e:
            invalid[name] = {"note": note, "size": [w, h], "error": str(e)}
        else:
            raise SystemExit(f"{name} should be rejected")

    cases = []
    names = [n for n, *_ in IMAGES]
    for i, name in enumerate(names):
        cases.append({"id": f"{os.path.splitext(name)[0]}__image", "mode": "image", "image": name})
        for j in ([i % len(INSTRUCTIONS)] if i != 0 else range(len(INSTRUCTIONS))):
            cases.append({"id": f"{os.path.splitext(name)[0]}__instr{j}", "mode": "image+instruction",
                          "image": name, "instruction": INSTRUCTIONS[j]})
    for j, t in enumerate(TEXTS):
        cases.append({"id": f"text{j}", "mode": "text", "text": t})

    tok_path = os.path.join(a.bundle, man["tokenizer"])
    node_modules = ensure_node_tokenizers(a.node_modules)
    prompts, expanded = [], []
    for c in cases:
        p = build_prompt(c["mode"], c.get("instruction") or c.get("text") or "", man["prompt"])
        c["prompt"] = p
        prompts.append(p)
        expanded.append(expand_image_pad(p, images[c["image"]]["image_tokens"], "<|image_pad|>")
                        if "image" in c else p)
    ids_single = tokenize(prompts, tok_path, node_modules)
    ids_expanded = tokenize(expanded, tok_path, node_modules)
    for c, s, e in zip(cases, ids_single, ids_expanded):
        c["prompt_ids"] = s
        c["input_ids"] = e
        if "image" in c:
            n = images[c["image"]]["image_tokens"]
            k = s.index(tid["image_pad"])
            assert e == s[:k] + [tid["image_pad"]] * n + s[k + 1:], c["id"]
        c["instruct"] = c["mode"] == "image+instruction"
        if "image" in c:
            c["grid_thw"] = images[c["image"]]["grid_thw"]
        rows = torch.from_numpy(images[c["image"]]["_rows"]) if "image" in c else None
        grid = torch.tensor([c["grid_thw"]]) if "image" in c else None
        v = reference.embed(ld, torch.tensor(e), rows, grid, c["instruct"], positions, tid["image_pad"],
                            tid["vision_start"])
        c["vector"] = [float(x) for x in v]

    # cross-check against the scripted bundle, all cases in one batch
    vis = torch.jit.load(os.path.join(a.bundle, man["modules"]["vision"]))
    lang = torch.jit.load(os.path.join(a.bundle, man["modules"]["language"]))
    feats, grids = [], []
    idx = {}
    for name in names:
        idx[name] = len(grids)
        grids.append(images[name]["grid_thw"])
        feats.append(vis(torch.from_numpy(images[name]["_rows"]), torch.tensor([images[name]["grid_thw"]])))
    L = max(len(c["input_ids"]) for c in cases)
    ids = torch.full((len(cases), L), tid["pad"], dtype=torch.int64)
    mask = torch.zeros((len(cases), L), dtype=torch.int64)
    for b, c in enumerate(cases):
        ids[b, :len(c["input_ids"])] = torch.tensor(c["input_ids"])
        mask[b, :len(c["input_ids"])] = 1
    out = lang(ids, mask, torch.cat(feats), torch.tensor(grids),
               torch.tensor([idx[c["image"]] if "image" in c else -1 for c in cases]),
               torch.tensor([1.0 if c["instruct"] else 0.0 for c in cases]))
    ref = torch.tensor([c["vector"] for c in cases])
    err = float((out - ref).abs().max())
    print(f"bundle vs reference max abs diff over {len(cases)} cases: {err:.3g}")
    if err > 1e-5:
        raise SystemExit("bundle disagrees with the reference")

    for im in images.values():
        im.pop("_rows")
    doc = {
        "format": 1,
        "about": "Goldens for the tiny ABC bundle: pixel rows from the reference preprocessing "
                 "(qwen_vl_utils fetch_image + Qwen2VLImageProcessor), input_ids from @lenml/tokenizers, "
                 "vectors from the unbatched reference. prompt_ids = tokenized prompt with one <|image_pad|>; "
                 "input_ids = with <|image_pad|> expanded to image_tokens copies. Vectors: compare with "
                 "max abs diff <= tolerance.",
        "model_version": man["model_version"],
        "positions": positions,
        "tolerance": 1e-4,
        "instructions": INSTRUCTIONS,
        "images": images,
        "invalid_images": invalid,
        "cases": cases,
    }
    with open(os.path.join(a.out, "goldens.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(cases)} cases, {len(images)} images to {a.out}")


if __name__ == "__main__":
    main()
