"""A tokenizer that trains in minutes on CPU: codes are the nearest of K pixel patches, a small conv
decoder on the code grid refines them.

Encoder: space-to-depth, no weights. Each f x f RGB patch is a vector of 3 f^2 numbers in [-1, 1]
and its code is the nearest codebook entry, so the codebook *is* a set of pixel patches, fitted by
k-means (`init_kmeans`). Decoder: the quantized patches plus a residual predicted from the 3 x 3
neighbourhood of codes, depth-to-space back to pixels. Its last conv starts at zero, so an untrained
decoder returns the k-means reconstruction and training only adds to it. No convolution runs at the
image resolution, which is what makes it cheap (docs/tokenizers.md measures it against vq-f8).

Same interface as VQModel (`cfg`, `codebook`, `quantize`, `encode`, `decode`, `forward`,
`restart_dead_codes`), so banks, export and evaluation take either.
"""

from __future__ import annotations

from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..config import VQConfig
from .vq import ResnetBlock, VectorQuantizer, dead_code_seeds, normalize, swish


class PatchDecoder(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        d = cfg.embed_dim
        self.patch_size = cfg.patch_size
        self.conv_in = nn.Conv2d(d, cfg.ch, 3, padding=1)
        blocks = [ResnetBlock(cfg.ch, cfg.ch) for _ in range(cfg.num_res_blocks)]
        self.blocks = nn.Sequential(*blocks)
        self.norm_out = normalize(cfg.ch)
        self.conv_out = nn.Conv2d(cfg.ch, d, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, z_q: torch.Tensor) -> torch.Tensor:
        h = self.blocks(self.conv_in(z_q))  # (N, ch, h, w)
        patches = z_q + self.conv_out(swish(self.norm_out(h)))  # (N, 3 f^2, h, w)
        return F.pixel_shuffle(patches, self.patch_size)  # (N, 3, H, W)


class PatchVQ(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        if cfg.embed_dim != cfg.in_channels * cfg.patch_size ** 2:
            raise ValueError(f"patch tokenizer: embed_dim must be in_channels * patch_size^2 = "
                             f"{cfg.in_channels * cfg.patch_size ** 2}, got {cfg.embed_dim}")
        self.cfg = cfg
        self.decoder = PatchDecoder(cfg)
        self.quantize = VectorQuantizer(cfg.codebook_size, cfg.embed_dim, cfg.beta)

    @property
    def codebook(self) -> torch.Tensor:
        return self.quantize.embedding.weight  # (K, 3 f^2): pixel patches

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return F.pixel_unshuffle(x, self.cfg.patch_size)  # (N, 3 f^2, h, w)

    def decode(self, z_q: torch.Tensor) -> torch.Tensor:
        return self.decoder(z_q)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        z_q, codes, vq_loss = self.quantize(self.encode(x))
        return self.decode(z_q), vq_loss, codes

    @torch.no_grad()
    def init_kmeans(self, x: torch.Tensor, iters: int = 25, seed: int = 0,
                    chunk: int = 65536) -> float:
        """Fit the codebook to the patches of images x [N,3,H,W] with Lloyd's k-means (empty
        clusters re-seeded at the patches farthest from their centre). Returns the final mean
        squared error per value."""
        patches = self.encode(x).permute(0, 2, 3, 1).reshape(-1, self.cfg.embed_dim).float()
        k = self.cfg.codebook_size
        g = torch.Generator(device=patches.device).manual_seed(seed)
        centres = patches[torch.randperm(patches.shape[0], generator=g, device=patches.device)[:k]]
        mse = float("nan")
        for _ in range(iters):
            codes, dist = _nearest_chunked(patches, centres, chunk)
            mse = float(dist.mean()) / self.cfg.embed_dim
            sums = torch.zeros_like(centres).index_add_(0, codes, patches)
            counts = torch.bincount(codes, minlength=k).float()
            alive = counts > 0
            centres[alive] = sums[alive] / counts[alive, None]
            dead = torch.nonzero(~alive).flatten()
            if dead.numel():
                centres[dead] = patches[dist.topk(dead.numel()).indices]
        self.codebook.data.copy_(centres)
        return mse

    @torch.no_grad()
    def restart_dead_codes(self, z_e_batch: torch.Tensor, usage_counts: torch.Tensor,
                           threshold: float = 1.0) -> int:
        """Unused codes move to random patches of the batch (as VQModel.restart_dead_codes)."""
        dead, seeds = dead_code_seeds(z_e_batch, usage_counts, threshold)
        self.codebook.data[dead] = seeds.to(self.codebook.dtype)
        return int(dead.numel())


def _nearest_chunked(points: torch.Tensor, centres: torch.Tensor, chunk: int
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Index of and squared distance to the nearest centre for each point, in chunks of rows."""
    c2 = (centres * centres).sum(1)
    codes, dists = [], []
    for p in points.split(chunk):
        d = c2 - 2.0 * p @ centres.t()  # (n, K) + |p|^2 below
        best, idx = d.min(1)
        codes.append(idx)
        dists.append((best + (p * p).sum(1)).clamp_min(0))
    return torch.cat(codes), torch.cat(dists)
