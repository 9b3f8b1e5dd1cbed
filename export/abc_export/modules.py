"""TorchScript-able ABC modules (Qwen2-VL vision tower + bidirectional LLM + mean pooling + mlp_head).

VisionModule.forward(pixel_values[N,1176] float, grid_thw[I,3] int64) -> [sum_i t*h*w/4, hidden] float32
LanguageModule.forward(input_ids[B,L] int64, attention_mask[B,L] int64, image_features[M,hidden] float,
                       image_grid_thw[I,3] int64, row_image[B] int64, instruct[B] float) -> [B, hidden] float32
"""
import math
from typing import List, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

ACT_CODES = {"silu": 0, "gelu": 1, "quick_gelu": 2, "gelu_pytorch_tanh": 3, "gelu_new": 3, "relu": 4}


def _act(x: Tensor, code: int) -> Tensor:
    if code == 0:
        return F.silu(x)
    if code == 1:
        return F.gelu(x)
    if code == 2:
        return x * torch.sigmoid(1.702 * x)
    if code == 3:
        return F.gelu(x, approximate="tanh")
    return F.relu(x)


def _rotate_half(x: Tensor) -> Tensor:
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def _p(t: Tensor, dtype: torch.dtype) -> nn.Parameter:
    return nn.Parameter(t.detach().to(dtype).contiguous(), requires_grad=False)


class MatmulAttention(nn.Module):
    """softmax(q k^T / sqrt(d) + mask) v with a float32 softmax (torch 1.13 has no SDPA)."""

    def forward(self, q: Tensor, k: Tensor, v: Tensor, key_mask: Optional[Tensor]) -> Tensor:
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        if key_mask is not None:
            s = s.masked_fill(torch.logical_not(key_mask), float("-inf"))
        w = torch.softmax(s, dim=-1, dtype=torch.float32).to(q.dtype)
        return torch.matmul(w, v)


class SdpaAttention(nn.Module):
    """torch 2.x fused scaled_dot_product_attention (bool mask: True = attend)."""

    def forward(self, q: Tensor, k: Tensor, v: Tensor, key_mask: Optional[Tensor]) -> Tensor:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=key_mask)


def make_attention(impl: str) -> nn.Module:
    if impl == "sdpa":
        return SdpaAttention()
    if impl == "matmul":
        return MatmulAttention()
    raise ValueError("attention impl must be sdpa or matmul, got " + impl)


def default_attention_impl() -> str:
    return "sdpa" if hasattr(F, "scaled_dot_product_attention") else "matmul"


class Linear(nn.Module):
    bias: Optional[Tensor]

    def __init__(self, w: Tensor, b: Optional[Tensor], dtype: torch.dtype):
        super().__init__()
        self.weight = _p(w, dtype)
        self.bias = _p(b, dtype) if b is not None else None

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)


class SwitchLoraLinear(nn.Module):
    """y = x W^T + b (+ switch_row * scale * (x A^T) B^T when this layer has an instruct LoRA)."""
    bias: Optional[Tensor]
    has_lora: bool
    scale: float

    def __init__(self, w: Tensor, b: Optional[Tensor], lora, dtype: torch.dtype):
        super().__init__()
        self.weight = _p(w, dtype)
        self.bias = _p(b, dtype) if b is not None else None
        self.has_lora = lora is not None
        if lora is not None:
            self.lora_a = _p(lora[0], dtype)
            self.lora_b = _p(lora[1], dtype)
            self.scale = float(lora[2])
        else:
            self.lora_a = _p(torch.zeros(0, 0), dtype)
            self.lora_b = _p(torch.zeros(0, 0), dtype)
            self.scale = 0.0

    def forward(self, x: Tensor, switch: Tensor, any_on: bool) -> Tensor:
        y = F.linear(x, self.weight, self.bias)
        if self.has_lora and any_on:
            d = F.linear(F.linear(x, self.lora_a), self.lora_b) * self.scale
            y = y + d * switch
        return y


# ----------------------------------------------------------------------------------------------------
# Vision tower
# ----------------------------------------------------------------------------------------------------

class VisionBlock(nn.Module):
    def __init__(self, w, p: str, cfg, dtype, attn: nn.Module):
        super().__init__()
        self.num_heads = cfg.num_heads
        self.head_dim = cfg.head_dim
        self.act = ACT_CODES[cfg.hidden_act]
        self.n1w = _p(w[p + "norm1.weight"], dtype)
        self.n1b = _p(w[p + "norm1.bias"], dtype)
        self.n2w = _p(w[p + "norm2.weight"], dtype)
        self.n2b = _p(w[p + "norm2.bias"], dtype)
        self.qkv = Linear(w[p + "attn.qkv.weight"], w[p + "attn.qkv.bias"], dtype)
        self.proj = Linear(w[p + "attn.proj.weight"], w[p + "attn.proj.bias"], dtype)
        self.fc1 = Linear(w[p + "mlp.fc1.weight"], w[p + "mlp.fc1.bias"], dtype)
        self.fc2 = Linear(w[p + "mlp.fc2.weight"], w[p + "mlp.fc2.bias"], dtype)
        self.attn = attn

    def _rope(self, x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
        dt = x.dtype
        xf = x.float()
        return (xf * cos + _rotate_half(xf) * sin).to(dt)

    def forward(self, x: Tensor, cu: List[int], cos: Tensor, sin: Tensor) -> Tensor:
        n = x.shape[0]
        e = x.shape[1]
        h = F.layer_norm(x, [e], self.n1w, self.n1b, 1e-6)
        qkv = self.qkv(h).reshape(n, 3, self.num_heads, self.head_dim).permute(1, 0, 2, 3)
        q = self._rope(qkv[0], cos, sin).transpose(0, 1)
        k = self._rope(qkv[1], cos, sin).transpose(0, 1)
        v = qkv[2].transpose(0, 1)
        outs: List[Tensor] = []
        for i in range(len(cu) - 1):
            s0 = cu[i]
            s1 = cu[i + 1]
            outs.append(self.attn(q[:, s0:s1], k[:, s0:s1], v[:, s0:s1], None))
        a = torch.cat(outs, dim=1).transpose(0, 1).reshape(n, e)
        x = x + self.proj(a)
        h = F.layer_norm(x, [e], self.n2w, self.n2b, 1e-6)
        x = x + self.fc2(_act(self.fc1(h), self.act))
        return x


class VisionModule(nn.Module):
    merge: int
    patch_dim: int

    def __init__(self, weights, cfg, dtype: torch.dtype = torch.float32, attn_impl: str = "matmul"):
        super().__init__()
        v = cfg.vision
        self.dtype_name = str(dtype)
        self.merge = v.spatial_merge_size
        self.patch_dim = v.patch_dim
        self.embed_dim = v.embed_dim
        self.patch_w = _p(weights["visual.patch_embed.proj.weight"].reshape(v.embed_dim, -1), dtype)
        rdim = v.head_dim // 2
        inv = 1.0 / (10000.0 ** (torch.arange(0, rdim, 2, dtype=torch.float) / rdim))
        self.register_buffer("inv_freq", inv)
        self.blocks = nn.ModuleList([VisionBlock(weights, f"visual.blocks.{i}.", v, dtype, make_attention(attn_impl))
                                     for i in range(v.depth)])
        self.ln_w = _p(weights["visual.merger.ln_q.weight"], dtype)
        self.ln_b = _p(weights["visual.merger.ln_q.bias"], dtype)
        self.m0 = Linear(weights["visual.merger.mlp.0.weight"], weights["visual.merger.mlp.0.bias"], dtype)
        self.m2 = Linear(weights["visual.merger.mlp.2.weight"], weights["visual.merger.mlp.2.bias"], dtype)

    def forward(self, pixel_values: Tensor, grid_thw: Tensor) -> Tensor:
        dev = pixel_values.device
        m = self.merge
        hw_parts: List[Tensor] = []
        cu: List[int] = [0]
        total = 0
        for i in range(grid_thw.shape[0]):
            t = int(grid_thw[i, 0])
            h = int(grid_thw[i, 1])
            w = int(grid_thw[i, 2])
            if t < 1 or h < 1 or w < 1 or h % m != 0 or w % m != 0:
                raise RuntimeError("grid_thw row {} = ({}, {}, {}) is invalid".format(i, t, h, w))
            hp = torch.arange(h, device=dev).unsqueeze(1).expand(-1, w)
            hp = hp.reshape(h // m, m, w // m, m).permute(0, 2, 1, 3).flatten()
            wp = torch.arange(w, device=dev).unsqueeze(0).expand(h, -1)
            wp = wp.reshape(h // m, m, w // m, m).permute(0, 2, 1, 3).flatten()
            hw_parts.append(torch.stack([hp, wp], dim=-1).repeat(t, 1))
            for _f in range(t):
                total += h * w
                cu.append(total)
        if pixel_values.dim() != 2 or pixel_values.shape[0] != total or pixel_values.shape[1] != self.patch_dim:
            raise RuntimeError("pixel_values shape {} does not match grid_thw (expected [{}, {}])".format(
                pixel_values.shape, total, self.patch_dim))
        pos = torch.cat(hw_parts, dim=0)
        inv = self.inv_freq.to(dev)
        freqs = torch.cat([pos[:, 0:1].float() * inv, pos[:, 1:2].float() * inv], dim=-1)
        cos = freqs.cos().unsqueeze(1).repeat(1, 1, 2)
        sin = freqs.sin().unsqueeze(1).repeat(1, 1, 2)
        x = F.linear(pixel_values.to(self.patch_w.dtype), self.patch_w)
        for blk in self.blocks:
            x = blk(x, cu, cos, sin)
        x = F.layer_norm(x, [self.embed_dim], self.ln_w, self.ln_b, 1e-6)
        x = x.reshape(-1, self.embed_dim * m * m)
        x = self.m2(F.gelu(self.m0(x)))
        return x.float()


# ----------------------------------------------------------------------------------------------------
# Language model
# ----------------------------------------------------------------------------------------------------

def _rms(x: Tensor, w: Tensor, eps: float) -> Tensor:
    dt = x.dtype
    h = x.float()
    var = h.pow(2).mean(-1, keepdim=True)
    h = h * torch.rsqrt(var + eps)
    return w * h.to(dt)


class DecoderLayer(nn.Module):
    def __init__(self, w, p: str, cfg, lora, dtype, attn: nn.Module):
        super().__init__()
        t = cfg.text
        self.nh = t.num_attention_heads
        self.kv = t.num_key_value_heads
        self.hd = t.head_dim
        self.eps = t.rms_norm_eps
        self.act = ACT_CODES[t.hidden_act]

        def lin(name: str, bias: bool) -> SwitchLoraLinear:
            mod = p + name
            return SwitchLoraLinear(w[mod + ".weight"], w[mod + ".bias"] if bias else None, lora.get(mod), dtype)

        self.q_proj = lin("self_attn.q_proj", True)
        self.k_proj = lin("self_attn.k_proj", True)
        self.v_proj = lin("self_attn.v_proj", True)
        self.o_proj = lin("self_attn.o_proj", False)
        self.gate_proj = lin("mlp.gate_proj", False)
        self.up_proj = lin("mlp.up_proj", False)
        self.down_proj = lin("mlp.down_proj", False)
        self.ln1 = _p(w[p + "input_layernorm.weight"], dtype)
        self.ln2 = _p(w[p + "post_attention_layernorm.weight"], dtype)
        self.attn = attn

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, key_mask: Tensor, sw: Tensor, any_on: bool) -> Tensor:
        b = x.shape[0]
        L = x.shape[1]
        h = _rms(x, self.ln1, self.eps)
        q = self.q_proj(h, sw, any_on).view(b, L, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(h, sw, any_on).view(b, L, self.kv, self.hd).transpose(1, 2)
        v = self.v_proj(h, sw, any_on).view(b, L, self.kv, self.hd).transpose(1, 2)
        q = q * cos + _rotate_half(q) * sin
        k = k * cos + _rotate_half(k) * sin
        rep = self.nh // self.kv
        if rep > 1:
            k = k[:, :, None, :, :].expand(b, self.kv, rep, L, self.hd).reshape(b, self.nh, L, self.hd)
            v = v[:, :, None, :, :].expand(b, self.kv, rep, L, self.hd).reshape(b, self.nh, L, self.hd)
        a = self.attn(q, k, v, key_mask)
        a = a.transpose(1, 2).reshape(b, L, self.nh * self.hd)
        x = x + self.o_proj(a, sw, any_on)
        h = _rms(x, self.ln2, self.eps)
        g = _act(self.gate_proj(h, sw, any_on), self.act) * self.up_proj(h, sw, any_on)
        x = x + self.down_proj(g, sw, any_on)
        return x


class LanguageModule(nn.Module):
    sequential: bool
    merge: int
    image_token_id: int
    vision_start_token_id: int
    pool_ignore_id: int

    def __init__(self, weights, mlp_head, instruct_lora, cfg, dtype: torch.dtype = torch.float32,
                 positions: str = "sequential", attn_impl: str = "matmul", image_token_id: int = 151655,
                 vision_start_token_id: int = 151652):
        super().__init__()
        t = cfg.text
        if positions not in ("sequential", "mrope"):
            raise ValueError("positions must be sequential or mrope")
        self.sequential = positions == "sequential"
        self.merge = cfg.vision.spatial_merge_size
        self.image_token_id = int(image_token_id)
        self.vision_start_token_id = int(vision_start_token_id)
        self.pool_ignore_id = 0
        self.eps = t.rms_norm_eps
        self.hidden = t.hidden_size
        self.embed = _p(weights["model.embed_tokens.weight"], dtype)
        inv = 1.0 / (t.rope_theta ** (torch.arange(0, t.head_dim, 2, dtype=torch.int64).float() / t.head_dim))
        self.register_buffer("inv_freq", inv)
        sec = []
        for j, n in enumerate(list(t.mrope_section) * 2):
            sec += [j % 3] * n
        self.register_buffer("section", torch.tensor(sec, dtype=torch.int64))
        self.layers = nn.ModuleList([DecoderLayer(weights, f"model.layers.{i}.", cfg, instruct_lora, dtype,
                                                  make_attention(attn_impl)) for i in range(t.num_hidden_layers)])
        self.norm = _p(weights["model.norm.weight"], dtype)
        self.h1 = Linear(mlp_head["w1"], mlp_head["b1"], dtype)
        self.h2 = Linear(mlp_head["w2"], mlp_head["b2"], dtype)

    def _mrope_row(self, ids: Tensor, thw: Tensor) -> Tensor:
        """get_rope_index for one unpadded row holding one image (thw = its grid)."""
        dev = ids.device
        n = ids.shape[0]
        m = self.merge
        is_img = (ids == self.image_token_id).nonzero().squeeze(1)
        ed = int(is_img[0])
        gt = int(thw[0])
        gh = int(thw[1]) // m
        gw = int(thw[2]) // m
        parts: List[Tensor] = []
        parts.append(torch.arange(ed, device=dev).view(1, -1).expand(3, -1))
        ti = torch.arange(gt, device=dev).view(-1, 1).expand(-1, gh * gw).flatten()
        hi = torch.arange(gh, device=dev).view(1, -1, 1).expand(gt, -1, gw).flatten()
        wi = torch.arange(gw, device=dev).view(1, 1, -1).expand(gt, gh, -1).flatten()
        img = torch.stack([ti, hi, wi]) + ed
        parts.append(img)
        st = ed + gt * gh * gw
        if st < n:
            st_idx = int(img.max()) + 1
            parts.append(torch.arange(n - st, device=dev).view(1, -1).expand(3, -1) + st_idx)
        return torch.cat(parts, dim=1)

    def forward(self, input_ids: Tensor, attention_mask: Tensor, image_features: Tensor, image_grid_thw: Tensor,
                row_image: Tensor, instruct: Tensor) -> Tensor:
        dev = input_ids.device
        B = input_ids.shape[0]
        L = input_ids.shape[1]
        valid = attention_mask != 0
        dt = self.embed.dtype
        x = F.embedding(input_ids, self.embed)
        m2 = self.merge * self.merge
        n_img = image_grid_thw.shape[0]
        counts: List[int] = []
        offsets: List[int] = []
        off = 0
        for i in range(n_img):
            c = int(image_grid_thw[i, 0]) * int(image_grid_thw[i, 1]) * int(image_grid_thw[i, 2]) // m2
            counts.append(c)
            offsets.append(off)
            off += c
        if n_img > 0 and image_features.shape[0] != off:
            raise RuntimeError("image_features has {} rows but image_grid_thw implies {}".format(
                image_features.shape[0], off))
        is_pad = (input_ids == self.image_token_id) & valid
        feats = image_features.to(dt)
        pos = torch.arange(L, device=dev).view(1, 1, L).expand(3, B, L).clone()
        for b in range(B):
            i = int(row_image[b])
            where = is_pad[b].nonzero().squeeze(1)
            if i < 0:
                if where.shape[0] != 0:
                    raise RuntimeError("row {} has image pad tokens but row_image is -1".format(b))
                continue
            if i >= n_img:
                raise RuntimeError("row {}: row_image {} out of range ({} images)".format(b, i, n_img))
            if where.shape[0] != counts[i]:
                raise RuntimeError("row {}: {} image pad tokens but image {} has {} features".format(
                    b, where.shape[0], i, counts[i]))
            x[b, where] = feats[offsets[i]:offsets[i] + counts[i]]
            if not self.sequential:
                vb = valid[b].nonzero().squeeze(1)
                pos[:, b, vb] = self._mrope_row(input_ids[b, vb], image_grid_thw[i])
        inv = self.inv_freq.to(dev)
        f = pos.float().unsqueeze(-1) * inv
        emb = torch.cat([f, f], dim=-1)
        idx = self.section.to(dev).view(1, 1, 1, -1).expand(1, B, L, emb.shape[-1])
        cos = emb.cos().gather(0, idx).squeeze(0).to(dt).unsqueeze(1)
        sin = emb.sin().gather(0, idx).squeeze(0).to(dt).unsqueeze(1)
        key_mask = valid.view(B, 1, 1, L)
        sw = instruct.to(dt).view(B, 1, 1)
        any_on = bool((instruct != 0).any())
        for layer in self.layers:
            x = layer(x, cos, sin, key_mask, sw, any_on)
        h = _rms(x, self.norm, self.eps)
        keep = (valid & (input_ids != self.pool_ignore_id)).unsqueeze(-1)
        s = (h.float() * keep.float()).sum(dim=1)
        lens = valid.sum(dim=1).clamp(min=1).float().unsqueeze(-1)
        pooled = (s / lens).to(dt)
        y = self.h2(F.selu(self.h1(pooled)))
        out = (pooled + y).float()
        return F.normalize(out, dim=-1)
