import dataclasses
import json

import numpy as np
import pytest
import torch

from conftest import requires_ort
from purrception.config import DiTConfig
from purrception.export import export_model
from purrception.random_weights import random_models
from purrception.models import DiT
from purrception.ort import run_onnx
from purrception.sample import (decode_latents, dfm_update, purrception_step, sample, sample_dfm,
                                to_uint8)
from purrception.seeds import service_noise


def _setup(tiny_models, n=4, seed=0):
    vq, dit = tiny_models
    g = torch.Generator().manual_seed(seed)
    z0 = torch.randn((n, 4, 8, 8), generator=g)
    y = torch.arange(n) % 4
    return vq, dit, z0, y


def test_last_euler_step_lands_on_mu(tiny_models):
    vq, dit, z0, y = _setup(tiny_models)
    z1 = sample(dit, vq.codebook, y, 1, 1.3, 0.9, z0)
    mu = purrception_step(dit, vq.codebook, z0, torch.zeros(4), y, torch.full((4,), 1.3),
                          torch.full((4,), 0.9))
    assert torch.allclose(z1, mu, atol=1e-6)


def test_euler_matches_the_formula(tiny_models):
    vq, dit, z0, y = _setup(tiny_models)
    steps, cfg, tau = 3, torch.full((4,), 1.3), torch.full((4,), 0.9)
    z = z0.clone()
    for s in range(steps):
        t = s / steps
        # pi = softmax((l_u + w (l_c - l_u)) / tau) ; mu = sum pi e ; v = (mu - z)/(1 - t)
        l_c = dit(z, torch.full((4,), t), y)
        l_u = dit(z, torch.full((4,), t), torch.full((4,), 4))
        pi = torch.softmax((l_u + 1.3 * (l_c - l_u)) / 0.9, dim=1)
        mu = torch.einsum("nkhw,kc->nchw", pi, vq.codebook)
        z = z + (mu - z) / (1 - t) / steps
    with torch.no_grad():
        assert torch.allclose(sample(dit, vq.codebook, y, steps, cfg, tau, z0), z, atol=1e-5)


def test_cfg_zero_uses_only_the_null_class(tiny_models):
    vq, dit, z0, _ = _setup(tiny_models)
    a = sample(dit, vq.codebook, torch.tensor([0, 1, 2, 3]), 4, 0.0, 0.9, z0)
    b = sample(dit, vq.codebook, torch.tensor([3, 3, 0, 1]), 4, 0.0, 0.9, z0)
    c = sample(dit, vq.codebook, torch.tensor([3, 3, 0, 1]), 4, 1.0, 0.9, z0)
    assert torch.equal(a, b)
    assert (a - c).abs().max() > 1e-3  # and conditioning matters when cfg != 0


def test_per_sample_cfg_and_tau_equal_separate_runs(tiny_models):
    vq, dit, z0, y = _setup(tiny_models)
    cfg, tau = torch.tensor([0.0, 1.0, 2.5, 1.3]), torch.tensor([0.5, 0.9, 1.0, 1.7])
    batch = sample(dit, vq.codebook, y, 4, cfg, tau, z0)
    for i in range(4):
        one = sample(dit, vq.codebook, y[i:i + 1], 4, cfg[i].item(), tau[i].item(), z0[i:i + 1])
        assert torch.allclose(batch[i:i + 1], one, atol=1e-5)


def test_baseline_samplers_run():
    torch.manual_seed(0)
    codebook = torch.randn(16, 4)
    base = DiTConfig(latent_size=4, codebook_size=16, hidden=32, depth=1, heads=2, num_classes=3,
                     freq_dim=32)
    z0, y = torch.randn(2, 4, 4, 4), torch.tensor([0, 2])
    z = sample(DiT(dataclasses.replace(base, objective="cfm")), codebook, y, 4, 1.5, 1.0, z0)
    assert z.shape == z0.shape and torch.allclose(z, z0)  # zero-initialised velocity
    dfm = DiT(dataclasses.replace(base, objective="dfm"))
    z = sample(dfm, codebook, y, 4, 1.5, 1.0, z0, generator=torch.Generator().manual_seed(0))
    # every position unmasked by the last step, and on the codebook
    d = ((z.permute(0, 2, 3, 1)[..., None, :] - codebook) ** 2).sum(-1).min(-1).values
    assert d.max() < 1e-10


def test_decode_latents_range_and_pixels(tiny_models):
    vq, _, z0, _ = _setup(tiny_models)
    x = decode_latents(vq, z0)
    assert x.shape == (4, 3, 32, 32) and x.min() >= -1 and x.max() <= 1
    px = to_uint8(torch.tensor([-1.0, 0.0, 1.0, 2.0]).view(1, 1, 1, 4).expand(1, 3, 1, 4))
    assert px[0, 0, :, 0].tolist() == [0, 128, 255, 255]


@requires_ort
def test_pytorch_sampling_matches_onnx_euler(exported):
    """The same Euler run driven through step.onnx / decode.onnx gives the same codes."""
    out, vq, dit = exported
    n, steps = 4, 8
    g = torch.Generator().manual_seed(123)
    z0 = torch.randn((n, 4, 8, 8), generator=g)
    y = torch.tensor([0, 1, 2, 3])
    cfg = torch.tensor([1.3, 0.0, 1.0, 2.0])
    tau = torch.tensor([0.9, 1.0, 0.7, 1.2])
    z_torch = sample(dit, vq.codebook, y, steps, cfg, tau, z0)
    codes_torch = vq.quantize.nearest(z_torch).numpy()

    z = z0.numpy().copy()
    for s in range(steps):
        t = np.full((n,), s / steps, dtype=np.float32)
        res = run_onnx(out / "step.onnx", {"z": z, "t": t, "y": y.numpy(), "cfg": cfg.numpy(),
                                           "tau": tau.numpy(), "guide": np.arange(n)})
        z = z + (res["mu"] - z) / (1 - s / steps) / steps  # z <- z + (1/T)(mu - z)/(1 - t)
    dec = run_onnx(out / "decode.onnx", {"z": z.astype(np.float32)})
    agree = (dec["codes"] == codes_torch).mean()
    assert agree >= 0.99, agree
    assert np.abs(z - z_torch.numpy()).max() < 1e-3
    img_torch = decode_latents(vq, z_torch).numpy()
    same = dec["codes"] == codes_torch
    if same.all():
        assert np.abs(dec["image"] - img_torch).max() < 1e-4


@requires_ort
@pytest.mark.parametrize("objective", ["cfm", "cfm-endpoint"])
def test_vector_objectives_sample_the_same_codes_through_onnx(objective, tmp_path):
    """The mu contract's Euler loop over an exported cfm / cfm-endpoint step graph (no tau) ends
    on the codes of the PyTorch sampler, from the service's own z_0 of each seed."""
    vq, dit = random_models("fixture", 0, objective=objective)
    out = export_model(vq, dit, tmp_path / objective, objective, ["a", "b", "c", "d"],
                       {"steps": 8, "tau": 1.0, "cfg": 2.0}, {}, encoder=False)
    n, steps = 4, 8
    z0 = torch.from_numpy(np.stack([service_noise(seed, (4, 8, 8)) for seed in range(n)]))
    y, cfg = torch.tensor([0, 1, 2, 3]), torch.tensor([1.0, 0.0, 2.0, 4.0])
    codes_torch = vq.quantize.nearest(sample(dit, vq.codebook, y, steps, cfg, 1.0, z0)).numpy()
    z = z0.numpy().copy()
    for s in range(steps):
        t = np.full((n,), s / steps, dtype=np.float32)
        mu = run_onnx(out / "step.onnx", {"z": z, "t": t, "y": y.numpy(), "cfg": cfg.numpy(),
                                          "guide": np.arange(n)})["mu"]
        z = z + (mu - z) / (1 - s / steps) / steps
    codes = run_onnx(out / "decode.onnx", {"z": z.astype(np.float32)})["codes"]
    assert (codes == codes_torch).mean() >= 0.99
    assert not (out / "encode.onnx").exists()


@requires_ort
def test_dfm_samples_the_same_codes_through_onnx(tmp_path):
    """The DFM sampler over the exported step graph (codes in, p(x_1 | x_t) out) draws the codes of
    the PyTorch sampler from the same uniforms; the decode graph takes codes; no mask is left."""
    vq, dit = random_models("fixture", 0, objective="dfm")
    out = export_model(vq, dit, tmp_path / "dfm", "dfm", ["a", "b", "c", "d"],
                       {"steps": 6, "tau": 1.0, "cfg": 2.0, "sampler": "multistep"}, {})
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["defaults"] == {"steps": 6, "cfg": 2.0} and "encode" not in manifest["graphs"]
    n, steps, size = 4, 6, (4, 8, 8)
    y, cfg = torch.tensor([0, 1, 2, 3]), torch.tensor([1.0, 0.0, 2.0, 4.0])
    draws = [(torch.rand(size, dtype=torch.float64), torch.rand(size, dtype=torch.float64))
             for _ in range(steps)]
    codes_torch = sample_dfm(dit, y, steps, cfg, size[1:], lambda s: draws[s])
    codes = torch.full(size, 64, dtype=torch.long)
    for s in range(steps):
        probs = run_onnx(out / "step.onnx", {"codes": codes.numpy(), "t": np.full(n, s / steps,
                         np.float32), "y": y.numpy(), "cfg": cfg.numpy(), "guide": np.arange(n)})
        assert probs["probs"].shape == (n, 64, 8, 8)
        np.testing.assert_allclose(probs["probs"].sum(1), 1.0, atol=1e-5)
        codes = dfm_update(codes, torch.from_numpy(probs["probs"]), 1.0 / (steps - s), *draws[s])
    assert (codes == codes_torch).float().mean() >= 0.99 and codes.max() < 64
    image = run_onnx(out / "decode.onnx", {"codes": codes.numpy()})["image"]
    expected = vq.decode(vq.codebook[codes].permute(0, 3, 1, 2)).clamp(-1, 1)
    np.testing.assert_allclose(image, expected.detach().numpy(), atol=1e-4, rtol=0)
