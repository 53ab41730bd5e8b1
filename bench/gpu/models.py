"""Models for the GPU benchmark (bench/gpu/run.sh), built with the training pipeline: a checkpoint
(OUT/NAME/ckpt/{vq,dit}, read by the PyTorch side) and the model directory exported from it with
the fp16 step variant (OUT/NAME), plus OUT/NAME-fp32: the same files with a manifest without
"variants", so every provider runs step.onnx there. With --head-chunks N, also OUT/NAME-chunked:
the same weights exported with the K-way head split over N groups of tokens.

"bundled" is the bundled model itself (models/emoji-zoo-64, its weights recovered from its graphs),
so the fp16 graph's accuracy is measured on trained weights; "paper" has random weights in the
paper's shape. Both are sampled with Euler steps and one fixed cfg and tau on both sides.

    python3 bench/gpu/models.py --shape bundled --out WORK/models     # the bundled model
    python3 bench/gpu/models.py --shape paper --head-chunks 8 --out WORK/models  # 32x32x4, K=16384, DiT-B/2
    python3 bench/gpu/models.py --shape bundled --smoke --out ...     # tiny random ones, for a CPU run
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))

import torch  # noqa: E402

from purrception.checkpoint import save_parts  # noqa: E402
from purrception.config import DiTConfig, VQConfig, get_preset, to_dict  # noqa: E402
from purrception.export import export_model  # noqa: E402
from purrception.random_weights import randomize_zero_init  # noqa: E402
from purrception.model_dir import recover  # noqa: E402
from purrception.models import DiT, Tokenizer, VQModel  # noqa: E402

BUNDLED_MODEL = ROOT / "models" / "emoji-zoo-64"


def random_shapes(smoke: bool):
    """name -> (VQConfig, DiTConfig) of the random-weight models. Smoke: both shapes tiny, for 2 CPU
    cores (the bundled one included: recovering it from its graphs is checked by pytest)."""
    if smoke:
        fixture_vq, fixture_dit = get_preset("fixture")
        return {
            "bundled": (fixture_vq, fixture_dit),
            "paper": (dataclasses.replace(fixture_vq, image_size=64, ch_mult=(1, 2, 2, 2),
                                          codebook_size=256),
                      dataclasses.replace(fixture_dit, latent_size=8, codebook_size=256,
                                          num_classes=10)),
        }
    _, b2 = get_preset("DiT-B/2")  # 32x32x4 latents, K = 16384, 768 wide, 12 deep, 1000 classes
    # vq-f8's latent shape and codebook, with 64 base channels instead of 128: decode is a fixed
    # cost on both sides of the comparison, and the step graph is what this benchmark is about
    paper_vq = VQConfig(ch=64, ch_mult=(1, 2, 2, 4), num_res_blocks=2, codebook_size=16384,
                        embed_dim=4, image_size=256)
    return {"paper": (paper_vq, b2)}


def build(vq_cfg: VQConfig, dit_cfg: DiTConfig, seed: int) -> Tuple[Tokenizer, DiT]:
    torch.manual_seed(seed)
    vq, dit = VQModel(vq_cfg), DiT(dit_cfg)
    g = torch.Generator().manual_seed(seed + 1)
    randomize_zero_init(dit, g)
    vq.codebook.data.copy_(torch.randn(vq.codebook.shape, generator=g))
    with torch.no_grad():  # fp16 values: the checkpoint's fp16 parts are then lossless
        for p in list(vq.parameters()) + list(dit.parameters()):
            p.copy_(p.half().float())
    return vq.eval(), dit.eval()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shape", choices=["bundled", "paper"], required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--head-chunks", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    started = time.perf_counter()
    if args.shape == "bundled" and not args.smoke:
        vq, dit, manifest = recover(BUNDLED_MODEL)
        labels: List[str] = manifest["labels"]
        provenance = {"trained": True, "bench": f"{BUNDLED_MODEL.name}, recovered from its graphs"}
    else:
        vq, dit = build(*random_shapes(args.smoke)[args.shape], args.seed)
        labels = [f"class{i}" for i in range(dit.cfg.num_classes)]
        provenance = {"trained": False, "bench": f"random weights, bench/gpu {args.shape}"}
    out = Path(args.out) / args.shape
    save_parts({"model": vq.state_dict()}, to_dict(vq.cfg), out / "ckpt" / "vq")
    save_parts({"model": dit.state_dict()}, to_dict(dit.cfg), out / "ckpt" / "dit")
    # Euler on the linear grid, as PyTorch's reference sampler (torch_ref.py) runs it
    defaults = {"steps": 10, "tau": 0.9, "cfg": 1.3}
    export_model(vq, dit, out, args.shape, labels, defaults, provenance, fp16=True)
    if args.head_chunks > 1:
        export_model(vq, dit, Path(args.out) / f"{args.shape}-chunked", args.shape, labels, defaults,
                     {**provenance, "head_chunks": args.head_chunks}, fp16=True,
                     head_chunks=args.head_chunks)
    plain = Path(args.out) / f"{args.shape}-fp32"
    plain.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((out / "manifest.json").read_text())
    for name in manifest["graphs"].values():
        if not (plain / name).exists():
            os.symlink(out / name, plain / name)
    manifest.pop("variants")
    (plain / "manifest.json").write_text(json.dumps(manifest, indent=2))
    params = sum(p.numel() for p in dit.parameters())
    sizes = {p.name: p.stat().st_size for p in out.iterdir() if p.suffix == ".onnx"}
    print(json.dumps({"shape": args.shape, "dit_params": params, "files": sizes,
                      "dit": to_dict(dit.cfg), "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
