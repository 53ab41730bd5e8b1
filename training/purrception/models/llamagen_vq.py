"""VQ tokenizer in the layout of LlamaGen's `vq-ds8-c2i` (FoundationVision/LlamaGen,
`tokenizer/tokenizer_image/vq_model.py`, its `VQ_8`: f = 8, K = 16384, D = 8, l2-normalised codes).

Parameter names match LlamaGen's `VQModel` 1:1, so its `state_dict` loads with a key filter only
(the `quantize.codebook_used` usage buffer is dropped):
  encoder.conv_in, encoder.conv_blocks.{i}.res.{j}.{norm1,conv1,norm2,conv2,nin_shortcut},
  encoder.conv_blocks.{last}.attn.{j}.{norm,q,k,v,proj_out},
  encoder.conv_blocks.{i}.downsample.conv,
  encoder.mid.{0,1,2}, encoder.norm_out, encoder.conv_out (-> z_channels); the decoder mirrors it
  with num_res_blocks + 1 blocks a level, `upsample.conv`, and conv_blocks ordered lowest resolution
  first; quant_conv (z_channels -> D), post_quant_conv (D -> z_channels), quantize.embedding.weight.

The l2-normalised codebook: LlamaGen stores raw code vectors, normalises both them and the encoder
output before the nearest-code search, and decodes the normalised code vectors. Our latents are
those unit vectors: `codebook`, `quantize.embedding(codes)`, encode.onnx's z and step.onnx's
barycenter all use the normalised rows (the reference Purrception code also trains its DiT on them:
its trainer passes the latents through `quantize`). `quantize.nearest` normalises z first, so a
continuous z (the sampler's, of norm ~ sqrt(D) at t = 0) maps to the code of largest cosine
similarity, as in LlamaGen.

Same interface as VQModel (`cfg`, `codebook`, `quantize`, `encode`, `decode`, `forward`,
`restart_dead_codes`), so banks, export and evaluation take it.
"""

from __future__ import annotations

from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..config import VQConfig
from .vq import (AttnBlock, Downsample, ResnetBlock, Upsample, dead_code_seeds, nearest_code,
                 normalize, swish)


class Stage(nn.Module):
    """One resolution level: `res` and `attn` lists, then `downsample` or `upsample` (LlamaGen's
    names)."""

    def __init__(self) -> None:
        super().__init__()
        self.res = nn.ModuleList()
        self.attn = nn.ModuleList()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        for j, block in enumerate(self.res):
            h = block(h)
            if len(self.attn) > 0:
                h = self.attn[j](h)
        return h


def _stage(block_in: int, block_out: int, blocks: int, attn: bool) -> Stage:
    stage = Stage()
    for _ in range(blocks):
        stage.res.append(ResnetBlock(block_in, block_out))
        block_in = block_out
        if attn:
            stage.attn.append(AttnBlock(block_out))
    return stage


def _mid(channels: int) -> nn.Sequential:
    # LlamaGen's `mid` is a ModuleList [res, attn, res]: keys mid.0.*, mid.1.*, mid.2.*
    return nn.Sequential(ResnetBlock(channels, channels), AttnBlock(channels),
                         ResnetBlock(channels, channels))


class Encoder(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        levels = len(cfg.ch_mult)
        in_mult = (1,) + tuple(cfg.ch_mult)
        self.conv_in = nn.Conv2d(cfg.in_channels, cfg.ch, 3, padding=1)
        self.conv_blocks = nn.ModuleList()
        for i in range(levels):
            lowest = i == levels - 1
            stage = _stage(cfg.ch * in_mult[i], cfg.ch * cfg.ch_mult[i], cfg.num_res_blocks,
                           cfg.attn_at_lowest and lowest)
            if not lowest:
                stage.downsample = Downsample(cfg.ch * cfg.ch_mult[i])
            self.conv_blocks.append(stage)
        block_in = cfg.ch * cfg.ch_mult[-1]
        self.mid = _mid(block_in)
        self.norm_out = normalize(block_in)
        self.conv_out = nn.Conv2d(block_in, cfg.z_channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv_in(x)  # (N, ch, H, W)
        for stage in self.conv_blocks:
            h = stage(h)
            if hasattr(stage, "downsample"):
                h = stage.downsample(h)  # (N, c, H/2, W/2)
        h = self.mid(h)  # (N, c, h, w)
        return self.conv_out(swish(self.norm_out(h)))  # (N, z_channels, h, w)


class Decoder(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        levels = len(cfg.ch_mult)
        block_in = cfg.ch * cfg.ch_mult[-1]
        self.conv_in = nn.Conv2d(cfg.z_channels, block_in, 3, padding=1)
        self.mid = _mid(block_in)
        self.conv_blocks = nn.ModuleList()  # lowest resolution first (ldm's `up` is the reverse)
        for i in reversed(range(levels)):
            block_out = cfg.ch * cfg.ch_mult[i]
            stage = _stage(block_in, block_out, cfg.num_res_blocks + 1,
                           cfg.attn_at_lowest and i == levels - 1)
            if i != 0:
                stage.upsample = Upsample(block_out)
            self.conv_blocks.append(stage)
            block_in = block_out
        self.norm_out = normalize(block_in)
        self.conv_out = nn.Conv2d(block_in, 3, 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.mid(self.conv_in(z))  # (N, c, h, w)
        for stage in self.conv_blocks:
            h = stage(h)
            if hasattr(stage, "upsample"):
                h = stage.upsample(h)  # (N, c, 2h, 2w)
        return self.conv_out(swish(self.norm_out(h)))  # (N, 3, H, W)


class L2Embedding(nn.Module):
    """`quantize.embedding`: LlamaGen's raw (K, D) `weight` (same state key); looking codes up
    returns the l2-normalised rows, the vectors LlamaGen's decoder consumes."""

    def __init__(self, codebook_size: int, embed_dim: int):
        super().__init__()
        # LlamaGen's initialisation; only the direction of each row is ever used
        init = torch.empty(codebook_size, embed_dim).uniform_(-1.0 / codebook_size,
                                                               1.0 / codebook_size)
        self.weight = nn.Parameter(F.normalize(init, dim=-1))

    def normalized(self) -> torch.Tensor:
        return F.normalize(self.weight, dim=-1)  # (K, D), unit rows

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        return F.embedding(codes, self.normalized())  # (..., D)


class L2VectorQuantizer(nn.Module):
    def __init__(self, codebook_size: int, embed_dim: int, beta: float):
        super().__init__()
        self.beta = beta
        self.embedding = L2Embedding(codebook_size, embed_dim)

    def nearest(self, z: torch.Tensor) -> torch.Tensor:
        """LlamaGen's rule: nearest unit code to z / |z|: (N, D, h, w) -> (N, h, w) int64."""
        e = self.embedding.normalized()  # (K, D)
        # with unit codes the argmin does not depend on |z|; normalising z anyway repeats
        # LlamaGen's arithmetic, so near-ties break as they do there
        return nearest_code(F.normalize(z, dim=1), e)

    def forward(self, z: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        codes = self.nearest(z)  # (N, h, w)
        z = F.normalize(z, dim=1)  # LlamaGen's losses compare unit vectors
        z_q = self.embedding(codes).permute(0, 3, 1, 2)  # (N, D, h, w)
        vq_loss = F.mse_loss(z_q, z.detach()) + self.beta * F.mse_loss(z, z_q.detach())
        z_q = z + (z_q - z).detach()  # straight-through estimator
        return z_q, codes, vq_loss


class LlamaGenVQ(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.quant_conv = nn.Conv2d(cfg.z_channels, cfg.embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(cfg.embed_dim, cfg.z_channels, 1)
        self.quantize = L2VectorQuantizer(cfg.codebook_size, cfg.embed_dim, cfg.beta)

    @property
    def codebook(self) -> torch.Tensor:
        return self.quantize.embedding.normalized()  # (K, D): the latents are these unit vectors

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.quant_conv(self.encoder(x))  # (N, D, h, w), continuous, not normalised

    def decode(self, z_q: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.post_quant_conv(z_q))  # (N, 3, H, W)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        z_q, codes, vq_loss = self.quantize(self.encode(x))
        return self.decode(z_q), vq_loss, codes

    @torch.no_grad()
    def restart_dead_codes(self, z_e_batch: torch.Tensor, usage_counts: torch.Tensor,
                           threshold: float = 1.0) -> int:
        """Re-seed codes used fewer than `threshold` times with the directions of random encoder
        outputs (N, D, h, w). Returns the number of restarted codes."""
        weight = self.quantize.embedding.weight
        dead, seeds = dead_code_seeds(z_e_batch, usage_counts, threshold)
        weight.data[dead] = F.normalize(seeds, dim=-1).to(weight.dtype)
        return int(dead.numel())
