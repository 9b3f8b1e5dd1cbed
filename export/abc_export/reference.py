"""Straightforward, unbatched eager reference of what ABC computes for ONE item, written to follow
the upstream code (transformers 4.47.1 Qwen2-VL modeling, ABC's bidirectional attention patch,
get_mean_token_embed, MLP head, PEFT LoRA forward). Used by tests and to compute goldens; it shares no
code with modules.py on purpose."""
import math
from typing import Optional

import torch
import torch.nn.functional as F


def _rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def _act(name, x):
    if name == "silu":
        return F.silu(x)
    if name == "quick_gelu":
        return x * torch.sigmoid(1.702 * x)
    if name == "gelu":
        return F.gelu(x)
    if name in ("gelu_pytorch_tanh", "gelu_new"):
        return F.gelu(x, approximate="tanh")
    if name == "relu":
        return F.relu(x)
    raise ValueError(name)


class _F32(dict):
    def __init__(self, w):
        super().__init__()
        self.w = w

    def __missing__(self, k):
        v = self.w[k].float()
        self[k] = v
        return v


def _weights(ld):
    if not hasattr(ld, "_ref_f32"):
        ld._ref_f32 = _F32(ld.weights)
    return ld._ref_f32


def vision(ld, pixel_values: torch.Tensor, grid_thw: torch.Tensor) -> torch.Tensor:
    cfg = ld.cfg.vision
    W = _weights(ld)
    x = pixel_values.float().view(-1, cfg.in_channels, cfg.temporal_patch_size, cfg.patch_size, cfg.patch_size)
    k = W["visual.patch_embed.proj.weight"]
    x = F.conv3d(x, k, stride=[cfg.temporal_patch_size, cfg.patch_size, cfg.patch_size]).view(-1, cfg.embed_dim)
    # rot_pos_emb
    ms = cfg.spatial_merge_size
    pos_ids = []
    for t, h, w in grid_thw.tolist():
        hpos = torch.arange(h).unsqueeze(1).expand(-1, w)
        hpos = hpos.reshape(h // ms, ms, w // ms, ms).permute(0, 2, 1, 3).flatten()
        wpos = torch.arange(w).unsqueeze(0).expand(h, -1)
        wpos = wpos.reshape(h // ms, ms, w // ms, ms).permute(0, 2, 1, 3).flatten()
        pos_ids.append(torch.stack([hpos, wpos], dim=-1).repeat(t, 1))
    pos_ids = torch.cat(pos_ids, dim=0)
    dim = cfg.head_dim // 2
    inv_freq = 1.0 / (10000.0 ** (torch.arange(0, dim, 2, dtype=torch.float) / dim))
    maxg = int(grid_thw[:, 1:].max())
    table = torch.outer(torch.arange(maxg, dtype=inv_freq.dtype), inv_freq)
    rotary = table[pos_ids].flatten(1)
    cu = torch.repeat_interleave(grid_thw[:, 1] * grid_thw[:, 2], grid_thw[:, 0]).cumsum(0, dtype=torch.int32)
    cu = F.pad(cu, (1, 0), value=0)
    n = x.shape[0]
    mask = torch.full([1, n, n], torch.finfo(torch.float32).min)
    for i in range(1, len(cu)):
        mask[..., cu[i - 1]:cu[i], cu[i - 1]:cu[i]] = 0

    def rope(t):
        cos = rotary.cos().unsqueeze(1).repeat(1, 1, 2).unsqueeze(0).float()
        sin = rotary.sin().unsqueeze(1).repeat(1, 1, 2).unsqueeze(0).float()
        return (t * cos) + (_rotate_half(t) * sin)

    E, nh = cfg.embed_dim, cfg.num_heads
    for b in range(cfg.depth):
        p = f"visual.blocks.{b}."
        h = F.layer_norm(x, [E], W[p + "norm1.weight"], W[p + "norm1.bias"], eps=1e-6)
        q, kk, v = F.linear(h, W[p + "attn.qkv.weight"], W[p + "attn.qkv.bias"]).reshape(
            n, 3, nh, -1).permute(1, 0, 2, 3).unbind(0)
        q = rope(q.unsqueeze(0)).squeeze(0)
        kk = rope(kk.unsqueeze(0)).squeeze(0)
        q, kk, v = q.transpose(0, 1), kk.transpose(0, 1), v.transpose(0, 1)
        aw = torch.matmul(q, kk.transpose(1, 2)) / math.sqrt(cfg.head_dim)
        aw = aw + mask
        aw = torch.softmax(aw, dim=-1, dtype=torch.float32)
        a = torch.matmul(aw, v).transpose(0, 1).reshape(n, -1)
        x = x + F.linear(a, W[p + "attn.proj.weight"], W[p + "attn.proj.bias"])
        h = F.layer_norm(x, [E], W[p + "norm2.weight"], W[p + "norm2.bias"], eps=1e-6)
        h = F.linear(_act(cfg.hidden_act, F.linear(h, W[p + "mlp.fc1.weight"], W[p + "mlp.fc1.bias"])),
                     W[p + "mlp.fc2.weight"], W[p + "mlp.fc2.bias"])
        x = x + h
    x = F.layer_norm(x, [E], W["visual.merger.ln_q.weight"], W["visual.merger.ln_q.bias"], eps=1e-6)
    x = x.view(-1, E * ms * ms)
    x = F.linear(x, W["visual.merger.mlp.0.weight"], W["visual.merger.mlp.0.bias"])
    x = F.gelu(x)
    return F.linear(x, W["visual.merger.mlp.2.weight"], W["visual.merger.mlp.2.bias"])


def get_rope_index(cfg, input_ids, image_grid_thw, attention_mask, image_token_id, vision_start_token_id):
    """transformers 4.47.1 Qwen2VLForConditionalGeneration.get_rope_index, images only."""
    ms = cfg.vision.spatial_merge_size
    if image_grid_thw is None:
        position_ids = attention_mask.long().cumsum(-1) - 1
        position_ids.masked_fill_(attention_mask == 0, 1)
        return position_ids.unsqueeze(0).expand(3, -1, -1)
    position_ids = torch.ones(3, input_ids.shape[0], input_ids.shape[1], dtype=input_ids.dtype)
    image_index = 0
    for i, ids in enumerate(input_ids):
        ids = ids[attention_mask[i] == 1]
        vs = torch.argwhere(ids == vision_start_token_id).squeeze(1)
        vision_tokens = ids[vs + 1]
        image_nums = int((vision_tokens == image_token_id).sum())
        input_tokens = ids.tolist()
        llm_pos_ids_list = []
        st = 0
        remain_images = image_nums
        for _ in range(image_nums):
            if image_token_id in input_tokens and remain_images > 0:
                ed_image = input_tokens.index(image_token_id, st)
            else:
                ed_image = len(input_tokens) + 1
            t, h, w = image_grid_thw[image_index].tolist()
            image_index += 1
            remain_images -= 1
            ed = ed_image
            llm_grid_t, llm_grid_h, llm_grid_w = t, h // ms, w // ms
            text_len = ed - st
            st_idx = llm_pos_ids_list[-1].max() + 1 if len(llm_pos_ids_list) > 0 else 0
            llm_pos_ids_list.append(torch.arange(text_len).view(1, -1).expand(3, -1) + st_idx)
            t_index = torch.arange(llm_grid_t).view(-1, 1).expand(-1, llm_grid_h * llm_grid_w).flatten()
            h_index = torch.arange(llm_grid_h).view(1, -1, 1).expand(llm_grid_t, -1, llm_grid_w).flatten()
            w_index = torch.arange(llm_grid_w).view(1, 1, -1).expand(llm_grid_t, llm_grid_h, -1).flatten()
            llm_pos_ids_list.append(torch.stack([t_index, h_index, w_index]) + text_len + st_idx)
            st = ed + llm_grid_t * llm_grid_h * llm_grid_w
        if st < len(input_tokens):
            st_idx = llm_pos_ids_list[-1].max() + 1 if len(llm_pos_ids_list) > 0 else 0
            text_len = len(input_tokens) - st
            llm_pos_ids_list.append(torch.arange(text_len).view(1, -1).expand(3, -1) + st_idx)
        llm_positions = torch.cat(llm_pos_ids_list, dim=1).reshape(3, -1)
        position_ids[..., i, attention_mask[i] == 1] = llm_positions
    return position_ids


def embed(ld, input_ids: torch.Tensor, pixel_values: Optional[torch.Tensor], grid_thw: Optional[torch.Tensor],
          instruct_on: bool, positions: str = "sequential", image_token_id: int = 151655,
          vision_start_token_id: int = 151652) -> torch.Tensor:
    """One item (input_ids [L] or [1,L]); returns the unit vector [hidden]."""
    cfg = ld.cfg
    tc = cfg.text
    W = _weights(ld)
    ids = input_ids.view(1, -1)
    L = ids.shape[1]
    emb = F.embedding(ids, W["model.embed_tokens.weight"])
    if pixel_values is not None:
        img = vision(ld, pixel_values, grid_thw)
        n_tok = int((ids == image_token_id).sum())
        if n_tok != img.shape[0]:
            raise ValueError(f"Image features and image tokens do not match: {n_tok} vs {img.shape[0]}")
        m = (ids == image_token_id).unsqueeze(-1).expand_as(emb)
        emb = emb.masked_scatter(m, img)
    am = torch.ones_like(ids)
    if positions == "mrope":
        pos = get_rope_index(cfg, ids, grid_thw if pixel_values is not None else None, am, image_token_id,
                             vision_start_token_id)
    else:
        pos = torch.arange(L).view(1, -1).expand(1, -1).unsqueeze(0).expand(3, -1, -1)
    hd = tc.head_dim
    inv_freq = 1.0 / (tc.rope_theta ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    inv_e = inv_freq[None, None, :, None].float().expand(3, pos.shape[1], -1, 1)
    freqs = (inv_e @ pos[:, :, None, :].float()).transpose(2, 3)
    e2 = torch.cat((freqs, freqs), dim=-1)
    cos3, sin3 = e2.cos(), e2.sin()
    sec = list(tc.mrope_section) * 2
    cos = torch.cat([m[i % 3] for i, m in enumerate(cos3.split(sec, dim=-1))], dim=-1).unsqueeze(1)
    sin = torch.cat([m[i % 3] for i, m in enumerate(sin3.split(sec, dim=-1))], dim=-1).unsqueeze(1)

    def lin(x, mod, bias):
        y = F.linear(x, W[mod + ".weight"], W[mod + ".bias"] if bias else None)
        if instruct_on and mod in ld.instruct:
            A, B, s = ld.instruct[mod]
            y = y + F.linear(F.linear(x, A), B) * s
        return y

    def rms(x, w):
        v = x.pow(2).mean(-1, keepdim=True)
        return w * (x * torch.rsqrt(v + tc.rms_norm_eps))

    nh, kvh = tc.num_attention_heads, tc.num_key_value_heads
    x = emb
    for li in range(tc.num_hidden_layers):
        p = f"model.layers.{li}."
        h = rms(x, W[p + "input_layernorm.weight"])
        q = lin(h, p + "self_attn.q_proj", True).view(1, L, nh, hd).transpose(1, 2)
        k = lin(h, p + "self_attn.k_proj", True).view(1, L, kvh, hd).transpose(1, 2)
        v = lin(h, p + "self_attn.v_proj", True).view(1, L, kvh, hd).transpose(1, 2)
        q = q * cos + _rotate_half(q) * sin
        k = k * cos + _rotate_half(k) * sin
        k = torch.repeat_interleave(k, nh // kvh, dim=1)
        v = torch.repeat_interleave(v, nh // kvh, dim=1)
        aw = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(hd)   # bidirectional: no causal mask
        aw = torch.softmax(aw, dim=-1, dtype=torch.float32)
        a = torch.matmul(aw, v).transpose(1, 2).reshape(1, L, -1)
        x = x + lin(a, p + "self_attn.o_proj", False)
        h = rms(x, W[p + "post_attention_layernorm.weight"])
        g = _act(tc.hidden_act, lin(h, p + "mlp.gate_proj", False)) * lin(h, p + "mlp.up_proj", False)
        x = x + lin(g, p + "mlp.down_proj", False)
    hs = rms(x, W["model.norm.weight"])
    # get_mean_token_embed(input_ids, hidden, padding_token_id=0)
    mask = (ids != 0).unsqueeze(-1)
    mean = torch.mean(mask * hs, dim=1)
    H = ld.mlp_head
    y = F.linear(F.selu(F.linear(mean, H["w1"], H["b1"])), H["w2"], H["b2"])
    return F.normalize((mean + y).float(), dim=-1)[0]
