"""Plot tokenizer candidates' held-out PSNR against the CPU time they trained for.

    ../.venv/bin/python -m purrception.curves --out ../docs/tokenizers.png \
        "vq-f8 layout=runs/ldm.log.jsonl" "patch K=1024=runs/vq.log.jsonl,runs/vq-2.log.jsonl"

Each log is train_vq's JSON lines with --curve-every-s: its "curve" records (step, val_psnr,
cpu_s, wall_s), cpu_s counted from the start of that session. A candidate trained in several
sessions lists their logs in order, comma-separated: each continues at the CPU time where the one
before ended. Also prints the points, one line per candidate. Plots with matplotlib (Agg: no
display needed; pinned in requirements.txt), through `plots.plot_panels`.
"""

from __future__ import annotations

import argparse
import json
from typing import Dict, List, Optional

from .plots import plot_panels

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
    panel = {"title": TITLE, "xlabel": "CPU minutes", "ylabel": "PSNR (dB)", "series": series}
    plot_panels([panel], args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
