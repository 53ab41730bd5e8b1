"""Models: the VQ tokenizer (latent-diffusion vq-f8 layout) and the DiT backbone."""

from .dit import DiT
from .vq import VQModel

__all__ = ["DiT", "VQModel"]
