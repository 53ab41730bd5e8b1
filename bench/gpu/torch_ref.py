"""PyTorch reference sampler on the benchmark's checkpoints: purrception.sample.sample +
decode_latents + to_uint8 (the same work as the service: steps, guidance, decode, pixels), at each
batch size, fp32 and bf16 (autocast). Prints one JSON line per (dtype, batch).

    python3 bench/gpu/torch_ref.py --ckpt WORK/models/paper/ckpt --device cuda --batches 1,8,32 --steps 10
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))

import torch  # noqa: E402

from purrception.checkpoint import load_model  # noqa: E402
from purrception.sample import decode_latents, sample, to_uint8  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--shape", default="", help="label of the model in the records")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--dtypes", default="fp32,bf16")
    ap.add_argument("--batches", default="1,8,32")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--min-images", type=int, default=8, help="timed images per batch size, at least")
    ap.add_argument("--cfg", type=float, default=1.3)
    ap.add_argument("--tau", type=float, default=0.9)
    args = ap.parse_args()

    device = torch.device(args.device)
    ckpt = Path(args.ckpt)
    vq, dit = load_model("vq", ckpt / "vq").to(device).eval(), load_model("dit", ckpt / "dit").to(device).eval()
    c, s = dit.cfg.latent_channels, dit.cfg.latent_size
    g = torch.Generator(device="cpu").manual_seed(0)

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    for dtype in args.dtypes.split(","):
        amp = (torch.autocast(device.type, dtype=torch.bfloat16) if dtype == "bf16"
               else contextlib.nullcontext())
        for batch in (int(b) for b in args.batches.split(",")):
            def one_batch() -> float:
                y = torch.randint(0, dit.cfg.num_classes, (batch,), generator=g).to(device)
                z0 = torch.randn((batch, c, s, s), generator=g).to(device)
                sync()
                started = time.perf_counter()
                with torch.no_grad():
                    with amp:  # bf16: the DiT steps under autocast
                        z = sample(dit, vq.codebook, y, args.steps, args.cfg, args.tau, z0)
                    to_uint8(decode_latents(vq, z.float()))  # fp32 decode, pixels to the host
                sync()
                return time.perf_counter() - started

            one_batch()  # warm-up: allocator, kernels, cuBLAS handles
            rounds = max(1, -(-args.min_images // batch))
            seconds = sum(one_batch() for _ in range(rounds))
            print(json.dumps({"side": "torch", "shape": args.shape, "dtype": dtype, "device": args.device, "batch": batch,
                              "steps": args.steps, "images": batch * rounds, "seconds": seconds,
                              "images_per_s": batch * rounds / seconds, "torch": torch.__version__}),
                  flush=True)


if __name__ == "__main__":
    main()
