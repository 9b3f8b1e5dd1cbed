"""Qwen2-VL config.json reading, with the defaults of transformers' Qwen2VLConfig (4.47.1)."""
import json
import os
from typing import Any, Dict, List

from . import ExportError

ACTIVATIONS = ("silu", "gelu", "quick_gelu", "gelu_pytorch_tanh", "gelu_new", "relu")


class TextConfig:
    def __init__(self, d: Dict[str, Any], path: str):
        g = d.get
        self.vocab_size = int(g("vocab_size", 152064))
        self.hidden_size = int(g("hidden_size", 8192))
        self.intermediate_size = int(g("intermediate_size", 29568))
        self.num_hidden_layers = int(g("num_hidden_layers", 80))
        self.num_attention_heads = int(g("num_attention_heads", 64))
        self.num_key_value_heads = int(g("num_key_value_heads", self.num_attention_heads) or self.num_attention_heads)
        self.hidden_act = str(g("hidden_act", "silu"))
        self.rms_norm_eps = float(g("rms_norm_eps", 1e-5))
        self.rope_theta = float(g("rope_theta", 1000000.0))
        self.use_sliding_window = bool(g("use_sliding_window", False))
        self.image_token_id = g("image_token_id")
        self.video_token_id = g("video_token_id")
        self.vision_start_token_id = g("vision_start_token_id")
        self.vision_end_token_id = g("vision_end_token_id")
        if self.hidden_size % self.num_attention_heads:
            raise ExportError(f"{path}: hidden_size {self.hidden_size} not divisible by num_attention_heads")
        self.head_dim = self.hidden_size // self.num_attention_heads
        if self.num_attention_heads % self.num_key_value_heads:
            raise ExportError(f"{path}: num_attention_heads not divisible by num_key_value_heads")
        rs = g("rope_scaling")
        if not rs or "mrope_section" not in rs:
            raise ExportError(f"{path}: rope_scaling.mrope_section is required for Qwen2-VL (got {rs!r})")
        rtype = rs.get("rope_type", rs.get("type", "default"))
        if rtype not in ("mrope", "default"):
            raise ExportError(f"{path}: rope_scaling type '{rtype}' is not supported (only mrope/default)")
        self.mrope_section: List[int] = [int(x) for x in rs["mrope_section"]]
        if len(self.mrope_section) != 3 or sum(self.mrope_section) * 2 != self.head_dim:
            raise ExportError(f"{path}: rope_scaling.mrope_section {self.mrope_section} must have 3 entries "
                              f"summing to head_dim/2 = {self.head_dim // 2}")
        if self.use_sliding_window:
            raise ExportError(f"{path}: use_sliding_window=true is not supported")
        if self.hidden_act not in ACTIVATIONS:
            raise ExportError(f"{path}: hidden_act '{self.hidden_act}' is not supported")


class VisionConfig:
    def __init__(self, d: Dict[str, Any], path: str):
        g = d.get
        self.depth = int(g("depth", 32))
        self.embed_dim = int(g("embed_dim", 1280))
        self.hidden_size = int(g("hidden_size", 3584))
        self.hidden_act = str(g("hidden_act", "quick_gelu"))
        self.mlp_ratio = float(g("mlp_ratio", 4))
        self.num_heads = int(g("num_heads", 16))
        self.in_channels = int(g("in_channels", g("in_chans", 3)))
        self.patch_size = int(g("patch_size", g("spatial_patch_size", 14)))
        self.spatial_merge_size = int(g("spatial_merge_size", 2))
        self.temporal_patch_size = int(g("temporal_patch_size", 2))
        self.mlp_hidden = int(self.embed_dim * self.mlp_ratio)
        if self.embed_dim % self.num_heads:
            raise ExportError(f"{path}: vision_config.embed_dim not divisible by num_heads")
        self.head_dim = self.embed_dim // self.num_heads
        if self.head_dim % 4:
            raise ExportError(f"{path}: vision head_dim {self.head_dim} must be divisible by 4 (2-D rotary)")
        if self.hidden_act not in ACTIVATIONS:
            raise ExportError(f"{path}: vision_config.hidden_act '{self.hidden_act}' is not supported")
        self.patch_dim = self.in_channels * self.temporal_patch_size * self.patch_size * self.patch_size


class ModelConfig:
    def __init__(self, path: str):
        if not os.path.exists(path):
            raise ExportError(f"{path}: config.json not found")
        with open(path) as f:
            d = json.load(f)
        self.raw = d
        mt = d.get("model_type")
        if mt not in ("qwen2_vl", None):
            raise ExportError(f"{path}: model_type '{mt}' is not qwen2_vl")
        # transformers >= 4.5x may nest the LLM fields under text_config
        td = dict(d)
        if isinstance(d.get("text_config"), dict):
            td.update(d["text_config"])
        self.text = TextConfig(td, path)
        self.vision = VisionConfig(d.get("vision_config") or {}, path)
        if self.vision.hidden_size != self.text.hidden_size:
            raise ExportError(f"{path}: vision_config.hidden_size {self.vision.hidden_size} != hidden_size "
                              f"{self.text.hidden_size}")
