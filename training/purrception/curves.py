"""Plot tokenizer candidates' held-out PSNR against the CPU time they trained for.

    ../.venv/bin/python -m purrception.curves --out ../docs/tokenizers.png \
        "vq-f8 layout=runs/ldm.log.jsonl" "patch K=1024=runs/vq.log.jsonl,runs/vq-2.log.jsonl"

Each log is train_vq's JSON lines with --curve-every-s: its "curve" records (step, val_psnr,
cpu_s, wall_s), cpu_s counted from the start of that session. A candidate trained in several
sessions lists their logs in order, comma-separated: each continues at the CPU time where the one
before ended. Also prints the points, one line per candidate. Plots with matplotlib (Agg: no
display needed; pinned in requirements.txt).
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, Dict, List, Optional

import matplotlib

matplotlib.use("Agg")  # files only: no display on the training machines
import matplotlib.pyplot as plt  # noqa: E402

TITLE = "held-out PSNR vs CPU time (1 thread, emoji zoo 64 px)"


def read_curve(path: str) -> List[Dict[str, float]]:
    """The "curve" records of the log's last run (a run starts at a step-0 point)."""
    points: List[Dict[str, float]] = []
    with open(path) as f:
        for line in f:
            rec = json.loads(line).get("curve")
            if rec is None:
                continue
            if rec["step"] == 0 and points and points[-1]["step"] > 0:
                points = []  # an earlier run appended to the same log
            points.append(rec)
    return points


def plot(series: List[Dict[str, Any]], path: str) -> str:
    """One line per candidate ({"name", "x": CPU minutes, "y": PSNR}) -> PNG at `path`."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for s in series:
        ax.plot(s["x"], s["y"], "o-", markersize=3, label=s["name"])
    ax.set_title(TITLE, fontsize=10)
    ax.set_xlabel("CPU minutes")
    ax.set_ylabel("PSNR (dB)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="PNG to write")
    ap.add_argument("runs", nargs="+",
                    help="NAME=LOG[,LOG...] (the name may contain '=', the logs not)")
    args = ap.parse_args(argv)
    series = []
    for item in args.runs:
        name, _, paths = item.rpartition("=")
        pts: List[Dict[str, float]] = []
        for path in paths.split(","):
            offset = pts[-1]["cpu_s"] if pts else 0.0
            pts += [{**p, "cpu_s": p["cpu_s"] + offset} for p in read_curve(path)]
        series.append({"name": name, "x": [p["cpu_s"] / 60 for p in pts],
                       "y": [p["val_psnr"] for p in pts]})
        cells = ", ".join(f"{p['cpu_s'] / 60:.1f} min: {p['val_psnr']:.2f} dB" for p in pts)
        print(f"{name}: {cells}")
    plot(series, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
