"""Train the VQ tokenizer: reconstruction (L1 + L2 + image-gradient L1) + codebook/commitment loss,
dead-code restarts, AdamW, bf16 autocast of the forward (--bf16; default: on CUDA only), losses in
fp32. Time-boxed by --iters and --max-seconds. The patch tokenizer (arch "patch") fits its codebook
by k-means first and trains only its decoder.

    ../.venv/bin/python -m purrception.train_vq --preset emoji-zoo-64-patch \
        --data ../data/emoji-zoo --out runs/vq --lr 1e-3 --max-seconds 90

Checkpoints are part directories (checkpoint.save_parts: index.json + parts <= 15 MiB) holding
the weights under "model" (fp16), the AdamW state under "optim" (fp32; --no-save-optimizer leaves
it out) and, in the config, the resolved VQConfig, the precision, the step and the labels. Resuming
(automatic when --out holds a checkpoint; --no-resume starts over) keeps the weights (as stored,
fp16-rounded), the AdamW moments (without them, e.g. in a checkpoint recovered by model_dir, a
--warmup of LR re-estimates them), the step counter and the metric history. It does not keep the
sampler state (the data generator is re-seeded with seed + step, so a resumed run does not replay
earlier batches). Logged losses are means over the --log-every steps, read once per log line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import time
from typing import Any, Dict, List, Optional

import torch
import torch.nn.functional as F

from . import trainutil as tu
from .checkpoint import OPTIM_KEY, has_parts, load_parts, save_parts, select
from .config import PRESETS, VQConfig, from_dict, get_preset, to_dict
from .data import make_generator, open_source, to_uint8


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="emoji-zoo-64-patch", choices=list(PRESETS))
    ap.add_argument("--override", action="append",
                    help="VQConfig fields, e.g. ch=32,codebook_size=256")
    ap.add_argument("--data", default="../data/emoji-zoo",
                    help="emoji zoo root or class-per-folder root")
    ap.add_argument("--out", required=True, help="checkpoint directory (parts)")
    ap.add_argument("--log", default=None, help="JSON-lines metrics (default: <out>.log.jsonl)")
    ap.add_argument("--iters", type=int, default=None, help="iterations of this session")
    ap.add_argument("--max-seconds", type=float, default=None, help="wall-time box of this session")
    ap.add_argument("--batch", type=int, default=64,
                    help="H200, 30 s: batch 64 reached 19.4 dB, batch 128 18.2 dB (overhead-bound)")
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--wd", type=float, default=0.0)
    ap.add_argument("--warmup", type=int, default=100,
                    help="LR warm-up steps (again after a resume without optimizer state)")
    ap.add_argument("--l1", type=float, default=1.0, help="L1 reconstruction weight")
    ap.add_argument("--l2", type=float, default=1.0, help="L2 reconstruction weight")
    ap.add_argument("--grad-loss", type=float, default=0.5,
                    help="weight of the L1 loss on image finite differences (edges; 0 disables)")
    ap.add_argument("--channels-last", type=int, default=0,
                    help="1: NHWC memory format on CUDA (measured on the H200: no faster here)")
    ap.add_argument("--restart-every", type=int, default=50,
                    help="restart codes unused over the last N iterations (0 disables)")
    ap.add_argument("--restart-until", type=float, default=0.85,
                    help="no restarts after this fraction of the time box (decoder settles)")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--save-every-s", type=float, default=120.0)
    ap.add_argument("--no-save-optimizer", action="store_true",
                    help="leave the AdamW state (fp32, 2x the trained weights) out of checkpoints")
    ap.add_argument("--eval-n", type=int, default=512, help="held-out images for the final PSNR")
    ap.add_argument("--curve-every-s", type=float, default=0.0,
                    help="held-out PSNR every S wall seconds, logged against the CPU time spent "
                         "training (the tokenizer comparison's curves); 0 disables")
    ap.add_argument("--curve-n", type=int, default=256, help="held-out images per curve point")
    ap.add_argument("--kmeans-images", type=int, default=2048,
                    help="arch patch: images whose patches the k-means codebook is fitted to")
    ap.add_argument("--kmeans-iters", type=int, default=25, help="arch patch: Lloyd iterations")
    ap.add_argument("--recon-png", default=None, help="write a real/reconstruction grid here")
    tu.add_session_flags(ap)
    return ap


def image_grad_l1(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """L1 between horizontal and vertical finite differences: sharpens edges L2 alone blurs."""
    dx = lambda a: a[..., :, 1:] - a[..., :, :-1]  # noqa: E731
    dy = lambda a: a[..., 1:, :] - a[..., :-1, :]  # noqa: E731
    return F.l1_loss(dx(x), dx(ref)) + F.l1_loss(dy(x), dy(ref))


def save_grid(rows: List[torch.Tensor], path: str, ncol: int = 8) -> None:
    """Rows of images [n,3,H,W] in [-1,1] -> one PNG (first ncol of each row)."""
    import numpy as np
    from PIL import Image

    arrs = [np.concatenate(list(to_uint8(r[:ncol])), 1) for r in rows]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    Image.fromarray(np.concatenate(arrs, 0)).save(path)


@torch.no_grad()
def evaluate_recon(vq, source, n: int, device, seed: int = 0, batch: int = 256) -> Dict[str, float]:
    """PSNR and code usage on n held-out ("val" stream) images."""
    vq.eval()
    x_all, _ = source.render("val", n, seed)
    se, counts = 0.0, torch.zeros(vq.cfg.codebook_size, device=device)
    for x in x_all.split(batch):
        x = x.to(device)
        with tu.autocast(device):
            x_rec, _, codes = vq(x)
        se += float((((x_rec.float().clamp(-1, 1) - x) / 2) ** 2).sum())
        counts += torch.bincount(codes.flatten(), minlength=counts.numel())
    vq.train()
    mse = se / max(1, x_all.numel())
    used, ppl = tu.usage_stats(counts)
    return {"val_psnr": float(-10 * torch.log10(torch.tensor(max(mse, 1e-10)))),
            "val_codes_used": used, "val_perplexity": ppl}


class CpuCurve:
    """Held-out PSNR against the CPU seconds (all threads) spent so far, evaluation excluded."""

    def __init__(self, vq, source, n: int, device, seed: int, log: tu.JsonLog):
        self.vq, self.source, self.n, self.device = vq, source, n, device
        self.seed, self.log = seed, log
        self.cpu0, self.wall0 = time.process_time(), time.time()
        self.eval_cpu, self.last = 0.0, time.time()

    def wall_since_last(self) -> float:
        return time.time() - self.last

    def point(self, step: int) -> None:
        c0 = time.process_time()
        train_cpu = c0 - self.cpu0 - self.eval_cpu
        r = evaluate_recon(self.vq, self.source, self.n, self.device, seed=self.seed)
        self.eval_cpu += time.process_time() - c0
        self.last = time.time()
        self.log.write({"curve": {"step": step, "val_psnr": round(r["val_psnr"], 3),
                                  "cpu_s": round(train_cpu, 1),
                                  "wall_s": round(self.last - self.wall0, 1)}}, prefix="[vq]")


def reconstruction_loss(args: argparse.Namespace, x_rec: torch.Tensor,
                        x: torch.Tensor) -> torch.Tensor:
    """L1 + L2 (+ image-gradient L1) in fp32, whatever precision the forward ran in."""
    x_rec = x_rec.float()
    rec = args.l1 * F.l1_loss(x_rec, x) + args.l2 * F.mse_loss(x_rec, x)
    if args.grad_loss > 0:
        rec = rec + args.grad_loss * image_grad_l1(x_rec, x)
    return rec


def train(args: argparse.Namespace) -> Dict[str, Any]:
    tu.setup_process()
    device = tu.pick_device(args.device)
    bf16 = tu.resolve_bf16(args.bf16, device)
    precision = "bf16" if bf16 else "fp32"
    torch.manual_seed(args.seed)
    log = tu.JsonLog(args.log or (args.out.rstrip("/") + ".log.jsonl"))

    vq_cfg, _ = get_preset(args.preset)
    vq_cfg = dataclasses.replace(vq_cfg, **tu.parse_overrides(args.override))
    step, history, saved_optim = 0, [], None
    cost = tu.Cost()
    from .models import build_vq

    resume = not args.no_resume and has_parts(args.out)
    if resume:
        state, config = load_parts(args.out)
        vq_cfg = from_dict(VQConfig, config["vq"])
        vq = build_vq(vq_cfg)
        vq.load_state_dict(select(state, "model"))
        step, history = int(config.get("step", 0)), list(config.get("history", []))
        saved_optim = state.get(OPTIM_KEY)
        cost.resume(config.get("cost"))
        print(f"[vq] resumed {args.out} at step {step}", flush=True)
    else:
        vq = build_vq(vq_cfg)
    vq.to(device).train()
    channels_last = bool(args.channels_last) and device.type == "cuda"
    if channels_last:
        vq.to(memory_format=torch.channels_last)
    source = open_source(args.data, vq_cfg.image_size, device=device)
    print(f"[vq] {tu.count_params(vq) / 1e6:.2f}M params, {vq_cfg}, data {args.data} "
          f"({getattr(source, 'num_classes', '?')} classes), device {device}, {precision}",
          flush=True)

    # The patch tokenizer's codebook is its k-means fit: only the decoder learns, and unused codes
    # were re-seeded by k-means already.
    frozen_codebook = vq_cfg.arch == "patch"
    params = [p for name, p in vq.named_parameters()
              if not (frozen_codebook and name.startswith("quantize."))]
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.99), weight_decay=args.wd)
    # Restored moments need no warm-up: the session continues the run where it stopped.
    restored = resume and tu.restore_optimizer(opt, saved_optim, "vq")
    warmup = 0 if restored else args.warmup
    log.write({"start": {"step": step, "precision": precision, "optimizer_restored": restored,
                         "warmup": warmup, "batch": args.batch, "seed": args.seed,
                         "device": str(device), "torch": torch.__version__}})
    model = tu.maybe_compile(vq, args.compile)
    g = make_generator(device, args.seed + step, "train")
    K = vq_cfg.codebook_size
    usage = torch.zeros(K, device=device)  # counts over the current restart window
    usage_log = torch.zeros(K, device=device)  # counts since the last log line
    box = tu.TimeBox(args.iters, args.max_seconds)
    local, restarted, t_log, last_save = 0, 0, time.time(), time.time()
    config_extra = {"labels": list(getattr(source, "labels", [])), "data": args.data}

    def checkpoint(metrics: Dict[str, Any]) -> None:
        config = {"kind": "vq", "vq": to_dict(vq_cfg), "precision": precision,
                  "cost": cost.so_far(), "step": step, "history": history[-200:],
                  "metrics": metrics,
                  "args": {k: v for k, v in vars(args).items() if k != "override"}, **config_extra}
        state = {"model": tu.clean_state_dict(vq)}
        if not args.no_save_optimizer:
            state[OPTIM_KEY] = tu.optimizer_state(opt)
        save_parts(state, config, args.out)

    metrics: Dict[str, Any] = {}
    curve = (CpuCurve(vq, source, args.curve_n, device, args.seed, log)
             if args.curve_every_s else None)
    if not resume and frozen_codebook:
        x, _ = source.sample(args.kmeans_images, g)
        mse = vq.init_kmeans(x, iters=args.kmeans_iters, seed=args.seed)
        print(f"[vq] k-means codebook from {args.kmeans_images} images: train PSNR "
              f"{-10 * math.log10(max(mse / 4, 1e-10)):.2f} dB", flush=True)
    elif not resume:
        # Data-dependent codebook init: every code starts at an encoder output of the first batch
        # (the default init, uniform in +-1/K, sends all positions to a handful of codes).
        x, _ = source.sample(args.batch, g)
        with torch.no_grad(), tu.autocast(device, bf16):
            z_e = vq.encode(x)
        vq.restart_dead_codes(z_e.float(), torch.zeros(K, device=device))
    if curve is not None:
        curve.point(step)
    sums = tu.MetricSums()
    while not box.done(local):
        prog = box.progress(local)
        tu.set_lr(opt, tu.lr_at(args.lr, local, warmup, prog, cosine=True))
        x, _ = source.sample(args.batch, g)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        with tu.autocast(device, bf16):
            x_rec, vq_loss, codes = model(x)
        rec = reconstruction_loss(args, x_rec, x)
        loss = rec + vq_loss.float()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sums.add({"loss": loss, "rec": rec, "vq": vq_loss})
        step += 1
        local += 1
        with torch.no_grad():
            # index_add_, not bincount: CUDA bincount reads the max back to the host every step (a
            # sync that stops the CPU from queueing the next iteration while the GPU works).
            flat = codes.flatten()
            ones = torch.ones_like(flat, dtype=usage.dtype)
            usage.index_add_(0, flat, ones)
            usage_log.index_add_(0, flat, ones)
        # Dead-code restarts: codes unused for a whole window get re-seeded with encoder outputs.
        if args.restart_every and not frozen_codebook and local % args.restart_every == 0:
            if prog < args.restart_until:
                with torch.no_grad(), tu.autocast(device, bf16):
                    z_e = vq.encode(x)
                restarted += vq.restart_dead_codes(z_e.float(), usage)
            usage.zero_()
        if local % args.log_every == 0 or box.done(local):
            used, ppl = tu.usage_stats(usage_log)
            dt = time.time() - t_log
            n_it = sums.count
            metrics = {"step": step, **sums.means(),
                       "psnr": tu.psnr(x_rec.clamp(-1, 1), x), "codes_used": used,
                       "perplexity": ppl, "restarted": restarted, "lr": opt.param_groups[0]["lr"],
                       "img_s": n_it * args.batch / max(dt, 1e-9),
                       "elapsed": round(box.elapsed, 1)}
            history.append({k: metrics[k]
                            for k in ("step", "loss", "psnr", "codes_used", "perplexity")})
            log.write(metrics, prefix="[vq]")
            usage_log.zero_()
            t_log = time.time()
        if curve is not None and curve.wall_since_last() > args.curve_every_s:
            curve.point(step)
        if time.time() - last_save > args.save_every_s:
            checkpoint(metrics)
            last_save = time.time()

    if curve is not None:
        curve.point(step)
    final = evaluate_recon(vq, source, args.eval_n, device, seed=args.seed) if args.eval_n else {}
    final.update({"step": step, "session_steps": local, "seconds": round(box.elapsed, 1),
                  "train_psnr": metrics.get("psnr"), "codes_used": metrics.get("codes_used"),
                  "perplexity": metrics.get("perplexity"), "restarted": restarted,
                  "precision": precision, "optimizer_restored": restored,
                  "cost": cost.so_far()})
    log.write({"final": final}, prefix="[vq]")
    checkpoint(final)
    if args.recon_png:
        x, _ = source.render("val", 8, args.seed)
        with torch.no_grad():
            x_rec = vq.eval()(x.to(device))[0].float().clamp(-1, 1)
        save_grid([x, x_rec], args.recon_png)
    return final


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = build_parser().parse_args(argv)
    out = train(args)
    print(json.dumps(out), flush=True)
    return out


if __name__ == "__main__":
    main()
