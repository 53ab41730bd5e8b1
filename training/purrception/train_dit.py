"""Train the DiT on a latent bank: --objective purrception (variational flow matching) | cfm | dfm.

    ../.venv/bin/python -m purrception.train_dit --preset emoji-zoo-64-patch --bank runs/bank.pt \
        --out runs/dit --max-seconds 240 --batch 256
    torchrun --nproc_per_node 8 -m purrception.train_dit ...       (DDP when WORLD_SIZE > 1)

AdamW (lr 1e-4, wd 0.01), linear LR warm-up, gradient clipping 1.0, EMA with warm-up
(decay = min(decay, (1+step)/(10+step))), optional torch.compile. --bf16 runs the forward under
bf16 autocast (CPU or CUDA; the default is bf16 on CUDA, fp32 on CPU) with the losses in fp32; no
loss scaling (bf16 has fp32's exponent range). Logged metrics are means over the --log-every steps,
summed on the device and read once per log line (no host sync per step).

Checkpoints (checkpoint.save_parts: index.json + parts <= 15 MiB) hold "ema" (served) and "model"
(raw) weights in fp16 and the AdamW state ("optim", fp32; --no-save-optimizer leaves it out); the
config holds the resolved DiTConfig, the precision, the VQ config and labels of the bank, the step,
the loss history and the --eval-every records. Resuming (automatic when --out holds a checkpoint)
keeps the raw and EMA weights (fp16-rounded), the AdamW moments, the step counter (the EMA warm-up
and the data stream continue from it) and the histories, so several short runs add up to one long
one. A checkpoint without optimizer state (one recovered by model_dir, deepened by grow, or
saved with --no-save-optimizer) resumes with fresh moments and a --warmup of LR that re-estimates
them.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import time
from typing import Any, Dict, List, Optional

import torch

from . import trainutil as tu
from .checkpoint import OPTIM_KEY, has_parts, load_parts, save_parts, select
from .config import OBJECTIVES, PRESETS, DiTConfig, from_dict, get_preset, to_dict
from .data import LatentBank, make_generator


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="emoji-zoo-64-patch", choices=list(PRESETS))
    ap.add_argument("--override", action="append",
                    help="DiTConfig fields, e.g. depth=4,hidden=192 (a smaller backbone)")
    ap.add_argument("--objective", default="purrception", choices=list(OBJECTIVES))
    ap.add_argument("--bank", required=True, help="latent bank file (data.LatentBank.save)")
    ap.add_argument("--out", required=True, help="checkpoint directory (parts)")
    ap.add_argument("--log", default=None, help="JSON-lines metrics (default: <out>.log.jsonl)")
    ap.add_argument("--iters", type=int, default=None, help="iterations of this session")
    ap.add_argument("--max-seconds", type=float, default=None, help="wall-time box of this session")
    ap.add_argument("--batch", type=int, default=256, help="global batch (split over ranks)")
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--warmup", type=int, default=200,
                    help="LR warm-up steps (again after a resume without optimizer state)")
    ap.add_argument("--cosine", action="store_true",
                    help="decay the LR to 0.1x over this session's time box (a final session)")
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--ema-decay", type=float, default=0.9999)
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--save-every-s", type=float, default=60.0)
    ap.add_argument("--no-save-raw", action="store_true", help="checkpoint the EMA weights only")
    ap.add_argument("--no-save-optimizer", action="store_true",
                    help="leave the AdamW state (fp32, 2x the weights) out of the checkpoint")
    ap.add_argument("--eval-every", type=int, default=0,
                    help="every N steps: sample with the EMA weights, record accuracy and FD-clf")
    ap.add_argument("--eval-classifier", default=None, help="classifier parts (evaluate.py)")
    ap.add_argument("--vq", default=None, help="VQ checkpoint (decoder for --eval-every)")
    ap.add_argument("--data", default=None, help="dataset root (real images for --eval-every)")
    ap.add_argument("--eval-n", type=int, default=1000)
    ap.add_argument("--eval-steps", type=int, default=25)
    ap.add_argument("--eval-tau", type=float, default=0.9)
    ap.add_argument("--eval-cfg", type=float, default=1.3)
    tu.add_session_flags(ap)
    return ap


def resolve_config(args: argparse.Namespace, bank: LatentBank) -> DiTConfig:
    """Preset + overrides, with the latent shape, K and the class count taken from the bank."""
    _, cfg = get_preset(args.preset)
    k, d = bank.codebook.shape
    labels = bank.meta.get("labels")
    shape = dict(latent_size=bank.codes.shape[-1], latent_channels=d, codebook_size=k,
                 objective=args.objective)
    if labels:
        shape["num_classes"] = len(labels)
    cfg = dataclasses.replace(cfg, **shape)
    return dataclasses.replace(cfg, **tu.parse_overrides(args.override))


def load_or_init(args: argparse.Namespace, bank: LatentBank, cfg: DiTConfig) -> Dict[str, Any]:
    """Model, EMA and the running records: from --out's checkpoint when resuming, else fresh."""
    from .models.dit import DiT

    if args.no_resume or not has_parts(args.out):
        model = DiT(cfg)
        return {"cfg": cfg, "model": model, "ema": copy.deepcopy(model), "step": 0,
                "history": [], "evals": [], "grown": [], "cost": None, "optim": None,
                "resumed": False}
    state, config = load_parts(args.out)
    cfg = from_dict(DiTConfig, config["dit"])
    if cfg.objective != args.objective:
        raise ValueError(f"{args.out} holds a {cfg.objective} model, not {args.objective}")
    fp_ckpt = (config.get("bank") or {}).get("codebook_sha1")
    fp_bank = bank.meta.get("codebook_sha1")
    if fp_ckpt and fp_bank and fp_ckpt != fp_bank:
        raise ValueError(f"{args.bank} was encoded with another codebook ({fp_bank}) than the "
                         f"one {args.out} was trained on ({fp_ckpt}); re-encode with that VQ")
    model, ema = DiT(cfg), DiT(cfg)
    model.load_state_dict(select(state, "model", "ema"))
    ema.load_state_dict(select(state, "ema", "model"))
    return {"cfg": cfg, "model": model, "ema": ema, "step": int(config.get("step", 0)),
            "history": list(config.get("history", [])), "evals": list(config.get("evals", [])),
            "grown": list(config.get("grown", [])), "cost": config.get("cost"),
            "optim": state.get(OPTIM_KEY), "resumed": True}


def train(args: argparse.Namespace) -> Dict[str, Any]:
    dist = tu.Dist()
    tu.setup_process()
    device = tu.pick_device(args.device)
    bf16 = tu.resolve_bf16(args.bf16, device)
    torch.manual_seed(args.seed + dist.rank)
    log = tu.JsonLog(args.log or (args.out.rstrip("/") + ".log.jsonl"), enabled=dist.main)
    from .objectives import loss_fn

    bank = LatentBank.load(args.bank, device)
    run = load_or_init(args, bank, resolve_config(args, bank))
    cfg, model, ema = run["cfg"], run["model"], run["ema"]
    step, history, evals = run["step"], run["history"], run["evals"]
    cost = tu.Cost()
    cost.resume(run["cost"])
    if run["resumed"] and dist.main:
        print(f"[dit] resumed {args.out} at step {step}", flush=True)
    model.to(device).train()
    ema.to(device).eval().requires_grad_(False)
    codebook = bank.codebook.to(device)
    precision = "bf16" if bf16 else "fp32"
    if dist.main:
        print(f"[dit] {args.objective}: {tu.count_params(model) / 1e6:.2f}M params, {cfg}, bank "
              f"{len(bank)} latents, device {device}, {precision}, world {dist.world}", flush=True)

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.wd,
                            betas=(0.9, 0.999))
    # Restored moments need no warm-up: the session continues the run where it stopped.
    restored = run["resumed"] and tu.restore_optimizer(opt, run["optim"], "dit")
    warmup = 0 if restored else args.warmup
    log.write({"start": {"step": step, "precision": precision, "optimizer_restored": restored,
                         "warmup": warmup, "batch": args.batch, "seed": args.seed,
                         "device": str(device), "world": dist.world, "torch": torch.__version__}})
    net = tu.maybe_compile(model, args.compile)
    if dist.enabled:
        from torch.nn.parallel import DistributedDataParallel as DDP

        net = DDP(net, device_ids=[device.index] if device.type == "cuda" else None)
        net.cfg = cfg  # loss_fn reads model.cfg (label dropout, K)
    batch = args.batch // dist.world
    g = make_generator(device, args.seed + 1_000_003 * dist.rank + step, "dit")

    evaluator = None
    if args.eval_every and dist.main:
        from .evaluate import Evaluator, TorchModel

        evaluator = Evaluator.from_paths(args.eval_classifier, args.data, device,
                                         n_ref=args.eval_n, seed=args.seed)
        vq, _ = tu.load_vq(args.vq, device)

    def run_eval() -> None:
        rec = evaluator.eval_model(TorchModel(ema, vq, codebook), n=args.eval_n,
                                   steps=args.eval_steps,
                                   cfg=args.eval_cfg, tau=args.eval_tau, seed=args.seed)
        rec.update({"step": step, "objective": args.objective, "elapsed": round(box.elapsed, 1)})
        evals.append(rec)
        log.write({"eval": rec}, prefix="[dit-eval]")

    def checkpoint() -> None:
        if not dist.main:
            return
        state = {"ema": tu.clean_state_dict(ema)}
        if not args.no_save_raw:
            state["model"] = tu.clean_state_dict(model)
        if not args.no_save_optimizer:
            state[OPTIM_KEY] = tu.optimizer_state(opt)
        config = {"kind": "dit", "dit": to_dict(cfg), "objective": args.objective, "step": step,
                  "precision": precision,
                  "vq": bank.meta.get("vq"), "labels": bank.meta.get("labels"),
                  "ema_decay": args.ema_decay, "history": history[-500:], "evals": evals,
                  "grown": run["grown"],
                  "bank": {k: v for k, v in bank.meta.items() if k not in ("vq", "labels")},
                  "args": {k: v for k, v in vars(args).items() if k != "override"},
                  "override": tu.parse_overrides(args.override), "cost": cost.so_far()}
        save_parts(state, config, args.out)

    box = tu.TimeBox(args.iters, args.max_seconds)
    local, t_log, last_save = 0, time.time(), time.time()
    stop = box.iters is not None and box.iters <= 0
    sums = tu.MetricSums()
    metrics: Dict[str, Any] = {}
    while not stop:
        tu.set_lr(opt, tu.lr_at(args.lr, local, warmup, box.progress(local), args.cosine))
        z1, codes, y = bank.sample(batch, g)
        with tu.autocast(device, bf16):
            loss, m = loss_fn(args.objective, net, z1, codes, y, codebook, generator=g)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()
        tu.ema_update(ema, model, tu.ema_decay(args.ema_decay, step))
        sums.add({**m, "grad_norm": gnorm})
        step += 1
        local += 1
        # Every rank stops at the same step: the time box is checked collectively every 10 steps.
        stop = (box.iters is not None and local >= box.iters) or (
            local % 10 == 0 and dist.any_true(box.done(local), device))
        if dist.main and (local % args.log_every == 0 or stop):
            n_it = sums.count
            means = sums.means()
            metrics = {"step": step, **{k: round(v, 5) for k, v in means.items()},
                       "grad_norm": round(means["grad_norm"], 4),
                       "lr": opt.param_groups[0]["lr"],
                       "it_s": round(n_it / max(time.time() - t_log, 1e-9), 2),
                       "elapsed": round(box.elapsed, 1)}
            history.append(metrics)
            log.write(metrics, prefix=f"[dit:{args.objective}]")
            t_log = time.time()
        if evaluator is not None and (step % args.eval_every == 0 or stop):
            if not evals or evals[-1]["step"] != step:
                run_eval()
            t_log = time.time()
        if time.time() - last_save > args.save_every_s and not stop:
            checkpoint()
            last_save = time.time()
    checkpoint()
    summary = {"objective": args.objective, "step": step, "session_steps": local,
               "seconds": round(box.elapsed, 1), "precision": precision,
               "optimizer_restored": restored, "last": metrics, "evals": evals,
               "params": tu.count_params(model), "cost": cost.so_far()}
    dist.close()
    return summary


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    parser = build_parser()
    args = parser.parse_args(argv)
    missing = [flag for flag, value in (("--eval-classifier", args.eval_classifier), ("--vq", args.vq),
                                        ("--data", args.data)) if value is None]
    if args.eval_every and missing:
        parser.error(f"--eval-every needs {', '.join(missing)}")
    out = train(args)
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps({k: v for k, v in out.items() if k != "evals"}), flush=True)
    return out


if __name__ == "__main__":
    main()
