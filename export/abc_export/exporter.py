"""Build a model bundle directory: manifest.json, vision.pt, language.pt, tokenizer.json."""
import hashlib
import json
import os
import shutil
from typing import Dict, List, Optional

import torch

from . import ExportError
from .checkpoint import load
from .modules import LanguageModule, VisionModule, default_attention_impl

FORMAT_VERSION = 1

# qwen_vl_utils (process_vision_info / fetch_image) constants: stage 1
STAGE1_MIN_PIXELS = 4 * 28 * 28
STAGE1_MAX_PIXELS = 16384 * 28 * 28
MAX_ASPECT_RATIO = 200
# ABC get_embed_function passes these to AutoProcessor.from_pretrained: stage 2
STAGE2_MIN_PIXELS = 256 * 28 * 28
STAGE2_MAX_PIXELS = 1024 * 28 * 28
# Qwen2VLImageProcessor defaults (OpenAI CLIP mean/std)
DEFAULT_IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073]
DEFAULT_IMAGE_STD = [0.26862954, 0.26130258, 0.27577711]
DEFAULT_RESCALE = 1.0 / 255.0

# Qwen2-VL chat template with its default system prompt and add_generation_prompt=True
PROMPT = {
    "system_prefix": "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n",
    "vision_block": "<|vision_start|><|image_pad|><|vision_end|>",
    "instruction_prefix": "Instruction: ",
    "suffix": "<|im_end|>\n<|im_start|>assistant\n",
}

TOKEN_NAMES = {
    "endoftext": "<|endoftext|>", "im_start": "<|im_start|>", "im_end": "<|im_end|>",
    "vision_start": "<|vision_start|>", "vision_end": "<|vision_end|>", "vision_pad": "<|vision_pad|>",
    "image_pad": "<|image_pad|>", "video_pad": "<|video_pad|>",
}


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def tokenizer_info(path: str) -> Dict:
    with open(path, encoding="utf-8") as f:
        tj = json.load(f)
    added = {a["content"]: a for a in tj.get("added_tokens", [])}
    ids = {}
    for name, tok in TOKEN_NAMES.items():
        if tok not in added:
            raise ExportError(f"tokenizer {path}: special token {tok} not found in added_tokens")
        ids[name] = int(added[tok]["id"])
    vocab = tj.get("model", {}).get("vocab", {})
    zero = [k for k, v in vocab.items() if v == 0]
    reserved = sorted(a["content"] for a in tj.get("added_tokens", []) if a.get("special"))
    added_all = sorted(a["content"] for a in tj.get("added_tokens", []))
    max_id = max([int(a["id"]) for a in tj.get("added_tokens", [])] + [max(vocab.values()) if vocab else 0])
    return {"ids": ids, "token0": zero[0] if zero else None, "reserved": reserved, "added": added_all,
            "max_id": max_id}


def _read_json(path: str) -> Optional[Dict]:
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return None


def model_version(content_id: str, tokenizer_sha256: str, options: Dict) -> str:
    """sha256 over the checkpoint content id (configs + every tensor's dtype, shape and data hash, so a
    sharded and a single-file copy of the same weights agree), the tokenizer and the export options."""
    h = hashlib.sha256()
    h.update(json.dumps({"format_version": FORMAT_VERSION, "options": options, "weights": content_id,
                         "tokenizer": tokenizer_sha256}, sort_keys=True).encode())
    return h.hexdigest()


def build_modules(ld, dtype: torch.dtype, positions: str, attn_impl: str, image_token_id: int,
                  vision_start_token_id: int):
    vm = VisionModule(ld.weights, ld.cfg, dtype=dtype, attn_impl=attn_impl).eval()
    lm = LanguageModule(ld.weights, ld.mlp_head, ld.instruct, ld.cfg, dtype=dtype, positions=positions,
                        attn_impl=attn_impl, image_token_id=image_token_id,
                        vision_start_token_id=vision_start_token_id).eval()
    return vm, lm


def _self_check(out_dir: str, vm, lm, dtype, pad_id: int, ids: Dict[str, int]) -> None:
    """Run scripted vs reloaded modules on a small synthetic input (vision + image/text rows)."""
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    sv = torch.jit.load(os.path.join(out_dir, "vision.pt"), map_location=dev)
    sl = torch.jit.load(os.path.join(out_dir, "language.pt"), map_location=dev)
    g = torch.Generator().manual_seed(0)
    grid = torch.tensor([[1, 4, 4]], dtype=torch.int64)
    pv = torch.randn(16, vm.patch_dim, generator=g)
    with torch.no_grad():
        f = sv(pv.to(dev), grid.to(dev))
        row = [ids["im_start"], 100, ids["vision_start"]] + [ids["image_pad"]] * 4 + [ids["vision_end"], 200]
        txt = [ids["im_start"], 300, 0, 400]
        L = len(row)
        input_ids = torch.tensor([row, txt + [pad_id] * (L - len(txt))], dtype=torch.int64)
        mask = torch.tensor([[1] * L, [1] * len(txt) + [0] * (L - len(txt))], dtype=torch.int64)
        out = sl(input_ids.to(dev), mask.to(dev), f, grid.to(dev), torch.tensor([0, -1]).to(dev),
                 torch.tensor([1.0, 0.0]).to(dev))
        alone = sl(input_ids[1:, :len(txt)].to(dev), mask[1:, :len(txt)].to(dev), f[:0], grid[:0].to(dev),
                   torch.tensor([-1]).to(dev), torch.tensor([0.0]).to(dev))
    tol = 1e-4 if dtype == torch.float32 else 3e-2
    if out.shape != (2, lm.hidden) or not torch.isfinite(out).all():
        raise ExportError("self-check failed: bad output " + str(out))
    if (out.norm(dim=-1) - 1).abs().max() > 1e-3:
        raise ExportError("self-check failed: output not unit norm")
    if (out[1] - alone[0]).abs().max() > tol:
        raise ExportError("self-check failed: batched != alone")


def export(base: str, pretrain: str, instruct: str, out: str, dtype: str = "fp32", positions: str = "sequential",
           tokenizer: Optional[str] = None, attention: Optional[str] = None, check: bool = True) -> Dict:
    if dtype not in ("fp32", "bf16"):
        raise ExportError(f"--dtype must be fp32 or bf16, got {dtype}")
    if positions not in ("sequential", "mrope"):
        raise ExportError(f"--positions must be sequential or mrope, got {positions}")
    tdt = torch.float32 if dtype == "fp32" else torch.bfloat16
    attn_impl = attention or default_attention_impl()
    if attn_impl == "sdpa" and not hasattr(torch.nn.functional, "scaled_dot_product_attention"):
        raise ExportError(f"attention 'sdpa' needs torch >= 2.0 (this is {torch.__version__})")

    tok_src = os.path.join(base, "tokenizer.json")
    if not os.path.exists(tok_src):
        if not tokenizer:
            raise ExportError(f"{base} has no tokenizer.json; pass --tokenizer FILE")
        tok_src = tokenizer
    if not os.path.exists(tok_src):
        raise ExportError(f"tokenizer file {tok_src} not found")
    tinfo = tokenizer_info(tok_src)
    tids = tinfo["ids"]

    ld = load(base, pretrain, instruct, round_to=tdt)
    cfg = ld.cfg
    if tinfo["max_id"] >= cfg.text.vocab_size:
        raise ExportError(f"tokenizer {tok_src} has ids up to {tinfo['max_id']} but vocab_size is "
                          f"{cfg.text.vocab_size}")
    for name, cid in (("image_pad", cfg.text.image_token_id), ("vision_start", cfg.text.vision_start_token_id),
                      ("vision_end", cfg.text.vision_end_token_id)):
        if cid is not None and int(cid) != tids[name]:
            raise ExportError(f"config.json {name} id {cid} != tokenizer id {tids[name]}")

    pre = _read_json(os.path.join(base, "preprocessor_config.json")) or {}
    v = cfg.vision
    patch = int(pre.get("patch_size", v.patch_size))
    tps = int(pre.get("temporal_patch_size", v.temporal_patch_size))
    merge = int(pre.get("merge_size", v.spatial_merge_size))
    if (patch, tps, merge) != (v.patch_size, v.temporal_patch_size, v.spatial_merge_size):
        raise ExportError("preprocessor_config.json patch/temporal/merge sizes disagree with config.json")

    # the prompt strings are the Qwen2-VL chat template's; check the snapshot's template agrees
    template = None
    ct = _read_json(os.path.join(base, "chat_template.json"))
    if ct and isinstance(ct.get("chat_template"), str):
        template = ct["chat_template"]
    else:
        tc = _read_json(os.path.join(base, "tokenizer_config.json"))
        if tc and isinstance(tc.get("chat_template"), str):
            template = tc["chat_template"]
    if template is not None:
        sysmsg = PROMPT["system_prefix"].split("<|im_start|>user")[0]
        needed = [sysmsg, PROMPT["vision_block"], "<|im_start|>assistant\n", "<|im_end|>\n"]
        missing = [n for n in needed if n not in template]
        if missing:
            raise ExportError(f"{base}: chat template does not contain {missing!r}; the bundle's fixed "
                              f"Qwen2-VL prompt strings would not match it")
    prompt_source = "checked against the snapshot's chat template" if template is not None else \
        "Qwen2-VL default (snapshot has no chat template)"

    os.makedirs(out, exist_ok=True)
    vm, lm = build_modules(ld, tdt, positions, attn_impl, tids["image_pad"], tids["vision_start"])
    svm = torch.jit.script(vm)
    slm = torch.jit.script(lm)
    torch.jit.save(svm, os.path.join(out, "vision.pt"))
    torch.jit.save(slm, os.path.join(out, "language.pt"))
    tok_dst = os.path.join(out, "tokenizer.json")
    if os.path.abspath(tok_src) != os.path.abspath(tok_dst):
        shutil.copyfile(tok_src, tok_dst)

    tok_sha = sha256_file(tok_src)
    mv = model_version(ld.content_id, tok_sha, {"dtype": dtype, "positions": positions})

    manifest = {
        "format_version": FORMAT_VERSION,
        "model_version": mv,
        "model": "ABC-Qwen2VL",
        "dims": cfg.text.hidden_size,
        "hidden_size": cfg.text.hidden_size,
        "vision_embed_dim": v.embed_dim,
        "mlp_head_hidden": int(ld.mlp_head["w1"].shape[0]),
        "num_layers": cfg.text.num_hidden_layers,
        "vision_depth": v.depth,
        "vocab_size": cfg.text.vocab_size,
        "dtype": "float32" if dtype == "fp32" else "bfloat16",
        "positions": positions,
        "attention": attn_impl,
        "exported_with_torch": torch.__version__,
        "modules": {"vision": "vision.pt", "language": "language.pt"},
        "tokenizer": "tokenizer.json",
        "tokenizer_sha256": tok_sha,
        "preprocessing": {
            "patch_size": patch,
            "temporal_patch_size": tps,
            "merge_size": merge,
            "factor": patch * merge,
            "patch_row_size": v.in_channels * tps * patch * patch,
            "stage1_min_pixels": STAGE1_MIN_PIXELS,
            "stage1_max_pixels": STAGE1_MAX_PIXELS,
            "stage2_min_pixels": STAGE2_MIN_PIXELS,
            "stage2_max_pixels": STAGE2_MAX_PIXELS,
            "max_aspect_ratio": MAX_ASPECT_RATIO,
            "resample": "bicubic",
            "rescale_factor": float(pre.get("rescale_factor", DEFAULT_RESCALE)),
            "image_mean": [float(x) for x in pre.get("image_mean", DEFAULT_IMAGE_MEAN)],
            "image_std": [float(x) for x in pre.get("image_std", DEFAULT_IMAGE_STD)],
        },
        "prompt": dict(PROMPT),
        "prompt_source": prompt_source,
        "modes": {
            "image+instruction": {"instruct": 1.0, "vision_block": True,
                                  "text": "instruction_prefix + instruction"},
            "image": {"instruct": 0.0, "vision_block": True, "text": ""},
            "text": {"instruct": 0.0, "vision_block": False, "text": "the raw text"},
        },
        "token_ids": {
            "image_pad": tids["image_pad"], "vision_start": tids["vision_start"],
            "vision_end": tids["vision_end"], "im_start": tids["im_start"], "im_end": tids["im_end"],
            "endoftext": tids["endoftext"], "video_pad": tids["video_pad"], "vision_pad": tids["vision_pad"],
            "pad": tids["endoftext"],
        },
        "pool_ignore_token_id": 0,
        "pool_ignore_token": tinfo["token0"],
        "reserved_tokens": tinfo["reserved"],
        "added_tokens": tinfo["added"],
        "sources": {"base": os.path.abspath(base), "pretrain_adapter": os.path.abspath(pretrain),
                    "instruct_adapter": os.path.abspath(instruct)},
        "signatures": {
            "vision": "forward(pixel_values: float32[N, patch_row_size], grid_thw: int64[I, 3]) -> "
                      "float32[sum(t*h*w)/merge_size^2, hidden_size]",
            "language": "forward(input_ids: int64[B, L], attention_mask: int64[B, L], "
                        "image_features: float32[M, hidden_size], image_grid_thw: int64[I, 3], "
                        "row_image: int64[B], instruct: float32[B]) -> float32[B, dims] (unit vectors)",
        },
    }
    # sources are machine-specific paths: keep them out of the committed tiny bundle's determinism
    manifest.pop("sources")
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
    if check:
        _self_check(out, vm, lm, tdt, tids["endoftext"], tids)
    return manifest
