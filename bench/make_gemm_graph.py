"""A plain-GEMM ONNX graph for bench/flops.ts: the matrix products of one step-graph run, nothing else.

--shapes is a JSON list of {"g": batch or 0, "m", "k", "n", "count"}; each entry becomes `count`
MatMul nodes [g,]m x k @ [g,]k x n, each with its own random weight (so no two nodes are the same and
the optimizer cannot merge them), all reading one shared input per entry. Each product is cut to
one element with Slice (a free op; the product itself is computed in full) and the elements are
concatenated into the single output, so nothing large crosses into JavaScript.

    .venv/bin/python bench/make_gemm_graph.py --shapes '[{"g":0,"m":1024,"k":256,"n":768,"count":8}]' --out data/gemm.onnx
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    inputs, inits, nodes, pieces = [], [], [], []
    zeros = numpy_helper.from_array(np.zeros(1, np.int64), "zero")
    ones = numpy_helper.from_array(np.ones(1, np.int64), "one")
    last = numpy_helper.from_array(np.array([-1], np.int64), "last")
    inits += [zeros, ones, last]
    for e, shape in enumerate(json.loads(args.shapes)):
        g, m, k, n = shape["g"], shape["m"], shape["k"], shape["n"]
        lead = [g] if g else []
        a = f"a{e}"
        inputs.append(helper.make_tensor_value_info(a, TensorProto.FLOAT, lead + [m, k]))
        for i in range(shape["count"]):
            w = f"w{e}_{i}"
            inits.append(numpy_helper.from_array(rng.standard_normal(lead + [k, n]).astype(np.float32) * 0.05, w))
            y = f"y{e}_{i}"
            nodes.append(helper.make_node("MatMul", [a, w], [y]))
            flat = f"f{e}_{i}"
            nodes.append(helper.make_node("Reshape", [y, "last"], [flat]))
            piece = f"p{e}_{i}"
            nodes.append(helper.make_node("Slice", [flat, "zero", "one"], [piece]))
            pieces.append(piece)
    nodes.append(helper.make_node("Concat", pieces, ["out"], axis=0))
    graph = helper.make_graph(nodes, "gemm_ceiling", inputs,
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, [len(pieces)])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, args.out)
    print(json.dumps({"out": args.out, "nodes": len(pieces)}))


if __name__ == "__main__":
    main()
