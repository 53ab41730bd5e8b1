"""VQ tokenizer in the layout of latent-diffusion's vq-f8 (taming-transformers VQGAN).

Parameter names match latent-diffusion's `VQModel` 1:1 (`encoder.*`, `decoder.*`, `quant_conv.*`,
`post_quant_conv.*`, `quantize.embedding.weight`), so a vq-f8 `state_dict` loads with a key filter
only (its `loss.*` discriminator weights are dropped). z_channels = embed_dim, as in vq-f8.
"""

from __future__ import annotations

import math
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..config import VQConfig


def normalize(channels: int) -> nn.GroupNorm:
    # latent-diffusion uses 32 groups; narrower test models use gcd(32, channels) groups.
    return nn.GroupNorm(math.gcd(32, channels), channels, eps=1e-6, affine=True)


def swish(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(x)


#################################################################################
#                                 Building blocks                               #
#################################################################################


class ResnetBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.norm1 = normalize(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.norm2 = normalize(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        # 1x1 shortcut when the width changes (latent-diffusion's `nin_shortcut`)
        self.nin_shortcut = (
            nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(swish(self.norm1(x)))  # (N, out, H, W)
        h = self.conv2(swish(self.norm2(h)))  # (N, out, H, W)
        if self.nin_shortcut is not None:
            x = self.nin_shortcut(x)
        return x + h


class AttnBlock(nn.Module):
    """Single-head self-attention over the H*W positions, with 1x1 conv projections."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = normalize(channels)
        self.q = nn.Conv2d(channels, channels, 1)
        self.k = nn.Conv2d(channels, channels, 1)
        self.v = nn.Conv2d(channels, channels, 1)
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, hh, ww = x.shape
        h = self.norm(x)
        q = self.q(h).reshape(n, c, hh * ww).transpose(1, 2)  # (N, HW, C)
        k = self.k(h).reshape(n, c, hh * ww)  # (N, C, HW)
        v = self.v(h).reshape(n, c, hh * ww)  # (N, C, HW)
        # attn = softmax(q k^T / sqrt(C)) over the keys
        attn = torch.softmax(torch.bmm(q, k) * (c ** -0.5), dim=2)  # (N, HW, HW)
        h = torch.bmm(v, attn.transpose(1, 2)).reshape(n, c, hh, ww)  # (N, C, H, W)
        return x + self.proj_out(h)


class Downsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # asymmetric padding (right, bottom) as in latent-diffusion
        return self.conv(F.pad(x, (0, 1, 0, 1)))  # (N, C, H/2, W/2)


class Upsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))  # (N, C, 2H, 2W)


class Level(nn.Module):
    """One resolution level: `block`, `attn` lists and an optional down/upsample (ldm naming)."""

    def __init__(self) -> None:
        super().__init__()
        self.block = nn.ModuleList()
        self.attn = nn.ModuleList()


class Mid(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.block_1 = ResnetBlock(channels, channels)
        self.attn_1 = AttnBlock(channels)
        self.block_2 = ResnetBlock(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block_2(self.attn_1(self.block_1(x)))


#################################################################################
#                                Encoder / Decoder                              #
#################################################################################


class Encoder(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        levels = len(cfg.ch_mult)
        self.conv_in = nn.Conv2d(cfg.in_channels, cfg.ch, 3, padding=1)
        in_mult = (1,) + tuple(cfg.ch_mult)
        self.down = nn.ModuleList()
        block_in = cfg.ch
        for i in range(levels):
            level = Level()
            block_in, block_out = cfg.ch * in_mult[i], cfg.ch * cfg.ch_mult[i]
            for _ in range(cfg.num_res_blocks):
                level.block.append(ResnetBlock(block_in, block_out))
                block_in = block_out
                if cfg.attn_at_lowest and i == levels - 1:
                    level.attn.append(AttnBlock(block_in))
            if i != levels - 1:
                level.downsample = Downsample(block_in)
            self.down.append(level)
        self.mid = Mid(block_in)
        self.norm_out = normalize(block_in)
        self.conv_out = nn.Conv2d(block_in, cfg.embed_dim, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv_in(x)  # (N, ch, H, W)
        for level in self.down:
            for j, block in enumerate(level.block):
                h = block(h)
                if len(level.attn) > 0:
                    h = level.attn[j](h)
            if hasattr(level, "downsample"):
                h = level.downsample(h)  # (N, c, H/2, W/2)
        h = self.mid(h)  # (N, c, h, w)
        return self.conv_out(swish(self.norm_out(h)))  # (N, D, h, w)


class Decoder(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        levels = len(cfg.ch_mult)
        block_in = cfg.ch * cfg.ch_mult[-1]
        self.conv_in = nn.Conv2d(cfg.embed_dim, block_in, 3, padding=1)
        self.mid = Mid(block_in)
        up: List[Level] = []
        for i in reversed(range(levels)):
            level = Level()
            block_out = cfg.ch * cfg.ch_mult[i]
            for _ in range(cfg.num_res_blocks + 1):
                level.block.append(ResnetBlock(block_in, block_out))
                block_in = block_out
                if cfg.attn_at_lowest and i == levels - 1:
                    level.attn.append(AttnBlock(block_in))
            if i != 0:
                level.upsample = Upsample(block_in)
            up.insert(0, level)  # ldm stores `up` indexed by level, lowest resolution last
        self.up = nn.ModuleList(up)
        self.norm_out = normalize(block_in)
        self.conv_out = nn.Conv2d(block_in, 3, 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.mid(self.conv_in(z))  # (N, c, h, w)
        for level in reversed(self.up):
            for j, block in enumerate(level.block):
                h = block(h)
                if len(level.attn) > 0:
                    h = level.attn[j](h)
            if hasattr(level, "upsample"):
                h = level.upsample(h)  # (N, c, 2h, 2w)
        return self.conv_out(swish(self.norm_out(h)))  # (N, 3, H, W)


#################################################################################
#                                   Quantizer                                   #
#################################################################################


def nearest_code(z: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
    """Index of the nearest row of e (K, D) per position of z: (N, D, h, w) -> (N, h, w) int64."""
    # fp32 even under bf16 autocast (train_vq --bf16): rounded distances would flip near-ties, and
    # training would see other codes than data.encode_codes puts in the latent bank
    # (casts only where needed: an fp32 graph export must keep reading the codebook weight itself)
    z = z if z.dtype == torch.float32 else z.float()
    e = e if e.dtype == torch.float32 else e.float()
    with torch.autocast(z.device.type, enabled=False):
        zf = z.permute(0, 2, 3, 1)  # (N, h, w, D)
        # |z - e|^2 = |z|^2 - 2 z.e + |e|^2 ; |z|^2 is constant per position, so dropped
        dist = (e * e).sum(1) - 2.0 * torch.matmul(zf, e.t())  # (N, h, w, K)
        return torch.argmin(dist, dim=-1)


def dead_code_seeds(z_e_batch: torch.Tensor, usage_counts: torch.Tensor, threshold: float
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Codes used fewer than `threshold` times, and a random encoder output for each to restart
    from. z_e_batch: (N, D, h, w) or (M, D); usage_counts: (K,).
    Returns (dead (n,), seeds (n, D))."""
    dead = torch.nonzero(usage_counts.to(z_e_batch.device) < threshold).flatten()
    if z_e_batch.dim() == 4:
        z_e_batch = z_e_batch.permute(0, 2, 3, 1).reshape(-1, z_e_batch.shape[1])  # (M, D)
    pick = torch.randint(0, z_e_batch.shape[0], (dead.numel(),), device=z_e_batch.device)
    return dead, z_e_batch[pick]


class VectorQuantizer(nn.Module):
    def __init__(self, codebook_size: int, embed_dim: int, beta: float):
        super().__init__()
        self.beta = beta
        self.embedding = nn.Embedding(codebook_size, embed_dim)
        nn.init.uniform_(self.embedding.weight, -1.0 / codebook_size, 1.0 / codebook_size)

    def nearest(self, z: torch.Tensor) -> torch.Tensor:
        """Index of the nearest codebook entry per position: (N, D, h, w) -> (N, h, w) int64."""
        return nearest_code(z, self.embedding.weight)

    def forward(self, z: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        codes = self.nearest(z)  # (N, h, w)
        z_q = self.embedding(codes).permute(0, 3, 1, 2)  # (N, D, h, w)
        # codebook loss + beta * commitment loss
        vq_loss = F.mse_loss(z_q, z.detach()) + self.beta * F.mse_loss(z, z_q.detach())
        z_q = z + (z_q - z).detach()  # straight-through estimator
        return z_q, codes, vq_loss


#################################################################################
#                                   VQ model                                    #
#################################################################################


class VQModel(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.quant_conv = nn.Conv2d(cfg.embed_dim, cfg.embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(cfg.embed_dim, cfg.embed_dim, 1)
        self.quantize = VectorQuantizer(cfg.codebook_size, cfg.embed_dim, cfg.beta)

    @property
    def codebook(self) -> torch.Tensor:
        return self.quantize.embedding.weight  # (K, D)

    # `quantize(z) -> (z_q, codes, vq_loss)` is the `quantize` submodule itself (ldm naming).

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.quant_conv(self.encoder(x))  # (N, D, h, w), continuous

    def decode(self, z_q: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.post_quant_conv(z_q))  # (N, 3, H, W)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        z_q, codes, vq_loss = self.quantize(self.encode(x))
        return self.decode(z_q), vq_loss, codes

    @torch.no_grad()
    def restart_dead_codes(self, z_e_batch: torch.Tensor, usage_counts: torch.Tensor,
                           threshold: float = 1.0) -> int:
        """Re-seed codes used fewer than `threshold` times with random encoder outputs.

        z_e_batch: (N, D, h, w) or (M, D) recent encoder outputs; usage_counts: (K,).
        Returns the number of restarted codes.
        """
        dead, seeds = dead_code_seeds(z_e_batch, usage_counts, threshold)
        if dead.numel() == 0:
            return 0
        noise = 0.01 * z_e_batch.std() * torch.randn_like(seeds)
        self.codebook.data[dead] = (seeds + noise).to(self.codebook.dtype)
        return int(dead.numel())
