import argparse
import json

import numpy as np
import onnx
import pytest
import torch
import torch.nn as nn

from conftest import requires_ort
from purrception import fixtures
from purrception.config import OBJECTIVES
from purrception.export import StepGraph, parse_grid, validate_labels
from purrception.ort import run_onnx
from purrception.sample import purrception_step

CONTRACT_KEYS = {"format", "name", "description", "image", "latent", "codebook_size",
                 "num_classes", "null_class", "labels", "defaults", "graphs", "provenance"}


def _step_feeds(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "z": rng.standard_normal((n, 4, 8, 8)).astype(np.float32),
        "t": np.array([0.0, 0.2, 0.5, 0.875, 0.3][:n], dtype=np.float32),
        "y": np.array([0, 1, 2, 3, 1][:n], dtype=np.int64),
        "cfg": np.array([0.0, 1.0, 1.3, 3.0, 0.5][:n], dtype=np.float32),
        "tau": np.array([0.9, 0.5, 1.0, 1.7, 0.25][:n], dtype=np.float32),
        "guide": np.arange(n, dtype=np.int64),  # every row guided: the reference's semantics
    }


def _torch_step(dit, codebook, feeds):
    """Reference: guidance in logit space, temperature, softmax, barycenter, entropy."""
    z, t, y, cfg, tau = (torch.from_numpy(feeds[k]) for k in ["z", "t", "y", "cfg", "tau"])
    with torch.no_grad():
        l_c = dit(z, t, y)
        l_u = dit(z, t, torch.full_like(y, dit.cfg.null_class))
        logits = (l_u + cfg.view(-1, 1, 1, 1) * (l_c - l_u)) / tau.view(-1, 1, 1, 1)
        logp = torch.log_softmax(logits, 1)
        mu = torch.einsum("nkhw,kc->nchw", logp.exp(), codebook)
        entropy = -(logp.exp() * logp).sum(1)
    return mu.numpy(), entropy.numpy()


def _io(path):
    g = onnx.load(str(path)).graph
    return [i.name for i in g.input], [o.name for o in g.output], g


def test_graphs_follow_the_contract(exported):
    out, _, _ = exported
    for name, inputs, outputs in [("step.onnx", ["z", "t", "y", "cfg", "tau", "guide"],
                                   ["mu", "entropy"]),
                                  ("decode.onnx", ["z"], ["image", "codes"]),
                                  ("encode.onnx", ["image"], ["z", "codes"])]:
        model = onnx.load(str(out / name))
        onnx.checker.check_model(model, full_check=True)
        ins, outs, g = _io(out / name)
        assert ins == inputs and outs == outputs
        for v in list(g.input) + list(g.output):
            assert v.type.tensor_type.shape.dim[0].dim_param, f"{name}:{v.name} batch not dynamic"
            if v.name == "guide":
                assert v.type.tensor_type.shape.dim[0].dim_param == "guided"
        assert model.opset_import[0].version == 17
    _, _, g = _io(out / "step.onnx")
    types = {v.name: v.type.tensor_type.elem_type for v in list(g.input) + list(g.output)}
    assert types == {"z": 1, "t": 1, "y": 7, "cfg": 1, "tau": 1, "guide": 7, "mu": 1, "entropy": 1}


def test_hidden_state_guidance_equals_logit_guidance(tiny_models):
    vq, dit = tiny_models
    feeds = _step_feeds()
    mu_ref, ent_ref = _torch_step(dit, vq.codebook, feeds)
    with torch.no_grad():
        mu, ent = StepGraph(dit, vq.codebook)(*(torch.from_numpy(feeds[k])
                                               for k in ["z", "t", "y", "cfg", "tau", "guide"]))
    assert np.abs(mu.numpy() - mu_ref).max() < 1e-5
    assert np.abs(ent.numpy() - ent_ref).max() < 1e-4
    with torch.no_grad():
        same = purrception_step(dit, vq.codebook, *(torch.from_numpy(feeds[k])
                                                    for k in ["z", "t", "y", "cfg", "tau"]))
    assert np.abs(same.numpy() - mu_ref).max() < 1e-5


@requires_ort
def test_step_onnx_matches_pytorch(exported):
    out, vq, dit = exported
    feeds = _step_feeds()
    res = run_onnx(out / "step.onnx", feeds)
    mu_ref, ent_ref = _torch_step(dit, vq.codebook, feeds)
    assert res["mu"].shape == (5, 4, 8, 8) and res["entropy"].shape == (5, 8, 8)
    np.testing.assert_allclose(res["mu"], mu_ref, atol=1e-4, rtol=0)
    np.testing.assert_allclose(res["entropy"], ent_ref, atol=1e-4, rtol=0)
    # the entropy is a real quantity here: between 0 and log K, and tau changes it
    assert (res["entropy"] >= 0).all() and (res["entropy"] <= np.log(64) + 1e-4).all()
    assert res["entropy"][4].mean() < res["entropy"][3].mean()  # tau 0.25 sharper than 1.7


@requires_ort
def test_step_onnx_rows_are_independent_of_batch_mates(exported):
    out, _, _ = exported
    feeds = _step_feeds()
    full = run_onnx(out / "step.onnx", feeds)
    one = run_onnx(out / "step.onnx", {**{k: v[2:3] for k, v in feeds.items()},
                                       "guide": np.zeros(1, dtype=np.int64)})
    np.testing.assert_allclose(one["mu"][0], full["mu"][2], atol=1e-6, rtol=0)


def _with_dit_input_as_output(src, dst):
    """A copy of step.onnx that also outputs the latent batch the DiT runs on (the Concat of z)."""
    model = onnx.load(str(src))
    concat = next(n for n in model.graph.node if n.op_type == "Concat" and "z" in n.input)
    model.graph.output.append(onnx.helper.make_tensor_value_info(concat.output[0],
                                                                 onnx.TensorProto.FLOAT, None))
    onnx.save(model, str(dst))
    return dst


@requires_ort
def test_only_guided_rows_run_twice_and_keep_their_bits(exported, tmp_path):
    out, vq, dit = exported
    graph = _with_dit_input_as_output(out / "step.onnx", tmp_path / "step.onnx")
    feeds = _step_feeds()  # cfg 0, 1, 1.3, 3, 0.5
    concat = next(n for n in onnx.load(str(graph)).graph.node
                  if n.op_type == "Concat" and "z" in n.input).output[0]
    full = run_onnx(graph, feeds)
    assert full[concat].shape[0] == 10  # 5 rows, all guided: the DiT runs 10
    part = run_onnx(graph, {**feeds, "guide": np.array([2, 3, 4], dtype=np.int64)})
    assert part[concat].shape[0] == 8
    for row in (2, 3, 4):  # guided rows: the same bytes whoever else is guided
        np.testing.assert_array_equal(part["mu"][row], full["mu"][row])
    none = run_onnx(graph, {**feeds, "guide": np.zeros(0, dtype=np.int64)})
    assert none[concat].shape[0] == 5
    # an unguided row is its conditional pass: what cfg 1 means, whatever cfg says
    cond = {**feeds, "cfg": np.ones(5, dtype=np.float32)}
    mu_c, _ = _torch_step(dit, vq.codebook, cond)
    np.testing.assert_allclose(none["mu"], mu_c, atol=1e-4, rtol=0)
    np.testing.assert_array_equal(none["mu"][:2], part["mu"][:2])
    # a cfg-0 row sent with the null class is the unconditional pass, in one run
    uncond = run_onnx(graph, {**feeds, "y": np.full(5, dit.cfg.null_class, dtype=np.int64),
                              "guide": np.zeros(0, dtype=np.int64)})
    zero = {**feeds, "cfg": np.zeros(5, dtype=np.float32)}
    np.testing.assert_allclose(uncond["mu"], _torch_step(dit, vq.codebook, zero)[0], atol=1e-4,
                               rtol=0)


@requires_ort
def test_cfg_zero_ignores_the_class_in_onnx(exported):
    out, _, _ = exported
    feeds = _step_feeds(n=2)
    feeds["cfg"] = np.zeros(2, dtype=np.float32)
    a = run_onnx(out / "step.onnx", feeds)
    feeds["y"] = np.array([3, 2], dtype=np.int64)
    b = run_onnx(out / "step.onnx", feeds)
    np.testing.assert_array_equal(a["mu"], b["mu"])
    feeds["cfg"] = np.ones(2, dtype=np.float32)
    c = run_onnx(out / "step.onnx", feeds)
    assert np.abs(c["mu"] - b["mu"]).max() > 1e-3


@requires_ort
def test_decode_onnx_matches_pytorch(exported):
    out, vq, _ = exported
    z = np.random.default_rng(1).standard_normal((3, 4, 8, 8)).astype(np.float32)
    res = run_onnx(out / "decode.onnx", {"z": z})
    with torch.no_grad():
        codes = vq.quantize.nearest(torch.from_numpy(z))
        image = vq.decode(vq.codebook[codes].permute(0, 3, 1, 2)).clamp(-1, 1)
    np.testing.assert_array_equal(res["codes"], codes.numpy())
    assert res["image"].shape == (3, 3, 32, 32)
    np.testing.assert_allclose(res["image"], image.numpy(), atol=1e-4, rtol=0)


@requires_ort
def test_encode_onnx_matches_pytorch_and_round_trips_through_decode(exported):
    out, vq, _ = exported
    image = np.random.default_rng(2).uniform(-1, 1, (3, 3, 32, 32)).astype(np.float32)
    res = run_onnx(out / "encode.onnx", {"image": image})
    with torch.no_grad():
        codes = vq.quantize.nearest(vq.encode(torch.from_numpy(image)))
    np.testing.assert_array_equal(res["codes"], codes.numpy())
    np.testing.assert_allclose(res["z"], vq.codebook[codes].permute(0, 3, 1, 2).detach().numpy(),
                               atol=1e-6, rtol=0)
    # z is exactly codebook vectors, so decoding quantizes back to the same codes
    np.testing.assert_array_equal(run_onnx(out / "decode.onnx", {"z": res["z"]})["codes"],
                                  codes.numpy())


def test_labels_are_validated():
    assert validate_labels(["a", "b-c"], 2) == ["a", "b-c"]
    for bad in (["a"], ["a", "a"], ["a", "b c"]):
        with pytest.raises(ValueError):
            validate_labels(bad, 2)


def _check_manifest(out):
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest) - {"objective"} == CONTRACT_KEYS  # objective: optional (purrception)
    assert manifest.get("objective", "purrception") in OBJECTIVES
    assert manifest["format"] == "purrception.onnx.v1"
    assert manifest["image"] == {"height": 32, "width": 32}
    assert manifest["latent"] == {"channels": 4, "height": 8, "width": 8}
    assert manifest["codebook_size"] == 64
    assert manifest["num_classes"] == 4 and manifest["null_class"] == 4
    assert manifest["labels"] == ["cat", "dog", "fox", "owl"]
    assert manifest["defaults"] == {"steps": 8, "tau": 0.9, "cfg": 1.3}
    assert manifest["graphs"] == {"step": "step.onnx", "decode": "decode.onnx",
                                  "encode": "encode.onnx"}
    assert _io(out / "step.onnx")[:2] == (["z", "t", "y", "cfg", "tau", "guide"],
                                          ["mu", "entropy"])
    assert _io(out / "decode.onnx")[:2] == (["z"], ["image", "codes"])
    total = sum(p.stat().st_size for p in out.iterdir())
    assert total < 1200 * 1024, total  # about 1 MiB with the encoder
    return manifest


def test_fixtures_command_writes_a_valid_model(tmp_path):
    fixtures.main(["--out", str(tmp_path / "tiny")])
    _check_manifest(tmp_path / "tiny")


def test_committed_fixture_is_valid():
    if not fixtures.DEFAULT_OUT.joinpath("manifest.json").exists():
        pytest.skip("test/fixtures/tiny not generated yet (python3 -m purrception.fixtures)")
    _check_manifest(fixtures.DEFAULT_OUT)


@requires_ort
def test_fixture_outputs_depend_on_class_cfg_and_t(tmp_path):
    fixtures.main(["--out", str(tmp_path / "tiny")])
    feeds = _step_feeds(n=4)
    feeds["cfg"] = np.full(4, 1.3, dtype=np.float32)
    feeds["t"] = np.full(4, 0.5, dtype=np.float32)
    feeds["z"] = np.repeat(feeds["z"][:1], 4, axis=0)
    res = run_onnx(tmp_path / "tiny" / "step.onnx", feeds)
    for i in range(1, 4):  # same z and t, different class: different mu
        assert np.abs(res["mu"][i] - res["mu"][0]).max() > 1e-2


@requires_ort
def test_fp16_weight_storage_is_lossless(tmp_path, tiny_models):
    vq, dit = tiny_models  # weights rounded to fp16 values by random_models
    from purrception.export import export_model

    export_model(vq, dit, tmp_path / "m", "m", ["a", "b", "c", "d"],
                 {"steps": 4, "tau": 1.0, "cfg": 1.0}, {}, fp16_weights=True)
    step = onnx.load(str(tmp_path / "m" / "step.onnx"))
    assert any(i.data_type == onnx.TensorProto.FLOAT16 for i in step.graph.initializer)
    feeds = _step_feeds()
    res = run_onnx(tmp_path / "m" / "step.onnx", feeds)
    mu_ref, _ = _torch_step(dit, vq.codebook, feeds)
    np.testing.assert_allclose(res["mu"], mu_ref, atol=1e-4, rtol=0)


def test_export_and_sample_clis_from_part_checkpoints(tmp_path, tiny_models):
    from purrception import sample as sample_cli
    from purrception.checkpoint import save_parts
    from purrception.config import to_dict
    from purrception.export import main as export_main

    vq, dit = tiny_models
    save_parts({"model": vq.state_dict()}, {"vq": to_dict(vq.cfg)}, tmp_path / "ck" / "vq")
    save_parts({"ema": dit.state_dict(), "model": {}}, {"dit": to_dict(dit.cfg),
               "labels": ["cat", "dog", "fox", "owl"]}, tmp_path / "ck" / "dit")
    export_main(["--ckpt", str(tmp_path / "ck"), "--out", str(tmp_path / "m"), "--steps", "8"])
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["labels"] == ["cat", "dog", "fox", "owl"] and manifest["name"] == "m"
    assert set(manifest["defaults"]) == {"steps", "tau", "cfg"}  # the service's own defaults
    export_main(["--random", "--preset", "fixture", "--out", str(tmp_path / "r"), "--sampler",
                 "multistep", "--grid", "quadratic", "--guidance", "0,0.6"])
    assert (tmp_path / "r" / "step.onnx").exists()
    defaults = json.loads((tmp_path / "r" / "manifest.json").read_text())["defaults"]
    assert defaults["sampler"] == "multistep" and defaults["grid"] == "quadratic"
    assert defaults["guidance"] == {"from": 0.0, "to": 0.6}
    assert parse_grid("early") == "early" and parse_grid("0,0.02,0.3,1") == [0.0, 0.02, 0.3, 1.0]
    for bad in ("0,0.5", "0,0.6,0.5,1", "cubic"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_grid(bad)
    with pytest.raises(SystemExit, match="FROM <= TO"):
        export_main(["--random", "--preset", "fixture", "--out", str(tmp_path / "x"),
                     "--guidance", "0.7,0.2"])
    import sys
    argv = sys.argv
    ck = tmp_path / "ck"
    sys.argv = ["sample", "--vq", str(ck / "vq"), "--dit", str(ck / "dit"),
                "--steps", "2", "--per-class", "2", "--out", str(tmp_path / "grid.png"),
                "--device", "cpu"]
    try:
        sample_cli.main()
    finally:
        sys.argv = argv
    from PIL import Image

    assert Image.open(tmp_path / "grid.png").size == (64, 128)


def test_export_wrappers_keep_parameter_names_and_function(tiny_models):
    from purrception.export import FastGelu, GemmLinear, for_export

    _, dit = tiny_models
    wrapped = for_export(dit)
    assert list(wrapped.state_dict()) == list(dit.state_dict())
    assert not any(isinstance(m, nn.Linear) for m in wrapped.modules())
    assert any(isinstance(m, GemmLinear) for m in wrapped.modules())
    assert any(isinstance(m, FastGelu) for m in wrapped.modules())
    assert all(isinstance(m, nn.Linear) for m in [dit.blocks[0].mlp.fc1])  # the original is untouched
    z, t, y = (torch.from_numpy(_step_feeds()[k]) for k in ("z", "t", "y"))
    with torch.no_grad():
        np.testing.assert_allclose(wrapped(z, t, y).numpy(), dit(z, t, y).numpy(), atol=1e-5, rtol=0)


def test_step_graph_linears_are_2d_gemms(exported):
    out, _, _ = exported
    g = onnx.load(str(out / "step.onnx")).graph
    ops = [n.op_type for n in g.node]
    # every linear layer (4 per block, 2 in the t-embedder, adaLN per block and final, the head)
    # is one Gemm, so onnxruntime needs no separate bias Add over the activations
    depth = 2
    assert ops.count("Gemm") == 4 * depth + 2 + depth + 1 + 1
    assert ops.count("MatMul") == 2 * depth + 1  # attention's two products and the barycenter


@requires_ort
def test_fp16_step_variant(tmp_path, tiny_models):
    """step.fp16.onnx: valid, fp32 at the boundary, fp16 inside, declared for the GPU providers,
    and close to step.onnx.

    Tolerance: fp16's unit roundoff is 2^-11 = 4.9e-4. Rounding the weights and activations of a
    residual stack gives the logits relative errors of a few 1e-3; the softmax (kept in fp32) turns
    a logit error d into a relative change of pi of at most 2d, so mu moves by at most about 2d max|e|
    and the entropy by about 2d (plus d * |E_pi[l]| terms). 0.02 max|e| and 0.02 nats leave about
    3x over what this model shows (6e-3, 4e-3), and stay 10x under the differences that class and
    guidance make to mu (asserted below), which are what sampling depends on.
    """
    from purrception.export import FP16_VARIANT, export_model

    vq, dit = tiny_models
    out = export_model(vq, dit, tmp_path / "m", "m", ["a", "b", "c", "d"],
                       {"steps": 4, "tau": 1.0, "cfg": 1.0}, {}, fp16=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["variants"] == {"step": {"cuda": FP16_VARIANT, "webgpu": FP16_VARIANT}}
    assert manifest["graphs"] == {"step": "step.onnx", "decode": "decode.onnx",
                                  "encode": "encode.onnx"}
    model = onnx.load(str(out / FP16_VARIANT))
    onnx.checker.check_model(model, full_check=True)
    ins, outs, g = _io(out / FP16_VARIANT)
    assert (ins, outs) == (["z", "t", "y", "cfg", "tau", "guide"], ["mu", "entropy"])
    types = {v.name: v.type.tensor_type.elem_type for v in list(g.input) + list(g.output)}
    assert types == {"z": 1, "t": 1, "y": 7, "cfg": 1, "tau": 1, "guide": 7, "mu": 1, "entropy": 1}
    sizes = {dt: sum(int(np.prod(i.dims)) for i in g.initializer if i.data_type == dt)
             for dt in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16)}
    assert sizes[onnx.TensorProto.FLOAT16] > 0.9 * sum(sizes.values())  # the weights are fp16
    assert sum(n.op_type == "Gemm" for n in g.node) == sum(
        n.op_type == "Gemm" for n in onnx.load(str(out / "step.onnx")).graph.node)

    feeds = _step_feeds()
    ref = run_onnx(out / "step.onnx", feeds)
    half = run_onnx(out / FP16_VARIANT, feeds)
    scale = float(vq.codebook.abs().max())
    mu_err = np.abs(half["mu"] - ref["mu"]).max()
    ent_err = np.abs(half["entropy"] - ref["entropy"]).max()
    assert mu_err < 0.02 * scale, mu_err
    assert ent_err < 0.02, ent_err
    other = run_onnx(out / "step.onnx", {**feeds, "y": (feeds["y"] + 1) % 4})
    assert np.abs(other["mu"] - ref["mu"]).max() > 10 * mu_err  # the class matters far more


@requires_ort
def test_head_chunks_give_the_same_outputs_with_smaller_tensors(tmp_path, exported, tiny_models):
    """--head-chunks 3 over the fixture's 16 tokens: three heads (6, 6, 4 tokens), same mu and
    entropy as the one-piece graph, and the fp16 variant is still built from it."""
    from purrception.export import FP16_VARIANT, export_model

    one, _, _ = exported
    vq, dit = tiny_models
    out = export_model(vq, dit, tmp_path / "chunked", "chunked", ["cat", "dog", "fox", "owl"],
                       {"steps": 8, "tau": 0.9, "cfg": 1.3}, {}, fp16=True, head_chunks=3)
    g = onnx.load(str(out / "step.onnx")).graph
    ops = [n.op_type for n in g.node]
    assert ops.count("LogSoftmax") == 3  # one K-way softmax per group of tokens
    feeds = _step_feeds()
    ref, chunked = run_onnx(one / "step.onnx", feeds), run_onnx(out / "step.onnx", feeds)
    np.testing.assert_allclose(chunked["mu"], ref["mu"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(chunked["entropy"], ref["entropy"], atol=1e-6, rtol=0)
    half = run_onnx(out / FP16_VARIANT, feeds)
    assert np.abs(half["mu"] - ref["mu"]).max() < 0.02 * float(vq.codebook.abs().max())
    with pytest.raises(ValueError, match="head_chunks"):
        StepGraph(dit, vq.codebook, head_chunks=0)
