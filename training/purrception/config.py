"""Typed configuration of the VQ tokenizer and the DiT, and the preset registry.

Every default is commented; checkpoints store the resolved config (`asdict`), and `from_dict`
reads it back ignoring unknown keys so older checkpoints keep loading.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any, Dict, Tuple, Type, TypeVar

# cfm predicts the velocity z1 - z0, cfm-endpoint the endpoint z1 (the reference code's names)
OBJECTIVES = ("purrception", "cfm", "cfm-endpoint", "dfm")
# Objectives whose DiT predicts C channels per position (a vector), not K logits over the codebook
VECTOR_OBJECTIVES = ("cfm", "cfm-endpoint")

T = TypeVar("T")


VQ_ARCHS = ("ldm", "patch", "llamagen")


@dataclass
class VQConfig:
    # "ldm": the vq-f8 layout (models/vq.py); "patch": k-means pixel patches (models/patch_vq.py);
    # "llamagen": LlamaGen's vq-ds8-c2i layout, l2-normalised codes (models/llamagen_vq.py)
    arch: str = "ldm"
    in_channels: int = 3  # RGB input in [-1, 1]
    ch: int = 64  # base channel count of the encoder/decoder (vq-f8: 128)
    ch_mult: Tuple[int, ...] = (1, 2, 2)  # channel multiplier per level; downsampling 2**(len-1)
    num_res_blocks: int = 2  # ResnetBlocks per encoder level (decoder uses one more)
    attn_at_lowest: bool = True  # self-attention blocks at the lowest resolution (vq-f8: yes)
    codebook_size: int = 512  # K, number of codebook entries
    embed_dim: int = 4  # D, codebook entry size = latent channels (= z_channels, as in vq-f8)
    image_size: int = 64  # H = W of the training images
    beta: float = 0.25  # commitment loss weight
    patch_size: int = 4  # arch "patch": side of the pixel patch one code stands for
    # arch "llamagen": encoder output / decoder input width, mapped to embed_dim by quant_conv
    # (vq-ds8-c2i: 256); ignored by the other archs, whose encoders output embed_dim channels
    z_channels: int = 256

    @property
    def downsample(self) -> int:
        return self.patch_size if self.arch == "patch" else 2 ** (len(self.ch_mult) - 1)

    @property
    def latent_size(self) -> int:
        return self.image_size // self.downsample


@dataclass
class DiTConfig:
    latent_size: int = 16  # h = w of the latent grid
    latent_channels: int = 4  # C, equals the VQ embed_dim
    codebook_size: int = 512  # K, the number of classes of the Purrception head
    patch_size: int = 2  # p, tokens = (latent_size / p)**2
    hidden: int = 256  # transformer width
    depth: int = 8  # number of DiT blocks
    heads: int = 4  # attention heads (hidden % heads == 0)
    mlp_ratio: float = 4.0  # MLP width = hidden * mlp_ratio
    num_classes: int = 16  # class ids 0..num_classes-1; null class id = num_classes
    label_dropout: float = 0.1  # training: probability of replacing y by the null class
    t_scale: float = 1000.0  # t in [0,1] is multiplied by this before the sinusoidal embedding
    objective: str = "purrception"  # one of OBJECTIVES
    freq_dim: int = 256  # size of the sinusoidal timestep features (DiT: 256)

    @property
    def null_class(self) -> int:
        return self.num_classes


def from_dict(cls: Type[T], d: Dict[str, Any]) -> T:
    """Build a config dataclass from a dict (e.g. a checkpoint's JSON), ignoring unknown keys."""
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {k: v for k, v in d.items() if k in names}
    if "ch_mult" in kwargs:
        kwargs["ch_mult"] = tuple(kwargs["ch_mult"])
    return cls(**kwargs)


def to_dict(cfg: Any) -> Dict[str, Any]:
    d = asdict(cfg)
    if "ch_mult" in d:
        d["ch_mult"] = list(d["ch_mult"])
    return d


# ------------------------------------------------------------------------------------------------
# Presets: one registry, also feeding the command lines (`--preset NAME`)
# ------------------------------------------------------------------------------------------------

# Stable Diffusion / latent-diffusion vq-f8: 256 px -> 32x32x4, K = 16384.
VQ_F8 = VQConfig(ch=128, ch_mult=(1, 2, 2, 4), num_res_blocks=2, codebook_size=16384, embed_dim=4,
                 image_size=256)


# LlamaGen's vq-ds8-c2i (its VQ_8): 256 px -> 32x32x8, K = 16384, l2-normalised codes.
VQ_DS8_C2I = VQConfig(arch="llamagen", ch=128, ch_mult=(1, 2, 2, 4), num_res_blocks=2,
                      z_channels=256, codebook_size=16384, embed_dim=8, image_size=256)


def _paper_dit(hidden: int, depth: int, heads: int) -> DiTConfig:
    # The reference code's ImageNet shape: 32x32x4 vq-f8 latents, 1000 classes, t fed unscaled,
    # no label dropout (its null class is untrained).
    return DiTConfig(latent_size=32, latent_channels=4, codebook_size=16384, patch_size=2,
                     hidden=hidden, depth=depth, heads=heads, mlp_ratio=4.0, num_classes=1000,
                     label_dropout=0.0, t_scale=1.0)


PRESETS: Dict[str, Tuple[VQConfig, DiTConfig]] = {
    # The service's test fixture: 32x32 RGB -> 8x8x4 latents, K = 64, 4 classes, tiny everything
    # (1 res block, MLP ratio 2, 64 timestep features) so the ONNX files stay small.
    "fixture": (
        VQConfig(ch=16, ch_mult=(1, 2, 2), num_res_blocks=1, codebook_size=64, embed_dim=4,
                 image_size=32),
        DiTConfig(latent_size=8, latent_channels=4, codebook_size=64, patch_size=2, hidden=64,
                  depth=2, heads=4, mlp_ratio=2.0, num_classes=4, freq_dim=64),
    ),
    # The emoji zoo at 64 px (docs/design.md, training notes): f4 VQ with K = 512, a 10M-parameter
    # DiT, 12 classes.
    "emoji-zoo-64": (
        VQConfig(),
        DiTConfig(num_classes=12),
    ),
    # The bundled model's recipe for 2 CPU cores (docs/tokenizers.md): a k-means codebook of
    # 4x4 RGB patches (embed_dim = 3*4*4) refined by a small decoder on the 16x16 code grid, and a
    # 1.5M-parameter DiT.
    "emoji-zoo-64-patch": (
        VQConfig(arch="patch", ch=128, num_res_blocks=3, codebook_size=512, embed_dim=48,
                 patch_size=4),
        DiTConfig(latent_channels=48, hidden=128, depth=4, heads=4),
    ),
    "DiT-B/2": (VQ_F8, _paper_dit(hidden=768, depth=12, heads=12)),
    "DiT-L/2": (VQ_F8, _paper_dit(hidden=1024, depth=24, heads=16)),
    "DiT-XL/2": (VQ_F8, _paper_dit(hidden=1152, depth=28, heads=16)),
    "vq-f8": (VQ_F8, _paper_dit(hidden=768, depth=12, heads=12)),
    # the reference code's DiT-B/2 on LlamaGen latents (its *_vq-ds8-c2i configs): C = 8
    "vq-ds8-c2i": (VQ_DS8_C2I,
                   dataclasses.replace(_paper_dit(hidden=768, depth=12, heads=12),
                                       latent_channels=8)),
}


def get_preset(name: str) -> Tuple[VQConfig, DiTConfig]:
    if name not in PRESETS:
        raise KeyError(f'Unknown preset "{name}". Should be one of: {", ".join(PRESETS)}.')
    vq, dit = PRESETS[name]
    return dataclasses.replace(vq), dataclasses.replace(dit)


__all__ = ["VQ_ARCHS", "VQConfig", "DiTConfig", "PRESETS", "OBJECTIVES", "VECTOR_OBJECTIVES",
           "get_preset", "from_dict",
           "to_dict"]
