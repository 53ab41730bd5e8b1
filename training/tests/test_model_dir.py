"""Training checkpoints recovered from an exported model directory (purrception.model_dir)."""

import json

import onnx
import pytest
import torch

from conftest import requires_ort
from purrception import model_dir
from purrception.checkpoint import load_parts
from purrception.config import DiTConfig, VQConfig
from purrception.export import export_model
from purrception.models import DiT, build_vq
from purrception.trainutil import load_dit, load_vq

LABELS = ["cat", "dog", "fox", "owl"]


def _randomised(module, seed):
    """Every parameter random and fp16-exact, GroupNorm affines included (their defaults 1 and 0
    would hide a weight recovered into the wrong layer)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_((torch.randn(p.shape, generator=g) * 0.1).half().float())
    return module.eval()


def _patch_models(objective="purrception"):
    vq = build_vq(VQConfig(arch="patch", ch=16, num_res_blocks=2, codebook_size=16, embed_dim=12,
                           patch_size=2, image_size=8))
    dit = DiT(DiTConfig(latent_size=4, latent_channels=12, codebook_size=16, patch_size=2,
                        hidden=32, depth=2, heads=2, num_classes=4, objective=objective))
    return _randomised(vq, 1), _randomised(dit, 2)


def _export(vq, dit, out, fp16_weights):
    provenance = {"vq": {"cpu_seconds": 12.5, "decoder_iterations": 7},
                  "dit": {"iterations": 345, "cpu_seconds": 600.0, "wall_seconds": 620.0}}
    return export_model(vq, dit, out, "m", LABELS, {"steps": 4, "tau": 1.0, "cfg": 2.0},
                        provenance, fp16_weights=fp16_weights)


def _assert_same_parameters(recovered, original):
    want = dict(original.named_parameters())
    for name, p in recovered.named_parameters():
        assert torch.equal(p, want[name]), name


@pytest.mark.parametrize("arch", ["ldm", "patch", "patch-dfm"])
def test_every_weight_is_recovered_exactly(tmp_path, arch):
    from purrception.random_weights import random_models

    if arch == "ldm":
        vq, dit = random_models("fixture", seed=0)
        vq, dit = _randomised(vq, 3), _randomised(dit, 4)
    else:  # patch-dfm: a dfm DiT, whose step and decode graphs take codes
        vq, dit = _patch_models("dfm" if arch == "patch-dfm" else "purrception")
    out = _export(vq, dit, tmp_path / "m", fp16_weights=True)
    got_vq, got_dit, manifest = model_dir.recover(out)
    assert manifest["labels"] == LABELS
    _assert_same_parameters(got_vq, vq)
    _assert_same_parameters(got_dit, dit)


def test_a_missing_weight_is_named(tmp_path):
    vq, dit = _patch_models()
    out = _export(vq, dit, tmp_path / "m", fp16_weights=False)
    step = onnx.load(str(out / "step.onnx"))
    victim = next(i for i in step.graph.initializer if i.name == "dit.blocks.1.attn.qkv.weight")
    victim.name = "renamed"
    onnx.save(step, str(out / "step.onnx"))
    with pytest.raises(ValueError, match=r"step.onnx.*missing \['blocks.1.attn.qkv.weight'\]"):
        model_dir.recover(out)


def test_a_manifest_without_configs_is_refused(tmp_path):
    vq, dit = _patch_models()
    out = _export(vq, dit, tmp_path / "m", fp16_weights=False)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["provenance"]["config"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="provenance.config"):
        model_dir.recover(out)


@requires_ort
def test_the_command_writes_checkpoints_the_trainers_resume(tmp_path):
    vq, dit = _patch_models()
    out = _export(vq, dit, tmp_path / "m", fp16_weights=True)
    model_dir.main(["--model", str(out), "--out", str(tmp_path / "runs")])
    got_vq, vq_config = load_vq(str(tmp_path / "runs" / "vq"))
    got_dit, dit_config = load_dit(str(tmp_path / "runs" / "dit"))
    _assert_same_parameters(got_vq, vq)
    _assert_same_parameters(got_dit, dit)
    _, raw = load_parts(tmp_path / "runs" / "dit")
    assert dit_config["step"] == 345 and dit_config["labels"] == LABELS
    assert dit_config["cost"] == {"cpu_seconds": 600.0, "wall_seconds": 620.0}
    assert vq_config["cost"]["cpu_seconds"] == 12.5 and vq_config["step"] == 7
    assert raw["recovered_from"] == "m"


@requires_ort
def test_modules_that_disagree_with_their_graphs_are_not_written(tmp_path):
    vq, dit = _patch_models()
    out = _export(vq, dit, tmp_path / "m", fp16_weights=False)
    got_vq, got_dit, manifest = model_dir.recover(out)
    with torch.no_grad():
        got_dit.final_layer.linear.weight.mul_(2.0)  # a bias shift alone cancels in the softmax
    with pytest.raises(ValueError, match="disagree with the graphs.*step"):
        model_dir.check_against_graphs(got_vq, got_dit, out, manifest)
