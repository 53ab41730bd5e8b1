"""PyTorch reference sampler timing, for bench/throughput.ts: the training pipeline's own sampler
(`purrception.sample.sample` + `decode_latents` + `to_uint8`) on the checkpoint the benchmark model
was exported from. Prints one JSON line: {"images_per_s", "seconds", "images", ...}.

    .venv/bin/python bench/torch_sampler.py --ckpt data/bench-model/ckpt --batch 8 --steps 10 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

import torch  # noqa: E402

from purrception.checkpoint import load_model  # noqa: E402
from purrception.sample import decode_latents, sample, to_uint8  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True, help="directory with vq/ and dit/ checkpoints")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3, help="timed batches (after one warm-up batch)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cfg", type=float, default=1.3)
    ap.add_argument("--tau", type=float, default=0.9)
    ap.add_argument("--flush-denormal", type=int, default=1,
                    help="1: flush subnormal floats to zero, as ONNX Runtime does; trained weights "
                         "produce subnormals that make PyTorch's CPU kernels several times slower")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(bool(args.flush_denormal))
    ckpt = Path(args.ckpt)
    vq, dit = load_model("vq", ckpt / "vq"), load_model("dit", ckpt / "dit")
    c, s = dit.cfg.latent_channels, dit.cfg.latent_size
    g = torch.Generator().manual_seed(0)

    def one_batch() -> float:
        y = torch.randint(0, dit.cfg.num_classes, (args.batch,), generator=g)
        z0 = torch.randn((args.batch, c, s, s), generator=g)
        started = time.perf_counter()
        with torch.no_grad():
            z = sample(dit, vq.codebook, y, args.steps, args.cfg, args.tau, z0)
            to_uint8(decode_latents(vq, z))
        return time.perf_counter() - started

    one_batch()  # warm-up: allocator, oneDNN primitives
    seconds = sum(one_batch() for _ in range(args.rounds))
    images = args.batch * args.rounds
    print(json.dumps({"images_per_s": images / seconds, "seconds": seconds, "images": images,
                      "batch": args.batch, "steps": args.steps, "threads": torch.get_num_threads(),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
