"""ONNX export to the model contract `purrception.onnx.v1` (docs/design.md): step.onnx, decode.onnx,
manifest.json.

step.onnx, one Euler step's model work with guidance, temperature and barycenter fused:

    inputs : z [B,C,h,w] f32, t [B] f32, y [B] i64, cfg [B] f32, tau [B] f32,
             guide [G] i64 (the rows to guide, increasing, 0 <= G <= B)
    outputs: mu [B,C,h,w] f32 = E_pi[e],  entropy [B,h,w] f32 (nats)

The DiT runs B + G rows: every row conditionally, and the G guided rows once more with the null
class. A guided row gets h_u + cfg (h_c - h_u); any other row h_c, its conditional pass alone (a
cfg-0 row is sent with y = null), so rows that need no guidance cost one pass, not two. Guidance is
applied to the final modulated hidden states, before the K-way head:
    l_u + w (l_c - l_u) = W (h_u + w (h_c - h_u)) + b        (the head is affine)
which is exactly guidance in logit space while computing the [B, T, K] logits once, not twice.
Graphs exported before `guide` existed guide every row; the service runs both.

decode.onnx: z [B,C,h,w] -> image [B,3,H,W] in [-1,1], codes [B,h,w] i64 (nearest codebook entry).
"""

from __future__ import annotations

import argparse
import copy
import datetime
import inspect
import json
import math
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
import torch.nn as nn
import torch.nn.functional as F

from . import CONTRACT_FORMAT
from .config import VECTOR_OBJECTIVES, DiTConfig, VQConfig, from_dict, to_dict
from .models import DiT, Tokenizer, build_vq

OPSET = 17
STEP_INPUTS = ["z", "t", "y", "cfg", "tau", "guide"]
STEP_OUTPUTS = ["mu", "entropy"]
# A DiT that predicts a vector (cfm, cfm-endpoint) has no posterior over codes: no tau, no entropy
MEAN_STEP_INPUTS = ["z", "t", "y", "cfg", "guide"]
MEAN_STEP_OUTPUTS = ["mu"]
# dfm: the codes so far (K = the mask token) in, the guided p(x_1 | x_t) over the K codes out
CODE_STEP_INPUTS = ["codes", "t", "y", "cfg", "guide"]
CODE_STEP_OUTPUTS = ["probs"]
DECODE_INPUTS = ["z"]
DECODE_OUTPUTS = ["image", "codes"]
CODE_DECODE_INPUTS = ["codes"]
CODE_DECODE_OUTPUTS = ["image"]
ENCODE_INPUTS = ["image"]
ENCODE_OUTPUTS = ["z", "codes"]
LABEL_RE = re.compile(r"^[A-Za-z0-9_-]+$")  # URL-safe class names
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)  # the tanh GELU's constants
GELU_KAPPA = 0.044715


#################################################################################
#                                 Graph modules                                 #
#################################################################################


class GemmLinear(nn.Module):
    """nn.Linear as one 2-D product: x (..., D) -> (M, D) W^T + b -> (..., D_out), M = prod(...).

    Same parameters and the same numbers as the nn.Linear it wraps. The exporter writes an nn.Linear
    on a 3-D input as MatMul + Add, which onnxruntime cannot fuse (its Gemm fusion needs 2-D inputs),
    so the bias add is a separate pass over the activations; here it is one Gemm node.
    """

    def __init__(self, linear: nn.Linear):
        super().__init__()
        self.weight, self.bias = linear.weight, linear.bias
        self.in_features, self.out_features = linear.in_features, linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            return F.linear(x, self.weight, self.bias)  # (M, D_out), already a Gemm
        # Only the batch dimension is dynamic in the step graph: the others are constants here, so
        # the reshapes need no Shape/Gather/Concat nodes at run time.
        inner = [int(d) for d in x.shape[1:-1]]
        y = F.linear(x.reshape(-1, self.in_features), self.weight, self.bias)  # (M, D_out)
        return y.reshape([-1] + inner + [self.out_features])  # (..., D_out)


class FastGelu(nn.Module):
    """GELU, tanh approximation, in the form onnxruntime's FastGeluFusion matches:

        (0.5 x) (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))

    the same formula as nn.GELU(approximate="tanh"). Exported as one op (torch's own export of
    nn.GELU orders the products differently), so it runs as one FastGelu kernel, not eight passes
    over the (B*T, 4D) MLP activations.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        inner = SQRT_2_OVER_PI * (x + GELU_KAPPA * torch.pow(x, 3.0))
        return (0.5 * x) * (1.0 + torch.tanh(inner))


def for_export(module: nn.Module) -> nn.Module:
    """A copy of module for the ONNX step graph: nn.Linear -> GemmLinear, tanh nn.GELU -> FastGelu.

    Same parameter names and the same function (to float rounding); training keeps the original.
    """
    module = copy.deepcopy(module)
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Linear):
                setattr(parent, name, GemmLinear(child))
            elif isinstance(child, nn.GELU) and child.approximate == "tanh":
                setattr(parent, name, FastGelu())
    return module


class StepGraph(nn.Module):
    """One Euler step's model work for a Purrception DiT: mu and the posterior's entropy.

    head_chunks > 1 computes the K-way head, softmax and barycenter over that many groups of tokens
    (sliced and concatenated in the graph; same outputs), so every (B, tokens, p*p, K) tensor is
    that many times smaller. At the paper's shape one such tensor is 2 GiB at B = 32, the size at
    which the WebGPU step was measured to slow down and lose precision; bench/gpu compares both.
    """

    def __init__(self, dit: DiT, codebook: torch.Tensor, head_chunks: int = 1):
        super().__init__()
        if head_chunks < 1:
            raise ValueError(f"head_chunks must be >= 1, got {head_chunks}")
        self.dit = dit
        self.head_chunks = head_chunks
        self.register_buffer("codebook", codebook.detach().clone().float())  # (K, C)

    def forward(self, z: torch.Tensor, t: torch.Tensor, y: torch.Tensor, cfg: torch.Tensor,
                tau: torch.Tensor, guide: torch.Tensor):
        h = self.guided_hidden(z, t, y, cfg, guide)  # (B, T, D)
        tau = tau.view(-1, 1, 1, 1)
        parts = [self._posterior(part, tau) for part in h.chunk(self.head_chunks, dim=1)]
        mu = torch.cat([m for m, _ in parts], dim=1)  # (B, T, p*p, C)
        entropy = torch.cat([e for _, e in parts], dim=1)  # (B, T, p*p, 1)
        return self.dit.unpatchify(mu), self.dit.unpatchify(entropy)[:, 0]  # (B,C,h,w), (B,h,w)

    def guided_hidden(self, z: torch.Tensor, t: torch.Tensor, y: torch.Tensor, cfg: torch.Tensor,
                      guide: torch.Tensor) -> torch.Tensor:
        dit = self.dit
        n = z.shape[0]
        null = y.index_select(0, guide) * 0 + dit.cfg.null_class  # (G,) null class ids
        # every row conditionally, then the guided rows unconditionally: [z; z[g]], [y; null]
        h = dit.final_hidden(torch.cat([z, z.index_select(0, guide)]),
                             torch.cat([t, t.index_select(0, guide)]),
                             torch.cat([y, null]))  # (B + G, T, D)
        h_c, h_u = h[:n], h[n:]
        # guidance on hidden states, guided rows only: h = h_u + w (h_c - h_u)
        w = cfg.index_select(0, guide).view(-1, 1, 1)
        h_g = h_u + w * (h_c.index_select(0, guide) - h_u)  # (G, T, D)
        return h_c.index_copy(0, guide, h_g)  # (B, T, D)

    def _posterior(self, h: torch.Tensor, tau: torch.Tensor):
        """pi = softmax(l / tau) over the codebook for tokens h: (E_pi[e], H(pi) in nats)."""
        logp = torch.log_softmax(self.dit.head_tokens(h) / tau, dim=-1)  # (B, T', p*p, K)
        pi = torch.exp(logp)
        mu = torch.matmul(pi, self.codebook)  # (B, T', p*p, C): mu = sum_k pi_k e_k
        return mu, -(pi * logp).sum(-1, keepdim=True)


class MeanStepGraph(StepGraph):
    """The step of a DiT that predicts a vector: mu, the endpoint the contract's velocity
    v = (mu - z) / (1 - t) flows to. cfm-endpoint predicts mu itself; cfm predicts v, so
    mu = z + (1 - t) v. Both are linear in the head's output, so guidance on hidden states is
    guidance on mu, as for Purrception."""

    def forward(self, z: torch.Tensor, t: torch.Tensor, y: torch.Tensor, cfg: torch.Tensor,
                guide: torch.Tensor):
        out = self.dit.head(self.guided_hidden(z, t, y, cfg, guide))  # (B, C, h, w)
        if self.dit.cfg.objective == "cfm-endpoint":
            return (out,)
        return (z + (1 - t).view(-1, 1, 1, 1) * out,)


class CodeStepGraph(StepGraph):
    """The step of a dfm DiT: p(x_1 | x_t) = softmax of the guided logits over the K codes, for
    codes x_t (B, h, w) in 0..K (K = mask). The draw from it is the service's (seeded per request);
    guidance on hidden states is guidance on the logits, as the reference code guides them."""

    def forward(self, codes: torch.Tensor, t: torch.Tensor, y: torch.Tensor, cfg: torch.Tensor,
                guide: torch.Tensor):
        logits = self.dit.head(self.guided_hidden(codes, t, y, cfg, guide))  # (B, K, h, w)
        return (torch.softmax(logits, dim=1),)


def step_graph(dit: DiT, codebook: torch.Tensor, head_chunks: int = 1) -> StepGraph:
    """The step module of a DiT's objective."""
    if dit.cfg.objective == "dfm":
        return CodeStepGraph(dit, codebook)
    if dit.cfg.objective in VECTOR_OBJECTIVES:
        return MeanStepGraph(dit, codebook)
    return StepGraph(dit, codebook, head_chunks)


def step_ports(objective: str) -> Tuple[List[str], List[str]]:
    """The step graph's input and output names for an objective."""
    if objective == "dfm":
        return CODE_STEP_INPUTS, CODE_STEP_OUTPUTS
    if objective in VECTOR_OBJECTIVES:
        return MEAN_STEP_INPUTS, MEAN_STEP_OUTPUTS
    return STEP_INPUTS, STEP_OUTPUTS


class DecodeGraph(nn.Module):
    """x = Decoder(Quantize(z)), clamped to [-1, 1]; also the codes."""

    def __init__(self, vq: Tokenizer):
        super().__init__()
        self.vq = vq

    def forward(self, z: torch.Tensor):
        codes = self.vq.quantize.nearest(z)  # (B, h, w) int64
        z_q = self.vq.quantize.embedding(codes).permute(0, 3, 1, 2)  # (B, C, h, w)
        return self.vq.decode(z_q).clamp(-1.0, 1.0), codes


class CodeDecodeGraph(nn.Module):
    """codes (B, h, w) -> x = Decoder(codebook[codes]) in [-1, 1]: the decode of a dfm model, which
    samples codes rather than vectors."""

    def __init__(self, vq: Tokenizer):
        super().__init__()
        self.vq = vq

    def forward(self, codes: torch.Tensor):
        z_q = self.vq.quantize.embedding(codes).permute(0, 3, 1, 2)  # (B, C, h, w)
        return self.vq.decode(z_q).clamp(-1.0, 1.0)


class EncodeGraph(nn.Module):
    """image [-1, 1] -> (z, codes): the encoder, then the nearest codebook entry per position; z is
    that entry's vector, so decoding z gives the tokenizer's reconstruction."""

    def __init__(self, vq: Tokenizer):
        super().__init__()
        self.vq = vq

    def forward(self, image: torch.Tensor):
        codes = self.vq.quantize.nearest(self.vq.encode(image))  # (B, h, w) int64
        return self.vq.quantize.embedding(codes).permute(0, 3, 1, 2), codes  # (B, C, h, w)


#################################################################################
#                                    Export                                     #
#################################################################################


def _onnx_export(module: nn.Module, args: tuple, path: Path, inputs: List[str],
                 outputs: List[str]) -> None:
    kwargs: Dict[str, Any] = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # the TorchScript exporter: same graphs on torch 1.13 and 2.x
    dynamic = {name: {0: "guided" if name == "guide" else "batch"} for name in inputs + outputs}
    torch.onnx.export(module, args, str(path), input_names=inputs, output_names=outputs,
                      dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True,
                      **kwargs)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)


def store_weights_fp16(path: Path, min_elements: int = 256) -> int:
    """Store float32 initializers that are exactly fp16-representable as fp16 + a Cast node.

    Lossless by construction (others stay fp32), compute stays fp32: it halves the file of a model
    whose weights were rounded to fp16 (the test fixture). Returns the number of tensors stored.
    """
    model = onnx.load(str(path))
    graph, casts = model.graph, []
    for init in graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT or np.prod(init.dims) < min_elements:
            continue
        arr = numpy_helper.to_array(init)
        half = arr.astype(np.float16)
        if not np.array_equal(half.astype(np.float32), arr):
            continue
        name = init.name
        init.CopyFrom(numpy_helper.from_array(half, name + "_fp16"))
        casts.append(helper.make_node("Cast", [name + "_fp16"], [name], to=onnx.TensorProto.FLOAT,
                                      name=name + "_cast"))
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))
    return len(casts)


FP16_VARIANT = "step.fp16.onnx"
FP16_PROVIDERS = ("cuda", "webgpu")  # execution providers that run the fp16 step graph
FP16_MAX = 65504.0  # largest finite fp16


def fp16_step_graph(src: Path, dst: Path) -> Dict[str, int]:
    """Write an fp16 copy of the step graph src to dst: same inputs and outputs (fp32), fp16 inside.

    Two parts stay fp32 (the rest, the transformer and the K-way head's product, runs in fp16):
      1. the timestep features: everything upstream of Sin/Cos. t_scale * t reaches 1000, where fp16
         spacing is 0.5, i.e. a phase error of up to 0.25 rad in the fastest frequencies;
      2. everything downstream of tau: the temperature, the K-way softmax, the barycenter and the
         entropy (sums over K terms, and the outputs the sampler integrates).
    Casts are inserted where the two precisions meet; float initializers of the fp16 part are
    rounded to fp16 (clipped to +-65504). Returns counts for the log.
    """
    FLOAT, HALF = onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16
    model = onnx.shape_inference.infer_shapes(onnx.load(str(src)))
    graph = model.graph
    elem: Dict[str, int] = {}
    for v in list(graph.input) + list(graph.output) + list(graph.value_info):
        elem[v.name] = v.type.tensor_type.elem_type
    inits = {i.name: i for i in graph.initializer}
    for i in graph.initializer:
        elem[i.name] = i.data_type
    for n in graph.node:
        if n.op_type == "Constant":
            elem[n.output[0]] = n.attribute[0].t.data_type if n.attribute[0].t else 0
    producer = {out: k for k, n in enumerate(graph.node) for out in n.output}
    consumers: Dict[str, List[int]] = {}
    for k, n in enumerate(graph.node):
        for v in n.input:
            consumers.setdefault(v, []).append(k)

    keep = set()  # indices of nodes that stay fp32
    stack = [k for k, n in enumerate(graph.node) if n.op_type in ("Sin", "Cos")]
    while stack:  # 1. ancestors of the timestep features
        k = stack.pop()
        if k not in keep:
            keep.add(k)
            stack.extend(producer[v] for v in graph.node[k].input if v in producer)
    stack = list(consumers.get("tau", []))
    while stack:  # 2. descendants of tau
        k = stack.pop()
        if k not in keep:
            keep.add(k)
            stack.extend(c for v in graph.node[k].output for c in consumers.get(v, []))

    def to_half(t: onnx.TensorProto) -> onnx.TensorProto:
        arr = np.clip(numpy_helper.to_array(t), -FP16_MAX, FP16_MAX).astype(np.float16)
        return numpy_helper.from_array(arr, t.name)

    nodes: List[onnx.NodeProto] = []
    made: Dict[str, str] = {}  # "value:precision" -> name of the converted value
    half_inits: List[onnx.TensorProto] = []

    def convert(v: str, to: int) -> str:
        key = f"{v}:{to}"
        if key not in made:
            suffix = "_fp16" if to == HALF else "_fp32"
            if v in inits and to == HALF:  # an fp16 copy of the weight, no run-time cast
                half = to_half(inits[v])
                half.name = v + suffix
                half_inits.append(half)
            else:
                nodes.append(helper.make_node("Cast", [v], [v + suffix], to=to, name=v + suffix))
            made[key] = v + suffix
        return made[key]

    for k, node in enumerate(graph.node):
        half = k not in keep
        if half:
            for a in node.attribute:
                if node.op_type == "Cast" and a.name == "to" and a.i == FLOAT:
                    a.i = HALF
                elif a.type == onnx.AttributeProto.TENSOR and a.t.data_type == FLOAT:
                    a.t.CopyFrom(to_half(a.t))
        for i, v in enumerate(node.input):
            if not v or elem.get(v) != FLOAT:
                continue
            produced_half = v in producer and producer[v] not in keep
            if half and not produced_half:
                node.input[i] = convert(v, HALF)
            elif not half and produced_half:
                node.input[i] = convert(v, FLOAT)
        nodes.append(node)
    for out in graph.output:  # the contract's outputs stay fp32
        k = producer[out.name]
        if k not in keep and out.type.tensor_type.elem_type == FLOAT:
            node = graph.node[k]
            idx = list(node.output).index(out.name)
            node.output[idx] = out.name + "_fp16"
            nodes.append(helper.make_node("Cast", [out.name + "_fp16"], [out.name], to=FLOAT,
                                          name=out.name + "_to_fp32"))
    used = {v for n in nodes for v in n.input}
    kept_inits = [i for i in graph.initializer if i.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept_inits + half_inits)
    del graph.value_info[:]  # stale element types; the checker infers them again
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(dst))
    return {"fp32_nodes": len(keep), "fp16_nodes": len(graph.node) - len(keep),
            "fp16_weights": len(half_inits)}


def example_step_inputs(dit_cfg: DiTConfig, batch: int = 2) -> Dict[str, torch.Tensor]:
    """Inputs of the objective's step graph by name (step_ports), in the graph's order."""
    c, s = dit_cfg.latent_channels, dit_cfg.latent_size
    codes = torch.randint(0, dit_cfg.codebook_size + 1, (batch, s, s))
    every = {"z": torch.randn(batch, c, s, s), "codes": codes, "t": torch.rand(batch),
             "y": torch.zeros(batch, dtype=torch.long), "cfg": torch.ones(batch),
             "tau": torch.ones(batch), "guide": torch.arange(batch)}
    return {name: every[name] for name in step_ports(dit_cfg.objective)[0]}


def has_guide_input(step_graph: Path) -> bool:
    """Whether a step graph takes `guide` (exports before it existed guide every row)."""
    return any(i.name == "guide" for i in onnx.load(str(step_graph)).graph.input)


def validate_labels(labels: Sequence[str], num_classes: int) -> List[str]:
    labels = list(labels)
    if len(labels) != num_classes:
        raise ValueError(f"labels: expected {num_classes} names, got {len(labels)}")
    if len(set(labels)) != len(labels):
        raise ValueError("labels must be unique")
    bad = [x for x in labels if not LABEL_RE.match(x)]
    if bad:
        raise ValueError(f"labels must be URL-safe ([A-Za-z0-9_-]+): {bad}")
    return labels


def build_manifest(vq_cfg: VQConfig, dit_cfg: DiTConfig, name: str, labels: Sequence[str],
                   defaults: Dict[str, Any], provenance: Dict[str, Any],
                   description: str = "",
                   variants: Optional[Dict[str, Dict[str, str]]] = None) -> Dict[str, Any]:
    manifest = {
        "format": CONTRACT_FORMAT,
        "name": name,
        "description": description or f"Purrception {dit_cfg.objective} model {name}",
        "objective": dit_cfg.objective,
        "image": {"height": vq_cfg.image_size, "width": vq_cfg.image_size},
        "latent": {"channels": dit_cfg.latent_channels, "height": dit_cfg.latent_size,
                   "width": dit_cfg.latent_size},
        "codebook_size": dit_cfg.codebook_size,
        "num_classes": dit_cfg.num_classes,
        "null_class": dit_cfg.null_class,
        "labels": list(labels),
        # tau is the posterior's temperature (purrception only); dfm has its own sampler and grid
        "defaults": {"steps": int(defaults["steps"]), "cfg": float(defaults["cfg"]),
                     **({"tau": float(defaults["tau"])} if dit_cfg.objective == "purrception"
                        else {}),
                     **{k: defaults[k] for k in ("sampler", "grid", "guidance")
                        if defaults.get(k) and (k == "guidance" or dit_cfg.objective != "dfm")}},
        "graphs": {"step": "step.onnx", "decode": "decode.onnx", "encode": "encode.onnx"},
        "provenance": provenance,
    }
    if variants:  # optional: graph -> {execution provider -> file}; others run "graphs"
        manifest["variants"] = variants
    return manifest


@torch.no_grad()
def export_model(vq: Tokenizer, dit: DiT, out_dir: Union[str, Path], name: str,
                 labels: Sequence[str], defaults: Dict[str, Any], provenance: Dict[str, Any],
                 description: str = "", fp16_weights: bool = False, fp16: bool = False,
                 head_chunks: int = 1, encoder: bool = True) -> Path:
    """Write step.onnx, decode.onnx, encode.onnx and manifest.json for (vq, dit) into out_dir.

    fp16_weights: store the weights that are exactly fp16-representable as fp16 (lossless).
    fp16: also write step.fp16.onnx (fp16 compute, fp32 inputs and outputs, see fp16_step_graph)
    and declare it in the manifest as the step graph of the GPU providers (cuda, webgpu).
    head_chunks: see StepGraph (the outputs are the same; only peak tensor sizes change).
    encoder: False leaves encode.onnx out (a model that takes no image input).
    """
    if vq.cfg.embed_dim != dit.cfg.latent_channels or vq.cfg.codebook_size != dit.cfg.codebook_size:
        raise ValueError("VQ and DiT configs disagree on latent channels or codebook size")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    vq, dit = vq.float().cpu().eval(), dit.float().cpu().eval()
    labels = validate_labels(labels, dit.cfg.num_classes)

    step = step_graph(for_export(dit), vq.codebook, head_chunks)
    inputs, outputs = step_ports(dit.cfg.objective)
    _onnx_export(step, tuple(example_step_inputs(dit.cfg).values()), out / "step.onnx", inputs,
                 outputs)
    c, s = dit.cfg.latent_channels, dit.cfg.latent_size
    if dit.cfg.objective == "dfm":
        _onnx_export(CodeDecodeGraph(vq), (torch.randint(0, dit.cfg.codebook_size, (2, s, s)),),
                     out / "decode.onnx", CODE_DECODE_INPUTS, CODE_DECODE_OUTPUTS)
        encoder = False  # image input starts from a point on the Gaussian path: not dfm's
    else:
        _onnx_export(DecodeGraph(vq), (torch.randn(2, c, s, s),), out / "decode.onnx",
                     DECODE_INPUTS, DECODE_OUTPUTS)
    graphs = ["step.onnx", "decode.onnx"]
    if encoder:
        size = vq.cfg.image_size
        _onnx_export(EncodeGraph(vq), (torch.rand(2, 3, size, size) * 2 - 1,), out / "encode.onnx",
                     ENCODE_INPUTS, ENCODE_OUTPUTS)
        graphs.append("encode.onnx")
    variants = None
    if fp16:
        fp16_step_graph(out / "step.onnx", out / FP16_VARIANT)
        variants = {"step": {provider: FP16_VARIANT for provider in FP16_PROVIDERS}}
    if fp16_weights:
        for graph in graphs:
            store_weights_fp16(out / graph)

    provenance = dict(provenance)
    provenance.setdefault("exported", datetime.datetime.now(datetime.timezone.utc).isoformat())
    provenance.setdefault("exporter", {"torch": torch.__version__, "onnx": onnx.__version__,
                                       "opset": OPSET})
    provenance.setdefault("config", {"vq": to_dict(vq.cfg), "dit": to_dict(dit.cfg)})
    manifest = build_manifest(vq.cfg, dit.cfg, name, labels, defaults, provenance, description,
                              variants)
    if not encoder:
        del manifest["graphs"]["encode"]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return out


#################################################################################
#                                Command line                                   #
#################################################################################


def _load_checkpoints(args: argparse.Namespace):
    from .checkpoint import load_model, load_parts, select

    ckpt = Path(args.ckpt) if args.ckpt else None
    def sub(name: str) -> Optional[Path]:
        return ckpt / name if ckpt is not None and (ckpt / name).is_dir() else None

    vq_dir = Path(args.vq) if args.vq else sub("vq")
    dit_dir = Path(args.dit) if args.dit else sub("dit")
    if vq_dir and dit_dir:
        _, cfg = load_parts(dit_dir)
        return load_model("vq", vq_dir), load_model("dit", dit_dir), cfg
    if ckpt is None:
        raise SystemExit("give --ckpt DIR, or --vq DIR and --dit DIR, or --random")
    # one directory for both: config {"vq": ..., "dit": ...}, state {"vq": ..., "dit"/"ema": ...}
    state, cfg = load_parts(ckpt)
    vq = build_vq(from_dict(VQConfig, cfg["vq"]))
    vq.load_state_dict(select(state, "vq"))
    dit = DiT(from_dict(DiTConfig, cfg["dit"]))
    dit.load_state_dict(select(state, "ema", "dit", "model"))
    return vq.eval(), dit.eval(), cfg


GRIDS = ("uniform", "quadratic", "early")


def parse_grid(text: str) -> Union[str, List[float]]:
    """A named grid, or knots 0 = k_0 < ... < k_K = 1 (the service's contract, docs/samplers.md)."""
    if text in GRIDS:
        return text
    try:
        knots = [float(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: one of {', '.join(GRIDS)} or comma-separated knots")
    if len(knots) < 2 or knots[0] != 0 or knots[-1] != 1 or any(b <= a for a, b in zip(knots, knots[1:])):
        raise argparse.ArgumentTypeError(f"{text!r}: knots must start at 0, end at 1 and increase strictly")
    return knots


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description="Export a model directory (purrception.onnx.v1).")
    ap.add_argument("--ckpt", help="checkpoint dir (with vq/ and dit/, or both in one)")
    ap.add_argument("--vq", help="VQ checkpoint dir (overrides --ckpt)")
    ap.add_argument("--dit", help="DiT checkpoint dir (overrides --ckpt)")
    ap.add_argument("--random", action="store_true", help="random weights (with --preset)")
    ap.add_argument("--preset", default="fixture")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, help="output model directory, e.g. ../models/NAME")
    ap.add_argument("--name", help="model name (default: the output directory's name)")
    ap.add_argument("--description", default="")
    ap.add_argument("--labels", help="comma-separated class names (default: from the checkpoint)")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--tau", type=float, default=0.9)
    ap.add_argument("--cfg", type=float, default=1.3)
    ap.add_argument("--sampler", choices=["euler", "heun", "multistep", "logsnr-multistep"],
                    help="the service's default sampler for this model (absent: euler)")
    ap.add_argument("--grid", type=parse_grid,
                    help="the default time grid: uniform, quadratic, early, or knots 0,K1,...,1 "
                         "tuned for this model (bench/tune-grid.ts; absent: uniform)")
    ap.add_argument("--guidance", help="default guidance interval FROM,TO in t (absent: all of it)")
    ap.add_argument("--head-chunks", type=int, default=1,
                    help="split the K-way head over this many groups of tokens (smaller tensors "
                         "for large K; same outputs)")
    ap.add_argument("--provenance", help="JSON file merged into the manifest's provenance")
    ap.add_argument("--fp16-weights", action="store_true",
                    help="store fp16-representable weights as fp16 (lossless for checkpoints saved "
                         "as fp16 parts; halves the files)")
    ap.add_argument("--fp16", action="store_true",
                    help=f"also write {FP16_VARIANT} (fp16 compute, fp32 inputs/outputs) for the "
                         f"GPU providers ({', '.join(FP16_PROVIDERS)}); CPU keeps step.onnx")
    args = ap.parse_args(argv)

    provenance: Dict[str, Any] = {}
    if args.random:
        from .random_weights import random_models

        vq, dit = random_models(args.preset, args.seed)
        ckpt_cfg: Dict[str, Any] = {}
        provenance["source"] = f"random weights, preset {args.preset}, seed {args.seed}"
    else:
        vq, dit, ckpt_cfg = _load_checkpoints(args)
        provenance["source"] = str(args.ckpt or args.dit)
        provenance.update(ckpt_cfg.get("provenance", {}))
    if args.provenance:
        provenance.update(json.loads(Path(args.provenance).read_text()))
    if args.labels:
        labels = args.labels.split(",")
    else:
        labels = ckpt_cfg.get("labels") or [f"class{i}" for i in range(dit.cfg.num_classes)]
    defaults: Dict[str, Any] = {"steps": args.steps, "tau": args.tau, "cfg": args.cfg,
                                "sampler": args.sampler, "grid": args.grid}
    if args.guidance:
        start, end = (float(x) for x in args.guidance.split(","))
        if not 0 <= start <= end <= 1:
            raise SystemExit(f"--guidance FROM,TO needs 0 <= FROM <= TO <= 1, got {args.guidance}")
        defaults["guidance"] = {"from": start, "to": end}
    out = export_model(vq, dit, args.out, args.name or Path(args.out).name, labels, defaults,
                       provenance,
                       args.description, fp16_weights=args.fp16_weights, fp16=args.fp16,
                       head_chunks=args.head_chunks)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
