"""Plot bench/quality-cost.ts's JSON: distance to the reference solution against model evaluations
(codes differing, pixel RMSE) per configuration, and images/s against the same axis.

    .venv/bin/python bench/plot_quality_cost.py runs/quality-cost/quality-cost.json docs/samplers.png
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from typing import Dict, List

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src: str, dst: str) -> None:
    data = json.loads(open(src).read())
    curves: Dict[str, List[dict]] = defaultdict(list)
    for point in data["points"]:
        if point.get("codesDiffer") is not None:
            curves[point["config"]].append(point)
    panels = [("codesDiffer", "latent codes differing from the reference"),
              ("pixelRmse", "pixel RMSE to the reference (0..255)"),
              ("imagesPerSecond", "images/s (same run)")]
    fig, axes = plt.subplots(1, len(panels), figsize=(15, 4.2))
    for ax, (key, label) in zip(axes, panels):
        for config, points in curves.items():
            points = sorted(points, key=lambda p: p["evaluations"])
            ax.plot([p["evaluations"] for p in points], [p[key] for p in points], marker="o",
                    label=config)
        ax.set_xscale("log")
        if key != "imagesPerSecond":
            ax.set_yscale("log")
        ax.set_xlabel("model evaluations per image")
        ax.set_title(label, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{data['model']}: distance to a {data['reference']}-step Euler solution "
                 "(uniform grid, guidance everywhere), same seeds", fontsize=11)
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
