"""Samplers: Purrception Euler (docs/design.md), CFM Euler (velocity or endpoint) and DFM (masked)
baselines; grid CLI.

    pi   = softmax( (l_u + w * (l_c - l_u)) / tau )
    mu   = sum_k pi_k * e_k
    v    = (mu - z) / (1 - t)
    z   <- z + (1/T) * v,   t = s/T,  s = 0..T-1
    x    = Decoder( Quantize(z_T) )
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable, Optional, Tuple, Union

import numpy as np
import torch

from .config import OBJECTIVES
from .models import DiT, Tokenizer

Scalar = Union[float, torch.Tensor]


def _per_sample(value: Scalar, n: int, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(value, dtype=torch.float32, device=device).expand(n).clone()  # (N,)


def guided_output(model: DiT, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor,
                  cfg: torch.Tensor) -> torch.Tensor:
    """Classifier-free guidance: out_u + w (out_c - out_u), conditional and null rows batched."""
    n = y.shape[0]
    null = torch.full_like(y, model.cfg.null_class)
    out = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([y, null]))  # (2N, ...)
    out_c, out_u = out[:n], out[n:]
    w = cfg.view(-1, *([1] * (out.dim() - 1)))
    return out_u + w * (out_c - out_u)


def purrception_step(model: DiT, codebook: torch.Tensor, z: torch.Tensor, t: torch.Tensor,
                     y: torch.Tensor, cfg: torch.Tensor, tau: torch.Tensor) -> torch.Tensor:
    """mu = E_pi[e] with pi = softmax((l_u + w (l_c - l_u)) / tau): (N, C, h, w)."""
    logits = guided_output(model, z, t, y, cfg)  # (N, K, h, w)
    pi = torch.softmax(logits / tau.view(-1, 1, 1, 1), dim=1)  # (N, K, h, w)
    return torch.einsum("nkhw,kc->nchw", pi, codebook)  # (N, C, h, w)


@torch.no_grad()
def sample(model: DiT, codebook: torch.Tensor, y: torch.Tensor, steps: int, cfg: Scalar,
           tau: Scalar, z0: torch.Tensor, objective: Optional[str] = None,
           generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Sample latents z_T (N, C, h, w) from z0 (N, C, h, w); cfg and tau scalars or per-sample (N,).

    objective defaults to model.cfg.objective. For dfm, z0 is ignored except for its shape, tau
    does not apply, and the result is codebook[codes].
    """
    objective = objective or model.cfg.objective
    n, device = y.shape[0], z0.device
    cfg_t, tau_t = _per_sample(cfg, n, device), _per_sample(tau, n, device)
    if objective == "purrception":
        return sample_purrception(model, codebook, y, steps, cfg_t, tau_t, z0)
    if objective == "cfm":
        return sample_cfm(model, y, steps, cfg_t, z0)
    if objective == "cfm-endpoint":
        return euler_on_mean(lambda z, t: guided_output(model, z, t, y, cfg_t), steps, z0)
    if objective == "dfm":  # tau does not apply: the reference sampler has no temperature
        size = tuple(z0.shape[2:])
        codes = sample_dfm(model, y, steps, cfg_t, size, torch_uniforms((n, *size), generator))
        return codebook[codes].permute(0, 3, 1, 2)  # (N, C, h, w)
    raise ValueError(f'Unknown objective "{objective}". Should be one of: {", ".join(OBJECTIVES)}.')


def sample_purrception(model: DiT, codebook: torch.Tensor, y: torch.Tensor, steps: int,
                       cfg: torch.Tensor, tau: torch.Tensor, z0: torch.Tensor) -> torch.Tensor:
    return euler_on_mean(lambda z, t: purrception_step(model, codebook, z, t, y, cfg, tau), steps,
                         z0)


def euler_on_mean(mean: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], steps: int,
                  z0: torch.Tensor) -> torch.Tensor:
    """Euler on dz/dt = (mu - z) / (1 - t) for a predicted endpoint mu(z, t) (N, C, h, w)."""
    z = z0.clone()
    for s in range(steps):
        t = torch.full((z.shape[0],), s / steps, device=z.device)  # t = s/T
        v = (mean(z, t) - z) / (1 - s / steps)  # v = (mu - z) / (1 - t)
        z = z + v / steps  # z <- z + (1/T) v ; the last step lands on mu
    return z


def sample_cfm(model: DiT, y: torch.Tensor, steps: int, cfg: torch.Tensor,
               z0: torch.Tensor) -> torch.Tensor:
    # z <- z + (1/T) (v_u + w (v_c - v_u))
    z = z0.clone()
    for s in range(steps):
        t = torch.full((z.shape[0],), s / steps, device=z.device)
        z = z + guided_output(model, z, t, y, cfg) / steps
    return z


Uniforms = Callable[[int], Tuple[torch.Tensor, torch.Tensor]]


def sample_dfm(model: DiT, y: torch.Tensor, steps: int, cfg: torch.Tensor, size: tuple,
               uniforms: Uniforms) -> torch.Tensor:
    """The reference code's DFM sampler (utils/sample_utils.py there): start all-mask (id K); at
    t = s/T every position, masked or not, is redrawn from p(x_1 | x_t) = softmax(guided logits)
    with probability c = h / (1 - t) = 1 / (T - s) and kept otherwise, so the last step (c = 1)
    leaves no mask. uniforms(s) gives (u1, u2), each (N, h, w) float64: u1 < c redraws, u2 picks
    the code by inverse CDF (dfm_update). Returns the codes (N, h, w)."""
    n, device = y.shape[0], y.device
    x = torch.full((n, *size), model.cfg.codebook_size, dtype=torch.long, device=device)
    for s in range(steps):
        t = torch.full((n,), s / steps, device=device)
        probs = torch.softmax(guided_output(model, x, t, y, cfg), dim=1)  # (N, K, h, w)
        u1, u2 = uniforms(s)
        x = dfm_update(x, probs, 1.0 / (steps - s), u1.to(device), u2.to(device))
    return x


def dfm_update(x: torch.Tensor, probs: torch.Tensor, c: float, u1: torch.Tensor,
               u2: torch.Tensor) -> torch.Tensor:
    """Per position: where u1 < c the first code k with cumsum(p)[k] > u2 * sum(p) (float64),
    else x unchanged. x, u1, u2 (N, h, w); probs (N, K, h, w). The service does the same
    (src/engine/sampler.ts, dfmUpdate)."""
    cum = probs.double().permute(0, 2, 3, 1).cumsum(-1)  # (N, h, w, K)
    draw = (cum <= (u2 * cum[..., -1]).unsqueeze(-1)).sum(-1).clamp_max(probs.shape[1] - 1)
    return torch.where(u1 < c, draw, x)


def torch_uniforms(shape: tuple, generator: Optional[torch.Generator]) -> Uniforms:
    """(u1, u2) for each step from a torch generator (training-side sampling and evaluation)."""
    return lambda _step: (torch.rand(shape, generator=generator, dtype=torch.float64),
                          torch.rand(shape, generator=generator, dtype=torch.float64))


@torch.no_grad()
def decode_latents(vq: Tokenizer, z: torch.Tensor) -> torch.Tensor:
    """x = Decoder(Quantize(z)), clamped to [-1, 1]: (N, 3, H, W)."""
    z_q, _, _ = vq.quantize(z)
    return vq.decode(z_q).clamp(-1, 1)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Pixels: round(clamp((x + 1) / 2, 0, 1) * 255), (N, 3, H, W) -> (N, H, W, 3) uint8."""
    x = torch.round(((images + 1) / 2).clamp(0, 1) * 255).to(torch.uint8)
    return x.permute(0, 2, 3, 1).cpu().numpy()


def save_grid(images: torch.Tensor, path: Union[str, Path], nrow: int) -> None:
    from PIL import Image

    pix = to_uint8(images)
    n, h, w, _ = pix.shape
    rows = (n + nrow - 1) // nrow
    grid = np.zeros((rows * h, nrow * w, 3), dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, nrow)
        grid[r * h:(r + 1) * h, c * w:(c + 1) * w] = pix[i]
    Image.fromarray(grid).save(path)


def main() -> None:
    from .checkpoint import load_model

    ap = argparse.ArgumentParser(
        description="Sample a grid PNG (one row per class) from checkpoints.")
    ap.add_argument("--vq", required=True, help="VQ checkpoint directory (checkpoint.save_parts)")
    ap.add_argument("--dit", required=True, help="DiT checkpoint directory")
    ap.add_argument("--out", default="samples.png")
    ap.add_argument("--classes", type=int, nargs="*", help="class ids (default: all)")
    ap.add_argument("--per-class", type=int, default=8)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--cfg", type=float, default=1.3)
    ap.add_argument("--tau", type=float, default=0.9)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()

    device = torch.device(args.device)
    vq, dit = load_model("vq", args.vq).to(device), load_model("dit", args.dit).to(device)
    classes = args.classes if args.classes else list(range(dit.cfg.num_classes))
    y = torch.tensor([c for c in classes for _ in range(args.per_class)], device=device)
    g = torch.Generator().manual_seed(args.seed)
    c, s = dit.cfg.latent_channels, dit.cfg.latent_size
    z0 = torch.randn((len(y), c, s, s), generator=g).to(device)
    z = sample(dit, vq.codebook, y, args.steps, args.cfg, args.tau, z0, generator=None)
    save_grid(decode_latents(vq, z), args.out, nrow=args.per_class)
    print(f"wrote {args.out} ({len(y)} samples)")


if __name__ == "__main__":
    main()
