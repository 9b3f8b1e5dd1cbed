"""Minimal safetensors reader/writer (format: 8-byte little-endian header length, JSON header,
raw little-endian tensor data)."""
import hashlib
import json
import os
import struct
from collections import OrderedDict
from typing import Dict, List

import numpy as np
import torch

from . import ExportError

_NP = {
    "F32": np.float32, "F16": np.float16, "F64": np.float64,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8,
    "BOOL": np.bool_,
}


def _decode(dtype: str, raw: bytes, shape: List[int], key: str, path: str) -> torch.Tensor:
    if dtype == "BF16":
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        arr = bits.view(np.float32)
        return torch.from_numpy(arr.reshape(shape).copy()).to(torch.bfloat16)
    if dtype not in _NP:
        raise ExportError(f"{path}: tensor '{key}' has unsupported dtype {dtype}")
    arr = np.frombuffer(raw, dtype=np.dtype(_NP[dtype]).newbyteorder("<"))
    return torch.from_numpy(arr.reshape(shape).astype(_NP[dtype]).copy())


def read_safetensors(path: str, digests: Dict[str, str] = None) -> "OrderedDict[str, torch.Tensor]":
    """Read every tensor of one .safetensors file (bf16 stays bf16, f16 stays f16). When ``digests``
    is given, fill it with key -> "dtype shape sha256(raw bytes)" (layout-independent content ids)."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise ExportError(f"{path}: not a safetensors file (too short)")
        (n,) = struct.unpack("<Q", head)
        if n > 100 * 1024 * 1024:
            raise ExportError(f"{path}: not a safetensors file (header length {n})")
        header = json.loads(f.read(n).decode("utf-8"))
        data = f.read()
    out = OrderedDict()
    for key, info in header.items():
        if key == "__metadata__":
            continue
        start, end = info["data_offsets"]
        shape = list(info["shape"])
        count = 1
        for s in shape:
            count *= s
        raw = data[start:end]
        out[key] = _decode(info["dtype"], raw, shape, key, path)
        if digests is not None:
            digests[key] = f"{info['dtype']} {shape} {hashlib.sha256(raw).hexdigest()}"
        if out[key].numel() != count:
            raise ExportError(f"{path}: tensor '{key}' data size does not match shape {shape}")
    return out


def read_checkpoint_dir(folder: str, digests: Dict[str, str] = None) -> "OrderedDict[str, torch.Tensor]":
    """Read a HF weights folder: model.safetensors.index.json (sharded) or *.safetensors."""
    index = os.path.join(folder, "model.safetensors.index.json")
    files: List[str]
    if os.path.exists(index):
        with open(index) as f:
            wm = json.load(f)["weight_map"]
        files = sorted(set(wm.values()))
        out = OrderedDict()
        for fn in files:
            p = os.path.join(folder, fn)
            if not os.path.exists(p):
                raise ExportError(f"{index}: shard '{fn}' listed in weight_map is missing")
            for k, v in read_safetensors(p, digests).items():
                out[k] = v
        for k, fn in wm.items():
            if k not in out:
                raise ExportError(f"{index}: tensor '{k}' listed in weight_map (shard {fn}) is missing")
        return out
    single = os.path.join(folder, "model.safetensors")
    if os.path.exists(single):
        return read_safetensors(single, digests)
    cands = sorted(fn for fn in os.listdir(folder) if fn.endswith(".safetensors"))
    if not cands:
        raise ExportError(f"{folder}: no model.safetensors, model.safetensors.index.json or *.safetensors")
    out = OrderedDict()
    for fn in cands:
        out.update(read_safetensors(os.path.join(folder, fn), digests))
    return out


_DT_NAME = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
            torch.int32: "I32"}


def _bytes_of(t: torch.Tensor) -> bytes:
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def write_safetensors(path: str, tensors: Dict[str, torch.Tensor], metadata: Dict[str, str] = None) -> None:
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    off = 0
    for k in sorted(tensors):
        t = tensors[k]
        b = _bytes_of(t)
        header[k] = {"dtype": _DT_NAME[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)
