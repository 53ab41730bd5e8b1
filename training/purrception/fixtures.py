"""Regenerate the service's test fixture model `test/fixtures/tiny/` (random weights, preset
"fixture": 32x32 RGB, 8x8x4 latents, K = 64, 4 classes).

A freshly initialised DiT is adaLN-Zero: its final layer and modulations are zero, so its output
would ignore z, t and y. The fixture randomises those layers (and uses a unit-scale codebook and
class table) so class, cfg, tau and t visibly change the output the service tests look at.
Its weights are rounded to fp16 values and stored as fp16 in the graphs (computed in fp32) to keep
the files small.

    cd training && /usr/bin/python3 -m purrception.fixtures            # -> ../test/fixtures/tiny
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional, Tuple

import torch
import torch.nn as nn

from .config import get_preset
from .export import export_model
from .models import DiT, Tokenizer, build_vq

FIXTURE_LABELS = ["cat", "dog", "fox", "owl"]
FIXTURE_DEFAULTS = {"steps": 8, "tau": 0.9, "cfg": 1.3}
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "tiny"


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
        fill(dit.t_embedder.mlp[0].weight, 0.3)  # t clearly matters


def random_models(preset: str = "fixture", seed: int = 0,
                  randomize: bool = True) -> Tuple[Tokenizer, DiT]:
    """Randomly initialised (VQ, DiT) for `preset`, deterministic in `seed`."""
    vq_cfg, dit_cfg = get_preset(preset)
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


def main(argv: Optional[list] = None) -> None:
    ap = argparse.ArgumentParser(description="Regenerate the tiny test fixture model.")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    vq, dit = random_models("fixture", args.seed)
    provenance = {
        "source": f"random weights (purrception.fixtures, preset fixture, seed {args.seed})",
        "trained": False,
        "exported": "by python3 -m purrception.fixtures (no timestamp: reproducible files)",
        "note": "test fixture only: images are noise; class, cfg, tau and t change the output",
    }
    out = export_model(vq, dit, args.out, "tiny", FIXTURE_LABELS, FIXTURE_DEFAULTS, provenance,
                       description="Random-weight test fixture (32x32, 8x8x4 latents, K=64)",
                       fp16_weights=True)
    sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir())}
    print(f"wrote {out}: " + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
