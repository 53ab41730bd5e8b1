"""Random-weight models for the GPU benchmark (bench/gpu/run.sh), built with the training pipeline:
a checkpoint (OUT/NAME/ckpt/{vq,dit}, read by the PyTorch side) and the model directory exported
from it with the fp16 step variant (OUT/NAME), plus OUT/NAME-fp32: the same files with a manifest
without "variants", so every provider runs step.onnx there. With --head-chunks N, also
OUT/NAME-chunked: the same weights exported with the K-way head split over N groups of tokens.

    python3 bench/gpu/models.py --shape bundled --out WORK/models     # emoji-zoo-64's shape
    python3 bench/gpu/models.py --shape paper --head-chunks 8 --out WORK/models  # 32x32x4, K=16384, DiT-B/2
    python3 bench/gpu/models.py --shape bundled --smoke --out ...     # tiny, for a CPU run
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))

import torch  # noqa: E402

from purrception.checkpoint import save_parts  # noqa: E402
from purrception.config import DiTConfig, VQConfig, get_preset, to_dict  # noqa: E402
from purrception.export import export_model  # noqa: E402
from purrception.fixtures import randomize_zero_init  # noqa: E402
from purrception.models import DiT, VQModel  # noqa: E402


def shapes(smoke: bool):
    """name -> (VQConfig, DiTConfig). Smoke: the same kinds of model, small enough for 2 CPU cores."""
    if smoke:
        fixture_vq, fixture_dit = get_preset("fixture")
        return {
            "bundled": (fixture_vq, fixture_dit),
            "paper": (dataclasses.replace(fixture_vq, image_size=64, ch_mult=(1, 2, 2, 2),
                                          codebook_size=256),
                      dataclasses.replace(fixture_dit, latent_size=8, codebook_size=256,
                                          num_classes=10)),
        }
    bundled_vq, bundled_dit = get_preset("emoji-zoo-64")
    _, b2 = get_preset("DiT-B/2")  # 32x32x4 latents, K = 16384, 768 wide, 12 deep, 1000 classes
    # vq-f8's latent shape and codebook, with 64 base channels instead of 128: decode is a fixed
    # cost on both sides of the comparison, and the step graph is what this benchmark is about
    paper_vq = VQConfig(ch=64, ch_mult=(1, 2, 2, 4), num_res_blocks=2, codebook_size=16384,
                        embed_dim=4, image_size=256)
    return {"bundled": (bundled_vq, bundled_dit), "paper": (paper_vq, b2)}


def build(vq_cfg: VQConfig, dit_cfg: DiTConfig, seed: int):
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
    vq_cfg, dit_cfg = shapes(args.smoke)[args.shape]
    vq, dit = build(vq_cfg, dit_cfg, args.seed)
    out = Path(args.out) / args.shape
    save_parts({"model": vq.state_dict()}, to_dict(vq.cfg), out / "ckpt" / "vq")
    save_parts({"model": dit.state_dict()}, to_dict(dit.cfg), out / "ckpt" / "dit")
    labels = [f"class{i}" for i in range(dit.cfg.num_classes)]
    defaults = {"steps": 10, "tau": 0.9, "cfg": 1.3}
    provenance = {"trained": False, "bench": f"random weights, bench/gpu {args.shape}"}
    export_model(vq, dit, out, args.shape, labels, defaults, provenance, fp16=True)
    if args.head_chunks > 1:
        export_model(vq, dit, Path(args.out) / f"{args.shape}-chunked", args.shape, labels, defaults,
                     {**provenance, "head_chunks": args.head_chunks}, fp16=True,
                     head_chunks=args.head_chunks)
    plain = Path(args.out) / f"{args.shape}-fp32"
    plain.mkdir(parents=True, exist_ok=True)
    for name in ("step.onnx", "decode.onnx"):
        if not (plain / name).exists():
            os.symlink(out / name, plain / name)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.pop("variants")
    (plain / "manifest.json").write_text(json.dumps(manifest, indent=2))
    params = sum(p.numel() for p in dit.parameters())
    sizes = {p.name: p.stat().st_size for p in out.iterdir() if p.suffix == ".onnx"}
    print(json.dumps({"shape": args.shape, "dit_params": params, "files": sizes,
                      "dit": to_dict(dit.cfg), "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
