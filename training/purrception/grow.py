"""Deepen a trained DiT without changing what it computes, so training goes on with more capacity.

DiT blocks are adaLN-Zero: a block whose modulation outputs zeros (both shifts, scales and gates)
adds nothing to the residual stream. Each inserted block is a copy of the trained block before it
with that modulation zeroed, so the grown model computes exactly what the checkpoint did, and
training opens the new gates onto trained attention and MLP weights rather than random ones. The
inserted blocks are spread evenly (4 -> 8 doubles every block).

    ../.venv/bin/python -m purrception.grow --from RUNS/dit --out RUNS/dit-6 --depth 6
    ../.venv/bin/python -m purrception.train_dit --out RUNS/dit-6 ...   # resumes at its step

The grown checkpoint keeps the step, history and CPU-time record and drops the AdamW state (its
parameters changed): train_dit says so and warms the LR up again. Nothing is written unless the
grown EMA model gives the source's outputs on random inputs.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import torch

from .checkpoint import has_parts, load_parts, save_parts, select
from .config import DiTConfig, from_dict
from .models import DiT

BLOCKS = "blocks."
GATED = "adaLN_modulation.1."  # the Linear after SiLU: shift, scale and gate of attention and MLP


def layout(depth: int, new_depth: int) -> List[Tuple[int, bool]]:
    """For each block of the grown model: (the source block it copies, whether it is inserted)."""
    if new_depth <= depth:
        raise ValueError(f"--depth {new_depth} does not deepen a {depth}-block DiT")
    inserted = new_depth - depth
    # insert k follows source block ceil((k + 1) * depth / inserted) - 1: the last block gets one
    after = [-(-(k + 1) * depth // inserted) - 1 for k in range(inserted)]
    slots: List[Tuple[int, bool]] = []
    for i in range(depth):
        slots.append((i, False))
        slots.extend((i, True) for _ in range(after.count(i)))
    return slots


def grow_blocks(weights: Dict[str, torch.Tensor],
                slots: List[Tuple[int, bool]]) -> Dict[str, torch.Tensor]:
    """The state dict with its blocks laid out as `slots`; inserted blocks get zero modulation."""
    grown = {k: v for k, v in weights.items() if not k.startswith(BLOCKS)}
    for slot, (src, inserted) in enumerate(slots):
        prefix = f"{BLOCKS}{src}."
        for key, value in weights.items():
            if key.startswith(prefix):
                name = key[len(prefix):]
                zero = inserted and name.startswith(GATED)
                grown[f"{BLOCKS}{slot}.{name}"] = torch.zeros_like(value) if zero else value.clone()
    return grown


def same_outputs(a: DiT, b: DiT, seed: int = 0) -> bool:
    """Whether two DiTs agree on random inputs, times and labels (the null label too)."""
    from .export import example_step_inputs

    cfg = a.cfg
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        inputs = example_step_inputs(cfg, batch=4)  # z, or dfm's codes
    x = inputs["codes"] if "codes" in inputs else inputs["z"]
    y = torch.tensor([0, cfg.num_classes, 1 % cfg.num_classes, cfg.num_classes])
    with torch.no_grad():
        return torch.allclose(a(x, inputs["t"], y), b(x, inputs["t"], y), rtol=1e-5, atol=1e-5)


def grow_checkpoint(src: Path, out: Path, new_depth: int) -> Dict[str, Any]:
    """Write `src` deepened to `new_depth` blocks into `out`; returns the growth record."""
    if has_parts(out):
        raise FileExistsError(f"{out} already holds a checkpoint; grow into a new directory")
    state, config = load_parts(src)
    if config.get("kind") != "dit":
        raise ValueError(f"{src} holds a {config.get('kind')} checkpoint, not a DiT")
    cfg = from_dict(DiTConfig, config["dit"])
    slots = layout(cfg.depth, new_depth)
    grown_cfg = dataclasses.replace(cfg, depth=new_depth)
    grown_state = {k: grow_blocks(v, slots) for k, v in state.items() if k in ("ema", "model")}
    before, after = DiT(cfg).eval(), DiT(grown_cfg).eval()
    before.load_state_dict(select(state, "ema", "model"))
    after.load_state_dict(select(grown_state, "ema", "model"))
    if not same_outputs(before, after):
        raise RuntimeError(f"the grown DiT does not reproduce {src}; nothing written")
    record = {"step": config.get("step", 0), "from_depth": cfg.depth, "to_depth": new_depth,
              "blocks": [[s, ins] for s, ins in slots]}
    grown_config = {**config, "dit": {**config["dit"], "depth": new_depth},
                    "grown": list(config.get("grown", [])) + [record]}
    save_parts(grown_state, grown_config, out)  # no AdamW state: its parameters changed
    return record


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="src", required=True, help="DiT checkpoint directory")
    ap.add_argument("--out", required=True, help="new checkpoint directory")
    ap.add_argument("--depth", type=int, required=True, help="blocks of the grown DiT")
    args = ap.parse_args(argv)
    record = grow_checkpoint(Path(args.src), Path(args.out), args.depth)
    print(f"[grow] {args.src} (step {record['step']}): {record['from_depth']} -> "
          f"{record['to_depth']} blocks, (source, inserted) per block {record['blocks']}; "
          f"outputs unchanged; written to {args.out}", flush=True)
    return record


if __name__ == "__main__":
    main()
