"""Reduced-precision step graphs for the CPU provider, measured against the fp32 step graph.

    cd training && ../.venv/bin/pip install onnxruntime==1.30.0   # the runtime of onnxruntime-node
    ../.venv/bin/python ../docs/results/int8-step-2026-12-05/measure.py \
        --model ../models/emoji-zoo-64 --bank BANK --out ../runs/int8

Variants of the model's step.onnx (weights folded to fp32 first): onnxruntime's dynamic int8
quantization of every Gemm/MatMul but the barycenter, and static QDQ int8 (per-channel weights,
activations calibrated on z_t of the latent bank) with and without the K-way head. For each: the
largest and mean |mu - mu_fp32|, the mean |entropy difference|, and the median time of a step run at
batch 1, 16 and 64 with 1 and 2 intra-op threads, all variants interleaved in one run (results.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
import onnxruntime as ort
import torch
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                      QuantType, quantize_dynamic, quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

BARYCENTER = "/MatMul"  # codebook barycenter: stays fp32
HEAD = "/linear/Gemm"  # the K-way head


def step_inputs(bank: dict, batch: int, seed: int) -> dict:
    """z_t = t z_1 + (1 - t) z_0 of bank latents at uniform t, their classes, cfg 3, tau 1.3."""
    r = np.random.default_rng(seed)
    idx = r.integers(0, len(bank["codes"]), batch)
    z1 = bank["codebook"].float()[bank["codes"][idx].long()].permute(0, 3, 1, 2).numpy()
    t = r.uniform(0, 0.95, batch).astype(np.float32)
    z0 = r.standard_normal(z1.shape).astype(np.float32)
    tt = t[:, None, None, None]
    return {"z": (tt * z1 + (1 - tt) * z0).astype(np.float32), "t": t,
            "y": bank["y"][idx].numpy().astype(np.int64), "cfg": np.full(batch, 3.0, np.float32),
            "tau": np.full(batch, 1.3, np.float32), "guide": np.arange(batch, dtype=np.int64)}


class Calibration(CalibrationDataReader):
    def __init__(self, bank: dict, batches: int = 16):
        self.bank, self.batches, self.i = bank, batches, 0

    def get_next(self):
        if self.i >= self.batches:
            return None
        self.i += 1
        return step_inputs(self.bank, 16, 1000 + self.i)


def variants(model_dir: str, bank: dict, out: str) -> dict:
    os.makedirs(out, exist_ok=True)
    fp32 = os.path.join(out, "step.fp32.onnx")
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC  # folds fp16 casts
    so.optimized_model_filepath = fp32
    ort.InferenceSession(os.path.join(model_dir, "step.onnx"), so, providers=["CPUExecutionProvider"])
    pre = os.path.join(out, "step.pre.onnx")
    quant_pre_process(fp32, pre, skip_symbolic_shape=True)
    paths = {"fp32": fp32, "int8-dynamic": os.path.join(out, "step.int8-dynamic.onnx")}
    quantize_dynamic(fp32, paths["int8-dynamic"], weight_type=QuantType.QInt8,
                     nodes_to_exclude=[BARYCENTER])
    for name, exclude in (("int8-static", [BARYCENTER]), ("int8-static-fp32-head", [BARYCENTER, HEAD])):
        paths[name] = os.path.join(out, f"step.{name}.onnx")
        quantize_static(pre, paths[name], Calibration(bank), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, op_types_to_quantize=["Gemm", "MatMul"],
                        nodes_to_exclude=exclude, calibrate_method=CalibrationMethod.MinMax)
    return paths


def measure(paths: dict, bank: dict, rounds: int = 7) -> dict:
    results: dict = {name: {} for name in paths}
    for threads in (1, 2):
        sessions = {}
        for name, path in paths.items():
            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            sessions[name] = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        for batch in (1, 16, 64):
            feeds = step_inputs(bank, batch, 7)
            outs = {name: s.run(None, feeds) for name, s in sessions.items()}
            times: dict = {name: [] for name in paths}
            for _ in range(rounds):  # interleaved: a slow spell hits every variant alike
                for name, s in sessions.items():
                    t0 = time.perf_counter()
                    for _ in range(3):
                        s.run(None, feeds)
                    times[name].append((time.perf_counter() - t0) / 3)
            base = float(np.median(times["fp32"]))
            for name in paths:
                mu = np.abs(outs[name][0] - outs["fp32"][0])
                results[name][f"b{batch}-t{threads}"] = {
                    "ms": round(1000 * float(np.median(times[name])), 2),
                    "speedup": round(base / float(np.median(times[name])), 3),
                    "mu_max_abs": round(float(mu.max()), 4), "mu_mean_abs": round(float(mu.mean()), 5),
                    "entropy_mean_abs": round(float(np.abs(outs[name][1] - outs["fp32"][1]).mean()), 4)}
    return results


def cpu_flags() -> list:
    with open("/proc/cpuinfo") as f:
        flags = next(line for line in f if line.startswith("flags")).split()
    return sorted(x for x in flags if x.startswith(("avx", "amx")) or "vnni" in x or "bf16" in x)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--bank", required=True, help="latent bank of the model's tokenizer (data bank)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    bank = torch.load(args.bank, weights_only=False)
    paths = variants(args.model, bank, args.out)
    results = {"machine": {"cpu_flags": cpu_flags(), "processor": platform.processor(),
                           "cores": os.cpu_count(), "onnxruntime": ort.__version__,
                           "load": os.getloadavg()},
               "model": args.model, "variants": measure(paths, bank)}
    print(json.dumps(results, indent=1))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
