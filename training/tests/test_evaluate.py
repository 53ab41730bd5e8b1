"""Evaluation: Frechet distance, class accuracy, the classifier's parts round trip, PNG folders,
plots without matplotlib."""

from __future__ import annotations

import json
import os

import pytest
import torch

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
    return root, zoo, clf, d


def test_classifier_learns_toy_set_and_round_trips(trained):
    root, zoo, clf, d = trained
    x, y = zoo.render("test", 60)
    _, logits = ev.features_and_logits(clf, x)
    assert ev.class_accuracy(logits, y) > 0.8  # shapes + colours are easy
    back, config = ev.load_classifier(d)
    assert config["labels"] == ["cat", "dog", "fox"] and config["image_size"] == 32
    f1, _ = ev.features_and_logits(clf, x)
    f2, _ = ev.features_and_logits(back, x)
    assert torch.allclose(f1, f2, atol=1e-5)  # fp16 parts: the weights were rounded before use


def test_evaluator_ceiling_and_png_folder(trained, tmp_path):
    root, zoo, clf, d = trained
    e = ev.Evaluator.from_paths(d, root, "cpu", n_ref=60)
    real = e.ceiling(60)
    assert real["acc"] > 0.8 and real["n"] == 60
    x, y = zoo.render("test", 60)
    noisy = (x + 0.8 * torch.randn_like(x)).clamp(-1, 1)
    bad = e.metrics(noisy, y)
    assert bad["fd_clf"] > real["fd_clf"]
    # a folder of PNGs (as written by the HTTP service's client) through the CLI
    save_png_folder(x, y, zoo.labels, str(tmp_path / "gen"))
    res = ev.main(["--data", root, "--classifier", d, "--image-size", "32",
                   "--images", str(tmp_path / "gen"), "--n", "60", "--out", str(tmp_path / "o")])
    assert res["folder"]["n"] == 60 and res["folder"]["acc"] > 0.8
    # PNG quantisation changes the images by < 1/255: the metrics stay close to the real ceiling
    assert res["folder"]["fd_clf"] < bad["fd_clf"]
    assert json.load(open(tmp_path / "o" / "results.json"))["note"].startswith("FD-clf")


def test_tokenizer_ceiling_runs_real_images_through_the_vq(trained, tiny_models):
    root, zoo, clf, d = trained
    e = ev.Evaluator.from_paths(d, root, "cpu", n_ref=60)
    untrained_vq, dit = tiny_models[0].eval(), tiny_models[1]  # reconstructions lose the content
    model = ev.TorchModel(dit, untrained_vq, untrained_vq.codebook.detach())
    real, through = e.ceilings(model, 60, batch=25)
    assert through["n"] == 60
    assert through["fd_clf"] > real["fd_clf"] and through["acc"] < real["acc"]


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


def test_plots_without_matplotlib(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_mpl(name, *a, **k):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_mpl)
    results = {"ceiling": {"acc": 0.9, "fd_clf": 1.0},
               "tokenizer_ceiling": {"acc": 0.7, "fd_clf": 2.0},
               "tau_sweep": [{"tau": t, "cfg": 1.3, "steps": 8, "n": 10, "acc": 0.5 + t / 4,
                              "fd_clf": 5 - t} for t in (0.1, 0.5, 0.9)],
               "cfg_sweep": [{"tau": 0.9, "cfg": c, "steps": 8, "n": 10, "acc": 0.4,
                              "fd_clf": 3 + c} for c in (0, 1, 2)]}
    assert [h["y"] for h in ev.ceiling_lines(results, "acc")] == [0.9, 0.7]
    p = ev.plot_sweeps(results, str(tmp_path / "s.png"))
    c = ev.plot_convergence({"purrception": [{"step": 1, "fd_clf": 3, "acc": 0.2},
                                             {"step": 2, "fd_clf": 2, "acc": 0.4}],
                             "cfm": [{"step": 1, "fd_clf": 4, "acc": 0.1}]},
                            str(tmp_path / "c.png"), {"fd_clf": 1.0, "acc": 0.9})
    from PIL import Image

    assert Image.open(p).size[0] > 1000 and os.path.getsize(c) > 1000


@requires_ort
def test_an_exported_dfm_model_samples_as_the_pytorch_reference(tmp_path):
    from purrception.export import export_model
    from purrception.fixtures import random_models

    vq, dit = random_models("fixture", 0, objective="dfm")
    out = export_model(vq, dit, tmp_path / "dfm", "dfm", ["a", "b", "c", "d"],
                       {"steps": 4, "cfg": 2.0}, {})
    onnx_model, torch_model = ev.OnnxModel(str(out)), ev.TorchModel(dit, vq, vq.codebook.detach())
    y, z0 = torch.tensor([0, 1, 2, 3]), torch.zeros(4, *onnx_model.latent_shape)
    a = onnx_model.sample(y, 4, 2.0, 1.0, z0, torch.Generator().manual_seed(5))
    b = torch_model.sample(y, 4, 2.0, 1.0, z0, torch.Generator().manual_seed(5))
    assert a.shape == (4, 3, 32, 32)
    assert (a - b).abs().max(1).values.le(1e-4).float().mean() > 0.95
