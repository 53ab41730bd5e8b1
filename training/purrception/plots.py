"""Line plots for the pipeline's reports (sweeps, convergence, tokenizer curves), as PNG panels."""

from __future__ import annotations

import itertools
import os
from typing import Any, Dict, List

import numpy as np


def plot_panels(panels: List[Dict[str, Any]], path: str, title: str = "") -> str:
    """panels: [{"title", "xlabel", "ylabel", "series": [{"name", "x", "y"}], "hlines": [{"name",
    "y"}]}] -> one PNG with the panels side by side; None values in y are gaps."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig = Figure(figsize=(4.5 * len(panels), 3.6))
    FigureCanvasAgg(fig)  # no pyplot: no global figure state to leak between plots
    for ax, p in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels):
        for s in p["series"]:
            y = [np.nan if v is None else v for v in s["y"]]
            ax.plot(s["x"], y, "o-", label=s["name"])
        for h, ls in zip(p.get("hlines", []), itertools.cycle(("--", ":", "-."))):
            ax.axhline(h["y"], ls=ls, color="gray", label=h["name"])
        ax.set_title(p["title"], fontsize=9)
        ax.set_xlabel(p["xlabel"])
        ax.set_ylabel(p["ylabel"])
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path
