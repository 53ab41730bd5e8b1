"""Random-weight benchmark model: one checkpoint, and the ONNX model directory exported from it.

The throughput benchmark compares the service with PyTorch's reference sampler on the same weights,
so both sides must read them from the same place: this writes

    OUT/ckpt/vq, OUT/ckpt/dit   purrception.ckpt.v1 checkpoints (random weights, rounded to fp16)
    OUT/manifest.json, step.onnx, decode.onnx   exported from those checkpoints

    cd training && ../.venv/bin/python ../bench/make_bench_model.py --preset emoji-zoo-64 --out ../data/bench-model
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

from purrception.checkpoint import save_parts  # noqa: E402
from purrception.config import to_dict  # noqa: E402
from purrception.export import main as export_main  # noqa: E402
from purrception.random_weights import random_models  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="emoji-zoo-64")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=50, help="the manifest's default steps")
    ap.add_argument("--image-size", type=int, help="override the preset's image size (latents follow)")
    ap.add_argument("--out", default=str(ROOT / "data" / "bench-model"))
    args = ap.parse_args()

    out = Path(args.out)
    # weights rounded to fp16 values
    vq, dit = random_models(args.preset, args.seed, image_size=args.image_size)
    ckpt = out / "ckpt"
    # fp16 storage is lossless here (random_models rounds every weight to an fp16 value)
    save_parts({"model": vq.state_dict()}, to_dict(vq.cfg), ckpt / "vq")
    save_parts({"model": dit.state_dict()}, to_dict(dit.cfg), ckpt / "dit")
    provenance = out.parent / f".{out.name}-provenance.json"
    provenance.write_text(json.dumps({"trained": False, "bench": f"random weights, preset {args.preset}, seed {args.seed}"}))
    labels = ",".join(f"class{i}" for i in range(dit.cfg.num_classes))
    export_main(["--vq", str(ckpt / "vq"), "--dit", str(ckpt / "dit"), "--out", str(out),
                 "--name", out.name, "--labels", labels, "--steps", str(args.steps),
                 "--provenance", str(provenance)])
    provenance.unlink()


if __name__ == "__main__":
    main()
