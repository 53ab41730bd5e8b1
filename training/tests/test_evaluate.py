"""Evaluation: Frechet distance, class accuracy, the classifiers' parts round trip, PNG folders,
the colour-blind classifier (colour earns it nothing), plots."""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil

import pytest
import torch
from PIL import Image, ImageDraw

from conftest import requires_ort
from purrception import evaluate as ev
from purrception.data import EmojiZoo, make_synthetic_zoo, save_png_folder

torch.set_num_threads(1)


def test_fd_zero_for_identical_sets_and_grows_with_shift():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(800, 16, generator=g, dtype=torch.float64) @ torch.randn(16, 16, generator=g,
                                                                            dtype=torch.float64)
    assert abs(ev.fd_between(a, a)) < 1e-6
    b = torch.randn(800, 16, generator=g, dtype=torch.float64) @ torch.randn(16, 16, generator=g,
                                                                            dtype=torch.float64)
    small, big = ev.fd_between(a, a + 0.1), ev.fd_between(a, a + 1.0)
    assert 0 < small < big
    assert big == pytest.approx(16 * 1.0, rel=1e-6)  # a pure shift adds |d|^2 = 16
    assert ev.fd_between(a, 2 * a) > 1.0  # scaled covariance
    assert ev.fd_between(a, b) > 0


def test_fd_matches_closed_form_for_diagonal_gaussians():
    mu1, mu2 = torch.zeros(3, dtype=torch.float64), torch.tensor([1.0, 0, 0], dtype=torch.float64)
    s1 = torch.diag(torch.tensor([1.0, 4.0, 9.0], dtype=torch.float64))
    s2 = torch.diag(torch.tensor([4.0, 4.0, 1.0], dtype=torch.float64))
    # sum (sqrt(a) - sqrt(b))^2 + |d|^2 = (1-2)^2 + 0 + (3-1)^2 + 1 = 6
    assert ev.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(6.0)


def test_class_accuracy():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 1.0], [5.0, 0.0, 0.0]])
    assert ev.class_accuracy(logits, torch.tensor([0, 1, 2, 1])) == 0.75


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = make_synthetic_zoo(str(tmp_path_factory.mktemp("zoo")), labels=("cat", "dog", "fox"))
    zoo = EmojiZoo(root, image_size=32)
    clf, info = ev.train_classifier(zoo, iters=120, batch=32, lr=3e-3, width=8, log_every=1000)
    d = str(tmp_path_factory.mktemp("clf") / "clf")
    ev.save_classifier(clf, d, zoo.labels, {**info, "image_size": 32})
    cb, cb_info = ev.train_classifier(zoo, iters=120, batch=32, lr=3e-3, width=8, log_every=1000,
                                      colour_blind=True)
    ev.save_classifier(cb, os.path.join(d, ev.CB_SUBDIR), zoo.labels, {**cb_info, "image_size": 32})
    return root, zoo, clf, d, cb


def test_classifiers_learn_toy_set_and_round_trip(trained):
    root, zoo, clf, d, cb = trained
    x, y = zoo.render("test", 60)
    for model, path, kind in ((clf, d, "classifier"),
                              (cb, os.path.join(d, ev.CB_SUBDIR), "colour-blind classifier")):
        _, logits = ev.features_and_logits(model, x)
        assert ev.class_accuracy(logits, y) > 0.8  # the toy classes differ in shape too
        back, config = ev.load_classifier(path)
        assert type(back) is type(model) and config["kind"] == kind
        assert config["labels"] == ["cat", "dog", "fox"] and config["image_size"] == 32
        f1, _ = ev.features_and_logits(model, x)
        f2, _ = ev.features_and_logits(back, x)
        assert torch.allclose(f1, f2, atol=1e-5)  # fp16 parts: the weights were rounded before use


def test_evaluator_ceiling_and_png_folder(trained, tmp_path):
    root, zoo, clf, d, cb = trained
    e = ev.Evaluator.from_paths(d, root, "cpu", n_ref=60)
    real = e.ceiling(60)
    assert real["acc"] > 0.8 and real["acc_cb"] > 0.8 and real["n"] == 60
    x, y = zoo.render("test", 60)
    noisy = (x + 0.8 * torch.randn_like(x)).clamp(-1, 1)
    bad = e.metrics(noisy, y)
    assert bad["fd_clf"] > real["fd_clf"]
    # a folder of PNGs (as written by the HTTP service's client) through the CLI
    save_png_folder(x, y, zoo.labels, str(tmp_path / "gen"))
    res = ev.main(["--data", root, "--classifier", d, "--image-size", "32",
                   "--images", str(tmp_path / "gen"), "--n", "60", "--out", str(tmp_path / "o")])
    assert res["folder"]["n"] == 60 and res["folder"]["acc"] > 0.8
    assert res["folder"]["acc_cb"] > 0.8
    assert set(res["ceiling"]) == set(res["folder"]) - {"per_class"}
    per_class = res["folder"]["per_class"]  # every label, its own counts adding up to the whole
    assert list(per_class) == zoo.labels and sum(r["n"] for r in per_class.values()) == 60
    hits = sum(r["acc"] * r["n"] for r in per_class.values())
    assert abs(hits / 60 - res["folder"]["acc"]) < 1e-6
    assert all("acc_cb" in r for r in per_class.values())
    # PNG quantisation changes the images by < 1/255: the metrics stay close to the real ceiling
    assert res["folder"]["fd_clf"] < bad["fd_clf"]
    saved = json.load(open(tmp_path / "o" / "results.json"))
    assert saved["note"].startswith("FD-clf") and saved["colour_blind_note"].startswith("acc_cb")
    assert saved["colour_blind_classifier"]["steps"] == 120  # the fixture's, loaded


def test_the_colour_blind_classifier_is_trained_on_first_use_beside_an_existing_one(trained,
                                                                                    tmp_path):
    root, zoo, clf, d, cb = trained
    old = tmp_path / "clf"  # a classifier dir from before the colour-blind one existed
    shutil.copytree(d, old, ignore=shutil.ignore_patterns(ev.CB_SUBDIR))
    before = {f.name: f.read_bytes() for f in old.iterdir()}
    x, y = zoo.render("test", 32)
    save_png_folder(x, y, zoo.labels, str(tmp_path / "gen"))
    res = ev.main(["--data", root, "--classifier", str(old), "--image-size", "32", "--n", "32",
                   "--images", str(tmp_path / "gen"), "--out", str(tmp_path / "o"),
                   "--clf-iters", "3", "--cb-width", "8", "--clf-width", "16"])
    assert {f.name: f.read_bytes() for f in old.iterdir() if f.is_file()} == before
    trained_cb, config = ev.load_classifier(str(old / ev.CB_SUBDIR))
    assert isinstance(trained_cb, ev.ColourBlindCNN) and config["arch"]["width"] == 8
    assert config["metrics"]["steps"] == 3  # --cb-iters defaults to --clf-iters
    assert res["colour_blind_classifier"]["steps"] == 3 and "acc_cb" in res["folder"]
    assert res["classifier"]["steps"] == 120  # the colour classifier was loaded, not retrained


def test_tokenizer_ceiling_runs_real_images_through_the_vq(trained, tiny_models):
    root, zoo, clf, d, cb = trained
    e = ev.Evaluator.from_paths(d, root, "cpu", n_ref=60)
    untrained_vq, dit = tiny_models[0].eval(), tiny_models[1]  # reconstructions lose the content
    model = ev.TorchModel(dit, untrained_vq, untrained_vq.codebook.detach())
    real, through = e.ceilings(model, 60, batch=25)
    assert through["n"] == 60
    assert through["fd_clf"] > real["fd_clf"] and through["acc"] < real["acc"]
    assert through["acc_cb"] < real["acc_cb"]


@requires_ort
def test_an_exported_model_directory_samples_as_the_pytorch_reference(exported):
    out, vq, dit = exported
    onnx_model, torch_model = ev.OnnxModel(str(out)), ev.TorchModel(dit, vq, vq.codebook.detach())
    assert onnx_model.latent_shape == torch_model.latent_shape == (4, 8, 8)
    y = torch.tensor([0, 1, 2, 3])
    z0 = torch.randn(4, *onnx_model.latent_shape, generator=torch.Generator().manual_seed(3))
    a = onnx_model.sample(y, 4, 2.0, 0.9, z0, None)
    b = torch_model.sample(y, 4, 2.0, 0.9, z0, None)
    assert a.shape == (4, 3, 32, 32)
    # the same codes decode to the same pixels; rounding may flip a rare near-tie code
    assert (a - b).abs().max(1).values.le(1e-4).float().mean() > 0.95
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    torch.testing.assert_close(onnx_model.round_trip(x), torch_model.round_trip(x).clamp(-1, 1),
                               atol=1e-4, rtol=0)


def test_a_model_directory_without_an_encoder_has_no_tokenizer_ceiling(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({
        "name": "m", "latent": {"channels": 4, "height": 8, "width": 8},
        "graphs": {"step": "step.onnx", "decode": "decode.onnx"}}))
    with pytest.raises(ValueError, match="no encode graph"):
        ev.OnnxModel(str(tmp_path)).round_trip(torch.zeros(1, 3, 32, 32))


def _hue_rotation(x: torch.Tensor, angle: float) -> torch.Tensor:
    """Rotate RGB (in [-1,1]: grey is 0) about the grey axis (1,1,1) by `angle` (Rodrigues)."""
    k = torch.full((3,), 3 ** -0.5)
    cross = torch.tensor([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rot = torch.eye(3) + math.sin(angle) * cross + (1 - math.cos(angle)) * cross @ cross
    return torch.einsum("ij,njhw->nihw", rot, x)


def test_the_colour_blind_classifier_cannot_see_colour(trained):
    """Its evaluation input is the same for an image recoloured by any channel permutation, any hue
    rotation about the grey axis, or inversion, so its outputs are the same; the colour classifier
    and a fixed unequal luminance (Rec. 601) fail this check."""
    root, zoo, clf, d, cb = trained
    x, y = zoo.render("test", 48)
    half = 0.5 * x  # half contrast: rotated colours stay inside the RGB cube, nothing clips
    pairs = [(x, x[:, list(perm)]) for perm in itertools.permutations(range(3))]
    pairs += [(x, -x), (half, _hue_rotation(half, 1.0)), (half, _hue_rotation(half, 2.5))]
    for a, b in pairs:
        torch.testing.assert_close(cb.features(a), cb.features(b), atol=1e-5, rtol=0)
        assert ev.class_accuracy(cb(a), y) == ev.class_accuracy(cb(b), y)
    swapped = x[:, [2, 1, 0]]
    assert (clf.features(x) - clf.features(swapped)).abs().max() > 0.1
    rec601 = torch.tensor([0.299, 0.587, 0.114])
    view = ev.luminance_view
    assert (view(x, rec601, 32) - view(swapped, rec601, 32)).abs().max() > 0.1


def _disc_and_square_zoo(root: str) -> str:
    """Three classes: a red disc, the same disc blue (R and B swapped: a colour twin), a red square;
    two styles (sizes) each, with eyes."""
    labels = {"red-disc": ((220, 60, 40), "disc"), "blue-disc": ((40, 60, 220), "disc"),
              "red-square": ((220, 60, 40), "square")}
    for label, (colour, shape) in labels.items():
        os.makedirs(os.path.join(root, "base", label))
        for style, margin in (("a", 8), ("b", 14)):
            im = Image.new("RGBA", (80, 80), (0, 0, 0, 0))
            draw = ImageDraw.Draw(im)
            box = [margin, margin, 80 - margin, 80 - margin]
            (draw.ellipse if shape == "disc" else draw.rectangle)(box, fill=colour + (255,))
            for cx in (28, 52):
                draw.ellipse([cx - 5, 30, cx + 5, 40], fill=(255, 255, 255, 255))
            im.save(os.path.join(root, "base", label, f"{style}-1F600.png"))
    with open(os.path.join(root, "classes.json"), "w") as f:
        json.dump({"labels": list(labels)}, f)
    return root


def test_colour_twins_are_chance_for_the_colour_blind_classifier(tmp_path):
    """Two classes that differ only in colour: the colour classifier tells them apart, the
    colour-blind one (trained the same way) cannot, yet it tells the disc from the square."""
    zoo = EmojiZoo(_disc_and_square_zoo(str(tmp_path)), image_size=32)
    x, y = zoo.render("test", 300)
    twins = y < 2

    def predictions(colour_blind: bool, iters: int) -> torch.Tensor:
        model, _ = ev.train_classifier(zoo, iters=iters, batch=32, lr=3e-3, width=8,
                                       log_every=1000, colour_blind=colour_blind)
        return ev.features_and_logits(model, x)[1].argmax(1)

    colour, blind = predictions(False, 120), predictions(True, 200)  # shapes take longer
    assert (colour == y)[twins].float().mean() > 0.9
    assert ((blind == 2) == (y == 2)).float().mean() > 0.85  # disc or square: 0.67 by chance
    said_disc = twins & (blind < 2)  # which twin, among the discs it recognised
    assert said_disc.sum() > 150 and abs((blind == y)[said_disc].float().mean() - 0.5) < 0.15


def test_plots(tmp_path):
    pts = {"acc": 0.4, "acc_cb": 0.1}
    results = {"ceiling": {"acc": 0.9, "acc_cb": 0.8, "fd_clf": 1.0},
               "tokenizer_ceiling": {"acc": 0.7, "acc_cb": 0.5, "fd_clf": 2.0},
               "tau_sweep": [{"tau": t, "cfg": 1.3, "steps": 8, "n": 10, **pts, "fd_clf": 5 - t}
                             for t in (0.1, 0.5, 0.9)],
               "cfg_sweep": [{"tau": 0.9, "cfg": c, "steps": 8, "n": 10, **pts, "fd_clf": 3 + c}
                             for c in (0, 1, 2)]}
    assert [h["y"] for h in ev.ceiling_lines(results, "acc_cb")] == [0.8, 0.5]
    p = ev.plot_sweeps(results, str(tmp_path / "s.png"))
    assert Image.open(p).size == (6 * 495, 396)  # FD-clf, acc, acc_cb for each sweep
    c = ev.plot_convergence({"purrception": [{"step": 1, "fd_clf": 3, "acc": 0.2},
                                             {"step": 2, "fd_clf": 2, "acc": 0.4}],
                             "cfm": [{"step": 1, "fd_clf": 4, "acc": 0.1, "acc_cb": 0.1}]},
                            str(tmp_path / "c.png"), {"fd_clf": 1.0, "acc": 0.9})
    assert Image.open(c).size == (2 * 495, 396)  # acc_cb: not in every record, not plotted


@requires_ort
def test_an_exported_dfm_model_samples_as_the_pytorch_reference(tmp_path):
    from purrception.export import export_model
    from purrception.random_weights import random_models

    vq, dit = random_models("fixture", 0, objective="dfm")
    out = export_model(vq, dit, tmp_path / "dfm", "dfm", ["a", "b", "c", "d"],
                       {"steps": 4, "cfg": 2.0}, {})
    onnx_model, torch_model = ev.OnnxModel(str(out)), ev.TorchModel(dit, vq, vq.codebook.detach())
    y, z0 = torch.tensor([0, 1, 2, 3]), torch.zeros(4, *onnx_model.latent_shape)
    a = onnx_model.sample(y, 4, 2.0, 1.0, z0, torch.Generator().manual_seed(5))
    b = torch_model.sample(y, 4, 2.0, 1.0, z0, torch.Generator().manual_seed(5))
    assert a.shape == (4, 3, 32, 32)
    assert (a - b).abs().max(1).values.le(1e-4).float().mean() > 0.95
