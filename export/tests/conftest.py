import json
import os
import sys

import pytest
import torch

EXPORT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(EXPORT)
sys.path.insert(0, EXPORT)

import make_tiny_checkpoint  # noqa: E402
from abc_export import checkpoint  # noqa: E402

torch.set_num_threads(min(2, torch.get_num_threads()))

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
           "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
           "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]

IM_START, IM_END, VS, VE, PAD_IMG, EOT = 151644, 151645, 151652, 151653, 151655, 151643


def make_ck(path, *args):
    a = make_tiny_checkpoint.parse_args(["--out", str(path)] + [str(x) for x in args])
    make_tiny_checkpoint.make(a)
    return str(path)


def dirs(ck):
    return os.path.join(ck, "base"), os.path.join(ck, "pretrain"), os.path.join(ck, "instruct")


@pytest.fixture(scope="session")
def fake_tokenizer(tmp_path_factory):
    """A minimal tokenizer.json with Qwen2-VL's special tokens (the exporter reads ids from it)."""
    p = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    added = [{"id": 151643 + i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(SPECIAL)]
    p.write_text(json.dumps({"version": "1.0", "added_tokens": added,
                             "model": {"type": "BPE", "vocab": {"!": 0, "a": 1}, "merges": []}}))
    return str(p)


@pytest.fixture(scope="session")
def ck(tmp_path_factory):
    """Default-dims tiny checkpoint (full Qwen vocab), seed 3."""
    return make_ck(tmp_path_factory.mktemp("ck") / "ck", "--seed", 3)


@pytest.fixture(scope="session")
def small_ck(tmp_path_factory):
    """Small-vocab checkpoint for fast loader tests (vocab 151700 >= special ids), hidden 16."""
    return make_ck(tmp_path_factory.mktemp("sck") / "ck", "--seed", 5, "--vocab-size", 151700, "--hidden", 16,
                   "--heads", 2, "--kv-heads", 2, "--mrope-section", "2,1,1", "--vision-embed", 16,
                   "--vision-heads", 1, "--intermediate", 24, "--mlp-head-hidden", 20)


@pytest.fixture(scope="session")
def ld(ck):
    return checkpoint.load(*dirs(ck))
