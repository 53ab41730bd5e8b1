"""Compare bf16 and fp32 training runs from their JSON-lines logs (training/scripts/bf16_parity.sh).

    ../.venv/bin/python scripts/parity.py RUNS --out RUNS/parity.json

RUNS holds dit-{fp32,bf16}-s{SEED}.jsonl and vq-{fp32,bf16}-s{SEED}.jsonl, logged every step. For
each kind (dit, vq), over the iterations that all its runs reached:

- the mean loss over the last `tail` iterations (100 for the DiT, 20 for the VQ), per run;
- the largest gap between two runs' loss curves, each smoothed by a trailing mean over `window`
  iterations (50 / 10): fp32 seed 0 against fp32 seed 1 is the run-to-run noise (other init,
  other batches), fp32 against bf16 at the same seed is what bf16 changes (same init, same
  batches), bf16 against fp32 across seeds is what a bf16 run would look like in its place;
- seconds per iteration of each run (median of the per-step times; the first 5 steps left out),
  and of the fp32/bf16 DiT pairs that ran side by side (--together: both started together; only
  the steps logged before the shorter one ended count), so that both saw the same machine load;
- the VQ's final held-out PSNR.

bf16 is "within noise" when, at each seed, its smoothed curve stays closer to fp32's than any two
fp32 seeds' curves come to each other (max gap), and its tail mean differs from fp32's by less than
the tail means' own noise: 2 standard errors of a difference of two `tail`-step means, from the
step-to-step scatter of the fp32 runs (sd of first differences / sqrt 2; the tail-mean difference
of two particular seeds is itself one noisy draw, so it is reported but not the yardstick).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
from typing import Any, Dict, List, Optional

SETTINGS = {"dit": {"tail": 100, "window": 50}, "vq": {"tail": 20, "window": 10}}
SKIP_FIRST = 5  # steps whose timing includes start-up (allocations, first-touch of the data)


def read_log(path: str) -> Dict[str, Any]:
    """Per-step records (keyed by step), the start and the final record of the log's last run."""
    steps: Dict[int, Dict[str, Any]] = {}
    start: Optional[Dict[str, Any]] = None
    final: Optional[Dict[str, Any]] = None
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if "start" in rec:  # a rerun appended to the same log: keep the last run only
                start, steps, final = rec["start"], {}, None
            elif "final" in rec:
                final = rec["final"]
            elif "loss" in rec and "step" in rec:
                steps[int(rec["step"])] = rec
    return {"start": start, "steps": steps, "final": final}


def smooth(values: List[float], window: int) -> List[float]:
    """Trailing mean over `window` values, from the first full window on."""
    out, acc = [], 0.0
    for i, v in enumerate(values):
        acc += v
        if i >= window:
            acc -= values[i - window]
        if i >= window - 1:
            out.append(acc / window)
    return out


def seconds_per_iter(steps: Dict[int, Dict[str, Any]], until: Optional[float] = None) -> float:
    """Median seconds per step (differences of the logged elapsed times, 0.1 s resolution),
    optionally only over the steps logged before `until` seconds of the run. The median, not the
    mean: a step that spans a pause of the machine (or of the process) does not move it."""
    times = sorted(steps.items())
    diffs = [r["elapsed"] - p["elapsed"] for (_, p), (s, r) in zip(times, times[1:])
             if s > SKIP_FIRST and (until is None or r["elapsed"] <= until)]
    return statistics.median(diffs) if diffs else float("nan")


def compare(kind: str, runs: Dict[str, Dict[str, Any]], max_iters: Optional[int] = None,
            together: Optional[List[str]] = None) -> Dict[str, Any]:
    tail, window = SETTINGS[kind]["tail"], SETTINGS[kind]["window"]
    n = min(max(r["steps"]) for r in runs.values())
    n = min(n, max_iters) if max_iters else n
    first = min(min(r["steps"]) for r in runs.values())
    loss = {name: [r["steps"][s]["loss"] for s in range(first, n + 1)] for name, r in runs.items()}
    curves = {name: smooth(v, window) for name, v in loss.items()}
    out: Dict[str, Any] = {"iterations": n, "tail": tail, "window": window, "runs": {}}
    for name, r in runs.items():
        rec = {"tail_mean_loss": round(statistics.fmean(loss[name][-tail:]), 5),
               "tail_mean_se": round(tail_se(loss[name][-tail:]), 5),
               "first_loss": round(loss[name][0], 5),
               "seconds_per_iter": round(seconds_per_iter(r["steps"]), 3),
               "precision": (r["start"] or {}).get("precision"),
               "iterations_logged": max(r["steps"])}
        if r["final"]:
            rec["final"] = {k: r["final"][k] for k in ("val_psnr", "train_psnr", "step")
                            if k in r["final"]}
        out["runs"][name] = rec
    gaps = {}
    for a, b in _pairs(list(runs)):
        gap = max((abs(x - y) for x, y in zip(curves[a], curves[b])), default=float("nan"))
        gaps[f"{a} vs {b}"] = {
            "max_smoothed_gap": round(gap, 5),
            "tail_mean_diff": round(out["runs"][b]["tail_mean_loss"]
                                    - out["runs"][a]["tail_mean_loss"], 5)}
    out["pairs"] = gaps
    fp32_se = [r["tail_mean_se"] for k, r in out["runs"].items() if _parse(k)[0] == "fp32"]
    band = 2 * math.sqrt(2) * statistics.fmean(fp32_se) if fp32_se else float("nan")
    out["verdict"] = verdict(gaps, round(band, 5))
    out["side_by_side"] = side_by_side(runs, together or [])
    return out


def _pairs(names: List[str]) -> List[tuple]:
    """The noise pair first (fp32 seeds), then fp32/bf16 at each seed, then across seeds."""
    order = sorted(names)
    pairs = [(a, b) for i, a in enumerate(order) for b in order[i + 1:]]
    return sorted(pairs, key=lambda p: (_kind_of_pair(p) != "noise", p))


def _kind_of_pair(pair: tuple) -> str:
    (pa, sa), (pb, sb) = (_parse(x) for x in pair)
    if pa == pb:
        return "noise" if pa == "fp32" else "bf16 noise"
    return "same seed" if sa == sb else "across seeds"


def _parse(name: str) -> tuple:
    m = re.match(r"(fp32|bf16)-s(\d+)$", name)
    return (m.group(1), int(m.group(2))) if m else (name, -1)


def tail_se(values: List[float]) -> float:
    """Standard error of the mean of `values` from their step-to-step scatter (first differences
    remove the slow trend of the curve; their sd is sqrt 2 times the per-step sd)."""
    if len(values) < 3:
        return float("nan")
    diffs = [b - a for a, b in zip(values, values[1:])]
    return statistics.stdev(diffs) / math.sqrt(2) / math.sqrt(len(values))


def verdict(gaps: Dict[str, Dict[str, float]], band: float) -> Dict[str, Any]:
    noise = [g for k, g in gaps.items() if _kind_of_pair(tuple(k.split(" vs "))) == "noise"]
    if not noise:
        return {"within_noise": None, "why": "no two fp32 seeds to measure the noise"}
    # the smallest gap between two fp32 seeds: the strictest yardstick when there are several
    ref = min(g["max_smoothed_gap"] for g in noise)
    same = {k: g for k, g in gaps.items() if _kind_of_pair(tuple(k.split(" vs "))) == "same seed"}
    ok = bool(same) and all(g["max_smoothed_gap"] <= ref and abs(g["tail_mean_diff"]) <= band
                            for g in same.values())
    return {"within_noise": ok, "noise_max_smoothed_gap": ref,
            "noise_tail_mean_band": band,
            "rule": "at each seed: bf16/fp32 max smoothed gap <= the smallest between two fp32 "
                    "seeds, and |bf16 - fp32 tail mean| <= 2 SE of a difference of tail means"}


def side_by_side(runs: Dict[str, Dict[str, Any]], pairs: List[str]) -> Dict[str, Any]:
    """Seconds per iteration of fp32/bf16 runs that started together ("fp32-s0:bf16-s0"), over
    the seconds both were running: the same machine load for both."""
    out = {}
    for pair in pairs:
        names = pair.split(":")
        if not all(n in runs for n in names):
            continue
        a, b = (runs[n] for n in names)
        until = min(max(r["elapsed"] for r in x["steps"].values()) for x in (a, b))
        fp32, bf16 = seconds_per_iter(a["steps"], until), seconds_per_iter(b["steps"], until)
        out[pair] = {"seconds": round(until, 1), "fp32_s_per_iter": round(fp32, 3),
                     "bf16_s_per_iter": round(bf16, 3), "bf16_over_fp32": round(bf16 / fp32, 2)}
    return out


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", help="directory with dit-*.jsonl / vq-*.jsonl")
    ap.add_argument("--out", default=None, help="write the comparison here (JSON)")
    ap.add_argument("--max-iters", type=int, default=None,
                    help="compare the DiT runs over at most this many iterations")
    ap.add_argument("--together", default="fp32-s0:bf16-s0,fp32-s2:bf16-s1",
                    help="DiT runs that started together (FP32:BF16,...; bf16_parity.sh's pairs)")
    args = ap.parse_args(argv)
    result: Dict[str, Any] = {}
    for kind in SETTINGS:
        runs = {}
        for f in sorted(os.listdir(args.runs)):
            m = re.match(rf"{kind}-((?:fp32|bf16)-s\d+)\.jsonl$", f)
            if m:
                log = read_log(os.path.join(args.runs, f))
                if log["steps"]:
                    runs[m.group(1)] = log
        if len(runs) >= 2:
            if kind == "dit":  # the VQ runs did not start together (bf16_parity.sh's lanes)
                result[kind] = compare(kind, runs, args.max_iters, args.together.split(","))
            else:
                result[kind] = compare(kind, runs)
    text = json.dumps(result, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return result


if __name__ == "__main__":
    main()
