"""Training checkpoints recovered from an exported model directory, so training resumes from what
is committed.

Checkpoints are never committed; the model directory is. A session that does not have the previous
session's checkpoints rebuilds them from manifest.json (configs, step count, CPU cost) and the ONNX
graphs (weights), then continues with the usual commands:

    ../.venv/bin/python -m purrception.model_dir --model ../models/emoji-zoo-64 --out RUNS
    ../.venv/bin/python -m purrception.data bank --vq RUNS/vq ...      # same codebook, same codes
    ../.venv/bin/python -m purrception.train_dit --out RUNS/dit ...    # resumes at its step

The weights are the served ones (the DiT's EMA, fp16-rounded when exported with --fp16-weights), so
the DiT resumes with raw weights = EMA and fresh AdamW moments (a model directory holds no optimizer
state: train_dit says so and warms the LR up again, where its own checkpoints restore it). Every
recovered module is checked against its graph: the same inputs through PyTorch and onnxruntime must
agree, otherwise nothing is written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

from .checkpoint import save_parts
from .config import DiTConfig, VQConfig, from_dict, to_dict
from .data import codebook_fingerprint
from .models import DiT, Tokenizer, build_vq

FP16_SUFFIX = "_fp16"  # export.store_weights_fp16 stores weight W as W_fp16 + a Cast to W


def graph_weights(path: Path, prefix: str) -> Tuple[Dict[str, np.ndarray], List[np.ndarray]]:
    """Parameters of the module exported as `prefix` (e.g. 'vq.') in graph `path`: the named ones,
    and the GroupNorm affines in graph order (weight, bias, weight, ...).

    Named initializers keep the module's parameter names. A GroupNorm's weight and bias are folded
    into anonymous [C, 1, 1] constants of the Mul and Add after its InstanceNormalization; the
    exporter's scope names do not always name the module (loops over a ModuleList drop a level),
    so `norm_weights` assigns them by call order instead."""
    model = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i).astype(np.float32) for i in model.graph.initializer}
    named = {}
    for name, value in inits.items():
        name = name[:-len(FP16_SUFFIX)] if name.endswith(FP16_SUFFIX) else name
        if name.startswith(prefix):
            named[name[len(prefix):]] = value
    affines = []
    for node in model.graph.node:
        folded = [v for v in node.input if v.startswith("onnx::") and v in inits
                  and inits[v].ndim == 3]
        if node.op_type in ("Mul", "Add") and folded:
            if node.op_type != ("Mul", "Add")[len(affines) % 2]:
                raise ValueError(f"{path.name}: unexpected {node.op_type} {node.name} where a "
                                 "GroupNorm affine was expected")
            affines.append(inits[folded[0]].reshape(-1))
    return named, affines


def norm_weights(module: nn.Module, run: Callable[[], Any], affines: List[np.ndarray]
                 ) -> Dict[str, np.ndarray]:
    """{'<norm>.weight': ..., '<norm>.bias': ...} for the GroupNorms that run() calls, in order."""
    names = {m: n for n, m in module.named_modules() if isinstance(m, nn.GroupNorm)}
    order: List[str] = []
    hooks = [m.register_forward_hook(lambda mod, _i, _o: order.append(names[mod])) for m in names]
    try:
        with torch.no_grad():
            run()
    finally:
        for h in hooks:
            h.remove()
    if len(affines) != 2 * len(order):
        raise ValueError(f"the graph has {len(affines) // 2} GroupNorm affines, the module runs "
                         f"{len(order)} GroupNorms")
    out = {}
    for k, name in enumerate(order):
        out[f"{name}.weight"], out[f"{name}.bias"] = affines[2 * k], affines[2 * k + 1]
    return out


def tokenizer_weights(vq: Tokenizer, model_dir: Path, graphs: Dict[str, str]
                      ) -> Dict[str, np.ndarray]:
    """The tokenizer's weights from decode.onnx (decoder, codebook) and encode.onnx (encoder)."""
    size = vq.cfg.image_size
    latent = vq.cfg.latent_size
    runs = {"decode": lambda: vq.decode(torch.zeros(1, vq.cfg.embed_dim, latent, latent)),
            "encode": lambda: vq.encode(torch.zeros(1, vq.cfg.in_channels, size, size))}
    weights: Dict[str, np.ndarray] = {}
    for graph, run in runs.items():
        if graph in graphs:
            named, affines = graph_weights(model_dir / graphs[graph], "vq.")
            weights.update(named)
            weights.update(norm_weights(vq, run, affines))
    return weights


def load_weights(module: torch.nn.Module, weights: Dict[str, np.ndarray], source: str) -> None:
    """Copy every parameter of module from weights; buffers keep their constructed values (the
    positional embeddings and constants are functions of the config)."""
    missing, wrong = [], []
    state = {}
    for name, param in module.named_parameters():
        if name not in weights:
            missing.append(name)
        elif tuple(weights[name].shape) != tuple(param.shape):
            wrong.append(f"{name} {tuple(weights[name].shape)} != {tuple(param.shape)}")
        else:
            state[name] = torch.from_numpy(weights[name].copy())
    if missing or wrong:
        raise ValueError(f"{source}: cannot recover the weights: missing {missing[:8]}, "
                         f"shape mismatches {wrong[:8]}")
    module.load_state_dict(state, strict=False)


def recover(model_dir: Path) -> Tuple[Tokenizer, DiT, Dict[str, Any]]:
    """(tokenizer, DiT, manifest) of an exported model directory."""
    manifest = json.loads((model_dir / "manifest.json").read_text())
    config = (manifest.get("provenance") or {}).get("config")
    if not config or "vq" not in config or "dit" not in config:
        raise ValueError(f"{model_dir}/manifest.json: provenance.config holds no vq and dit "
                         "configs (exports of this project's checkpoints have them)")
    graphs = manifest["graphs"]
    vq = build_vq(from_dict(VQConfig, config["vq"]))
    load_weights(vq, tokenizer_weights(vq, model_dir, graphs), "decode/encode graphs")
    dit = DiT(from_dict(DiTConfig, config["dit"]))
    load_weights(dit, graph_weights(model_dir / graphs["step"], "dit.")[0], graphs["step"])
    return vq.eval(), dit.eval(), manifest


@torch.no_grad()
def check_against_graphs(vq: Tokenizer, dit: DiT, model_dir: Path, manifest: Dict[str, Any],
                         atol: float = 2e-3) -> Dict[str, float]:
    """Largest |PyTorch - onnxruntime| difference of the decoded images and of the step's mu on
    fixed random inputs; raises when either exceeds atol."""
    from .export import (CodeDecodeGraph, DecodeGraph, example_step_inputs, has_guide_input,
                         step_graph, step_ports)
    from .ort import run_onnx

    g = torch.Generator().manual_seed(0)
    s = dit.cfg.latent_size
    codes = torch.randint(0, dit.cfg.codebook_size, (2, s, s), generator=g)
    if dit.cfg.objective == "dfm":  # its decode graph takes the codes
        image = CodeDecodeGraph(vq)(codes)
        decode_feeds = {"codes": codes.numpy()}
    else:
        z = vq.codebook[codes].permute(0, 3, 1, 2).contiguous()
        image = DecodeGraph(vq)(z)[0]
        decode_feeds = {"z": z.numpy()}
    ort_image = run_onnx(model_dir / manifest["graphs"]["decode"], decode_feeds)["image"]
    inputs = example_step_inputs(dit.cfg)
    inputs["cfg"] = inputs["cfg"] * 3.0
    mu = step_graph(dit, vq.codebook)(**inputs)[0]  # mu, or dfm's probabilities
    feeds = dict(inputs)
    if not has_guide_input(model_dir / manifest["graphs"]["step"]):
        del feeds["guide"]  # exported before the guide input: every row is guided
    ort_mu = run_onnx(model_dir / manifest["graphs"]["step"],
                      {k: v.numpy() for k, v in feeds.items()})[step_ports(dit.cfg.objective)[1][0]]
    diffs = {"decode": float(np.abs(image.numpy() - ort_image).max()),
             "step": float(np.abs(mu.numpy() - ort_mu).max())}
    bad = {k: v for k, v in diffs.items() if not v <= atol}
    if bad:
        raise ValueError(f"{model_dir}: recovered modules disagree with the graphs {bad} "
                         f"(tolerance {atol}); not writing checkpoints")
    return diffs


def write_checkpoints(vq: Tokenizer, dit: DiT, manifest: Dict[str, Any], out: Path) -> None:
    """out/vq and out/dit in the layouts train_vq and train_dit write (and resume from)."""
    prov = manifest.get("provenance") or {}
    vq_prov, dit_prov = prov.get("vq") or {}, prov.get("dit") or {}
    recovered = {"recovered_from": manifest["name"], "exported": prov.get("exported")}
    vq_state = {k: v.detach().clone() for k, v in vq.state_dict().items()}
    save_parts({"model": vq_state}, {
        "kind": "vq", "vq": to_dict(vq.cfg), "labels": manifest["labels"],
        "step": int(vq_prov.get("decoder_iterations", 0)), "history": [],
        "cost": {"cpu_seconds": float(vq_prov.get("cpu_seconds", 0.0)), "wall_seconds": 0.0},
        **recovered}, out / "vq")
    dit_state = {k: v.detach().clone() for k, v in dit.state_dict().items()}
    save_parts({"ema": dit_state, "model": dit_state}, {
        "kind": "dit", "dit": to_dict(dit.cfg), "objective": dit.cfg.objective,
        "step": int(dit_prov.get("iterations", 0)), "vq": to_dict(vq.cfg),
        "labels": manifest["labels"], "history": [], "evals": [],
        "bank": {"codebook_sha1": codebook_fingerprint(vq.codebook.detach().float())},
        "cost": {"cpu_seconds": float(dit_prov.get("cpu_seconds", 0.0)),
                 "wall_seconds": float(dit_prov.get("wall_seconds", 0.0))},
        **recovered}, out / "dit")


def main(argv: List[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Recover vq/ and dit/ training checkpoints from an "
                                             "exported model directory.")
    ap.add_argument("--model", required=True, help="model directory (manifest.json + graphs)")
    ap.add_argument("--out", required=True, help="writes OUT/vq and OUT/dit")
    args = ap.parse_args(argv)
    model_dir, out = Path(args.model), Path(args.out)
    vq, dit, manifest = recover(model_dir)
    diffs = check_against_graphs(vq, dit, model_dir, manifest)
    write_checkpoints(vq, dit, manifest, out)
    print(json.dumps({"model": manifest["name"], "out": str(out), "max_abs_diff": diffs}))


if __name__ == "__main__":
    main()
