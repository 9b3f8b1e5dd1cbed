"""Reference image preprocessing and prompt building, following the ABC pipeline exactly:

1. qwen_vl_utils.fetch_image: PIL open -> convert("RGB") (alpha dropped, no EXIF transpose) ->
   smart_resize(factor 28, min 4*28*28, max 16384*28*28) -> img.resize((w, h)) (default BICUBIC).
2. transformers Qwen2VLImageProcessor (use_fast=False, min_pixels 256*28*28, max_pixels 1024*28*28):
   smart_resize -> PIL BICUBIC resize -> float64 * 1/255 -> float32 -> (x - mean) / std in float32 ->
   channels first -> tile temporal 2 -> patchify to rows of 3*2*14*14.
Python's round() is round-half-even, as upstream.
"""
import hashlib
import math
from typing import Dict, List, Tuple

import numpy as np
from PIL import Image

from .exporter import PROMPT


def smart_resize_stage1(height: int, width: int, factor: int = 28, min_pixels: int = 4 * 28 * 28,
                        max_pixels: int = 16384 * 28 * 28, max_ratio: int = 200) -> Tuple[int, int]:
    """qwen_vl_utils.smart_resize."""
    if max(height, width) / min(height, width) > max_ratio:
        raise ValueError(f"absolute aspect ratio must be smaller than {max_ratio}, "
                         f"got {max(height, width) / min(height, width)}")
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = math.floor(height / beta / factor) * factor
        w_bar = math.floor(width / beta / factor) * factor
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def smart_resize_stage2(height: int, width: int, factor: int = 28, min_pixels: int = 256 * 28 * 28,
                        max_pixels: int = 1024 * 28 * 28) -> Tuple[int, int]:
    """transformers.models.qwen2_vl.image_processing_qwen2_vl.smart_resize (4.47.1)."""
    if height < factor or width < factor:
        raise ValueError(f"height:{height} or width:{width} must be larger than factor:{factor}")
    if max(height, width) / min(height, width) > 200:
        raise ValueError("absolute aspect ratio must be smaller than 200")
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = math.floor(height / beta / factor) * factor
        w_bar = math.floor(width / beta / factor) * factor
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def preprocess_image(path: str, pp: Dict) -> Dict:
    """Return dict with pixel_values float32 [N, 1176], grid_thw [1, gh, gw] and the sizes."""
    patch, tps, merge = pp["patch_size"], pp["temporal_patch_size"], pp["merge_size"]
    factor = pp["factor"]
    img = Image.open(path)
    orig = img.size
    mode = img.mode
    img = img.convert("RGB")
    h1, w1 = smart_resize_stage1(img.height, img.width, factor, pp["stage1_min_pixels"], pp["stage1_max_pixels"],
                                 pp["max_aspect_ratio"])
    img = img.resize((w1, h1))
    arr = np.array(img)
    h2, w2 = smart_resize_stage2(arr.shape[0], arr.shape[1], factor, pp["stage2_min_pixels"],
                                 pp["stage2_max_pixels"])
    pil = Image.fromarray(arr).resize((w2, h2), resample=Image.BICUBIC, reducing_gap=None)
    x = np.array(pil).astype(np.float64) * pp["rescale_factor"]
    x = x.astype(np.float32)
    mean = np.array(pp["image_mean"], dtype=np.float32)
    std = np.array(pp["image_std"], dtype=np.float32)
    x = (x - mean) / std
    x = x.transpose(2, 0, 1)[None]                       # [1, C, H, W]
    x = np.tile(x, (tps, 1, 1, 1))                        # [T, C, H, W]
    c = x.shape[1]
    gt, gh, gw = x.shape[0] // tps, h2 // patch, w2 // patch
    x = x.reshape(gt, tps, c, gh // merge, merge, patch, gw // merge, merge, patch)
    x = x.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    rows = np.ascontiguousarray(x.reshape(gt * gh * gw, c * tps * patch * patch), dtype=np.float32)
    return {"pixel_values": rows, "grid_thw": [gt, gh, gw], "size": list(orig), "mode": mode,
            "stage1_size": [w1, h1], "stage2_size": [w2, h2]}


def rows_sha256(rows: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(rows, dtype="<f4").tobytes()).hexdigest()


def build_prompt(mode: str, text: str = "", prompt: Dict = None) -> str:
    """mode: 'image+instruction' (text = instruction), 'image' (text ignored), 'text' (raw text)."""
    p = prompt or PROMPT
    if mode == "image+instruction":
        body = p["vision_block"] + p["instruction_prefix"] + text
    elif mode == "image":
        body = p["vision_block"]
    elif mode == "text":
        body = text
    else:
        raise ValueError(mode)
    return p["system_prefix"] + body + p["suffix"]


def expand_image_pad(prompt: str, n_tokens: int, image_pad: str = "<|image_pad|>") -> str:
    """What Qwen2VLProcessor does before tokenizing: one <|image_pad|> -> grid.prod() // 4 copies."""
    assert prompt.count(image_pad) == 1
    return prompt.replace(image_pad, image_pad * n_tokens)
