"""Class accuracy of both classifiers on held-out real images recoloured (channels permuted, hues
rotated about the grey axis, inverted, greyed): the colour-blind one must not move, the colour one
shows how much it leans on colour. In training/:

    PYTHONPATH=. python ../docs/results/colour-blind-2026-12-05/recolour_check.py \
        --data ../data/emoji-zoo --classifier ../runs/clf --n 2000 --out recolour.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
from typing import Callable, Dict

import torch

from purrception.data import open_source
from purrception.evaluate import CB_SUBDIR, class_accuracy, features_and_logits, load_classifier


def hue_rotation(angle: float) -> Callable[[torch.Tensor], torch.Tensor]:
    """RGB in [-1,1] (grey is 0) rotated about the grey axis, clipped back into the cube."""
    k = torch.full((3,), 3 ** -0.5)
    cross = torch.tensor([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rot = torch.eye(3) + math.sin(angle) * cross + (1 - math.cos(angle)) * cross @ cross
    return lambda x: torch.einsum("ij,njhw->nihw", rot, x).clamp(-1, 1)


RECOLOURINGS: Dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "original": lambda x: x,
    "channels BRG": lambda x: x[:, [2, 0, 1]],
    "channels BGR": lambda x: x[:, [2, 1, 0]],
    "hue +90 deg (clipped)": hue_rotation(math.pi / 2),
    "hue 180 deg (clipped)": hue_rotation(math.pi),
    "inverted": lambda x: -x,
    "grey (mean RGB)": lambda x: x.mean(1, keepdim=True).expand_as(x),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--classifier", required=True)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    clf, config = load_classifier(args.classifier)
    cb, _ = load_classifier(os.path.join(args.classifier, CB_SUBDIR))
    source = open_source(args.data, int(config["image_size"]))
    x, y = source.render("test", args.n, args.seed)  # the held-out images evaluate's ceiling uses
    rows = {}
    for name, recolour in RECOLOURINGS.items():
        xr = recolour(x)
        rows[name] = {"acc": class_accuracy(features_and_logits(clf, xr)[1], y),
                      "acc_cb": class_accuracy(features_and_logits(cb, xr)[1], y)}
        print(f"{name:24s} acc={rows[name]['acc']:.4f} acc_cb={rows[name]['acc_cb']:.4f}",
              flush=True)
    with open(args.out, "w") as f:
        json.dump({"n": args.n, "seed": args.seed, "split": "test", "recoloured": rows}, f,
                  indent=1)


if __name__ == "__main__":
    main()
