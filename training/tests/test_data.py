"""Datasets: emoji-zoo augmentation (shapes, range, determinism, splits), ImageFolder, bank."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

import json
import shutil

from purrception.data import (AUGMENTS, EmojiZoo, ImageFolder, LatentBank, build_latent_bank,
                              make_generator, make_synthetic_zoo, open_source, read_labels)

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def zoo_root(tmp_path_factory):
    return make_synthetic_zoo(str(tmp_path_factory.mktemp("zoo")), labels=("cat", "dog", "fox"))


def test_zoo_loads_labels_and_images(zoo_root):
    zoo = EmojiZoo(zoo_root, image_size=32)
    assert zoo.labels == ["cat", "dog", "fox"] == read_labels(zoo_root)
    assert len(zoo) == 12 and zoo.images.shape == (12, 4, 80, 80)
    assert zoo.class_count.tolist() == [4, 4, 4]
    # premultiplied alpha: no colour where alpha is 0
    a = zoo.images[:, 3:]
    assert float((zoo.images[:, :3] * (a == 0)).abs().max()) == 0.0


def test_augment_shapes_range_and_determinism(zoo_root):
    zoo = EmojiZoo(zoo_root, image_size=32)
    x1, y1 = zoo.sample(24, zoo.generator(7))
    x2, y2 = zoo.sample(24, zoo.generator(7))
    x3, _ = zoo.sample(24, zoo.generator(8))
    assert x1.shape == (24, 3, 32, 32) and y1.shape == (24,) and y1.dtype == torch.long
    assert float(x1.min()) >= -1.0 and float(x1.max()) <= 1.0
    assert torch.equal(x1, x2) and torch.equal(y1, y2)  # same seed -> same batch
    assert not torch.equal(x1, x3)
    assert int(y1.max()) < 3
    # augmentation varies the images: two draws of the same base image differ
    base = zoo.images[:1].expand(2, -1, -1, -1)
    pair = zoo.augment(base, make_generator("cpu", 0))
    assert float((pair[0] - pair[1]).abs().mean()) > 0.01


def test_augment_json_names_the_augmentation(zoo_root, tmp_path):
    root = str(tmp_path / "plain")
    shutil.copytree(zoo_root, root)
    assert EmojiZoo(root, image_size=32).augment_name == "full"  # no augment.json
    with open(f"{root}/augment.json", "w") as f:
        json.dump({"augment": "plain"}, f)
    zoo = EmojiZoo(root, image_size=32)
    assert zoo.augment_name == "plain" and zoo.aug == AUGMENTS["plain"]
    x, _ = zoo.sample(32, zoo.generator(3))
    # plain: always on white, upright and nearly full size, so the corners stay white
    corners = torch.stack([x[:, :, 0, 0], x[:, :, 0, -1], x[:, :, -1, 0], x[:, :, -1, -1]])
    assert float(corners.min()) > 0.99
    full, _ = EmojiZoo(zoo_root, image_size=32).sample(32, zoo.generator(3))
    assert float(full[:, :, 0, 0].min()) < 0.5  # the full augmentation paints other backgrounds
    with open(f"{root}/augment.json", "w") as f:
        json.dump({"augment": "wobbly"}, f)
    with pytest.raises(ValueError, match="must be one of"):
        EmojiZoo(root, image_size=32)


def test_render_splits_are_balanced_and_independent(zoo_root):
    zoo = EmojiZoo(zoo_root, image_size=32)
    xv, yv = zoo.render("val", 9, seed=0)
    xv2, _ = zoo.render("val", 9, seed=0)
    xt, yt = zoo.render("test", 9, seed=0)
    assert torch.equal(xv, xv2)
    assert yv.tolist() == [0, 1, 2] * 3 == yt.tolist()
    assert not torch.equal(xv, xt)
    xs, _ = zoo.sample(9, zoo.generator(0))
    assert not torch.equal(xs, xv)


def test_image_folder(tmp_path):
    for name, colour in (("b_red", (255, 0, 0)), ("a_blue", (0, 0, 255))):
        d = tmp_path / name
        d.mkdir()
        for i in range(3):  # non-square, larger than the target: resize + center crop
            Image.new("RGB", (40 + i, 30), colour).save(d / f"{i}.png")
    ds = ImageFolder(str(tmp_path), image_size=16)
    assert ds.classes == ["a_blue", "b_red"] and len(ds) == 6
    x, y = ds[0]
    assert x.shape == (3, 16, 16) and y == 0
    assert torch.allclose(x[2], torch.ones(16, 16)) and torch.allclose(x[0], -torch.ones(16, 16))
    xs, ys = ds.load_all()
    assert xs.shape == (6, 3, 16, 16) and ys.tolist() == [0, 0, 0, 1, 1, 1]
    src = open_source(str(tmp_path), 16)  # no base/: the ImageFolder source
    xb, yb = src.render("val", 4)
    assert xb.shape == (4, 3, 16, 16) and len(yb) == 4
    ds2 = ImageFolder(str(tmp_path), 16, classes=["b_red", "a_blue", "c"])
    assert ds2[0][1] == 1


class _FakeVQ(torch.nn.Module):
    """Encoder = 4x4 average pool; quantizer = nearest of 8 fixed codes."""

    def __init__(self):
        super().__init__()
        self.codebook = torch.linspace(-1, 1, 8)[:, None].repeat(1, 3)

    def encode(self, x):
        return torch.nn.functional.avg_pool2d(x, 4)

    def quantize(self, z):
        zf = z.permute(0, 2, 3, 1)
        codes = ((zf[..., None, :] - self.codebook) ** 2).sum(-1).argmin(-1)
        return self.codebook[codes].permute(0, 3, 1, 2), codes, torch.zeros(())


def test_latent_bank_roundtrip(zoo_root, tmp_path):
    zoo = EmojiZoo(zoo_root, image_size=16)
    bank = build_latent_bank(_FakeVQ(), zoo, n=40, batch=16, seed=0)
    assert bank.codes.shape == (40, 4, 4) and bank.codes.dtype == torch.int16
    assert bank.y.shape == (40,) and bank.meta["labels"] == ["cat", "dog", "fox"]
    z1, codes, y = bank.sample(5, make_generator("cpu", 0))
    assert z1.shape == (5, 3, 4, 4) and codes.dtype == torch.long
    assert torch.equal(z1, bank.codebook[codes].permute(0, 3, 1, 2))
    bank.save(str(tmp_path / "bank.pt"))
    back = LatentBank.load(str(tmp_path / "bank.pt"))
    assert torch.equal(back.codes, bank.codes) and back.meta["n"] == 40
    # the same seed encodes the same images
    again = build_latent_bank(_FakeVQ(), zoo, n=40, batch=16, seed=0)
    assert torch.equal(again.codes, bank.codes)
