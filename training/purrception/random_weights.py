"""Random weights under which every input matters: for the test fixtures, the benchmark models and
`export --random`.

A freshly initialised DiT is adaLN-Zero: its final layer and modulations are zero, so its output
would ignore z, t and y. These helpers randomise those layers (and use a unit-scale codebook and
class table) so class, cfg, tau and t visibly change the output. Every weight is rounded to an fp16
value, so graphs exported with fp16 storage hold them losslessly.
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Tuple

import torch
import torch.nn as nn

from .config import get_preset
from .models import DiT, Tokenizer, build_vq


def randomize_zero_init(dit: DiT, generator: torch.Generator) -> None:
    """Replace the zero / tiny initialisations by random ones so outputs depend on z, t and y."""

    def fill(p: nn.Parameter, std: float) -> None:
        p.data.copy_(torch.randn(p.shape, generator=generator) * std)

    with torch.no_grad():
        for block in dit.blocks:
            fill(block.adaLN_modulation[-1].weight, 0.05)  # gates and shifts now non-zero
            fill(block.adaLN_modulation[-1].bias, 0.1)
        fill(dit.final_layer.adaLN_modulation[-1].weight, 0.05)
        fill(dit.final_layer.adaLN_modulation[-1].bias, 0.1)
        fill(dit.final_layer.linear.weight, 0.3)  # logits of a few units: a peaked but soft pi
        fill(dit.final_layer.linear.bias, 0.1)
        fill(dit.y_embedder.embedding_table.weight, 1.0)  # classes clearly apart
        if dit.x_pre_embedder is not None:
            fill(dit.x_pre_embedder.weight, 1.0)  # dfm: the codes so far clearly matter
        fill(dit.t_embedder.mlp[0].weight, 0.3)  # t clearly matters


def random_models(preset: str = "fixture", seed: int = 0, randomize: bool = True,
                  objective: str = "purrception",
                  image_size: Optional[int] = None) -> Tuple[Tokenizer, DiT]:
    """Randomly initialised (VQ, DiT) for `preset`, deterministic in `seed`; `image_size` overrides
    the preset's (the latents follow)."""
    vq_cfg, dit_cfg = get_preset(preset)
    if image_size:
        vq_cfg = dataclasses.replace(vq_cfg, image_size=image_size)
        dit_cfg = dataclasses.replace(dit_cfg, latent_size=vq_cfg.latent_size)
    dit_cfg = dataclasses.replace(dit_cfg, objective=objective)
    torch.manual_seed(seed)
    vq, dit = build_vq(vq_cfg), DiT(dit_cfg)
    if randomize:
        g = torch.Generator().manual_seed(seed + 1)
        randomize_zero_init(dit, g)
        # unit-scale codebook so z0 ~ N(0, I) and the codes live on the same scale
        vq.codebook.data.copy_(torch.randn(vq.codebook.shape, generator=g))
    # round every weight to an fp16 value: the ONNX files then store them as fp16 losslessly
    with torch.no_grad():
        for p in list(vq.parameters()) + list(dit.parameters()):
            p.copy_(p.half().float())
    return vq.eval(), dit.eval()
