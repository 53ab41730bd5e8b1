"""Shared plumbing of the trainers: process, device and precision setup, distributed init, EMA,
time boxes, JSON-lines logs, metric sums, optimizer state in checkpoints and loading trained parts
back into modules.

Targets PyTorch 2.x (the repo's .venv pins 2.13; the GPU machine brings its own 2.x): bf16 autocast
on CUDA by default and on CPU when asked for (--bf16), TF32 matmuls allowed, `torch.compile` only
when asked for.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import math
import os
import time
from typing import Any, Dict, Iterable, Optional, Tuple

import torch
import torch.nn as nn

from .checkpoint import load_parts, select
from .config import DiTConfig, VQConfig, from_dict

# ------------------------------------------------------------------------------------------------
# Process, device, precision, compile
# ------------------------------------------------------------------------------------------------

def add_session_flags(ap: argparse.ArgumentParser) -> None:
    """The flags every trainer takes for how this session runs: seed, device, precision, resume."""
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                    help="bf16 autocast of the forward, losses in fp32 (default: on CUDA only)")
    ap.add_argument("--compile", action="store_true", help="torch.compile")
    ap.add_argument("--no-resume", action="store_true")



def pick_device(name: Optional[str] = None) -> torch.device:
    if name and name != "auto":
        return torch.device(name)
    if "LOCAL_RANK" in os.environ and torch.cuda.is_available():
        return torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


# glibc's mallopt parameters (malloc.h) and the values that keep freed memory in the process
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_KEEP_FREED_MEMORY = ((_M_MMAP_THRESHOLD, 2**31 - 1), (_M_TRIM_THRESHOLD, 2**31 - 1),
                      (_M_TOP_PAD, 2**30))


def keep_freed_memory() -> bool:
    """Stop glibc malloc handing freed tensors back to the kernel. By default every activation
    larger than the (adaptive) mmap threshold is mmapped, freed with munmap and page-faulted in
    again on the next step: ~110,000 minor faults/s and a fifth of a 2-core CPU training the
    bundled DiT. Serving every large block from the heap, never trimming it, and growing it 1 GiB
    at a time made training 1.27x faster (docs/results/keep-freed-memory-2026-12-07). Process-wide
    (all arenas); a no-op returning False where the C library is not glibc."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return all(mallopt(param, value) == 1 for param, value in _KEEP_FREED_MEMORY)


def setup_process() -> None:
    """What every trainer sets before its first tensor: glibc keeps freed memory; TF32 for the
    fp32 matmuls/convs that stay outside autocast (e.g. the VQ's code search)."""
    keep_freed_memory()
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True


def resolve_bf16(flag: Optional[bool], device: torch.device) -> bool:
    """--bf16 / --no-bf16 as given; left out, bf16 on CUDA only (CPUs without AVX512-BF16 or AMX,
    such as the 2-core test machines, emulate bf16 matmuls and run slower than fp32)."""
    return device.type == "cuda" if flag is None else bool(flag)


def autocast(device: torch.device, enabled: Optional[bool] = None):
    """bf16 autocast of a forward pass on `device`. `enabled` None: on CUDA only (evaluation's
    default); True/False: as told, CPU included. Losses are to be computed on `.float()` outputs."""
    if resolve_bf16(enabled, device):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def maybe_compile(module: nn.Module, enabled: bool) -> nn.Module:
    return torch.compile(module) if enabled else module


def unwrap(module: nn.Module) -> nn.Module:
    """The plain module under DistributedDataParallel and/or torch.compile wrappers."""
    while True:
        if hasattr(module, "module") and isinstance(module.module, nn.Module):
            module = module.module
        elif hasattr(module, "_orig_mod"):
            module = module._orig_mod
        else:
            return module


def clean_state_dict(module: nn.Module) -> Dict[str, torch.Tensor]:
    return {k: v.detach() for k, v in unwrap(module).state_dict().items()}


# ------------------------------------------------------------------------------------------------
# Distributed (torchrun): initialised only when WORLD_SIZE > 1
# ------------------------------------------------------------------------------------------------

class Dist:
    def __init__(self) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.enabled = self.world > 1
        if self.enabled:
            import torch.distributed as dist

            backend = "nccl" if torch.cuda.is_available() else "gloo"
            if torch.cuda.is_available():
                torch.cuda.set_device(self.local_rank)
            dist.init_process_group(backend=backend)

    @property
    def main(self) -> bool:
        return self.rank == 0

    def any_true(self, flag: bool, device: torch.device) -> bool:
        """True on every rank if any rank says so (used to stop all ranks at the same step)."""
        if not self.enabled:
            return flag
        import torch.distributed as dist

        t = torch.tensor([1.0 if flag else 0.0], device=device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item() > 0)

    def close(self) -> None:
        if self.enabled:
            import torch.distributed as dist

            dist.destroy_process_group()


# ------------------------------------------------------------------------------------------------
# EMA
# ------------------------------------------------------------------------------------------------

def ema_decay(decay: float, step: int) -> float:
    """Warm-up for short runs: min(decay, (1+step)/(10+step)); early EMA follows the model."""
    return min(decay, (1.0 + step) / (10.0 + step))


@torch.no_grad()
def ema_update(ema: nn.Module, model: nn.Module, decay: float) -> None:
    """ema <- decay * ema + (1 - decay) * model, over parameters; buffers are copied."""
    ema_p = [p for p in ema.parameters()]
    model_p = [p.detach() for p in model.parameters()]
    torch._foreach_lerp_(ema_p, model_p, 1.0 - decay)  # one fused kernel per dtype group
    for e, m in zip(ema.buffers(), model.buffers()):
        e.copy_(m)


# ------------------------------------------------------------------------------------------------
# Time box, logs
# ------------------------------------------------------------------------------------------------

class TimeBox:
    """Stops a loop at `iters` steps of this session or after `max_seconds` of wall time."""

    def __init__(self, iters: Optional[int], max_seconds: Optional[float]):
        self.iters, self.max_seconds = iters, max_seconds
        self.t0 = time.time()

    @property
    def elapsed(self) -> float:
        return time.time() - self.t0

    def progress(self, local_step: int) -> float:
        """Fraction of the box used, by whichever limit is nearer."""
        p = 0.0
        if self.iters:
            p = max(p, local_step / self.iters)
        if self.max_seconds:
            p = max(p, self.elapsed / self.max_seconds)
        return min(1.0, p)

    def done(self, local_step: int) -> bool:
        if self.iters is not None and local_step >= self.iters:
            return True
        return self.max_seconds is not None and self.elapsed >= self.max_seconds


class JsonLog:
    """Append-only JSON lines (one record per log step); also echoes a short line to stdout."""

    def __init__(self, path: Optional[str], enabled: bool = True):
        self.path = path if enabled else None
        if self.path:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)

    def write(self, record: Dict[str, Any], prefix: str = "") -> None:
        if self.path:
            with open(self.path, "a") as f:
                f.write(json.dumps(record) + "\n")
        if prefix:
            print(prefix + " " + " ".join(_fmt(k, v) for k, v in record.items()), flush=True)


def _fmt(k: str, v: Any) -> str:
    if isinstance(v, float):
        return f"{k}={v:.4g}"
    return f"{k}={v}"


class Cost:
    """CPU seconds (all threads) and wall seconds spent on a checkpoint over all its sessions: the
    earlier sessions' record (a checkpoint config's "cost") plus this process's time since start."""

    def __init__(self) -> None:
        self.before = {"cpu_seconds": 0.0, "wall_seconds": 0.0}
        self.cpu0, self.wall0 = time.process_time(), time.time()

    def resume(self, record: Optional[Dict[str, float]]) -> None:
        self.before.update(record or {})

    def so_far(self) -> Dict[str, float]:
        cpu = self.before["cpu_seconds"] + time.process_time() - self.cpu0
        wall = self.before["wall_seconds"] + time.time() - self.wall0
        return {"cpu_seconds": round(cpu, 1), "wall_seconds": round(wall, 1)}


class MetricSums:
    """Per-step metrics summed as device tensors; the host reads them once per log line.

    Reading a CUDA tensor (`.item()`, `float()`) waits for the GPU; doing it every step stops the
    CPU from queueing the next step while the GPU works. `means()` syncs once for all metrics.
    """

    def __init__(self) -> None:
        self.sums: Dict[str, torch.Tensor] = {}
        self.count = 0

    def add(self, metrics: Dict[str, Any]) -> None:
        for k, v in metrics.items():
            v = v.detach().float()
            self.sums[k] = self.sums[k] + v if k in self.sums else v.clone()
        self.count += 1

    def means(self) -> Dict[str, float]:
        """Means since the last call (then starts over); {} when nothing was added."""
        if not self.count:
            return {}
        vals = torch.stack(list(self.sums.values())) / self.count
        out = dict(zip(self.sums, vals.tolist()))  # the one host sync
        self.sums, self.count = {}, 0
        return out


def optimizer_state(opt: torch.optim.Optimizer) -> Dict[str, Any]:
    """The optimizer's state_dict in checkpoint.save_parts' nested-dict form: tensors per parameter
    index (string keys), the param groups as JSON."""
    sd = opt.state_dict()
    return {"state": {str(i): dict(s) for i, s in sd["state"].items()},
            "param_groups": sd["param_groups"]}


def restore_optimizer(opt: torch.optim.Optimizer, saved: Optional[Dict[str, Any]],
                      tag: str) -> bool:
    """Load the moments of `saved` (optimizer_state's form, from load_parts) into `opt`, keeping
    `opt`'s hyperparameters (this session's --lr, --wd). False, with a notice, when there are none
    (e.g. a checkpoint recovered by model_dir or deepened by grow) or they do not fit the
    parameters."""
    fresh = "fresh AdamW moments, LR warm-up"
    if not saved or not saved.get("state"):
        print(f"[{tag}] the checkpoint has no optimizer state (e.g. one recovered by model_dir or "
              f"deepened by grow): {fresh}", flush=True)
        return False
    problem = _optimizer_mismatch(opt, saved)
    if problem:
        print(f"[{tag}] the checkpoint's optimizer state does not fit ({problem}): {fresh}",
              flush=True)
        return False
    state = {int(k): v for k, v in saved["state"].items()}
    opt.load_state_dict({"state": state, "param_groups": opt.state_dict()["param_groups"]})
    return True


def _optimizer_mismatch(opt: torch.optim.Optimizer, saved: Dict[str, Any]) -> Optional[str]:
    """Why `saved` cannot be loaded into `opt` (other groups or shapes), or None."""
    groups = [len(g["params"]) for g in saved.get("param_groups", [])]
    if groups != [len(g["params"]) for g in opt.param_groups]:
        return f"parameter groups {groups}, not {[len(g['params']) for g in opt.param_groups]}"
    params = [p for g in opt.param_groups for p in g["params"]]
    for k, s in saved["state"].items():
        i = int(k)
        if i >= len(params):
            return f"parameter {i} of {len(params)}"
        for name, t in s.items():
            if isinstance(t, torch.Tensor) and t.dim() and t.shape != params[i].shape:
                return f"{name} of parameter {i}: {tuple(t.shape)}, not {tuple(params[i].shape)}"
    return None


def lr_at(base_lr: float, local_step: int, warmup: int, progress: float = 0.0,
          cosine: bool = False, final_frac: float = 0.1) -> float:
    """Linear warm-up over `warmup` steps of this session, then constant or a cosine decay to
    `final_frac * base_lr` over the time box's progress."""
    w = min(1.0, (local_step + 1) / max(1, warmup))
    if not cosine:
        return base_lr * w
    c = final_frac + (1 - final_frac) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return base_lr * w * c


def set_lr(opt: torch.optim.Optimizer, lr: float) -> None:
    for g in opt.param_groups:
        g["lr"] = lr


def psnr(x: torch.Tensor, ref: torch.Tensor) -> float:
    """PSNR in dB of images in [-1,1] (peak 1 on the [0,1] scale)."""
    mse = (((x.detach().float() - ref.detach().float()) / 2) ** 2).mean().clamp_min(1e-10)
    return float(-10 * torch.log10(mse))


def usage_stats(counts: torch.Tensor) -> Tuple[float, float]:
    """(fraction of codes used, perplexity = exp(entropy of the usage distribution))."""
    counts = counts.float()
    total = counts.sum().clamp_min(1)
    p = counts / total
    nz = p[p > 0]
    return float((counts > 0).float().mean()), float(torch.exp(-(nz * nz.log()).sum()))


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


# ------------------------------------------------------------------------------------------------
# Loading trained parts back
# ------------------------------------------------------------------------------------------------

def load_vq(ckpt_dir: str, device: Any = "cpu"):
    """A tokenizer (eval mode) and its config dict from a train_vq checkpoint directory."""
    from .models import build_vq

    state, config = load_parts(ckpt_dir)
    cfg = from_dict(VQConfig, config["vq"])
    vq = build_vq(cfg)
    vq.load_state_dict(select(state, "model"))
    return vq.to(device).eval(), config


def load_dit(ckpt_dir: str, which: str = "ema", device: Any = "cpu"):
    """A DiT (eval mode) from a train_dit checkpoint: `which` = "ema" (served) or "model" (raw)."""
    from .models.dit import DiT

    state, config = load_parts(ckpt_dir)
    cfg = from_dict(DiTConfig, config["dit"])
    dit = DiT(cfg)
    other = "model" if which == "ema" else "ema"
    dit.load_state_dict(select(state, which, other))
    return dit.to(device).eval(), config


def parse_overrides(items: Optional[Iterable[str]]) -> Dict[str, Any]:
    """["depth=4,hidden=192", "mlp_ratio=2.0"] -> {"depth": 4, "hidden": 192, "mlp_ratio": 2.0}."""
    out: Dict[str, Any] = {}
    for item in items or []:
        for kv in item.split(","):
            if not kv.strip():
                continue
            k, _, v = kv.partition("=")
            try:
                out[k.strip()] = json.loads(v)
            except json.JSONDecodeError:
                out[k.strip()] = v
    return out
