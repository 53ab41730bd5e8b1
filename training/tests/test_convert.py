"""Converters: state dicts saved in the reference layouts load, export and match PyTorch."""

import dataclasses
import json

import numpy as np
import pytest
import torch

from conftest import requires_ort
from purrception import convert
from purrception.config import DiTConfig, VQConfig
from purrception.export import export_model
from purrception.random_weights import randomize_zero_init
from purrception.models import DiT, VQModel
from purrception.ort import run_onnx

# the paper's DiT layout, shrunk: unscaled t, 1000-style null class, K-way head
REF_DIT = DiTConfig(latent_size=8, latent_channels=4, codebook_size=64, patch_size=2, hidden=64,
                    depth=2, heads=4, mlp_ratio=4.0, num_classes=10, label_dropout=0.0,
                    t_scale=1.0)
REF_VQ = VQConfig(ch=32, ch_mult=(1, 2, 2, 4), num_res_blocks=1, codebook_size=64, embed_dim=4,
                  image_size=64)


def _random_dit(cfg: DiTConfig, seed: int = 0) -> DiT:
    torch.manual_seed(seed)
    dit = DiT(cfg)
    randomize_zero_init(dit, torch.Generator().manual_seed(seed))
    return dit.eval()


def _reference_state(dit: DiT):
    """Our DiT's weights in the reference code's layout: names + pos_embed parameter first."""
    state = {"pos_embed": dit.pos_embed.clone()}
    state.update({k: v.clone() for k, v in dit.state_dict().items()})
    names = convert.reference_dit_names(dit.cfg.depth, dfm=dit.cfg.objective == "dfm")
    assert set(names) == set(state)
    return state, names


def test_reference_ema_checkpoint_round_trip(tmp_path):
    dit = _random_dit(REF_DIT)
    state, names = _reference_state(dit)
    raw = {k: v + 1.0 for k, v in state.items() if k != "pos_embed"}  # raw weights differ from EMA
    raw["pos_embed"] = state["pos_embed"]
    ckpt = {
        "step": 10,
        "backbone_state_dict": {"module." + k: v for k, v in raw.items()},
        "ema_state_dict": {"decay": 0.9999, "num_updates": 10,
                           "shadow_params": [state[n] for n in names], "collected_params": None},
    }
    torch.save(ckpt, tmp_path / "ref.pth")
    ours = convert.dit_from_reference(str(tmp_path / "ref.pth"), heads=4)
    assert dataclasses.asdict(ours.cfg) == dataclasses.asdict(REF_DIT)
    for k, v in dit.state_dict().items():
        assert torch.equal(ours.state_dict()[k], v), k
    backbone = convert.dit_from_reference(str(tmp_path / "ref.pth"), 4, prefer_ema=False)
    assert torch.equal(backbone.final_layer.linear.bias, dit.final_layer.linear.bias + 1.0)


def test_ema_without_pos_embed_and_dfm_layout():
    dit = _random_dit(dataclasses.replace(REF_DIT, objective="dfm"))
    state, names = _reference_state(dit)
    k, p2 = 64, 4
    # the reference dfm head has K+1 outputs (mask token included): pad ours with a junk column
    w = state["final_layer.linear.weight"].reshape(p2, k, -1)
    state["final_layer.linear.weight"] = torch.cat([w, torch.ones(p2, 1, 64)], 1).reshape(-1, 64)
    b = state["final_layer.linear.bias"].reshape(p2, k)
    state["final_layer.linear.bias"] = torch.cat([b, torch.ones(p2, 1)], 1).reshape(-1)
    named = convert._shadow_to_state([state[n] for n in names])
    assert set(named) == set(names)
    cfg = convert.infer_dit_config(named)
    assert cfg.objective == "dfm" and cfg.codebook_size == 64 and cfg.depth == 2
    mapped = convert.convert_dit_state(named, cfg)
    for key, v in dit.state_dict().items():
        assert torch.equal(mapped[key], v), key
    no_pos = convert._shadow_to_state([state[n] for n in names[1:]])
    assert "pos_embed" not in no_pos and torch.equal(no_pos["blocks.1.mlp.fc2.bias"],
                                                     state["blocks.1.mlp.fc2.bias"])


def test_ldm_vq_checkpoint_round_trip(tmp_path):
    torch.manual_seed(1)
    vq = VQModel(REF_VQ).eval()
    sd = {k: v.clone() for k, v in vq.state_dict().items()}
    sd["loss.discriminator.main.0.weight"] = torch.randn(3)  # ldm ships loss weights too
    torch.save({"state_dict": sd, "global_step": 1}, tmp_path / "vq.ckpt")
    ours = convert.vq_from_ldm(str(tmp_path / "vq.ckpt"), image_size=64)
    assert ours.cfg == REF_VQ
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(ours(x)[0], vq(x)[0])


@requires_ort
def test_converted_models_export_and_match(tmp_path):
    dit = _random_dit(REF_DIT, seed=3)
    state, names = _reference_state(dit)
    torch.save({"ema_state_dict": {"shadow_params": [state[n] for n in names]}},
               tmp_path / "ref.pth")
    torch.manual_seed(2)
    vq = VQModel(dataclasses.replace(REF_VQ, ch_mult=(1, 2, 2), image_size=32))
    vq.codebook.data.normal_()
    torch.save({"state_dict": vq.state_dict()}, tmp_path / "vq.ckpt")

    convert.main(["--dit-ckpt", str(tmp_path / "ref.pth"), "--vq-ckpt", str(tmp_path / "vq.ckpt"),
                  "--out", str(tmp_path / "model"), "--image-size", "32", "--steps", "10",
                  "--heads", "4", "--save-ckpt", str(tmp_path / "ck")])
    ours = convert.dit_from_reference(str(tmp_path / "ref.pth"), heads=4)
    rng = np.random.default_rng(0)
    feeds = {"z": rng.standard_normal((3, 4, 8, 8)).astype(np.float32),
             "t": np.array([0.0, 0.5, 0.9], dtype=np.float32),
             "y": np.array([0, 5, 9], dtype=np.int64),
             "cfg": np.array([0.0, 1.0, 4.0], dtype=np.float32),
             "tau": np.array([1.0, 0.9, 0.6], dtype=np.float32),
             "guide": np.arange(3, dtype=np.int64)}
    res = run_onnx(tmp_path / "model" / "step.onnx", feeds)
    z, t, y, cfg, tau = (torch.from_numpy(feeds[k]) for k in ["z", "t", "y", "cfg", "tau"])
    with torch.no_grad():
        l_c, l_u = ours(z, t, y), ours(z, t, torch.full_like(y, 10))
        pi = torch.softmax((l_u + cfg.view(-1, 1, 1, 1) * (l_c - l_u)) / tau.view(-1, 1, 1, 1), 1)
        mu = torch.einsum("nkhw,kc->nchw", pi, vq.codebook)
    np.testing.assert_allclose(res["mu"], mu.numpy(), atol=1e-4, rtol=0)
    # and the same equals the original (unconverted) model: t unscaled, null class 10
    with torch.no_grad():
        assert torch.allclose(dit(z, t, y), l_c, atol=1e-6)
    from purrception.checkpoint import load_model
    assert load_model("dit", tmp_path / "ck" / "dit").cfg.t_scale == 1.0


@requires_ort
def test_converted_cfm_and_cfm_endpoint_checkpoints_export_their_mu(tmp_path):
    """Both layouts are cfm's; --objective cfm-endpoint says which. mu: z + (1 - t) v, or the
    output itself."""
    dit = _random_dit(dataclasses.replace(REF_DIT, objective="cfm"), seed=4)
    state, names = _reference_state(dit)
    torch.save({"ema_state_dict": {"shadow_params": [state[n] for n in names]}},
               tmp_path / "ref.pth")
    torch.manual_seed(2)
    vq = VQModel(dataclasses.replace(REF_VQ, ch_mult=(1, 2, 2), image_size=32))
    torch.save({"state_dict": vq.state_dict()}, tmp_path / "vq.ckpt")
    rng = np.random.default_rng(1)
    feeds = {"z": rng.standard_normal((3, 4, 8, 8)).astype(np.float32),
             "t": np.array([0.0, 0.5, 0.9], dtype=np.float32),
             "y": np.array([0, 5, 9], dtype=np.int64),
             "cfg": np.array([0.0, 1.0, 4.0], dtype=np.float32),
             "guide": np.array([0, 2], dtype=np.int64)}
    z, t, y, cfg = (torch.from_numpy(feeds[k]) for k in ["z", "t", "y", "cfg"])
    with torch.no_grad():
        # row 0 (cfg 0) and row 2 are guided: out_u + w (out_c - out_u); row 1 runs conditionally
        out_c, out_u = dit(z, t, y), dit(z, t, torch.full_like(y, 10))
        out = out_u + cfg.view(-1, 1, 1, 1) * (out_c - out_u)
        out[1] = out_c[1]
    velocity_mu = z + (1 - t).view(-1, 1, 1, 1) * out
    for flags, mu in [([], velocity_mu), (["--objective", "cfm-endpoint"], out)]:
        model = tmp_path / ("model" + "-".join(flags))
        convert.main(["--dit-ckpt", str(tmp_path / "ref.pth"), "--vq-ckpt",
                      str(tmp_path / "vq.ckpt"), "--out", str(model), "--image-size", "32",
                      "--heads", "4", *flags])
        manifest = json.loads((model / "manifest.json").read_text())
        assert manifest["objective"] == ("cfm-endpoint" if flags else "cfm")
        assert "tau" not in manifest["defaults"]
        res = run_onnx(model / "step.onnx", feeds)
        assert set(res) == {"mu"}
        assert np.abs(res["mu"] - mu.numpy()).max() < 1e-4, flags
    purrception = _random_dit(REF_DIT)
    state, names = _reference_state(purrception)
    torch.save({"ema_state_dict": {"shadow_params": [state[n] for n in names]}}, tmp_path / "p.pth")
    with pytest.raises(ValueError, match="has the layout of a purrception DiT, not cfm-endpoint"):
        convert.dit_from_reference(str(tmp_path / "p.pth"), 4, objective="cfm-endpoint")


@requires_ort
def test_converted_dfm_checkpoint_exports_code_probabilities(tmp_path):
    """The reference dfm head has K+1 outputs; the converted step graph gives softmax over the K
    codes of the guided logits (the mask's output dropped: the reference trains it towards 0)."""
    dit = _random_dit(dataclasses.replace(REF_DIT, objective="dfm"), seed=5)
    state, names = _reference_state(dit)
    k, p2 = 64, 4
    w = state["final_layer.linear.weight"].reshape(p2, k, -1)
    state["final_layer.linear.weight"] = torch.cat([w, torch.zeros(p2, 1, 64)], 1).reshape(-1, 64)
    b = state["final_layer.linear.bias"].reshape(p2, k)
    state["final_layer.linear.bias"] = torch.cat([b, torch.full((p2, 1), -9.0)], 1).reshape(-1)
    torch.save({"ema_state_dict": {"shadow_params": [state[n] for n in names]}},
               tmp_path / "ref.pth")
    torch.manual_seed(2)
    vq = VQModel(dataclasses.replace(REF_VQ, ch_mult=(1, 2, 2), image_size=32))
    torch.save({"state_dict": vq.state_dict()}, tmp_path / "vq.ckpt")
    model = tmp_path / "model"
    convert.main(["--dit-ckpt", str(tmp_path / "ref.pth"), "--vq-ckpt", str(tmp_path / "vq.ckpt"),
                  "--out", str(model), "--image-size", "32", "--heads", "4"])
    manifest = json.loads((model / "manifest.json").read_text())
    assert manifest["objective"] == "dfm" and "tau" not in manifest["defaults"]
    assert "encode" not in manifest["graphs"]
    codes = torch.randint(0, k + 1, (3, 8, 8), generator=torch.Generator().manual_seed(0))
    feeds = {"codes": codes.numpy(), "t": np.array([0.0, 0.5, 0.9], dtype=np.float32),
             "y": np.array([0, 5, 9], dtype=np.int64),
             "cfg": np.array([0.0, 1.0, 4.0], dtype=np.float32),
             "guide": np.array([0, 2], dtype=np.int64)}
    t, y, cfg = (torch.from_numpy(feeds[n]) for n in ["t", "y", "cfg"])
    with torch.no_grad():
        out_c, out_u = dit(codes, t, y), dit(codes, t, torch.full_like(y, 10))
        logits = out_u + cfg.view(-1, 1, 1, 1) * (out_c - out_u)
        logits[1] = out_c[1]
    res = run_onnx(model / "step.onnx", feeds)
    assert set(res) == {"probs"}
    np.testing.assert_allclose(res["probs"], torch.softmax(logits, 1).numpy(), atol=1e-5, rtol=0)
