"""Datasets: an ImageFolder for any class-per-folder dataset, the emoji zoo with batched on-device
augmentation, and the latent bank (codes encoded once, so DiT iterations never run the encoder).

Images everywhere are float RGB in [-1, 1], shape [B, 3, S, S]; labels are int64 class ids.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".JPEG")


# ------------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------------

def stream_seed(seed: int, stream: str) -> int:
    """A stable 62-bit seed for the named random stream ("train", "val", "test", ...).

    Training, validation and test images are drawn from independent streams of the same
    augmentation distribution, so "held-out real" images never repeat a training draw.
    """
    digest = hashlib.sha256(f"{stream}:{int(seed)}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 2


def make_generator(device: Any, seed: int, stream: str = "train") -> torch.Generator:
    g = torch.Generator(device=torch.device(device))
    g.manual_seed(stream_seed(seed, stream))
    return g


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """[B,3,H,W] in [-1,1] -> uint8 [B,H,W,3], the contract's `round(clamp((x+1)/2,0,1)*255)`."""
    x = ((x.detach().float().cpu() + 1) / 2).clamp(0, 1) * 255
    return x.round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def from_uint8(a: np.ndarray) -> torch.Tensor:
    """uint8 [B,H,W,3] (or [H,W,3]) -> float [B,3,H,W] in [-1,1]."""
    t = torch.from_numpy(np.array(a, copy=True))
    if t.dim() == 3:
        t = t[None]
    return t.permute(0, 3, 1, 2).float() / 127.5 - 1.0


def load_rgb(path: str, image_size: int) -> torch.Tensor:
    """Read an image, resize its short side to `image_size` (bicubic), center-crop it:
    [3,S,S] in [-1,1].

    Images with transparency are composited over white.
    """
    with Image.open(path) as im:
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
            im = Image.alpha_composite(bg, im)
        im = im.convert("RGB")
        w, h = im.size
        if (w, h) != (image_size, image_size):
            s = image_size / min(w, h)
            nw, nh = max(image_size, round(w * s)), max(image_size, round(h * s))
            im = im.resize((nw, nh), Image.BICUBIC)
            left, top = (nw - image_size) // 2, (nh - image_size) // 2
            im = im.crop((left, top, left + image_size, top + image_size))
        return from_uint8(np.asarray(im, dtype=np.uint8))[0]


def save_png_folder(images: torch.Tensor, labels: torch.Tensor, names: Sequence[str], root: str,
                    prefix: str = "img") -> None:
    """Write images as `root/<label name>/<prefix>-<i>.png` (the layout ImageFolder reads back)."""
    arr = to_uint8(images)
    for i, (a, y) in enumerate(zip(arr, labels.tolist())):
        d = os.path.join(root, names[y])
        os.makedirs(d, exist_ok=True)
        Image.fromarray(a).save(os.path.join(d, f"{prefix}-{i:06d}.png"))


# ------------------------------------------------------------------------------------------------
# ImageFolder: root/<class name>/*.png, sorted class names -> ids (ImageNet 256 works the same)
# ------------------------------------------------------------------------------------------------

class ImageFolder(torch.utils.data.Dataset):
    """One folder per class. `classes` fixes the name -> id map (e.g. a model's labels); by default
    the sorted folder names. Items: (x [3,S,S] in [-1,1], y int)."""

    def __init__(self, root: str, image_size: int, classes: Optional[Sequence[str]] = None,
                 random_flip: bool = False):
        self.root, self.image_size, self.random_flip = root, image_size, random_flip
        found = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
        if not found:
            raise FileNotFoundError(f"{root}: no class folders")
        self.classes: List[str] = list(classes) if classes is not None else found
        unknown = [d for d in found if d not in self.classes]
        if unknown:
            raise ValueError(f"{root}: folders {unknown} are not among the classes {self.classes}")
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        self.samples: List[Tuple[str, int]] = []
        for c in found:
            d = os.path.join(root, c)
            for f in sorted(os.listdir(d)):
                if f.endswith(IMAGE_EXTS):
                    self.samples.append((os.path.join(d, f), self.class_to_idx[c]))
        if not self.samples:
            raise FileNotFoundError(f"{root}: no images")

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> Tuple[torch.Tensor, int]:
        path, y = self.samples[i]
        x = load_rgb(path, self.image_size)
        if self.random_flip and torch.rand(()) < 0.5:
            x = x.flip(-1)
        return x, y

    def load_all(self, limit: Optional[int] = None, seed: int = 0
                 ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Up to `limit` items (a seeded random subset), stacked in memory."""
        idx = list(range(len(self)))
        if limit is not None and limit < len(idx):
            g = torch.Generator().manual_seed(stream_seed(seed, "subset"))
            idx = torch.randperm(len(idx), generator=g)[:limit].sort().values.tolist()
        xs, ys = zip(*(self[i] for i in idx))
        return torch.stack(xs), torch.tensor(ys, dtype=torch.long)


class ImageFolderSource:
    """Batch source over an ImageFolder (for ImageNet-style data): `root/train` + `root/val` when
    present, else `root` for both. Same interface as EmojiZoo: `.sample`, `.render`, `.labels`."""

    def __init__(self, root: str, image_size: int, device: Any = "cpu", num_workers: int = 4):
        self.root, self.image_size, self.device = root, image_size, torch.device(device)
        train = os.path.join(root, "train")
        self.train_root = train if os.path.isdir(train) else root
        val = os.path.join(root, "val")
        self.val_root = val if os.path.isdir(val) else self.train_root
        self.train = ImageFolder(self.train_root, image_size, random_flip=True)
        self.labels = self.train.classes
        self.num_classes = len(self.labels)
        self.num_workers = num_workers
        self._it: Optional[Iterator] = None
        self._batch = 0

    def sample(self, n: int, generator: Optional[torch.Generator] = None
               ) -> Tuple[torch.Tensor, torch.Tensor]:
        # The DataLoader shuffles with its own seeded generator; `generator` is accepted for
        # interface parity with EmojiZoo (the order of a multi-worker loader is seeded once).
        if self._it is None or self._batch != n:
            g = torch.Generator().manual_seed(stream_seed(0, "loader"))
            loader = torch.utils.data.DataLoader(
                self.train, batch_size=n, shuffle=True, drop_last=True, generator=g,
                num_workers=self.num_workers, pin_memory=self.device.type == "cuda",
                persistent_workers=self.num_workers > 0)
            self._it, self._batch = _forever(loader), n
        x, y = next(self._it)
        return x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)

    def render(self, split: str, n: int, seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
        root = self.train_root if split == "train" else self.val_root
        ds = ImageFolder(root, self.image_size, classes=self.labels)
        x, y = ds.load_all(limit=n, seed=stream_seed(seed, split))
        return x.to(self.device), y.to(self.device)


def _forever(loader) -> Iterator:
    while True:
        for batch in loader:
            yield batch


# ------------------------------------------------------------------------------------------------
# Emoji zoo: base RGBA artwork in memory, augmented on the fly, batched, on the device
# ------------------------------------------------------------------------------------------------

@dataclass
class AugmentConfig:
    scale: Tuple[float, float] = (0.65, 1.05)  # object size / canvas (1: the base fills it)
    max_rotation_deg: float = 20.0  # uniform rotation in [-r, r]
    max_shift: float = 0.15  # uniform shift of the centre, fraction of the half-canvas
    flip_p: float = 0.5  # horizontal flip probability
    supersample: int = 2  # render at S*ss and average-pool: anti-aliased edges
    p_gradient: float = 0.25  # background kinds: solid colour (rest), linear gradient, two-tone
    p_two_tone: float = 0.2
    p_white: float = 0.1  # solid white (a common emoji background)


# Named augmentations. A dataset root may name one in `augment.json` ({"augment": NAME}, written by
# `node build.mjs --augment NAME`); without it, "full". "full" draws emoji at any size from 0.65 to
# 1.05 of the canvas, rotated up to 20 degrees, shifted, on random solid, gradient or two-tone
# backgrounds: so varied that a small DiT learns each class's palette before its shape. "plain" draws
# them as emoji are seen: upright, centred, nearly full size, on white (a narrower distribution in
# which shapes are learnable on two CPU cores).
AUGMENTS: Dict[str, AugmentConfig] = {
    "full": AugmentConfig(),
    "plain": AugmentConfig(scale=(0.85, 1.0), max_rotation_deg=0.0, max_shift=0.04,
                           p_gradient=0.0, p_two_tone=0.0, p_white=1.0),
}


def read_augment(root: str) -> str:
    """The augmentation a dataset root names in `augment.json`, else "full"."""
    path = os.path.join(root, "augment.json")
    if not os.path.exists(path):
        return "full"
    with open(path) as f:
        name = json.load(f).get("augment")
    if name not in AUGMENTS:
        raise ValueError(f'{path}: "augment" must be one of {sorted(AUGMENTS)}, got {name!r}')
    return name


def read_labels(root: str) -> List[str]:
    """Class names in class-id order from `root/classes.json` (a list of names, or an object with
    `labels` or `classes` as names or as `{label: ...}` objects); else sorted folders of base/."""
    path = os.path.join(root, "classes.json")
    if os.path.exists(path):
        with open(path) as f:
            doc = json.load(f)
        items = doc
        if isinstance(doc, dict):
            items = doc.get("labels", doc.get("classes"))
        if isinstance(items, list) and items:
            return [it if isinstance(it, str) else (it.get("label") or it["name"]) for it in items]
        raise ValueError(f"{path}: expected a list of labels or {{'classes': [...]}}")
    return sorted(os.listdir(os.path.join(root, "base")))


class EmojiZoo:
    """The emoji zoo: `root/base/<label>/<style>-<codepoint>.png` (RGBA) and `root/classes.json`.

    All base images live in one premultiplied-RGBA tensor on `device`; `sample` draws a batch of
    class-balanced labels and augments them with one affine_grid/grid_sample call (random scale,
    rotation, shift, horizontal flip) composited over random backgrounds (solid, white, linear
    gradient, two-tone). Same generator state -> same batch.
    """

    def __init__(self, root: str, image_size: int = 64, device: Any = "cpu",
                 aug: Optional[AugmentConfig] = None, labels: Optional[Sequence[str]] = None):
        self.root, self.image_size, self.device = root, image_size, torch.device(device)
        self.augment_name = "custom" if aug is not None else read_augment(root)
        self.aug = aug or AUGMENTS[self.augment_name]
        self.labels: List[str] = list(labels) if labels is not None else read_labels(root)
        self.num_classes = len(self.labels)
        imgs, ys, self.files = [], [], []
        base_size = None
        for cid, label in enumerate(self.labels):
            d = os.path.join(root, "base", label)
            files = sorted(f for f in os.listdir(d) if f.endswith(".png")) \
                if os.path.isdir(d) else []
            if not files:
                raise FileNotFoundError(f"{d}: no base images for class {label!r}")
            for f in files:
                with Image.open(os.path.join(d, f)) as im:
                    a = np.asarray(im.convert("RGBA"), dtype=np.uint8)
                if base_size is None:
                    base_size = a.shape[:2]
                if a.shape[:2] != base_size:
                    a = np.asarray(Image.fromarray(a).resize(base_size[::-1], Image.BICUBIC))
                imgs.append(a)
                ys.append(cid)
                self.files.append(os.path.join(label, f))
        rgba = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float() / 255.0
        rgba[:, :3] *= rgba[:, 3:]  # premultiplied alpha: interpolation does not bleed colour
        self.images = rgba.to(self.device)  # [N,4,Hb,Wb]
        self.y = torch.tensor(ys, dtype=torch.long, device=self.device)
        counts = torch.bincount(self.y, minlength=self.num_classes)
        self.class_count = counts
        self.class_offset = torch.cumsum(counts, 0) - counts  # images are stored grouped by class

    def __len__(self) -> int:
        return self.images.shape[0]

    def generator(self, seed: int, stream: str = "train") -> torch.Generator:
        return make_generator(self.device, seed, stream)

    # -- sampling --------------------------------------------------------------------------------

    def sample(self, n: int, generator: Optional[torch.Generator] = None,
               y: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """n augmented images [n,3,S,S] in [-1,1] and their labels [n]. Labels are uniform over
        classes (not over base images), then one base image of that class uniformly."""
        g, dev = generator, self.device
        if y is None:
            y = torch.randint(0, self.num_classes, (n,), generator=g, device=dev)
        y = y.to(dev)
        u = torch.rand(n, generator=g, device=dev)
        cnt = self.class_count[y]
        idx = self.class_offset[y] + torch.minimum((u * cnt).long(), cnt - 1)
        return self.augment(self.images[idx], g), y

    def augment(self, rgba: torch.Tensor, generator: Optional[torch.Generator] = None
                ) -> torch.Tensor:
        """Premultiplied RGBA [n,4,Hb,Wb] -> augmented RGB [n,3,S,S] in [-1,1]."""
        a, g, dev = self.aug, generator, rgba.device
        n = rgba.shape[0]
        ss = max(1, int(a.supersample))
        size = self.image_size * ss
        r = torch.rand(n, 10, generator=g, device=dev)  # every per-image parameter from one draw
        c1 = torch.rand(n, 3, generator=g, device=dev)
        c2 = torch.rand(n, 3, generator=g, device=dev)

        # 1) geometry. affine_grid maps output coords o to input coords i = A o + b. An object
        #    scaled by s, rotated by phi and centred at t: i = F R(-phi) (o - t) / s, F = flip.
        s = a.scale[0] + (a.scale[1] - a.scale[0]) * r[:, 0]
        phi = (r[:, 1] * 2 - 1) * math.radians(a.max_rotation_deg)
        t = (r[:, 2:4] * 2 - 1) * a.max_shift  # [n,2]
        flip = torch.where(r[:, 4] < a.flip_p, -1.0, 1.0)
        cos, sin = torch.cos(phi) / s, torch.sin(phi) / s
        A = torch.stack([torch.stack([cos * flip, sin * flip], -1),
                         torch.stack([-sin, cos], -1)], 1)  # [n,2,2]
        b = -(A @ t.unsqueeze(-1)).squeeze(-1)  # [n,2]
        theta = torch.cat([A, b.unsqueeze(-1)], -1)  # [n,2,3]
        grid = F.affine_grid(theta, [n, 4, size, size], align_corners=False)
        fg = F.grid_sample(rgba, grid, mode="bilinear", padding_mode="zeros",
                           align_corners=False)  # [n,4,size,size], transparent outside

        # 2) background: solid c1, white, a linear gradient c1 -> c2, or a two-tone split.
        lin = (torch.arange(size, device=dev, dtype=torch.float32) + 0.5) / size * 2 - 1
        yy, xx = torch.meshgrid(lin, lin, indexing="ij")
        ang = r[:, 5] * (2 * math.pi)
        off = (r[:, 6] * 2 - 1) * 0.5
        proj = torch.cos(ang)[:, None, None] * xx + torch.sin(ang)[:, None, None] * yy  # [n,s,s]
        proj = proj - off[:, None, None]
        kind = r[:, 7]
        is_grad = (kind < a.p_gradient)[:, None, None]
        is_two = ((kind >= a.p_gradient) & (kind < a.p_gradient + a.p_two_tone))[:, None, None]
        w = torch.where(is_grad, (proj * 0.5 + 0.5).clamp(0, 1),
                        torch.where(is_two, (proj > 0).float(), torch.zeros_like(proj)))
        white = (r[:, 8] < a.p_white) & ~(is_grad | is_two).view(n)
        c1 = torch.where(white[:, None], torch.ones_like(c1), c1)
        bg = c1[:, :, None, None] + (c2 - c1)[:, :, None, None] * w[:, None]

        # 3) composite (premultiplied "over"), then average-pool the supersampled canvas.
        rgb = fg[:, :3] + (1 - fg[:, 3:4]) * bg
        if ss > 1:
            rgb = F.avg_pool2d(rgb, ss)
        return (rgb * 2 - 1).clamp(-1, 1)

    def render(self, split: str, n: int, seed: int = 0, batch: int = 4096
               ) -> Tuple[torch.Tensor, torch.Tensor]:
        """n class-balanced images of the named split ("train", "val", "test"), each split its own
        seed stream: deterministic "real" images for evaluation."""
        g = self.generator(seed, f"render-{split}")
        y = torch.arange(n, device=self.device) % self.num_classes
        xs = [self.sample(len(yb), g, y=yb)[0] for yb in y.split(batch)]
        return torch.cat(xs) if xs else torch.empty(0, 3, self.image_size, self.image_size), y


def open_source(root: str, image_size: int, device: Any = "cpu", num_workers: int = 4):
    """An EmojiZoo when `root` holds `base/` (the emoji zoo layout), else an ImageFolderSource."""
    if os.path.isdir(os.path.join(root, "base")):
        return EmojiZoo(root, image_size=image_size, device=device)
    return ImageFolderSource(root, image_size, device=device, num_workers=num_workers)


def make_synthetic_zoo(root: str, labels: Sequence[str] = ("cat", "dog", "frog", "fox"),
                       styles: Sequence[str] = ("twemoji", "noto"), size: int = 80) -> str:
    """Write a tiny stand-in emoji zoo (coloured shapes with transparency) for tests and smoke runs
    where the real artwork (built by training/emoji with Node) is absent."""
    from PIL import ImageDraw

    palette = [(230, 160, 40), (150, 100, 60), (60, 180, 70), (220, 90, 30), (90, 120, 220),
               (200, 60, 160), (240, 220, 60), (40, 40, 40)]
    for ci, label in enumerate(labels):
        d = os.path.join(root, "base", label)
        os.makedirs(d, exist_ok=True)
        for si, style in enumerate(styles):
            for k in range(2):
                im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
                dr = ImageDraw.Draw(im)
                col = palette[(ci + k) % len(palette)] + (255,)
                m = 8 + 4 * si
                if ci % 3 == 0:
                    dr.ellipse([m, m, size - m, size - m], fill=col)
                elif ci % 3 == 1:
                    dr.rectangle([m, m + 6, size - m, size - m], fill=col)
                else:
                    dr.polygon([(size // 2, m), (size - m, size - m), (m, size - m)], fill=col)
                eye = (255, 255, 255, 255) if k == 0 else (0, 0, 0, 255)
                dr.ellipse([size // 3 - 5, size // 2 - 8, size // 3 + 5, size // 2 + 2], fill=eye)
                dr.ellipse([2 * size // 3 - 5, size // 2 - 8, 2 * size // 3 + 5, size // 2 + 2],
                           fill=eye)
                im.save(os.path.join(d, f"{style}-{1000 + ci * 10 + k:X}.png"))
    with open(os.path.join(root, "classes.json"), "w") as f:
        json.dump({"labels": list(labels), "synthetic": True}, f)
    return root


# ------------------------------------------------------------------------------------------------
# Latent bank: codes of many augmented images, encoded once with the trained VQ
# ------------------------------------------------------------------------------------------------

@dataclass
class LatentBank:
    codes: torch.Tensor  # [N,h,w] int16 (K <= 32767) or int32: 4x smaller than int64 on the device
    y: torch.Tensor  # [N] int64 class ids
    codebook: torch.Tensor  # [K,D] float32, the VQ codebook the codes index
    meta: Dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.codes.shape[0]

    def to(self, device: Any) -> "LatentBank":
        return LatentBank(self.codes.to(device), self.y.to(device), self.codebook.to(device),
                          self.meta)

    def embed(self, codes: torch.Tensor) -> torch.Tensor:
        """codes [B,h,w] -> z1 = e[codes] [B,D,h,w]."""
        return self.codebook[codes.long()].permute(0, 3, 1, 2).contiguous()

    def sample(self, n: int, generator: Optional[torch.Generator] = None
               ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """A random batch (with replacement): (z1 [n,D,h,w], codes [n,h,w] int64, y [n])."""
        idx = torch.randint(0, len(self), (n,), generator=generator, device=self.codes.device)
        codes = self.codes[idx].long()
        return self.embed(codes), codes, self.y[idx]

    def save(self, path: str) -> None:
        # meta as a JSON string: torch.load(weights_only=True) reads it on torch 1.13 and 2.x alike
        torch.save({"codes": self.codes.cpu(), "y": self.y.cpu(),
                    "codebook": self.codebook.cpu(), "meta_json": json.dumps(self.meta)}, path)

    @staticmethod
    def load(path: str, device: Any = "cpu") -> "LatentBank":
        try:
            d = torch.load(path, map_location="cpu", weights_only=True)  # tensors + a JSON string
        except Exception:  # an older bank with a pickled meta dict (our own file)
            d = torch.load(path, map_location="cpu", weights_only=False)
            d.setdefault("meta_json", json.dumps(d.get("meta", {})))
        meta = json.loads(d["meta_json"]) if "meta_json" in d else {}
        return LatentBank(d["codes"], d["y"], d["codebook"], meta).to(device)


def _config_dict(cfg: Any) -> Dict[str, Any]:
    from .config import to_dict

    return to_dict(cfg)


def codebook_fingerprint(codebook: torch.Tensor) -> str:
    """sha1 of the fp16 codebook: a DiT checkpoint only resumes on a bank of the same codebook."""
    raw = codebook.detach().to("cpu", torch.float16).contiguous().numpy().tobytes()
    return hashlib.sha1(raw).hexdigest()[:16]


def code_dtype(codebook_size: int) -> torch.dtype:
    return torch.int16 if codebook_size <= 32767 else torch.int32


@torch.no_grad()
def encode_codes(vq: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Images [B,3,H,W] -> code indices [B,h,w]. The encoder runs in fp32 (TF32 on CUDA when
    allowed) so the nearest-code search is not perturbed by bf16 rounding."""
    z_e = vq.encode(x)
    _, codes, _ = vq.quantize(z_e.float())
    return codes


@torch.no_grad()
def build_latent_bank(vq: torch.nn.Module, source, n: int, batch: int = 1024, seed: int = 0,
                      log_every_s: float = 10.0) -> LatentBank:
    """Encode n augmented images of `source` (EmojiZoo: seed stream "bank"; ImageFolderSource:
    its shuffled loader) into a LatentBank kept on the source's device."""
    import time

    was_training = vq.training
    vq.eval()
    codebook = vq.codebook.detach().float()
    K = codebook.shape[0]
    g = make_generator(source.device, seed, "bank")
    codes_out, ys = [], []
    done, t0, last = 0, time.time(), time.time()
    while done < n:
        b = min(batch, n - done)
        x, y = source.sample(b, g)
        codes_out.append(encode_codes(vq, x).to(code_dtype(K)))
        ys.append(y.long())
        done += b
        if time.time() - last > log_every_s:
            last = time.time()
            print(f"[bank] {done}/{n} images encoded ({done / (last - t0):.0f} img/s)", flush=True)
    vq.train(was_training)
    codes = torch.cat(codes_out)
    usage = torch.bincount(codes.long().flatten(), minlength=K).float()
    p = usage / usage.sum()
    vq_cfg = getattr(vq, "cfg", None)
    meta = {"n": n, "seed": seed, "codebook_size": K, "labels": list(getattr(source, "labels", [])),
            "codebook_sha1": codebook_fingerprint(codebook),
            "vq": _config_dict(vq_cfg) if vq_cfg is not None else None,
            "codes_used": int((usage > 0).sum()),
            "perplexity": float(torch.exp(-(p[p > 0] * p[p > 0].log()).sum())),
            "seconds": round(time.time() - t0, 2)}
    return LatentBank(codes, torch.cat(ys), codebook, meta)


def main(argv: Optional[List[str]] = None) -> None:
    """`../.venv/bin/python -m purrception.data bank --vq DIR --data ROOT --n N --out bank.pt`:
    encode a bank; `../.venv/bin/python -m purrception.data preview --data ROOT --out grid.png`:
    a grid of augmented images."""
    import argparse
    import time

    ap = argparse.ArgumentParser(description="Latent bank / augmentation preview.")
    ap.add_argument("command", choices=["bank", "preview"])
    ap.add_argument("--data", required=True)
    ap.add_argument("--vq", help="VQ checkpoint directory (bank)")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--image-size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    from . import trainutil as tu

    tu.setup_process()
    device = tu.pick_device(args.device)
    if args.command == "preview":
        src = open_source(args.data, args.image_size, device)
        x, _ = src.sample(64, make_generator(device, args.seed))
        a = to_uint8(x)
        grid = np.concatenate([np.concatenate(list(a[r * 8:(r + 1) * 8]), 1) for r in range(8)], 0)
        Image.fromarray(grid).save(args.out)
        return
    vq, _ = tu.load_vq(args.vq, device)
    src = open_source(args.data, vq.cfg.image_size, device)
    t0 = time.time()
    bank = build_latent_bank(vq, src, args.n, batch=args.batch, seed=args.seed)
    bank.save(args.out)
    print(json.dumps({"bank": args.out, "seconds": round(time.time() - t0, 1),
                      **{k: v for k, v in bank.meta.items() if k != "vq"}}), flush=True)


__all__ = ["ImageFolder", "ImageFolderSource", "EmojiZoo", "AugmentConfig", "LatentBank",
           "build_latent_bank", "encode_codes", "open_source", "make_synthetic_zoo", "read_labels",
           "make_generator", "stream_seed", "to_uint8", "from_uint8", "load_rgb", "save_png_folder"]

if __name__ == "__main__":
    main()
