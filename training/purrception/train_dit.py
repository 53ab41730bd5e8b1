"""Train the DiT on a latent bank: --objective purrception (variational flow matching) | cfm | dfm.

    python3 -m purrception.train_dit --preset emoji-zoo-64-patch --bank runs/bank.pt \
        --out runs/dit --max-seconds 240 --batch 256
    torchrun --nproc_per_node 8 -m purrception.train_dit ...       (DDP when WORLD_SIZE > 1)

AdamW (lr 1e-4, wd 0.01), linear LR warm-up, gradient clipping 1.0, EMA with warm-up
(decay = min(decay, (1+step)/(10+step))), bf16 autocast on CUDA, optional torch.compile.

Checkpoints (checkpoint.save_parts: index.json + fp16 parts <= 15 MiB) hold "ema" (served) and
"model" (raw) weights; the config holds the resolved DiTConfig, the VQ config and labels of the
bank, the step, the loss history and the --eval-every records. Resuming (automatic when --out holds
a checkpoint) keeps the raw and EMA weights (fp16-rounded), the step counter (the EMA warm-up and the
data stream continue from it) and the histories; the AdamW moments restart (a --warmup of LR
re-estimates them), so several short runs add up to one long one.
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
from .checkpoint import load_parts, save_parts, select
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
                    help="LR warm-up steps (also after a resume)")
    ap.add_argument("--cosine", action="store_true",
                    help="decay the LR to 0.1x over this session's time box (a final session)")
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--ema-decay", type=float, default=0.9999)
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--save-every-s", type=float, default=60.0)
    ap.add_argument("--no-save-raw", action="store_true", help="checkpoint the EMA weights only")
    ap.add_argument("--save-optimizer", action="store_true",
                    help="also torch.save the AdamW state to <out>.optim.pt (exact resume, big)")
    ap.add_argument("--eval-every", type=int, default=0,
                    help="every N steps: sample with the EMA weights, record accuracy and FD-clf")
    ap.add_argument("--eval-classifier", default=None, help="classifier parts (evaluate.py)")
    ap.add_argument("--vq", default=None, help="VQ checkpoint (decoder for --eval-every)")
    ap.add_argument("--data", default=None, help="dataset root (real images for --eval-every)")
    ap.add_argument("--eval-n", type=int, default=1000)
    ap.add_argument("--eval-steps", type=int, default=25)
    ap.add_argument("--eval-tau", type=float, default=0.9)
    ap.add_argument("--eval-cfg", type=float, default=1.3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--compile", action="store_true", help="torch.compile (torch >= 2)")
    ap.add_argument("--no-resume", action="store_true")
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


def train(args: argparse.Namespace) -> Dict[str, Any]:
    dist = tu.Dist()
    tu.setup_precision()
    device = tu.pick_device(args.device)
    torch.manual_seed(args.seed + dist.rank)
    log = tu.JsonLog(args.log or (args.out.rstrip("/") + ".log.jsonl"), enabled=dist.main)
    from .models.dit import DiT
    from .objectives import loss_fn

    bank = LatentBank.load(args.bank, device)
    cfg = resolve_config(args, bank)
    step, history, evals = 0, [], []
    cost = tu.Cost()
    resume = not args.no_resume and os.path.exists(os.path.join(args.out, "index.json"))
    if resume:
        state, config = load_parts(args.out)
        cfg = from_dict(DiTConfig, config["dit"])
        if cfg.objective != args.objective:
            raise ValueError(f"{args.out} holds a {cfg.objective} model, not {args.objective}")
        model = DiT(cfg)
        model.load_state_dict(select(state, "model", "ema"))
        ema = DiT(cfg)
        ema.load_state_dict(select(state, "ema", "model"))
        fp_ckpt = (config.get("bank") or {}).get("codebook_sha1")
        fp_bank = bank.meta.get("codebook_sha1")
        if fp_ckpt and fp_bank and fp_ckpt != fp_bank:
            raise ValueError(f"{args.bank} was encoded with another codebook ({fp_bank}) than the "
                             f"one {args.out} was trained on ({fp_ckpt}); re-encode with that VQ")
        step = int(config.get("step", 0))
        history, evals = list(config.get("history", [])), list(config.get("evals", []))
        cost.resume(config.get("cost"))
        if dist.main:
            print(f"[dit] resumed {args.out} at step {step}", flush=True)
    else:
        model = DiT(cfg)
        ema = copy.deepcopy(model)
    model.to(device).train()
    ema.to(device).eval().requires_grad_(False)
    codebook = bank.codebook.to(device)
    if dist.main:
        print(f"[dit] {args.objective}: {tu.count_params(model) / 1e6:.2f}M params, {cfg}, bank "
              f"{len(bank)} latents, device {device}, world {dist.world}", flush=True)

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.wd,
                            betas=(0.9, 0.999))
    if args.save_optimizer and resume and os.path.exists(args.out.rstrip("/") + ".optim.pt"):
        opt.load_state_dict(torch.load(args.out.rstrip("/") + ".optim.pt", map_location=device))
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
        config = {"kind": "dit", "dit": to_dict(cfg), "objective": args.objective, "step": step,
                  "vq": bank.meta.get("vq"), "labels": bank.meta.get("labels"),
                  "ema_decay": args.ema_decay, "history": history[-500:], "evals": evals,
                  "bank": {k: v for k, v in bank.meta.items() if k not in ("vq", "labels")},
                  "args": {k: v for k, v in vars(args).items() if k != "override"},
                  "override": tu.parse_overrides(args.override), "cost": cost.so_far()}
        save_parts(state, config, args.out)
        if args.save_optimizer:
            torch.save(opt.state_dict(), args.out.rstrip("/") + ".optim.pt")

    box = tu.TimeBox(args.iters, args.max_seconds)
    local, t_log, last_save = 0, time.time(), time.time()
    stop = box.iters is not None and box.iters <= 0
    metrics: Dict[str, Any] = {}
    while not stop:
        tu.set_lr(opt, tu.lr_at(args.lr, local, args.warmup, box.progress(local), args.cosine))
        z1, codes, y = bank.sample(batch, g)
        with tu.autocast(device):
            loss, m = loss_fn(args.objective, net, z1, codes, y, codebook, generator=g)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()
        tu.ema_update(ema, model, tu.ema_decay(args.ema_decay, step))
        step += 1
        local += 1
        # Every rank stops at the same step: the time box is checked collectively every 10 steps.
        stop = (box.iters is not None and local >= box.iters) or (
            local % 10 == 0 and dist.any_true(box.done(local), device))
        if dist.main and (local % args.log_every == 0 or stop):
            dt = time.time() - t_log
            n_it = args.log_every if local % args.log_every == 0 else local % args.log_every
            metrics = {"step": step, **{k: round(float(v), 5) for k, v in m.items()},
                       "grad_norm": round(float(gnorm), 4), "lr": opt.param_groups[0]["lr"],
                       "it_s": round(n_it / max(dt, 1e-9), 2), "elapsed": round(box.elapsed, 1)}
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
               "seconds": round(box.elapsed, 1), "last": metrics, "evals": evals,
               "params": tu.count_params(model), "cost": cost.so_far()}
    dist.close()
    return summary


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = build_parser().parse_args(argv)
    out = train(args)
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps({k: v for k, v in out.items() if k != "evals"}), flush=True)
    return out


if __name__ == "__main__":
    main()
