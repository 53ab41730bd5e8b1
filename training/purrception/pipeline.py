"""The whole emoji-zoo run in one process, stage by stage, inside one wall-time budget:

  1 vq     train the VQ tokenizer                      -> OUT/vq/    (parts)
  2 bank   encode augmented images into a latent bank  -> WORK/bank.pt (meta in the tarball)
  3 dit    train the Purrception DiT (EMA + raw)       -> OUT/dit/   (parts, saved every minute)
  4 eval   classifier, tau/cfg sweeps, accuracy, FD-clf, ceiling, sample grid
  5 conv   purrception vs cfm vs dfm: one smaller backbone, same bank, batch and iterations,
           evaluated every N iterations

After every stage (and every sweep point) WORK/report (logs, JSON, plots, classifier) is packed into
OUT/results.tar.gz, so a crash or a kill later keeps what came before. OUT stays at 6 files (8 at
most come back): vq (index + 1 part), dit (index + 2 parts: fp16 weights and the fp32 AdamW state,
which a resumed run continues from), results.tar.gz.

    python3 -m purrception.pipeline --out OUT [--smoke] [--budget 540]
(training/scripts/gpu_train.sh sets PYTHONPATH and picks the Python that has torch.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tarfile
import time
import traceback
from typing import Any, Callable, Dict, List, Optional

import torch

from . import trainutil as tu

# Stage plans: seconds for the GPU run (one H200), tiny numbers for --smoke (CPU, < 3 minutes).
GPU = {
    "preset": "emoji-zoo-64-patch", "codebook_size": 1024, "vq_seconds": 85, "vq_batch": 64,
    "vq_lr": 1e-3, "bank_n": 200_000, "bank_batch": 2048,
    "dit_seconds": 215, "dit_batch": 256, "dit_save_every_s": 60, "dit_lr": 1e-3,
    "clf_iters": 3000, "clf_seconds": 25, "clf_batch": 256, "clf_width": 32,
    "eval_n": 2000, "eval_steps": 50, "eval_batch": 1000,
    "taus": "0.3,0.5,0.6,0.7,0.9,1.3", "cfgs": "0,1,2,3,4", "tau": 0.6, "cfg": 1.5,
    "conv_seconds": 35, "conv_batch": 256, "conv_override": "depth=4",
    "conv_eval_every": 250, "conv_eval_n": 1000, "conv_eval_steps": 25,
    "reserve_eval": 75, "reserve_conv": 125,
}
SMOKE = {
    "preset": "fixture", "vq_seconds": 20, "vq_iters": 25, "vq_batch": 16, "vq_lr": 4e-4,
    "bank_n": 512, "bank_batch": 256,
    "dit_seconds": 20, "dit_iters": 20, "dit_batch": 32, "dit_save_every_s": 5, "dit_lr": 1e-3,
    "clf_iters": 40, "clf_seconds": 15, "clf_batch": 64, "clf_width": 8,
    "eval_n": 32, "eval_steps": 3, "eval_batch": 32,
    "taus": "0.5,1.0", "cfgs": "0,2", "tau": 0.6, "cfg": 3.0,
    "conv_seconds": 10, "conv_iters": 12, "conv_batch": 32, "conv_override": "depth=1",
    "conv_eval_every": 6, "conv_eval_n": 32, "conv_eval_steps": 3,
    "reserve_eval": 20, "reserve_conv": 30,
}


class Tee:
    """stdout to the console and to a log file, line-buffered."""

    def __init__(self, stream, path: str):
        self.stream, self.f = stream, open(path, "a", buffering=1)

    def write(self, s: str) -> int:
        self.stream.write(s)
        self.f.write(s)
        return len(s)

    def flush(self) -> None:
        self.stream.flush()
        self.f.flush()

    def isatty(self) -> bool:
        return False


class Pipeline:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.plan = dict(SMOKE if args.smoke else GPU)
        for kv in args.set or []:  # --set dit_seconds=100
            k, _, v = kv.partition("=")
            self.plan[k] = type(self.plan.get(k, v))(v) if k in self.plan else v
        self.t0 = time.time()
        self.deadline = self.t0 + args.budget
        self.out = os.path.abspath(args.out)
        if not args.work:
            import tempfile

            args.work = tempfile.mkdtemp(prefix="purrception-work-")
        self.work = os.path.abspath(args.work)
        self.report = os.path.join(self.work, "report")
        os.makedirs(self.report, exist_ok=True)
        os.makedirs(self.out, exist_ok=True)
        sys.stdout = Tee(sys.stdout, os.path.join(self.report, "pipeline.log"))
        self.summary: Dict[str, Any] = {"plan": self.plan, "smoke": args.smoke, "stages": {},
                                        "env": env_info(), "budget_s": args.budget}
        self.data = args.data

    # -- helpers ----------------------------------------------------------------------------------

    def elapsed(self) -> float:
        return time.time() - self.t0

    def left(self) -> float:
        return self.deadline - time.time()

    def box(self, planned: float, reserve: float = 0.0, minimum: float = 5.0) -> float:
        """Seconds for a stage: its plan, cut so that `reserve` seconds stay for later stages."""
        return max(minimum, min(planned, self.left() - reserve))

    def path(self, *p: str) -> str:
        return os.path.join(self.report, *p)

    def pack(self) -> None:
        """WORK/report -> OUT/results.tar.gz (written aside, then renamed: never half a file)."""
        with open(self.path("summary.json"), "w") as f:
            json.dump(self.summary, f, indent=1, default=str)
        tmp = os.path.join(self.work, "results.tar.gz.tmp")
        with tarfile.open(tmp, "w:gz") as tar:
            tar.add(self.report, arcname="report")
        os.replace(tmp, os.path.join(self.out, "results.tar.gz"))

    def stage(self, name: str, fn: Callable[[], Any], needs: List[str] = ()) -> Any:
        missing = [n for n in needs if self.summary["stages"].get(n, {}).get("status") != "ok"]
        if missing:
            print(f"\n=== stage {name}: skipped (needs {missing}) ===", flush=True)
            self.summary["stages"][name] = {"status": "skipped", "needs": missing}
            self.pack()
            return None
        print(f"\n=== stage {name} (t={self.elapsed():.0f}s, {self.left():.0f}s left) ===",
              flush=True)
        t = time.time()
        rec: Dict[str, Any] = {}
        try:
            result = fn()
            rec = {"status": "ok", "result": result}
        except Exception as e:  # keep going: later stages that do not depend on this one still run
            traceback.print_exc()
            rec = {"status": "failed", "error": f"{type(e).__name__}: {e}"}
            result = None
        rec["seconds"] = round(time.time() - t, 1)
        self.summary["stages"][name] = rec
        print(f"=== stage {name}: {rec['status']} in {rec['seconds']}s "
              f"(t={self.elapsed():.0f}s) ===", flush=True)
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        self.pack()
        return result

    # -- stages -----------------------------------------------------------------------------------

    def run(self) -> Dict[str, Any]:
        p, a = self.plan, self.args
        print(f"[pipeline] out={self.out} work={self.work} budget={a.budget}s smoke={a.smoke} "
              f"env={self.summary['env']}", flush=True)
        if not os.path.isdir(os.path.join(self.data, "base")):
            if not a.smoke:
                raise SystemExit(f"{self.data}: no emoji zoo (base/ missing); build it with "
                                 f"training/emoji (node build.mjs --out ../../data/emoji-zoo-plain --augment plain) "
                                 f"and carry it")
            from .data import make_synthetic_zoo

            self.data = make_synthetic_zoo(os.path.join(self.work, "synthetic-zoo"))
            print(f"[pipeline] smoke: {a.data} absent, using a synthetic zoo {self.data}",
                  flush=True)
        self.summary["data"] = self.data
        vq_dir, dit_dir = os.path.join(self.out, "vq"), os.path.join(self.out, "dit")
        bank_path = os.path.join(self.work, "bank.pt")
        clf_dir = self.path("classifier")
        # torch.compile only for the long DiT stage: measured on the H200 (torch 2.11) it costs
        # ~28 s once and lifts the emoji-zoo DiT from 30 to 44 it/s; the short stages lose.
        common = ["--device", a.device]
        later = p["reserve_eval"] + p["reserve_conv"]

        def vq_stage():
            from . import train_vq

            argv = ["--preset", p["preset"], "--data", self.data, "--out", vq_dir,
                    "--log", self.path("logs", "vq.jsonl"), "--batch", str(p["vq_batch"]),
                    "--lr", str(p["vq_lr"]),
                    "--max-seconds", str(self.box(p["vq_seconds"], later + 60)),
                    "--recon-png", self.path("vq_recon.png"), "--seed", str(a.seed)] + common
            if "codebook_size" in p:
                argv += ["--override", f"codebook_size={p['codebook_size']}"]
            if "vq_iters" in p:
                argv += ["--iters", str(p["vq_iters"]), "--warmup", "5", "--log-every", "5",
                         "--restart-every", "10", "--eval-n", "32"]
            return train_vq.main(argv)

        def bank_stage():
            from .data import build_latent_bank, open_source

            device = tu.pick_device(a.device)
            vq, _ = tu.load_vq(vq_dir, device)  # the fp16-rounded weights that were saved
            src = open_source(self.data, vq.cfg.image_size, device)
            bank = build_latent_bank(vq, src, p["bank_n"], batch=p["bank_batch"], seed=a.seed)
            bank.save(bank_path)
            meta = {k: v for k, v in bank.meta.items() if k != "vq"}
            with open(self.path("bank_meta.json"), "w") as f:
                json.dump(bank.meta, f, indent=1)
            print(f"[bank] {meta}", flush=True)
            return meta

        def dit_stage():
            from . import train_dit

            argv = ["--preset", p["preset"], "--objective", "purrception", "--bank", bank_path,
                    "--out", dit_dir, "--log", self.path("logs", "dit.jsonl"),
                    "--batch", str(p["dit_batch"]), "--save-every-s", str(p["dit_save_every_s"]),
                    "--lr", str(p["dit_lr"]), "--cosine", "--ema-decay", "0.999",
                    "--max-seconds", str(self.box(p["dit_seconds"], later)),
                    "--seed", str(a.seed)] + common
            if "dit_iters" in p:
                argv += ["--iters", str(p["dit_iters"]), "--log-every", "5", "--warmup", "5"]
            t = time.time()
            try:
                out = train_dit.main(argv + (["--compile"] if a.compile else []))
            except Exception:
                if not a.compile:
                    raise
                traceback.print_exc()
                print("[pipeline] compiled DiT training failed; continuing eagerly (resumes from "
                      "the last checkpoint, if any)", flush=True)
                i = argv.index("--max-seconds")
                argv[i + 1] = str(max(5.0, float(argv[i + 1]) - (time.time() - t)))
                out = train_dit.main(argv)
            return {k: v for k, v in out.items() if k != "evals"}

        def eval_stage():
            from . import evaluate

            argv = ["--data", self.data, "--classifier", clf_dir, "--vq", vq_dir, "--dit", dit_dir,
                    "--image-size", str(_image_size(vq_dir)),
                    "--clf-iters", str(p["clf_iters"]), "--clf-batch", str(p["clf_batch"]),
                    "--clf-width", str(p["clf_width"]),
                    "--clf-max-seconds", str(self.box(p["clf_seconds"], p["reserve_conv"] + 30)),
                    "--tau", p["taus"], "--cfg", p["cfgs"], "--n", str(p["eval_n"]),
                    "--default-tau", str(p["tau"]), "--default-cfg", str(p["cfg"]),
                    "--steps", str(p["eval_steps"]), "--batch", str(p["eval_batch"]),
                    "--out", self.path("eval"), "--seed", str(a.seed), "--device", a.device,
                    "--max-seconds", str(self.box(p["reserve_eval"] + 60, p["reserve_conv"]))]
            res = evaluate.main(argv)
            return {"ceiling": res.get("ceiling"), "classifier": res.get("classifier"),
                    "best_fd": min((r["fd_clf"], r["tau"], r["cfg"])
                                   for r in res.get("tau_sweep", []) + res.get("cfg_sweep", []))}

        def conv_stage():
            from . import train_dit
            from .evaluate import plot_convergence

            runs: Dict[str, Any] = {}
            results: Dict[str, Any] = {"note": "same backbone (preset + override), bank, batch and "
                                               "iterations; EMA weights evaluated", "runs": runs}
            iters: Optional[int] = p.get("conv_iters")
            objectives = ["purrception", "cfm", "dfm"]
            for i, obj in enumerate(objectives):
                remaining = len(objectives) - i
                secs = self.box(p["conv_seconds"] * (1.0 if iters is None else 1.5),
                                reserve=(remaining - 1) * p["conv_seconds"], minimum=5)
                argv = ["--preset", p["preset"], "--override", p["conv_override"],
                        "--objective", obj,
                        "--bank", bank_path, "--out", os.path.join(self.work, "conv", obj),
                        "--log", self.path("conv", f"{obj}.jsonl"), "--no-resume",
                        "--batch", str(p["conv_batch"]), "--max-seconds", str(secs),
                        "--save-every-s", "1e9", "--eval-every", str(p["conv_eval_every"]),
                        "--eval-classifier", clf_dir, "--vq", vq_dir, "--data", self.data,
                        "--eval-n", str(p["conv_eval_n"]),
                        "--eval-steps", str(p["conv_eval_steps"]),
                        "--log-every", str(max(1, p["conv_eval_every"] // 2)),
                        "--seed", str(a.seed)] + common
                if iters is not None:
                    argv += ["--iters", str(iters)]
                if a.smoke:
                    argv += ["--warmup", "5"]
                out = train_dit.main(argv)
                runs[obj] = {"steps": out["step"], "seconds": out["seconds"],
                             "params": out["params"], "evals": out["evals"]}
                if iters is None:
                    iters = out["step"]  # the first run fixes the iteration count for the others
                results["iters"] = iters
                with open(self.path("conv", "results.json"), "w") as f:
                    json.dump(results, f, indent=1)
                ceiling = _read_json(self.path("eval", "results.json")).get("ceiling")
                plot_convergence({k: v["evals"] for k, v in runs.items()},
                                 self.path("conv", "convergence.png"), ceiling)
                self.pack()
            return {k: {"steps": v["steps"], "final": v["evals"][-1] if v["evals"] else None}
                    for k, v in runs.items()}

        stages = [s.strip() for s in a.stages.split(",")]
        if "vq" in stages:
            self.stage("vq", vq_stage)
        else:
            self.summary["stages"]["vq"] = {"status": "ok" if os.path.isdir(vq_dir) else "missing"}
        if "bank" in stages:
            self.stage("bank", bank_stage, needs=["vq"])
        else:
            self.summary["stages"]["bank"] = {
                "status": "ok" if os.path.exists(bank_path) else "missing"}
        if "dit" in stages:
            self.stage("dit", dit_stage, needs=["bank"])
        if "eval" in stages:
            self.stage("eval", eval_stage, needs=["dit"] if "dit" in stages else [])
        if "conv" in stages:
            self.stage("conv", conv_stage, needs=["bank", "eval"])
        self.summary["wall_s"] = round(self.elapsed(), 1)
        self.pack()
        files = sorted(os.path.relpath(os.path.join(d, f), self.out)
                       for d, _, fs in os.walk(self.out) for f in fs)
        sizes = {f: os.path.getsize(os.path.join(self.out, f)) for f in files}
        print(f"\n[pipeline] done in {self.elapsed():.0f}s; OUT holds {len(files)} files:",
              flush=True)
        for f in files:
            print(f"  {f}  {sizes[f] / 2**20:.2f} MiB", flush=True)
        if len(files) > 8 or any(s > 16 * 2**20 for s in sizes.values()):
            print("[pipeline] WARNING: more than 8 files or a file over 16 MiB in OUT", flush=True)
        print(json.dumps({k: {"status": v.get("status"), "seconds": v.get("seconds")}
                          for k, v in self.summary["stages"].items()}), flush=True)
        return self.summary


def _image_size(vq_dir: str) -> int:
    cfg = _read_json(os.path.join(vq_dir, "index.json")).get("config", {})
    return int(cfg.get("vq", {}).get("image_size", 64))


def _read_json(path: str) -> Dict[str, Any]:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def env_info() -> Dict[str, Any]:
    info = {"python": platform.python_version(), "torch": torch.__version__,
            "cuda": torch.cuda.is_available(), "threads": torch.get_num_threads()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    ap = argparse.ArgumentParser(description="Train, evaluate and compare on the emoji zoo.")
    ap.add_argument("--out", required=True, help="results folder (what comes back from the GPU)")
    ap.add_argument("--work", default=None,
                    help="scratch folder, not under OUT (default: a new temp dir)")
    ap.add_argument("--data", default="data/emoji-zoo-plain",
                    help="dataset root; its augment.json names the augmentation (the bundled "
                         "model's recipe: 'plain', built by node build.mjs --augment plain)")
    ap.add_argument("--smoke", action="store_true", help="every stage for a few iterations")
    ap.add_argument("--budget", type=float, default=540.0, help="wall seconds for all stages")
    ap.add_argument("--stages", default="vq,bank,dit,eval,conv")
    ap.add_argument("--set", action="append", help="override a plan entry, e.g. dit_seconds=120")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--compile", action="store_true",
                    help="torch.compile the main DiT stage (torch >= 2; eager fallback on failure)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    return Pipeline(args).run()


if __name__ == "__main__":
    main()
