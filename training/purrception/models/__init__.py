"""Models: the VQ tokenizers (latent-diffusion vq-f8 layout, k-means pixel patches, LlamaGen's
vq-ds8-c2i layout) and the DiT."""

from typing import Union

from ..config import VQ_ARCHS, VQConfig
from .dit import DiT
from .llamagen_vq import LlamaGenVQ
from .patch_vq import PatchVQ
from .vq import VQModel

Tokenizer = Union[VQModel, PatchVQ, LlamaGenVQ]


def build_vq(cfg: VQConfig) -> Tokenizer:
    """The tokenizer `cfg.arch` names."""
    if cfg.arch == "patch":
        return PatchVQ(cfg)
    if cfg.arch == "ldm":
        return VQModel(cfg)
    if cfg.arch == "llamagen":
        return LlamaGenVQ(cfg)
    raise ValueError(f'Unknown VQ arch "{cfg.arch}". Should be one of: {", ".join(VQ_ARCHS)}.')


__all__ = ["DiT", "VQModel", "PatchVQ", "LlamaGenVQ", "Tokenizer", "build_vq"]
