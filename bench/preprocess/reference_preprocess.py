#!/usr/bin/python3
"""Reference timing for the ABC image preprocessing (run with Debian's /usr/bin/python3: python3-pil, numpy).

Per image, what the ABC reference does on the CPU:
  PIL.Image.open(bytes).convert("RGB")                       (decode)
  qwen_vl_utils smart_resize + image.resize((w, h))          (stage 1, Pillow BICUBIC)
  Qwen2VLImageProcessor (transformers 4.47.1, slow path):    (stage 2)
    to numpy, smart_resize, PIL resize BICUBIC, rescale (float64 * 1/255 -> float32),
    normalize (float32, CLIP mean/std), CHW, temporal duplication, patchify (reshape/transpose/reshape)

Usage: reference_preprocess.py IMAGE_DIR [--seconds S] [--json OUT]
Writes the JPEGs (if missing) and, per image, IMAGE_DIR/photo_WxH.rows.sha256 (float32 rows) so the Java
benchmark can verify it is bit-identical before it measures. Single-threaded (numpy elementwise ops are).
"""
import argparse
import hashlib
import io
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import PIL
from PIL import Image

SIZES = [(640, 480), (1920, 1080), (4000, 3000)]
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


# The exporter's reference implementation (export/abc_export/preprocess.py) is the one place the
# two smart_resize variants are written down; the benchmark times the same math.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "export"))
from abc_export.preprocess import smart_resize_stage1 as q_smart_resize  # noqa: E402
from abc_export.preprocess import smart_resize_stage2 as hf_smart_resize  # noqa: E402


def reference(data):
    image = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = image.size
    rh, rw = q_smart_resize(h, w)
    image = image.resize((rw, rh))
    # --- Qwen2VLImageProcessor._preprocess
    arr = np.array(image)
    h2, w2 = hf_smart_resize(arr.shape[0], arr.shape[1])
    arr = np.array(Image.fromarray(arr).resize((w2, h2), resample=Image.BICUBIC))
    arr = (arr.astype(np.float64) * (1 / 255)).astype(np.float32)
    arr = (arr - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    arr = arr.transpose(2, 0, 1)
    patches = np.array([arr])
    patches = np.broadcast_to(patches, (2,) + patches.shape[1:])  # torch expand
    p, m, t = 14, 2, 2
    gh, gw = h2 // p, w2 // p
    x = patches.reshape(1, t, 3, gh // m, m, p, gw // m, m, p).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    return np.ascontiguousarray(x.reshape(gh * gw, 3 * t * p * p)), (1, gh, gw)


def photo_like(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[..., 0] = 128 + 100 * np.sin(x / w * 3.1 + seed)
    img[..., 1] = 128 + 90 * np.cos(y / h * 4.3 + seed * 0.3)
    img[..., 2] = 128 + 80 * np.sin((x + y) / (w + h) * 7.0)
    for i in range(40):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.01, 0.12) * min(w, h)
        mask = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        img[mask] = rng.uniform(0, 255, 3)
    img += rng.normal(0, 6, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seconds", type=float, default=10.0, help="time budget per image")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    results = {"pillow": PIL.__version__, "numpy": np.__version__, "images": {}}
    for w, h in SIZES:
        name = f"photo_{w}x{h}"
        path = os.path.join(a.dir, name + ".jpg")
        if not os.path.exists(path):
            Image.fromarray(photo_like(w, h, w)).save(path, "JPEG", quality=90)
        data = open(path, "rb").read()
        rows, thw = reference(data)
        with open(os.path.join(a.dir, name + ".rows.sha256"), "w") as f:
            f.write(hashlib.sha256(rows.astype("<f4").tobytes()).hexdigest() + "\n")
        reference(data)  # warm-up
        times = []
        cpu = []
        deadline = time.perf_counter() + a.seconds
        while time.perf_counter() < deadline or len(times) < 5:
            t0 = time.perf_counter()
            c0 = time.thread_time()
            reference(data)
            cpu.append((time.thread_time() - c0) * 1000)
            times.append((time.perf_counter() - t0) * 1000)
        # breakdown of one run
        t0 = time.perf_counter()
        im = Image.open(io.BytesIO(data)).convert("RGB")
        t_dec = (time.perf_counter() - t0) * 1000
        results["images"][f"{w}x{h}"] = {
            "bytes": len(data), "grid_thw": list(thw), "runs": len(times),
            "mean_ms": statistics.fmean(times), "min_cpu_ms": min(cpu), "median_cpu_ms": statistics.median(cpu), "median_ms": statistics.median(times), "min_ms": min(times),
            "decode_ms_one_run": t_dec,
        }
        print(f"reference {w}x{h}: mean {statistics.fmean(times):.2f} ms, median {statistics.median(times):.2f} ms"
              f" over {len(times)} runs (decode alone ~{t_dec:.1f} ms), grid_thw {thw}", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
