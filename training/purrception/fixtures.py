"""Regenerate the service's test fixture models (random weights, preset "fixture": 32x32 RGB, 8x8x4
latents, K = 64, 4 classes): `test/fixtures/tiny/` (Purrception), and with --objective cfm,
cfm-endpoint or dfm `test/fixtures/tiny-<objective>/` (no encoder), which also holds
`expected.json`: the codes the project's PyTorch sampler reaches from the service's z_0 (dfm: its
uniforms) of each listed request, for the service tests to compare against.

The weights are random_weights.random_models': random where a fresh DiT is zero, so class, cfg, tau
and t visibly change the output the service tests look at, and rounded to fp16 values, stored as
fp16 in the graphs (computed in fp32) to keep the files small.

    npm run fixtures        # all of them, with the repo's .venv (npm run python:env)
    cd training && ../.venv/bin/python -m purrception.fixtures     # -> ../test/fixtures/tiny
    cd training && ../.venv/bin/python -m purrception.fixtures --objective cfm   # cfm-endpoint, dfm
"""

from __future__ import annotations

import argparse
from pathlib import Path
import json
from typing import Any, Dict, List, Optional

import torch

from .config import VECTOR_OBJECTIVES
from .export import export_model
from .models import DiT, Tokenizer
from .random_weights import random_models
from .sample import sample, sample_dfm
from .seeds import service_noise, service_uniforms

FIXTURE_LABELS = ["cat", "dog", "fox", "owl"]
FIXTURE_DEFAULTS = {"steps": 8, "tau": 0.9, "cfg": 1.3}
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "tiny"
# Requests whose PyTorch codes a vector-objective fixture records (Euler, uniform grid)
EXPECTED_REQUESTS = [
    {"seed": 1, "class": 0, "cfg": 1.0, "steps": 4},
    {"seed": 2, "class": 1, "cfg": 2.0, "steps": 8},
    {"seed": 3, "class": 3, "cfg": 0.0, "steps": 6},
    {"seed": 4, "class": 2, "cfg": 3.5, "steps": 12},
]


@torch.no_grad()
def expected_codes(vq: Tokenizer, dit: DiT) -> List[Dict[str, Any]]:
    """EXPECTED_REQUESTS with the codes PyTorch's sampler ends on from the service's z_0 (Euler),
    or for dfm from the service's uniforms (the reference DFM sampler)."""
    size = (dit.cfg.latent_size, dit.cfg.latent_size)
    out = []
    for request in EXPECTED_REQUESTS:
        y, steps, cfg = torch.tensor([request["class"]]), request["steps"], request["cfg"]
        if dit.cfg.objective == "dfm":
            uniforms = service_uniforms(request["seed"], size)
            codes = sample_dfm(dit, y, steps, torch.tensor([cfg]), size, uniforms)
        else:
            noise = service_noise(request["seed"], (dit.cfg.latent_channels, *size))
            z = sample(dit, vq.codebook, y, steps, cfg, 1.0, torch.from_numpy(noise).unsqueeze(0))
            codes = vq.quantize.nearest(z)
        out.append({**request, "codes": codes[0].tolist()})
    return out


def main(argv: Optional[list] = None) -> None:
    ap = argparse.ArgumentParser(description="Regenerate a tiny test fixture model.")
    ap.add_argument("--objective", default="purrception",
                    choices=["purrception", *VECTOR_OBJECTIVES, "dfm"])
    ap.add_argument("--out", help="default: test/fixtures/tiny, or tiny-<objective> beside it")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    baseline = args.objective != "purrception"
    name = f"tiny-{args.objective}" if baseline else "tiny"
    out_dir = args.out or str(DEFAULT_OUT.with_name(name))
    vq, dit = random_models("fixture", args.seed, objective=args.objective)
    provenance = {
        "source": f"random weights (purrception.fixtures, preset fixture, seed {args.seed})",
        "trained": False,
        "exported": "by python3 -m purrception.fixtures (no timestamp: reproducible files)",
        "note": "test fixture only: images are noise; class, cfg, "
                + ("and t" if baseline else "tau and t") + " change the output",
    }
    out = export_model(vq, dit, out_dir, name, FIXTURE_LABELS, FIXTURE_DEFAULTS, provenance,
                       description=f"Random-weight {args.objective + ' ' if baseline else ''}"
                                   "test fixture (32x32, 8x8x4 latents, K=64)",
                       fp16_weights=True, encoder=not baseline)
    if baseline:
        (out / "expected.json").write_text(json.dumps(expected_codes(vq, dit)) + "\n")
    sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir())}
    print(f"wrote {out}: " + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
