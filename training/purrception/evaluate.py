"""Evaluate generated images with a small CNN classifier trained here on the dataset's real images.

Metrics (no network here, so no Inception weights: FD-clf is NOT Inception FID and its numbers are
not comparable with published FIDs; it ranks models and settings trained on the same data):
  (a) acc     class accuracy of the classifier on generated images (is the class recognisable?)
  (b) fd_clf  Frechet distance between Gaussians fitted to the classifier's penultimate features
              of the generated images and of held-out real images ("val" stream)
  (c) ceiling the same two metrics for other held-out real images ("test" stream) vs real.
  (d) tokenizer_ceiling  the same for those images after the VQ's encode-quantize-decode round
              trip: the best a generator of this VQ's codes can score.
  (e) acc_cb  class accuracy of a colour-blind classifier (one luminance channel at 32 x 32, see
              ColourBlindCNN), reported with acc everywhere: class colour alone earns nothing
              there, so it says whether the class's shape is recognisable. It lives in the
              classifier dir's colour-blind/ sub-folder, trained on first use like the other.

    python3 -m purrception.evaluate --data ../data/emoji-zoo --classifier runs/clf \
        --vq runs/vq --dit runs/dit --tau 0.1,0.3,0.5,0.7,0.9,1.1,1.3,1.5 --cfg 0,1,1.3,2,3 \
        --n 2000 --out runs/eval          (trains the classifiers first when runs/clf lacks them)
    python3 -m purrception.evaluate --data ../data/emoji-zoo --classifier runs/clf \
        --images generated/ --out runs/eval-http     (PNG folder: generated/<label>/*.png)
    python3 -m purrception.evaluate --data ../data/emoji-zoo --classifier runs/clf \
        --model ../models/emoji-zoo-64 --out runs/eval-model   (the exported ONNX graphs)
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import trainutil as tu
from .checkpoint import has_parts, load_parts, save_parts, select
from .data import ImageFolder, make_generator, open_source
from .plots import plot_panels

FD_NOTE = ("FD-clf = Frechet distance in the penultimate feature space of a small CNN classifier "
           "trained on this dataset's real images. It is NOT Inception FID (no Inception weights "
           "can be downloaded here); compare FD-clf values only with each other.")
CB_NOTE = ("acc_cb = class accuracy of a colour-blind classifier trained on the same real images: "
           "it sees one luminance channel at 32x32 (random RGB weights, random polarity and "
           "per-image contrast normalisation in training; the mean of R, G and B, both polarities "
           "averaged, here), so class colour alone earns nothing: it measures shape.")
CB_SUBDIR = "colour-blind"  # the colour-blind classifier's parts, inside the classifier dir


# ------------------------------------------------------------------------------------------------
# Classifier
# ------------------------------------------------------------------------------------------------

class SmallCNN(nn.Module):
    """4 stride-2 stages (width, 2w, 4w, 8w) of conv-GN-SiLU pairs, global average pool -> features
    (8w) -> linear. GroupNorm, not BatchNorm: an image's features do not depend on its batch."""

    def __init__(self, num_classes: int, width: int = 32, in_channels: int = 3):
        super().__init__()
        self.arch = {"num_classes": num_classes, "width": width}

        def block(cin: int, cout: int, stride: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.GroupNorm(8, cout),
                                 nn.SiLU())

        w = width
        chans = [w, 2 * w, 4 * w, 8 * w]
        layers: List[nn.Module] = [block(in_channels, w, 1)]
        cin = w
        for c in chans:
            layers += [block(cin, c, 2), block(c, c, 1)]
            cin = c
        self.body = nn.Sequential(*layers)
        self.feature_dim = cin
        self.fc = nn.Linear(cin, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x).mean(dim=(2, 3))  # (N, 8w), the penultimate features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))  # (N, num_classes)

    def train_logits(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Logits of a training batch (the colour-blind subclass draws its random views here)."""
        return self(x)


# Colour-blind classifier ------------------------------------------------------------------------

MEAN_RGB = torch.full((3,), 1 / 3)
CONTRAST_EPS = 0.02  # in [-1,1] units: a flat image stays flat instead of amplifying its noise


def luminance_view(x: torch.Tensor, weights: torch.Tensor, size: int) -> torch.Tensor:
    """RGB (N,3,H,W) in [-1,1] and RGB weights (3,) or (N,3) -> one channel (N,1,size,size), each
    image shifted and scaled to zero mean and unit standard deviation: its brightness and
    contrast say nothing about the class."""
    w = weights.to(x.device, torch.float32).expand(x.shape[0], 3)
    lum = torch.einsum("nchw,nc->nhw", x.float(), w).unsqueeze(1)
    lum = F.adaptive_avg_pool2d(lum, size)  # an area average: 64 -> 32 without aliasing
    mu = lum.mean(dim=(2, 3), keepdim=True)
    sd = lum.std(dim=(2, 3), keepdim=True)
    return (lum - mu) / (sd + CONTRAST_EPS)


def random_view(x: torch.Tensor, generator: torch.Generator, size: int) -> torch.Tensor:
    """A training view: convex RGB weights uniform on the simplex (Dirichlet(1, 1, 1)) and a random
    polarity per image, so no class colour maps to a grey level or a sign the classifier could
    learn."""
    n, dev = x.shape[0], x.device
    e = -torch.log(torch.rand(n, 3, generator=generator, device=dev).clamp_min(1e-12))
    sign = torch.rand(n, 1, 1, 1, generator=generator, device=dev) < 0.5
    return torch.where(sign, -1.0, 1.0) * luminance_view(x, e / e.sum(1, keepdim=True), size)


class ColourBlindCNN(SmallCNN):
    """A SmallCNN on one luminance channel at size x size, trained on random views (random_view).

    Evaluation needs one deterministic view. It is the mean of R, G and B (the mean of the
    training weights, so inside what the network saw), with both polarities averaged (training saw
    each half the time): the classifier's output is then the same for an image and the same image
    with its RGB channels permuted, its hues rotated about the grey axis or its colours inverted,
    and nearly so with its brightness or contrast changed (CONTRAST_EPS). An average over a fixed
    set of unequal weightings would also see edges between two colours of equal mean (about one
    point of held-out accuracy on the emoji zoo), but hue rotations would move it."""

    def __init__(self, num_classes: int, width: int = 32, size: int = 32):
        super().__init__(num_classes, width, in_channels=1)
        self.arch = {"num_classes": num_classes, "width": width, "size": size}
        self.size = size

    def view_features(self, view: torch.Tensor) -> torch.Tensor:
        return super().features(view)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """RGB images -> features averaged over both polarities (the logits are then averaged too:
        fc is affine)."""
        v = luminance_view(x, MEAN_RGB, self.size)
        f = self.view_features(torch.cat([v, -v]))
        return (f[: len(v)] + f[len(v):]) / 2

    def train_logits(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return self.fc(self.view_features(random_view(x, generator, self.size)))


def train_classifier(source, iters: int, batch: int = 256, lr: float = 2e-3, width: int = 32,
                     max_seconds: Optional[float] = None, seed: int = 0, device: Any = "cpu",
                     log_every: int = 100, colour_blind: bool = False
                     ) -> Tuple[SmallCNN, Dict[str, Any]]:
    """AdamW with a cosine schedule on the source's training stream (augmented on the fly); the
    colour-blind classifier sees the same images as random luminance views (own generator: the
    image stream is the colour classifier's)."""
    device = torch.device(device)
    torch.manual_seed(seed)
    model = ColourBlindCNN if colour_blind else SmallCNN
    clf = model(source.num_classes, width).to(device).train()
    opt = torch.optim.AdamW(clf.parameters(), lr=lr, weight_decay=0.05)
    g = make_generator(device, seed, "classifier")
    g_view = make_generator(device, seed, "colour-blind-views")
    box = tu.TimeBox(iters, max_seconds)
    step, t0 = 0, time.time()
    while not box.done(step):
        tu.set_lr(opt, tu.lr_at(lr, step, 50, box.progress(step), cosine=True, final_frac=0.02))
        x, y = source.sample(batch, g)
        with tu.autocast(device):
            logits = clf.train_logits(x, g_view)
        loss = F.cross_entropy(logits.float(), y, label_smoothing=0.05)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % log_every == 0:
            acc = float((logits.argmax(1) == y).float().mean())
            tag = "cb" if colour_blind else "clf"
            print(f"[{tag}] step={step} loss={loss.item():.4f} train_acc={acc:.3f} "
                  f"elapsed={time.time() - t0:.1f}s", flush=True)
    clf.eval()
    # Round to fp16 now: the features used below are those of the weights the parts will hold.
    with torch.no_grad():
        for p in clf.parameters():
            p.copy_(p.half().float())
    return clf, {"steps": step, "seconds": round(time.time() - t0, 1), "batch": batch}


CLASSIFIER_KINDS = {"classifier": SmallCNN, "colour-blind classifier": ColourBlindCNN}


def save_classifier(clf: SmallCNN, out_dir: str, labels: Sequence[str],
                    metrics: Dict[str, Any]) -> None:
    cb = isinstance(clf, ColourBlindCNN)
    config = {"kind": "colour-blind classifier" if cb else "classifier", "arch": clf.arch,
              "labels": list(labels), "metrics": metrics,
              "image_size": int(metrics.get("image_size", 64)), "note": CB_NOTE if cb else FD_NOTE}
    save_parts({"model": tu.clean_state_dict(clf)}, config, out_dir)


def load_classifier(ckpt_dir: str, device: Any = "cpu") -> Tuple[SmallCNN, Dict[str, Any]]:
    state, config = load_parts(ckpt_dir)
    clf = CLASSIFIER_KINDS[config.get("kind", "classifier")](**config["arch"])
    clf.load_state_dict(select(state, "model"))
    return clf.to(device).eval(), config


# ------------------------------------------------------------------------------------------------
# Metrics
# ------------------------------------------------------------------------------------------------

@torch.no_grad()
def features_and_logits(clf: SmallCNN, images: torch.Tensor, batch: int = 500
                        ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Penultimate features (float64, CPU) and logits (float32, CPU) of images in [-1,1]."""
    dev = next(clf.parameters()).device
    feats, logits = [], []
    for x in images.split(batch):
        f = clf.features(x.to(dev).float())  # fp32: FD is sensitive to feature rounding
        feats.append(f.double().cpu())
        logits.append(clf.fc(f).float().cpu())
    return torch.cat(feats), torch.cat(logits)


def class_accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    return float((logits.argmax(1) == y.to(logits.device)).float().mean())


def gaussian_stats(feats: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    f = feats.double()
    mu = f.mean(0)
    fc = f - mu
    return mu, fc.t() @ fc / max(1, f.shape[0] - 1)


def _sqrtm_psd(a: torch.Tensor) -> torch.Tensor:
    w, v = torch.linalg.eigh((a + a.t()) / 2)
    return (v * w.clamp_min(0).sqrt()) @ v.t()


def frechet_distance(mu1: torch.Tensor, s1: torch.Tensor, mu2: torch.Tensor,
                     s2: torch.Tensor) -> float:
    """|mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)).

    tr((S1 S2)^(1/2)) = tr((S1^(1/2) S2 S1^(1/2))^(1/2)), a symmetric PSD matrix: eigh in float64,
    no scipy needed and no complex parts to discard.
    """
    mu1, s1, mu2, s2 = (t.double().cpu() for t in (mu1, s1, mu2, s2))
    r1 = _sqrtm_psd(s1)
    m = r1 @ s2 @ r1
    tr_sqrt = torch.linalg.eigvalsh((m + m.t()) / 2).clamp_min(0).sqrt().sum()
    d = mu1 - mu2
    return float(d @ d + torch.trace(s1) + torch.trace(s2) - 2 * tr_sqrt)


def fd_between(f1: torch.Tensor, f2: torch.Tensor) -> float:
    return frechet_distance(*gaussian_stats(f1), *gaussian_stats(f2))


# ------------------------------------------------------------------------------------------------
# Models under evaluation: PyTorch checkpoints, or an exported model directory run through ONNX
# ------------------------------------------------------------------------------------------------

class TorchModel:
    """A DiT and its tokenizer in PyTorch: the project's reference sampler (sample.py)."""

    def __init__(self, dit, vq, codebook: torch.Tensor):
        self.dit, self.vq, self.codebook = dit, vq, codebook
        self.latent_shape = (dit.cfg.latent_channels, dit.cfg.latent_size, dit.cfg.latent_size)
        self.has_encoder = True

    @torch.no_grad()
    def sample(self, y: torch.Tensor, steps: int, cfg: float, tau: float, z0: torch.Tensor,
               generator: torch.Generator) -> torch.Tensor:
        from .sample import decode_latents, sample

        was = self.dit.training
        self.dit.eval()
        with tu.autocast(z0.device):
            z = sample(self.dit, self.codebook, y, steps, cfg, tau, z0,
                       objective=self.dit.cfg.objective, generator=generator)
        self.dit.train(was)
        return decode_latents(self.vq, z.float()).float()

    @torch.no_grad()
    def round_trip(self, x: torch.Tensor) -> torch.Tensor:
        from .sample import decode_latents

        return decode_latents(self.vq, self.vq.encode(x)).float()


class OnnxModel:
    """An exported model directory (manifest.json + graphs) run with onnxruntime, as the service
    runs it: the same Euler loop over step.onnx, then decode.onnx. Anyone can check a model card's
    numbers from a clone, without the PyTorch checkpoints."""

    def __init__(self, model_dir: str):
        from pathlib import Path

        self.dir = Path(model_dir)
        self.manifest = json.loads((self.dir / "manifest.json").read_text())
        lat = self.manifest["latent"]
        self.latent_shape = (lat["channels"], lat["height"], lat["width"])
        self.graphs = {k: str(self.dir / v) for k, v in self.manifest["graphs"].items()}
        self.has_encoder = "encode" in self.graphs  # older model directories have none
        self._step_inputs: Optional[set] = None  # read from step.onnx on the first sample

    def _run(self, graph: str, **feeds: np.ndarray) -> Dict[str, np.ndarray]:
        from .ort import run_onnx

        return run_onnx(self.graphs[graph], feeds)

    @torch.no_grad()
    def sample(self, y: torch.Tensor, steps: int, cfg: float, tau: float, z0: torch.Tensor,
               generator: torch.Generator) -> torch.Tensor:
        n = len(y)
        z = z0.float().cpu().numpy()
        if self._step_inputs is None:
            import onnx

            step = onnx.load(str(self.dir / self.manifest["graphs"]["step"]))
            self._step_inputs = {i.name for i in step.graph.input}
        # every row guided (the same values for any cfg); tau only where there is a posterior
        feeds = {"y": y.cpu().numpy().astype(np.int64), "cfg": np.full(n, cfg, np.float32),
                 "tau": np.full(n, tau, np.float32), "guide": np.arange(n, dtype=np.int64)}
        feeds = {k: v for k, v in feeds.items() if k in self._step_inputs}
        if self.manifest.get("objective") == "dfm":
            return self._sample_codes(n, steps, feeds, generator).to(z0.device)
        for s in range(steps):  # t = s/T; z <- z + (mu - z) / (T - s): the last step lands on mu
            t = np.full(n, s / steps, np.float32)
            mu = self._run("step", z=z, t=t, **feeds)["mu"]
            z = (z + (mu - z) / np.float32(steps - s)).astype(np.float32)
        return torch.from_numpy(self._run("decode", z=z)["image"]).to(z0.device)

    def _sample_codes(self, n: int, steps: int, feeds: Dict[str, np.ndarray],
                      generator: torch.Generator) -> torch.Tensor:
        """dfm: the reference sampler (sample.sample_dfm) on step.onnx's probabilities."""
        from .sample import dfm_update, torch_uniforms

        size = (n, *self.latent_shape[1:])
        uniforms = torch_uniforms(size, generator)
        codes = torch.full(size, self.manifest["codebook_size"], dtype=torch.long)
        for s in range(steps):
            t = np.full(n, s / steps, np.float32)
            probs = self._run("step", codes=codes.numpy(), t=t, **feeds)["probs"]
            codes = dfm_update(codes, torch.from_numpy(probs), 1.0 / (steps - s), *uniforms(s))
        return torch.from_numpy(self._run("decode", codes=codes.numpy())["image"])

    @torch.no_grad()
    def round_trip(self, x: torch.Tensor) -> torch.Tensor:
        if "encode" not in self.graphs:
            raise ValueError(f"{self.dir}: the manifest lists no encode graph, so real images "
                             f"cannot be sent through its tokenizer")
        z = self._run("encode", image=x.float().cpu().numpy())["z"]
        return torch.from_numpy(self._run("decode", z=z)["image"]).to(x.device)


# ------------------------------------------------------------------------------------------------
# Evaluator: reference statistics once, then metrics for any set of images or any model
# ------------------------------------------------------------------------------------------------

class Evaluator:
    """The colour classifier's metrics (acc, fd_clf), and acc_cb when given the colour-blind one."""

    def __init__(self, clf: SmallCNN, source, n_ref: int = 2000, seed: int = 0, batch: int = 500,
                 cb: Optional[ColourBlindCNN] = None):
        self.clf, self.source, self.batch, self.seed, self.cb = clf, source, batch, seed, cb
        self.labels = list(source.labels)
        self.num_classes = len(self.labels)
        self.device = next(clf.parameters()).device
        x_ref, _ = source.render("val", n_ref, seed)
        f_ref, _ = features_and_logits(clf, x_ref, batch)
        self.n_ref = n_ref
        self.ref_stats = gaussian_stats(f_ref)

    @staticmethod
    def from_paths(classifier_dir: str, data_root: str, device: Any, n_ref: int = 2000,
                   seed: int = 0) -> "Evaluator":
        """With the colour-blind classifier when its sub-folder holds one (older dirs lack it)."""
        clf, config = load_classifier(classifier_dir, device)
        source = open_source(data_root, _image_size(config, data_root), device=device)
        cb_dir = os.path.join(classifier_dir, CB_SUBDIR)
        cb = load_classifier(cb_dir, device)[0] if has_parts(cb_dir) else None
        return Evaluator(clf, source, n_ref=n_ref, seed=seed, cb=cb)

    def metrics(self, images: torch.Tensor, y: torch.Tensor, per_class: bool = False
                ) -> Dict[str, Any]:
        """acc, fd_clf, acc_cb and n; with per_class, also each label's n, acc and acc_cb (which
        classes a model draws, not only how many)."""
        f, logits = features_and_logits(self.clf, images, self.batch)
        y = y.to(logits.device)  # one device for the labels, the logits and the per-class masks
        rec: Dict[str, Any] = {"acc": class_accuracy(logits, y),
                               "fd_clf": frechet_distance(*gaussian_stats(f), *self.ref_stats)}
        cb_logits = features_and_logits(self.cb, images, self.batch)[1] if self.cb else None
        if cb_logits is not None:
            rec["acc_cb"] = class_accuracy(cb_logits, y)
        if per_class:
            rec["per_class"] = {}
            for c, label in enumerate(self.labels):
                m = y == c
                if not m.any():
                    continue
                row = {"n": int(m.sum()), "acc": class_accuracy(logits[m], y[m])}
                if cb_logits is not None:
                    row["acc_cb"] = class_accuracy(cb_logits[m], y[m])
                rec["per_class"][label] = row
        return {**rec, "n": len(y)}

    def ceiling(self, n: int) -> Dict[str, Any]:
        """Held-out real ("test" stream) vs the real reference: the best a generator can score."""
        x, y = self.source.render("test", n, self.seed)
        return self.metrics(x, y)

    @torch.no_grad()
    def ceilings(self, model, n: int, batch: int = 250
                 ) -> Tuple[Dict[str, Any], Optional[Dict[str, Any]]]:
        """(ceiling, tokenizer ceiling): the ceiling's images as they are, and encoded, quantized
        and decoded by the model's tokenizer (None for a model without an encoder), rendered once
        for both."""
        x, y = self.source.render("test", n, self.seed)
        if not model.has_encoder:
            return self.metrics(x, y), None
        recon = torch.cat([model.round_trip(xb) for xb in x.split(batch)])
        return self.metrics(x, y), self.metrics(recon, y)

    @torch.no_grad()
    def generate(self, model, n: int, steps: int, cfg: float, tau: float, seed: int = 0,
                 batch: int = 1000) -> Tuple[torch.Tensor, torch.Tensor]:
        """n class-balanced samples (labels arange(n) % C), z0 from a seeded generator."""
        dev = self.device
        g = make_generator(dev, seed, "eval-z0")
        y_all = torch.arange(n, device=dev) % self.num_classes
        out = []
        for y in y_all.split(batch):
            z0 = torch.randn(len(y), *model.latent_shape, generator=g, device=dev)
            out.append(model.sample(y, steps, cfg, tau, z0, g))
        return torch.cat(out), y_all

    def eval_model(self, model, n: int, steps: int, cfg: float, tau: float, seed: int = 0,
                   batch: int = 1000) -> Dict[str, Any]:
        t0 = time.time()
        x, y = self.generate(model, n, steps, cfg, tau, seed, batch)
        rec = self.metrics(x, y)
        rec.update({"tau": tau, "cfg": cfg, "steps": steps, "seconds": round(time.time() - t0, 2)})
        return rec


def summary(rec: Dict[str, Any]) -> str:
    """"acc=0.753 acc_cb=0.160 fd_clf=3.680" (acc_cb when measured)."""
    keys = [k for k in ("acc", "acc_cb", "fd_clf") if rec.get(k) is not None]
    return " ".join(f"{k}={rec[k]:.3f}" for k in keys)


def _image_size(config: Dict[str, Any], data_root: str) -> int:
    return int(config.get("image_size") or config.get("arch", {}).get("image_size") or 64)


def _floats(s: str) -> List[float]:
    return [float(v) for v in s.split(",") if v.strip()]


# ------------------------------------------------------------------------------------------------
# Plots (matplotlib, Agg: files only, no display)
# ------------------------------------------------------------------------------------------------

def ceiling_lines(results: Dict[str, Any], metric: str) -> List[Dict[str, Any]]:
    """Horizontal reference lines: real images, and real images through the VQ when measured."""
    names = (("ceiling", "real (ceiling)"), ("tokenizer_ceiling", "real via the VQ"))
    return [{"name": name, "y": results[key][metric]} for key, name in names
            if (results.get(key) or {}).get(metric) is not None]


ACC_PANELS = (("acc", "class accuracy"), ("acc_cb", "colour-blind accuracy"))


def plot_sweeps(results: Dict[str, Any], path: str) -> str:
    panels = []
    for key, name in (("tau_sweep", "tau"), ("cfg_sweep", "cfg")):
        pts = results.get(key) or []
        if not pts:
            continue
        fixed = "cfg" if name == "tau" else "tau"
        sub = f"{fixed}={pts[0][fixed]}, steps={pts[0]['steps']}, n={pts[0]['n']}"
        x = [p[name] for p in pts]
        panels.append({"title": f"FD-clf vs {name} ({sub})", "xlabel": name, "ylabel": "FD-clf",
                       "series": [{"name": "generated", "x": x, "y": [p["fd_clf"] for p in pts]}],
                       "hlines": ceiling_lines(results, "fd_clf")})
        for metric, label in ACC_PANELS:
            if all(metric in p for p in pts):
                panels.append({"title": f"{label} vs {name} ({sub})", "xlabel": name,
                               "ylabel": metric, "series": [{"name": "generated", "x": x,
                                                             "y": [p[metric] for p in pts]}],
                               "hlines": ceiling_lines(results, metric)})
    return plot_panels(panels, path, title="FD-clf is NOT Inception FID (classifier features)")


def plot_convergence(runs: Dict[str, List[Dict[str, Any]]], path: str,
                     ceiling: Optional[Dict[str, Any]] = None) -> str:
    """runs: objective -> eval records with "step", "fd_clf", "acc" (and "acc_cb", plotted when
    every record has it)."""
    panels = []
    for metric, label in (("fd_clf", "FD-clf (lower is better)"), *ACC_PANELS):
        if not all(metric in r for recs in runs.values() for r in recs):
            continue
        panels.append({"title": f"{label} vs iterations", "xlabel": "iteration", "ylabel": metric,
                       "series": [{"name": obj, "x": [r["step"] for r in recs],
                                   "y": [r[metric] for r in recs]} for obj, recs in runs.items()],
                       "hlines": [{"name": "real (ceiling)", "y": ceiling[metric]}]
                       if ceiling and metric in ceiling else []})
    return plot_panels(panels, path, title="Convergence: same backbone, data, batch, iterations")


# ------------------------------------------------------------------------------------------------
# Sweeps
# ------------------------------------------------------------------------------------------------

def run_sweeps(ev: Evaluator, model, taus: Sequence[float],
               cfgs: Sequence[float], default_tau: float, default_cfg: float, n: int, steps: int,
               seed: int = 0, batch: int = 1000, grid_png: Optional[str] = None,
               on_point=None, deadline: Optional[float] = None) -> Dict[str, Any]:
    """tau sweep at cfg = default_cfg, cfg sweep at tau = default_tau; `on_point(results)` after
    each point (the pipeline writes results as they come). Points that would end after `deadline`
    (time.time() seconds, judged by the slowest point so far) are listed under "skipped"."""
    ceiling, tokenizer_ceiling = ev.ceilings(model, n)
    results: Dict[str, Any] = {"note": FD_NOTE, "n": n, "steps": steps,
                               "default": {"tau": default_tau, "cfg": default_cfg, "steps": steps},
                               "ceiling": ceiling, "tokenizer_ceiling": tokenizer_ceiling,
                               "tau_sweep": [], "cfg_sweep": []}
    print(f"[eval] ceiling (held-out real vs real, n={n}): {results['ceiling']}; through the VQ: "
          f"{results['tokenizer_ceiling']}", flush=True)
    slowest = 0.0
    for key, values in (("tau_sweep", taus), ("cfg_sweep", cfgs)):
        for v in values:
            tau, cfg = (v, default_cfg) if key == "tau_sweep" else (default_tau, v)
            if deadline is not None and time.time() + slowest > deadline:
                results.setdefault("skipped", []).append({"sweep": key, "tau": tau, "cfg": cfg})
                print(f"[eval] {key} tau={tau} cfg={cfg}: skipped (time box)", flush=True)
                continue
            rec = ev.eval_model(model, n, steps, cfg, tau, seed, batch)
            slowest = max(slowest, rec["seconds"])
            results[key].append(rec)
            print(f"[eval] {key} tau={tau} cfg={cfg}: {summary(rec)} ({rec['seconds']}s)",
                  flush=True)
            if on_point:
                on_point(results)
    if grid_png and (deadline is None or time.time() + slowest / 4 < deadline):
        x, y = ev.generate(model, 8 * ev.num_classes, steps, default_cfg, default_tau, seed, batch)
        save_class_grid(x, y, ev.num_classes, grid_png)
    return results


def save_class_grid(x: torch.Tensor, y: torch.Tensor, num_classes: int, path: str,
                    per_class: int = 8) -> None:
    """One row per class, `per_class` images each."""
    from .sample import save_grid

    rows = []
    for c in range(num_classes):
        idx = (y.cpu() == c).nonzero().flatten()[:per_class]
        row = x[idx.to(x.device)]
        if len(row) < per_class:
            row = torch.cat([row, -torch.ones(per_class - len(row), *x.shape[1:], device=x.device)])
        rows.append(row)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    save_grid(torch.cat(rows).cpu(), path, nrow=per_class)


# ------------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="dataset root (emoji zoo or class folders)")
    ap.add_argument("--classifier", required=True, help="classifier parts dir (trained if absent)")
    ap.add_argument("--image-size", type=int, default=64)
    ap.add_argument("--clf-iters", type=int, default=1500)
    ap.add_argument("--clf-batch", type=int, default=256)
    ap.add_argument("--clf-width", type=int, default=32)
    ap.add_argument("--clf-max-seconds", type=float, default=None,
                    help="time box of each classifier's training")
    ap.add_argument("--cb-iters", type=int, default=None,
                    help="colour-blind classifier iterations (default: --clf-iters)")
    ap.add_argument("--cb-batch", type=int, default=None, help="(default: --clf-batch)")
    ap.add_argument("--cb-width", type=int, default=None, help="(default: --clf-width)")
    ap.add_argument("--retrain", action="store_true",
                    help="train both classifiers even if present")
    ap.add_argument("--dit", default=None, help="DiT checkpoint dir (samples with its EMA weights)")
    ap.add_argument("--which", default="ema", choices=["ema", "model"])
    ap.add_argument("--vq", default=None, help="VQ checkpoint dir (decoder)")
    ap.add_argument("--model", default=None,
                    help="exported model directory (manifest.json + ONNX graphs, run with "
                         "onnxruntime-node) instead of --dit/--vq checkpoints")
    ap.add_argument("--images", default=None, help="folder of generated PNGs: <label>/*.png")
    ap.add_argument("--tau", default="0.1,0.3,0.5,0.7,0.9,1.1,1.3,1.5")
    ap.add_argument("--cfg", default="0,1,1.3,2,3")
    ap.add_argument("--default-tau", type=float, default=0.9)
    ap.add_argument("--default-cfg", type=float, default=1.3)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--n", type=int, default=2000, help="generated images per point")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--max-seconds", type=float, default=None,
                    help="time box of the whole run; sweep points past it are skipped")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", required=True, help="output directory (results.json, plot.png, ...)")
    return ap


def get_classifier(args: argparse.Namespace, source, device, colour_blind: bool = False
                   ) -> Tuple[SmallCNN, Dict[str, Any]]:
    """The classifier in --classifier (the colour-blind one in its CB_SUBDIR sub-folder), trained
    and saved there first when absent or with --retrain; -> (classifier, its training record)."""
    out = os.path.join(args.classifier, CB_SUBDIR) if colour_blind else args.classifier
    if not args.retrain and has_parts(out):
        clf, config = load_classifier(out, device)
        return clf, config.get("metrics", {})
    iters, batch, width = args.clf_iters, args.clf_batch, args.clf_width
    if colour_blind:  # its own flags, defaulting to the colour classifier's budget
        iters, batch, width = args.cb_iters or iters, args.cb_batch or batch, args.cb_width or width
    clf, info = train_classifier(source, iters, batch, width=width,
                                 max_seconds=args.clf_max_seconds, seed=args.seed, device=device,
                                 colour_blind=colour_blind)
    x, y = source.render("test", min(2000, max(200, args.n)), args.seed)
    _, logits = features_and_logits(clf, x)
    info["heldout_real_acc"] = class_accuracy(logits, y)
    info["image_size"] = args.image_size
    print(f"[{'cb' if colour_blind else 'clf'}] trained: {info}", flush=True)
    save_classifier(clf, out, source.labels, info)
    return clf, info


def run(args: argparse.Namespace) -> Dict[str, Any]:
    t0 = time.time()
    deadline = t0 + args.max_seconds if args.max_seconds else None
    tu.setup_process()
    device = tu.pick_device(args.device)
    os.makedirs(args.out, exist_ok=True)
    print(f"[eval] NOTE: {FD_NOTE}\n[eval] NOTE: {CB_NOTE}", flush=True)
    source = open_source(args.data, args.image_size, device=device)
    clf, clf_info = get_classifier(args, source, device)
    cb, cb_info = get_classifier(args, source, device, colour_blind=True)
    results: Dict[str, Any] = {"note": FD_NOTE, "colour_blind_note": CB_NOTE,
                               "classifier": clf_info, "colour_blind_classifier": cb_info}
    out_json = os.path.join(args.out, "results.json")

    def write(r: Dict[str, Any]) -> None:
        results.update(r)
        with open(out_json, "w") as f:
            json.dump(results, f, indent=1)

    ev = Evaluator(clf, source, n_ref=args.n, seed=args.seed, cb=cb)
    if args.images:
        ds = ImageFolder(args.images, args.image_size, classes=source.labels)
        x, y = ds.load_all()
        rec = ev.metrics(x, y, per_class=True)
        write({"images": args.images, "folder": rec, "ceiling": ev.ceiling(len(y))})
        print(f"[eval] folder {args.images} (n={rec['n']}): {summary(rec)}; ceiling "
              f"{summary(results['ceiling'])}", flush=True)
        for label, row in rec["per_class"].items():
            print(f"[eval]   {label} (n={row['n']}): {summary(row)}", flush=True)
    model = None
    if args.model:
        model = OnnxModel(args.model)
        write({"model": {"dir": args.model, "name": model.manifest["name"]}})
    elif args.dit:
        dit, dcfg = tu.load_dit(args.dit, args.which, device)
        vq, _ = tu.load_vq(args.vq, device)
        model = TorchModel(dit, vq, vq.codebook.detach().float())
        write({"dit": {"dir": args.dit, "which": args.which, "step": dcfg.get("step"),
                       "objective": dit.cfg.objective}})
    if model is not None:
        sweeps = run_sweeps(ev, model, _floats(args.tau), _floats(args.cfg),
                            args.default_tau, args.default_cfg, args.n, args.steps, args.seed,
                            args.batch, grid_png=os.path.join(args.out, "samples.png"),
                            on_point=write, deadline=deadline)
        write(sweeps)
        plot_sweeps(results, os.path.join(args.out, "sweeps.png"))
    return results


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    main()
