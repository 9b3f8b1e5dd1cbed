"""Reading a Qwen2-VL base snapshot plus the ABC PEFT LoRA adapters (no transformers/peft needed).

Result: merged float32 weights under canonical HF names (transformers 4.47 layout:
``model.layers.N...``, ``visual.blocks.N...``), the ``mlp_head`` weights and the instruct LoRA
factors, which stay unmerged (they are a per-row runtime switch)."""
import hashlib
import json
import math
import os
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch

from . import ExportError
from .config import ModelConfig
from .safetensors_io import read_checkpoint_dir, read_safetensors

PEFT_PREFIX = "base_model.model."


def canonical_name(key: str) -> str:
    """Map newer transformers checkpoint layouts onto the 4.47 names."""
    if key.startswith("model.language_model."):
        return "model." + key[len("model.language_model."):]
    if key.startswith("model.visual."):
        return "visual." + key[len("model.visual."):]
    return key


def expected_base_shapes(cfg: ModelConfig) -> "OrderedDict[str, Tuple[int, ...]]":
    t, v = cfg.text, cfg.vision
    E, H, m = v.embed_dim, t.hidden_size, v.spatial_merge_size
    s: "OrderedDict[str, Tuple[int, ...]]" = OrderedDict()
    s["visual.patch_embed.proj.weight"] = (E, v.in_channels, v.temporal_patch_size, v.patch_size, v.patch_size)
    for i in range(v.depth):
        p = f"visual.blocks.{i}."
        for n in ("norm1", "norm2"):
            s[p + n + ".weight"] = (E,)
            s[p + n + ".bias"] = (E,)
        s[p + "attn.qkv.weight"] = (3 * E, E)
        s[p + "attn.qkv.bias"] = (3 * E,)
        s[p + "attn.proj.weight"] = (E, E)
        s[p + "attn.proj.bias"] = (E,)
        s[p + "mlp.fc1.weight"] = (v.mlp_hidden, E)
        s[p + "mlp.fc1.bias"] = (v.mlp_hidden,)
        s[p + "mlp.fc2.weight"] = (E, v.mlp_hidden)
        s[p + "mlp.fc2.bias"] = (E,)
    C = E * m * m
    s["visual.merger.ln_q.weight"] = (E,)
    s["visual.merger.ln_q.bias"] = (E,)
    s["visual.merger.mlp.0.weight"] = (C, C)
    s["visual.merger.mlp.0.bias"] = (C,)
    s["visual.merger.mlp.2.weight"] = (H, C)
    s["visual.merger.mlp.2.bias"] = (H,)
    s["model.embed_tokens.weight"] = (t.vocab_size, H)
    nh, kv, hd, I = t.num_attention_heads, t.num_key_value_heads, t.head_dim, t.intermediate_size
    for i in range(t.num_hidden_layers):
        p = f"model.layers.{i}."
        s[p + "self_attn.q_proj.weight"] = (nh * hd, H)
        s[p + "self_attn.q_proj.bias"] = (nh * hd,)
        s[p + "self_attn.k_proj.weight"] = (kv * hd, H)
        s[p + "self_attn.k_proj.bias"] = (kv * hd,)
        s[p + "self_attn.v_proj.weight"] = (kv * hd, H)
        s[p + "self_attn.v_proj.bias"] = (kv * hd,)
        s[p + "self_attn.o_proj.weight"] = (H, nh * hd)
        s[p + "mlp.gate_proj.weight"] = (I, H)
        s[p + "mlp.up_proj.weight"] = (I, H)
        s[p + "mlp.down_proj.weight"] = (H, I)
        s[p + "input_layernorm.weight"] = (H,)
        s[p + "post_attention_layernorm.weight"] = (H,)
    s["model.norm.weight"] = (H,)
    return s


def _shape(t: torch.Tensor) -> List[int]:
    return list(t.shape)


class Adapter:
    """One PEFT LoRA adapter folder."""

    def __init__(self, folder: str, role: str):
        self.folder = folder
        self.role = role
        cpath = os.path.join(folder, "adapter_config.json")
        if not os.path.exists(cpath):
            raise ExportError(f"{role} adapter: {cpath} not found")
        with open(cpath) as f:
            c = json.load(f)
        self.config_path = cpath
        self.raw = c
        pt = c.get("peft_type")
        if pt != "LORA":
            raise ExportError(f"{role} adapter {cpath}: peft_type '{pt}' is not supported (only LORA)")
        if c.get("use_dora"):
            raise ExportError(f"{role} adapter {cpath}: use_dora=true (DoRA) is not supported")
        if c.get("fan_in_fan_out"):
            raise ExportError(f"{role} adapter {cpath}: fan_in_fan_out=true is not supported")
        if c.get("bias", "none") not in ("none", None):
            raise ExportError(f"{role} adapter {cpath}: bias='{c.get('bias')}' is not supported (only 'none')")
        if "r" not in c or "lora_alpha" not in c or "target_modules" not in c:
            raise ExportError(f"{role} adapter {cpath}: r, lora_alpha and target_modules are required")
        self.r = int(c["r"])
        self.alpha = float(c["lora_alpha"])
        self.use_rslora = bool(c.get("use_rslora", False))
        tm = c["target_modules"]
        if tm == "all-linear":
            raise ExportError(f"{role} adapter {cpath}: target_modules='all-linear' is not supported")
        if not isinstance(tm, (str, list)):
            raise ExportError(f"{role} adapter {cpath}: target_modules must be a list or a regex string")
        self.target_modules = tm
        self.rank_pattern: Dict[str, int] = dict(c.get("rank_pattern") or {})
        self.alpha_pattern: Dict[str, float] = dict(c.get("alpha_pattern") or {})
        self.exclude_modules = c.get("exclude_modules")
        self.layers_to_transform = c.get("layers_to_transform")
        self.layers_pattern = c.get("layers_pattern")
        self.modules_to_save: List[str] = list(c.get("modules_to_save") or [])
        wpath = os.path.join(folder, "adapter_model.safetensors")
        bpath = os.path.join(folder, "adapter_model.bin")
        if os.path.exists(wpath):
            self.digests: Dict[str, str] = {}
            raw = read_safetensors(wpath, self.digests)
            self.weights_path = wpath
        elif os.path.exists(bpath):
            raw = torch.load(bpath, map_location="cpu")
            self.digests = {k: f"{v.dtype} {list(v.shape)} " + hashlib.sha256(
                (v.view(torch.int16) if v.dtype == torch.bfloat16 else v).contiguous().numpy().tobytes()).hexdigest()
                for k, v in raw.items()}
            self.weights_path = bpath
        else:
            raise ExportError(f"{role} adapter: no adapter_model.safetensors in {folder}")
        self.lora: Dict[str, Dict[str, torch.Tensor]] = {}
        self.saved: Dict[str, torch.Tensor] = {}
        self.key_of: Dict[Tuple[str, str], str] = {}
        for key, val in raw.items():
            if not key.startswith(PEFT_PREFIX):
                raise ExportError(f"{role} adapter {self.weights_path}: key '{key}' does not start with "
                                  f"'{PEFT_PREFIX}'")
            rest = key[len(PEFT_PREFIX):]
            mm = re.fullmatch(r"(.+)\.(lora_A|lora_B)(?:\.[^.]+)?\.weight", rest)
            if mm:
                mod = canonical_name(mm.group(1))
                self.lora.setdefault(mod, {})[mm.group(2)] = val
                self.key_of[(mod, mm.group(2))] = key
                continue
            if "lora_embedding" in rest or "lora_magnitude" in rest:
                raise ExportError(f"{role} adapter {self.weights_path}: key '{key}' is not supported "
                                  f"(only lora_A/lora_B on Linear layers)")
            # PEFT saves ModulesToSaveWrapper copies as '<module>.<param>'; tolerate the unrenamed
            # '<module>.modules_to_save.<adapter>.<param>' form too
            rest = re.sub(r"\.modules_to_save\.[^.]+\.", ".", rest)
            if any(rest == m or rest.startswith(m + ".") for m in self.modules_to_save):
                self.saved[rest] = val
                continue
            raise ExportError(f"{role} adapter {self.weights_path}: key '{key}' is neither a LoRA tensor nor "
                              f"part of modules_to_save {self.modules_to_save}")

    # PEFT 0.13 check_target_module_exists (+ exclude_modules of later PEFT versions)
    def matches(self, name: str) -> bool:
        ex = self.exclude_modules
        if ex:
            if isinstance(ex, str):
                if re.fullmatch(ex, name):
                    return False
            elif name in ex or any(name.endswith("." + e) for e in ex):
                return False
        tm = self.target_modules
        if isinstance(tm, str):
            return re.fullmatch(tm, name) is not None
        if name in tm:
            return True
        found = any(name.endswith("." + t) for t in tm)
        lt = self.layers_to_transform
        if found and lt is not None and (not isinstance(lt, list) or len(lt) != 0):
            lp = self.layers_pattern
            idx = None
            if lp is None or len(lp) == 0:
                idx = re.match(r".*\.[^.]*\.(\d+)\.", name)
            else:
                for pat in ([lp] if isinstance(lp, str) else lp):
                    idx = re.match(rf".*\.{pat}\.(\d+)\.", name)
                    if idx is not None:
                        break
            if idx is None:
                return False
            li = int(idx.group(1))
            return li == lt if isinstance(lt, int) else li in lt
        return found

    def rank_alpha(self, name: str) -> Tuple[int, float]:
        keys = list(self.rank_pattern.keys()) + list(self.alpha_pattern.keys())
        k = next((p for p in keys if re.match(rf".*\.{p}$", name)), name)
        return int(self.rank_pattern.get(k, self.r)), float(self.alpha_pattern.get(k, self.alpha))

    def resolve(self, linear_shapes: Dict[str, Tuple[int, ...]], all_modules: List[str]
                ) -> Dict[str, Tuple[torch.Tensor, torch.Tensor, float]]:
        """Return module -> (A [r,in] f32, B [out,r] f32, scale) for every targeted module."""
        matched = [m for m in all_modules if self.matches(m)]
        if not matched:
            raise ExportError(f"{self.role} adapter {self.config_path}: target_modules {self.target_modules!r} "
                              f"match no module of the base model")
        for m in matched:
            if m not in linear_shapes:
                raise ExportError(f"{self.role} adapter {self.config_path}: target_modules {self.target_modules!r} "
                                  f"match '{m}', which is not a supported Linear layer")
        for mod in self.lora:
            if mod not in linear_shapes and mod not in all_modules:
                k = self.key_of.get((mod, "lora_A")) or self.key_of.get((mod, "lora_B"))
                raise ExportError(f"{self.role} adapter {self.weights_path}: key '{k}' matches no module of "
                                  f"the base model ('{mod}')")
            if mod not in matched:
                k = self.key_of.get((mod, "lora_A")) or self.key_of.get((mod, "lora_B"))
                raise ExportError(f"{self.role} adapter {self.weights_path}: key '{k}' is for module '{mod}', "
                                  f"which target_modules {self.target_modules!r} do not target")
        out = {}
        for m in matched:
            out_f, in_f = linear_shapes[m]
            r, alpha = self.rank_alpha(m)
            d = self.lora.get(m, {})
            for ab in ("lora_A", "lora_B"):
                if ab not in d:
                    raise ExportError(f"{self.role} adapter {self.weights_path}: missing tensor "
                                      f"'{PEFT_PREFIX}{m}.{ab}.weight' (module '{m}' is targeted)")
            A, B = d["lora_A"], d["lora_B"]
            if _shape(A) != [r, in_f]:
                raise ExportError(f"{self.role} adapter {self.weights_path}: tensor '{self.key_of[(m, 'lora_A')]}' "
                                  f"has shape {_shape(A)}, expected {[r, in_f]}")
            if _shape(B) != [out_f, r]:
                raise ExportError(f"{self.role} adapter {self.weights_path}: tensor '{self.key_of[(m, 'lora_B')]}' "
                                  f"has shape {_shape(B)}, expected {[out_f, r]}")
            scale = alpha / math.sqrt(r) if self.use_rslora else alpha / r
            out[m] = (A.float(), B.float(), scale)
        return out

    def mlp_head(self, hidden: int) -> Optional[Dict[str, torch.Tensor]]:
        names = {"w1": "mlp_head.linear_layer1.weight", "b1": "mlp_head.linear_layer1.bias",
                 "w2": "mlp_head.linear_layer2.weight", "b2": "mlp_head.linear_layer2.bias"}
        if not any(k.startswith("mlp_head.") for k in self.saved):
            return None
        res = {}
        for short, k in names.items():
            if k not in self.saved:
                raise ExportError(f"{self.role} adapter {self.weights_path}: missing tensor '{PEFT_PREFIX}{k}'")
            res[short] = self.saved[k].float()
        mh = res["w1"].shape[0]
        want = {"w1": [mh, hidden], "b1": [mh], "w2": [hidden, mh], "b2": [hidden]}
        for short, k in names.items():
            if _shape(res[short]) != want[short]:
                raise ExportError(f"{self.role} adapter {self.weights_path}: tensor '{PEFT_PREFIX}{k}' has shape "
                                  f"{_shape(res[short])}, expected {want[short]}")
        return res


class Loaded:
    def __init__(self, cfg, weights, mlp_head, instruct, base_dtype, content_id=""):
        self.content_id = content_id    # sha256 over tensor contents + configs (layout independent)
        self.cfg = cfg
        self.weights = weights          # canonical name -> merged tensor (stored dtype, merged ones fp32 or rounded)
        self.mlp_head = mlp_head        # w1,b1,w2,b2 float32
        self.instruct = instruct        # module -> (A, B, scale)
        self.base_dtype = base_dtype


def load(base_dir: str, pretrain_dir: str, instruct_dir: str, round_to: torch.dtype = torch.float32) -> Loaded:
    """Load and merge. ``round_to``: the export dtype; when it is not float32 a merged weight is
    rounded to the stored dtype of the base weight, as PEFT's in-place merge into a bf16 model does.
    Unmerged weights keep their stored dtype (no float32 copy of a 7B model)."""
    cfg = ModelConfig(os.path.join(base_dir, "config.json"))
    digests: Dict[str, str] = {}
    raw = read_checkpoint_dir(base_dir, digests)
    base: Dict[str, torch.Tensor] = OrderedDict()
    for k, val in raw.items():
        base[canonical_name(k)] = val
    shapes = expected_base_shapes(cfg)
    for k, shp in shapes.items():
        if k not in base:
            raise ExportError(f"base checkpoint {base_dir}: missing tensor '{k}'")
        if tuple(base[k].shape) != tuple(shp):
            raise ExportError(f"base checkpoint {base_dir}: tensor '{k}' has shape {list(base[k].shape)}, "
                              f"expected {list(shp)}")
    base_dtype = base["model.embed_tokens.weight"].dtype
    all_modules = sorted({k.rsplit(".", 1)[0] for k in base if k.endswith(".weight")})
    all_modules += ["mlp_head.linear_layer1", "mlp_head.linear_layer2"]
    linear = {k[:-len(".weight")]: tuple(s) for k, s in shapes.items()
              if k.endswith(".weight") and len(s) == 2 and k != "model.embed_tokens.weight"}

    pre = Adapter(pretrain_dir, "pretrain")
    ins = Adapter(instruct_dir, "instruct")
    pre_lora = pre.resolve(linear, all_modules)
    ins_lora = ins.resolve(linear, all_modules)
    for m in ins_lora:
        if not m.startswith("model.layers."):
            raise ExportError(f"instruct adapter {ins.config_path}: targets '{m}'; only language-model layers "
                              f"(model.layers.*) are supported for the runtime instruct switch")

    weights: Dict[str, torch.Tensor] = OrderedDict()
    for k in shapes:
        w = base[k]
        mod = k[:-len(".weight")] if k.endswith(".weight") else None
        if mod is not None and mod in pre_lora:
            A, B, scale = pre_lora[mod]
            merged = w.float() + (B @ A) * scale
            if w.dtype != torch.float32 and round_to != torch.float32:
                # PEFT merges in place into the (bf16) base weight
                merged = merged.to(w.dtype)
            w = merged
        weights[k] = w

    head = ins.mlp_head(cfg.text.hidden_size)
    if head is None:
        head = pre.mlp_head(cfg.text.hidden_size)
    if head is None:
        raise ExportError(f"pretrain adapter {pre.weights_path}: missing tensor "
                          f"'{PEFT_PREFIX}mlp_head.linear_layer1.weight' (mlp_head in modules_to_save)")
    h = hashlib.sha256()
    h.update(b"base-config " + json.dumps(cfg.raw, sort_keys=True).encode() + b"\n")
    for k in sorted(digests):
        h.update(f"base {k} {digests[k]}\n".encode())
    for ad in (pre, ins):
        h.update(f"{ad.role}-config ".encode() + json.dumps(ad.raw, sort_keys=True).encode() + b"\n")
        for k in sorted(ad.digests):
            h.update(f"{ad.role} {k} {ad.digests[k]}\n".encode())
    return Loaded(cfg, weights, head, ins_lora, base_dtype, h.hexdigest())
