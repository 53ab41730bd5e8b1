"""Training objectives: Purrception (variational flow matching), CFM (velocity or endpoint) and DFM.

All three share the linear path between noise z0 ~ N(0, I) (or the mask, for DFM) at t = 0 and the
data z1 = codebook[codes] at t = 1.

The model may run under bf16 autocast (train_dit --bf16); every loss is computed on fp32 outputs
(logits cast with .float() before logsumexp / cross-entropy: bf16's 8-bit mantissa would round the
log-partition of K = 1024 logits by up to ~0.03 nats). Metrics come back as detached 0-d tensors,
not Python floats: reading them forces a host sync, which the trainer does once per log line.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import OBJECTIVES
from .trainutil import unwrap

Metrics = Dict[str, torch.Tensor]  # detached 0-d tensors, on the model's device

Z_LOSS_WEIGHT = 1e-5  # z-loss weight (paper, section 3.3)
T_EPS = 1e-3  # t ~ U(T_EPS, 1): avoids the degenerate all-noise / all-mask point


def _rand(shape, generator: Optional[torch.Generator], device: torch.device) -> torch.Tensor:
    gdev = generator.device if generator is not None else device
    return torch.rand(shape, generator=generator, device=gdev).to(device)


def _randn(shape, generator: Optional[torch.Generator], device: torch.device) -> torch.Tensor:
    gdev = generator.device if generator is not None else device
    return torch.randn(shape, generator=generator, device=gdev).to(device)


def drop_labels(y: torch.Tensor, p: float, num_classes: int,
                generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Replace each label by the null class (id = num_classes) with probability p."""
    if p <= 0:
        return y
    drop = _rand(y.shape, generator, y.device) < p
    return torch.where(drop, torch.full_like(y, num_classes), y)


def z_loss(logits: torch.Tensor) -> torch.Tensor:
    """z-loss = 1e-5 * mean(logsumexp(l)^2), logits (N, K, h, w)."""
    return Z_LOSS_WEIGHT * torch.logsumexp(logits, dim=1).pow(2).mean()


def sample_t(n: int, generator: Optional[torch.Generator], device: torch.device) -> torch.Tensor:
    return T_EPS + (1 - T_EPS) * _rand((n,), generator, device)  # (N,)


#################################################################################
#                                  Objectives                                   #
#################################################################################


def purrception_loss(model: nn.Module, z1: torch.Tensor, codes: torch.Tensor, y: torch.Tensor,
                     t: torch.Tensor, z0: torch.Tensor) -> Tuple[torch.Tensor, Metrics]:
    # z_t = t z1 + (1 - t) z0 ;  loss = CE(l(z_t, t, y), codes) + 1e-5 logsumexp(l)^2
    tt = t.view(-1, 1, 1, 1)
    z_t = tt * z1 + (1 - tt) * z0  # (N, C, h, w)
    # Positions as contiguous rows of K logits, and one logsumexp for both terms: the same loss as
    # cross_entropy + z_loss on (N, K, h, w), at about 2/3 of the CPU time (K = 1024).
    logits = model(z_t, t, y, token_layout=True)  # (N, T * p*p, K)
    rows = logits.reshape(-1, logits.shape[-1]).float()  # (N * h * w, K), fp32 under autocast
    target = unwrap(model).patchify_codes(codes).reshape(-1, 1)  # (N * h * w, 1)
    lse = torch.logsumexp(rows, dim=1)
    ce = (lse - rows.gather(1, target).squeeze(1)).mean()
    zl = Z_LOSS_WEIGHT * lse.pow(2).mean()
    acc = (rows.detach().argmax(1) == target.squeeze(1)).float().mean()
    return ce + zl, {"ce": ce.detach(), "z_loss": zl.detach(), "acc": acc}


def cfm_loss(model: nn.Module, z1: torch.Tensor, y: torch.Tensor, t: torch.Tensor,
             z0: torch.Tensor) -> Tuple[torch.Tensor, Metrics]:
    # z_t = t z1 + (1 - t) z0 ;  loss = |v(z_t, t, y) - (z1 - z0)|^2
    tt = t.view(-1, 1, 1, 1)
    z_t = tt * z1 + (1 - tt) * z0
    v = model(z_t, t, y).float()  # (N, C, h, w)
    mse = F.mse_loss(v, z1 - z0)
    return mse, {"mse": mse.detach()}


def cfm_endpoint_loss(model: nn.Module, z1: torch.Tensor, y: torch.Tensor, t: torch.Tensor,
                      z0: torch.Tensor) -> Tuple[torch.Tensor, Metrics]:
    # z_t = t z1 + (1 - t) z0 ;  loss = |mu(z_t, t, y) - z1|^2: the endpoint, v = (mu - z)/(1 - t)
    tt = t.view(-1, 1, 1, 1)
    z_t = tt * z1 + (1 - tt) * z0
    mse = F.mse_loss(model(z_t, t, y).float(), z1)
    return mse, {"mse": mse.detach()}


def dfm_loss(model: nn.Module, codes: torch.Tensor, y: torch.Tensor, t: torch.Tensor,
             keep: torch.Tensor) -> Tuple[torch.Tensor, Metrics]:
    # x_t: each position keeps its code with prob t, else the mask id K ; CE at every position, as
    # the reference code trains it: its sampler redraws unmasked positions too (sample.sample_dfm)
    mask_id = model.cfg.codebook_size
    masked = keep >= t.view(-1, 1, 1)  # (N, h, w) masked with prob 1 - t
    x_t = torch.where(masked, torch.full_like(codes, mask_id), codes)
    logits = model(x_t, t, y).float()  # (N, K, h, w)
    ce = F.cross_entropy(logits, codes)
    zl = z_loss(logits)
    return ce + zl, {"ce": ce.detach(), "z_loss": zl.detach(), "masked": masked.float().mean()}


def loss_fn(objective: str, model: nn.Module, z1: torch.Tensor, codes: torch.Tensor,
            y: torch.Tensor, codebook: torch.Tensor,
            generator: Optional[torch.Generator] = None) -> Tuple[torch.Tensor, Metrics]:
    """One training loss. z1 = codebook[codes] as (N, C, h, w); codes (N, h, w); y (N,).

    Labels are dropped to the null class with probability model.cfg.label_dropout (classifier-free
    guidance training). `codebook` (K, C) is accepted for objectives that need it.
    """
    cfg = model.cfg
    n, device = codes.shape[0], codes.device
    y = drop_labels(y, cfg.label_dropout, cfg.num_classes, generator)
    t = sample_t(n, generator, device)
    if objective == "purrception":
        z0 = _randn(z1.shape, generator, device)
        loss, metrics = purrception_loss(model, z1, codes, y, t, z0)
    elif objective == "cfm":
        loss, metrics = cfm_loss(model, z1, y, t, _randn(z1.shape, generator, device))
    elif objective == "cfm-endpoint":
        loss, metrics = cfm_endpoint_loss(model, z1, y, t, _randn(z1.shape, generator, device))
    elif objective == "dfm":
        loss, metrics = dfm_loss(model, codes, y, t, _rand(codes.shape, generator, device))
    else:
        raise ValueError(
            f'Unknown objective "{objective}". Should be one of: {", ".join(OBJECTIVES)}.')
    metrics["loss"] = loss.detach()
    return loss, metrics
