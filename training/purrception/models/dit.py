"""DiT backbone (adaLN-Zero) with the Purrception head, and the CFM / DFM baseline heads.

Parameter names follow facebookresearch/DiT and the Purrception reference code (`x_embedder.proj`,
`t_embedder.mlp`, `y_embedder.embedding_table`, `blocks.N.attn.qkv`, `blocks.N.mlp.fc1`,
`final_layer.linear`, ...) so the converter maps those checkpoints by name. Positions are fixed
2D sin-cos buffers (not saved). The final layer is split: `final_hidden` (modulated hidden states)
and `head` (K-way linear + unpatchify), so export can apply guidance before the head.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..config import OBJECTIVES, VECTOR_OBJECTIVES, DiTConfig


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    # adaLN: x * (1 + scale) + shift, broadcast over tokens
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class LayerNormNoAffine(nn.Module):
    """LayerNorm without learned affine.

    Uses F.layer_norm with constant (non-persistent) ones/zeros: PyTorch 1.13's exporter writes an
    invalid LayerNormalization at opset 17 when the weight is absent.
    """

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.register_buffer("ones", torch.ones(dim), persistent=False)
        self.register_buffer("zeros", torch.zeros(dim), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, self.ones.shape, self.ones, self.zeros, self.eps)


#################################################################################
#               Embedding layers for timesteps and class labels                 #
#################################################################################


class PatchEmbed(nn.Module):
    def __init__(self, in_channels: int, hidden: int, patch_size: int):
        super().__init__()
        self.proj = nn.Conv2d(in_channels, hidden, patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)  # (N, T, hidden), row-major tokens


class TimestepEmbedder(nn.Module):
    def __init__(self, hidden: int, freq_dim: int, t_scale: float, max_period: float = 10000.0):
        super().__init__()
        self.t_scale = t_scale
        self.mlp = nn.Sequential(nn.Linear(freq_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        half = freq_dim // 2
        # freqs_i = max_period ** (-i / half), i = 0..half-1
        freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
        self.register_buffer("freqs", freqs, persistent=False)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        # features = [cos(t_scale * t * freqs), sin(t_scale * t * freqs)]
        args = (t * self.t_scale)[:, None] * self.freqs[None]  # (N, freq_dim/2)
        return self.mlp(torch.cat([torch.cos(args), torch.sin(args)], dim=-1))  # (N, hidden)


class LabelEmbedder(nn.Module):
    """Class embedding with one extra row for the null class (id = num_classes)."""

    def __init__(self, num_classes: int, hidden: int):
        super().__init__()
        self.embedding_table = nn.Embedding(num_classes + 1, hidden)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.embedding_table(y)  # (N, hidden)


def sincos_2d(dim: int, grid: int) -> np.ndarray:
    """Fixed 2D sin-cos positions (MAE/DiT convention): (grid*grid, dim) float32."""
    assert dim % 4 == 0, "hidden must be a multiple of 4 for 2D sin-cos positions"
    omega = 1.0 / 10000 ** (np.arange(dim // 4, dtype=np.float64) / (dim / 4.0))  # (dim/4,)
    rows, cols = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")  # token = r*grid + c

    def embed(pos: np.ndarray) -> np.ndarray:
        out = np.outer(pos.reshape(-1), omega)  # (T, dim/4)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)  # (T, dim/2)

    # first half encodes the column (w), second half the row (h), as in DiT's MAE code
    return np.concatenate([embed(cols), embed(rows)], axis=1).astype(np.float32)


#################################################################################
#                                 Core DiT model                                #
#################################################################################


class Attention(nn.Module):
    def __init__(self, hidden: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.proj = nn.Linear(hidden, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t, d = x.shape
        qkv = self.qkv(x).reshape(n, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (N, heads, T, d_head)
        use_sdpa = hasattr(F, "scaled_dot_product_attention") and not torch.onnx.is_in_onnx_export()
        if use_sdpa:
            out = F.scaled_dot_product_attention(q, k, v)
        else:
            # softmax(q k^T / sqrt(d_head)) v
            attn = torch.softmax(q @ k.transpose(-2, -1) * (d // self.heads) ** -0.5, dim=-1)
            out = attn @ v  # (N, heads, T, d_head)
        return self.proj(out.transpose(1, 2).reshape(n, t, d))  # (N, T, hidden)


class Mlp(nn.Module):
    def __init__(self, hidden: int, mlp_hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(hidden, mlp_hidden)
        self.act = nn.GELU(approximate="tanh")
        self.fc2 = nn.Linear(mlp_hidden, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class DiTBlock(nn.Module):
    """A DiT block with adaptive layer norm zero (adaLN-Zero) conditioning."""

    def __init__(self, hidden: int, heads: int, mlp_ratio: float):
        super().__init__()
        self.norm1 = LayerNormNoAffine(hidden)
        self.attn = Attention(hidden, heads)
        self.norm2 = LayerNormNoAffine(hidden)
        self.mlp = Mlp(hidden, int(hidden * mlp_ratio))
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden, 6 * hidden))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = self.adaLN_modulation(
            c
        ).chunk(6, dim=1)
        x = x + gate_msa.unsqueeze(1) * self.attn(modulate(self.norm1(x), shift_msa, scale_msa))
        x = x + gate_mlp.unsqueeze(1) * self.mlp(modulate(self.norm2(x), shift_mlp, scale_mlp))
        return x  # (N, T, hidden)


class FinalLayer(nn.Module):
    def __init__(self, hidden: int, patch_size: int, out_channels: int):
        super().__init__()
        self.norm_final = LayerNormNoAffine(hidden)
        self.linear = nn.Linear(hidden, patch_size * patch_size * out_channels)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden, 2 * hidden))

    def hidden(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)
        return modulate(self.norm_final(x), shift, scale)  # (N, T, hidden)


class DiT(nn.Module):
    def __init__(self, cfg: DiTConfig):
        super().__init__()
        assert cfg.objective in OBJECTIVES, cfg.objective
        self.cfg = cfg
        c, k, d = cfg.latent_channels, cfg.codebook_size, cfg.hidden
        # purrception / dfm predict K logits per position; cfm a C-channel velocity, cfm-endpoint z1
        self.out_channels = c if cfg.objective in VECTOR_OBJECTIVES else k
        if cfg.objective == "dfm":
            # codes 0..K-1 plus the mask token id K
            self.x_pre_embedder = nn.Embedding(k + 1, d)
            self.x_embedder = PatchEmbed(d, d, cfg.patch_size)
        else:
            self.x_pre_embedder = None
            self.x_embedder = PatchEmbed(c, d, cfg.patch_size)
        self.t_embedder = TimestepEmbedder(d, cfg.freq_dim, cfg.t_scale)
        self.y_embedder = LabelEmbedder(cfg.num_classes, d)
        grid = cfg.latent_size // cfg.patch_size
        pos = torch.from_numpy(sincos_2d(d, grid)).unsqueeze(0)
        self.register_buffer("pos_embed", pos, persistent=False)  # (1, T, hidden), fixed
        self.blocks = nn.ModuleList(
            [DiTBlock(d, cfg.heads, cfg.mlp_ratio) for _ in range(cfg.depth)]
        )
        self.final_layer = FinalLayer(d, cfg.patch_size, self.out_channels)
        self.initialize_weights()

    # ---------------------------------------------------------------------------------------------
    # Initialisation (all of it here)
    # ---------------------------------------------------------------------------------------------
    def initialize_weights(self) -> None:
        # Transformer linears: Xavier uniform, zero bias (DiT).
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        # Patch embedding like a linear layer over the flattened patch.
        w = self.x_embedder.proj.weight.data
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        nn.init.zeros_(self.x_embedder.proj.bias)
        if self.x_pre_embedder is not None:
            nn.init.normal_(self.x_pre_embedder.weight, std=0.02)
        nn.init.normal_(self.y_embedder.embedding_table.weight, std=0.02)
        nn.init.normal_(self.t_embedder.mlp[0].weight, std=0.02)
        nn.init.normal_(self.t_embedder.mlp[2].weight, std=0.02)
        # Zero-out adaLN modulation so every block starts as the identity.
        for block in self.blocks:
            nn.init.zeros_(block.adaLN_modulation[-1].weight)
            nn.init.zeros_(block.adaLN_modulation[-1].bias)
        # Zero-out the output layer: uniform logits / zero velocity at start.
        nn.init.zeros_(self.final_layer.adaLN_modulation[-1].weight)
        nn.init.zeros_(self.final_layer.adaLN_modulation[-1].bias)
        nn.init.zeros_(self.final_layer.linear.weight)
        nn.init.zeros_(self.final_layer.linear.bias)

    # ---------------------------------------------------------------------------------------------
    # Forward
    # ---------------------------------------------------------------------------------------------
    def embed_input(self, x: torch.Tensor) -> torch.Tensor:
        if self.x_pre_embedder is not None:
            x = self.x_pre_embedder(x).permute(0, 3, 1, 2)  # (N, hidden, h, w) from codes (N, h, w)
        return self.x_embedder(x) + self.pos_embed  # (N, T, hidden)

    def final_hidden(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Modulated hidden states before the output linear: (N, T, hidden)."""
        h = self.embed_input(x)  # (N, T, hidden)
        c = self.t_embedder(t) + self.y_embedder(y)  # (N, hidden)
        for block in self.blocks:
            h = block(h, c)  # (N, T, hidden)
        return self.final_layer.hidden(h, c)  # (N, T, hidden)

    def head_tokens(self, h: torch.Tensor) -> torch.Tensor:
        """Output linear per token: (N, T, hidden) -> (N, T, p*p, out_channels)."""
        p = self.cfg.patch_size
        return self.final_layer.linear(h).reshape(h.shape[0], h.shape[1], p * p, -1)

    def unpatchify(self, x: torch.Tensor) -> torch.Tensor:
        """(N, T, p*p, c) -> (N, c, h, w); patch entries ordered (row p, col q, channel)."""
        p, g = self.cfg.patch_size, self.cfg.latent_size // self.cfg.patch_size
        c = x.shape[-1]
        x = x.reshape(x.shape[0], g, g, p, p, c)  # (N, gh, gw, p, q, c)
        x = x.permute(0, 5, 1, 3, 2, 4)  # (N, c, gh, p, gw, q)
        return x.reshape(x.shape[0], c, g * p, g * p)  # (N, c, h, w)

    def head(self, h: torch.Tensor) -> torch.Tensor:
        return self.unpatchify(self.head_tokens(h))  # (N, out_channels, h, w)

    def patchify_codes(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, h, w) -> (N, T * p*p), in the order of head_tokens' rows (inverse of unpatchify)."""
        p, g = self.cfg.patch_size, self.cfg.latent_size // self.cfg.patch_size
        n = codes.shape[0]
        return codes.reshape(n, g, p, g, p).permute(0, 1, 3, 2, 4).reshape(n, -1)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor,
                token_layout: bool = False) -> torch.Tensor:
        """x: z (N, C, h, w) float or codes (N, h, w) int64 (dfm); t (N,) in [0,1]; y (N,) int64.

        Returns logits (N, K, h, w) for purrception/dfm, velocity (N, C, h, w) for cfm; with
        token_layout, (N, T * p*p, out) in patchify_codes' order instead: the training loss reads
        the logits of a position as one contiguous row, without the unpatchify copy.
        """
        h = self.final_hidden(x, t, y)
        if token_layout:
            return self.head_tokens(h).reshape(h.shape[0], -1, self.out_channels)
        return self.head(h)
