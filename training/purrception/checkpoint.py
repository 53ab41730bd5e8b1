"""Checkpoints as fp16 parts of at most `max_part_bytes` plus a JSON index with the resolved config.

Layout of a checkpoint directory:

    index.json      {"format": "purrception.ckpt.v1", "config": {...},
                     "tensors": {name: {"dtype", "shape", "chunks": [[part, offset, nbytes], ...]}},
                     "meta": {name: json value}}          (non-tensor leaves, e.g. step counters)
    part-00000.bin  raw little-endian tensor bytes, concatenated; a tensor may span parts

Nested dicts are flattened with "/" (model keys keep their dots): {"ema": {"blocks.0.w": t}} ->
"ema/blocks.0.w". Floating tensors are stored as `dtype` (fp16 by default) and loaded back as fp32;
integer and bool tensors keep their dtype, and so do the tensors under the top-level keys in
`KEEP_DTYPE` ("optim", the optimizer state: AdamW's second moments go down to 1e-12 and
below, where fp16 flushes them to zero and the next update divides by eps alone). Plain raw bytes
keep the files independent of the PyTorch version and small enough for any file host.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple, Union

import numpy as np
import torch

FORMAT = "purrception.ckpt.v1"
INDEX = "index.json"
SEP = "/"
MAX_PART_BYTES = 15 * 2**20  # 15 MiB: stays under a 16 MiB per-file limit
OPTIM_KEY = "optim"  # top-level key of the trainers' optimizer state
KEEP_DTYPE = (OPTIM_KEY,)  # top-level keys whose floating tensors are stored as they are

_NP_DTYPES = {
    "float16": np.float16, "float32": np.float32, "float64": np.float64, "bfloat16": None,
    "int64": np.int64, "int32": np.int32, "int16": np.int16, "int8": np.int8, "uint8": np.uint8,
    "bool": np.bool_,
}


def _flatten(state: Dict[str, Any], prefix: str = "") -> Iterator[Tuple[str, Any]]:
    for key, value in state.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, name + SEP)
        else:
            yield name, value


def _unflatten(flat: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for name, value in flat.items():
        parts = name.split(SEP)
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return out


class _PartWriter:
    """Appends bytes to part files, starting a new part when the current one is full."""

    def __init__(self, out_dir: Path, max_part_bytes: int):
        self.out_dir, self.max = out_dir, max_part_bytes
        self.index, self.used, self.fh = -1, max_part_bytes, None

    def _next(self) -> None:
        if self.fh:
            self.fh.close()
        self.index += 1
        self.used = 0
        self.fh = open(self.out_dir / f"part-{self.index:05d}.bin", "wb")

    def write(self, data: bytes) -> List[List[int]]:
        chunks, pos = [], 0
        while pos < len(data) or not chunks:
            if self.used >= self.max:
                self._next()
            n = min(self.max - self.used, len(data) - pos)
            self.fh.write(data[pos:pos + n])
            chunks.append([self.index, self.used, n])
            self.used += n
            pos += n
        return chunks

    def close(self) -> None:
        if self.fh:
            self.fh.close()


def has_parts(ckpt_dir: Union[str, os.PathLike]) -> bool:
    """Whether `ckpt_dir` holds a checkpoint (its index)."""
    return os.path.exists(os.path.join(ckpt_dir, INDEX))


def save_parts(state: Dict[str, Any], config: Dict[str, Any], out_dir: Union[str, os.PathLike],
               max_part_bytes: int = MAX_PART_BYTES, dtype: torch.dtype = torch.float16) -> Path:
    """Write `state` (nested dict of tensors / JSON values) and `config` to `out_dir`: floating
    tensors as `dtype`, except those under the top-level keys in `KEEP_DTYPE`.

    Writes into a temporary directory first, then swaps, so an interrupted save keeps the old one.
    """
    out_dir = Path(out_dir)
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    for old in tmp.glob("part-*.bin"):
        old.unlink()
    writer = _PartWriter(tmp, max_part_bytes)
    tensors: Dict[str, Any] = {}
    meta: Dict[str, Any] = {}
    try:
        for name, value in _flatten(state):
            if not isinstance(value, torch.Tensor):
                meta[name] = value
                continue
            t = value.detach().cpu()
            if t.is_floating_point() and name.split(SEP, 1)[0] not in KEEP_DTYPE:
                t = t.to(dtype)
            if t.dtype == torch.bfloat16:  # numpy has no bfloat16: store its bits as int16
                raw = t.view(torch.int16).contiguous().numpy()
            else:
                raw = t.contiguous().numpy()
            data = raw.astype(raw.dtype.newbyteorder("<")).tobytes()
            tensors[name] = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                             "chunks": writer.write(data)}
    finally:
        writer.close()
    index = {"format": FORMAT, "config": config, "tensors": tensors, "meta": meta}
    (tmp / INDEX).write_text(json.dumps(index, indent=1))
    if out_dir.exists():
        for old in list(out_dir.glob("part-*.bin")) + [out_dir / INDEX]:
            if old.exists():
                old.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)
    for f in tmp.iterdir():
        f.replace(out_dir / f.name)
    tmp.rmdir()
    return out_dir


def load_parts(ckpt_dir: Union[str, os.PathLike]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Read a checkpoint directory: (state with floating tensors in fp32, config)."""
    ckpt_dir = Path(ckpt_dir)
    index = json.loads((ckpt_dir / INDEX).read_text())
    if index.get("format") != FORMAT:
        raise ValueError(f"{ckpt_dir}: not a {FORMAT} checkpoint")
    parts: Dict[int, np.memmap] = {}
    flat: Dict[str, Any] = dict(index.get("meta", {}))
    for name, info in index["tensors"].items():
        data = bytearray()
        for part, offset, nbytes in info["chunks"]:
            if part not in parts:
                parts[part] = np.memmap(ckpt_dir / f"part-{part:05d}.bin", dtype=np.uint8, mode="r")
            data += parts[part][offset:offset + nbytes].tobytes()
        if info["dtype"] == "bfloat16":
            arr = np.frombuffer(bytes(data), dtype="<i2").reshape(info["shape"])
            t = torch.from_numpy(arr.copy()).view(torch.bfloat16)
        else:
            np_dtype = np.dtype(_NP_DTYPES[info["dtype"]]).newbyteorder("<")
            arr = np.frombuffer(bytes(data), dtype=np_dtype).reshape(info["shape"])
            t = torch.from_numpy(arr.astype(arr.dtype.newbyteorder("=")).copy())
        flat[name] = t.float() if t.is_floating_point() else t
    return _unflatten(flat), index["config"]


def select(state: Dict[str, Any], *prefixes: str) -> Dict[str, torch.Tensor]:
    """The first non-empty sub-dict among `prefixes` (e.g. "ema", "model"), else `state` itself."""
    for p in prefixes:
        sub = state.get(p)
        if isinstance(sub, dict) and sub:
            return sub
    return state


def load_model(kind: str, ckpt_dir: Union[str, os.PathLike]) -> torch.nn.Module:
    """Build a tokenizer (kind "vq") or DiT (kind "dit") from a checkpoint directory.

    Config: `config[kind]` if present, else the config itself. Weights: the first non-empty of
    state["ema"], state["model"], state[kind], else the flat state (EMA weights are served).
    """
    from .config import DiTConfig, VQConfig, from_dict
    from .models import DiT, build_vq

    state, config = load_parts(ckpt_dir)
    sub = config.get(kind, config)
    model = build_vq(from_dict(VQConfig, sub)) if kind == "vq" else DiT(from_dict(DiTConfig, sub))
    weights = select(state, "ema", "model", kind)
    model.load_state_dict(weights)
    return model.eval()


def main() -> None:
    ap = argparse.ArgumentParser(description="Inspect a part checkpoint directory.")
    ap.add_argument("ckpt")
    args = ap.parse_args()
    state, config = load_parts(args.ckpt)
    print(json.dumps(config, indent=1))
    for name, value in _flatten(state):
        shape = tuple(value.shape) if isinstance(value, torch.Tensor) else value
        print(f"{name}: {shape}")


if __name__ == "__main__":
    main()
