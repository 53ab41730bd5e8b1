"""Converters for the reference code's artefacts into our models (then `export_model`).

1. The Purrception reference DiT checkpoint (razvanmatisan/purrception): a torch file with
   `ema_state_dict` (torch_ema: `shadow_params`, a list in `parameters()` order) and, as fallback,
   `backbone_state_dict`. Its DiT names parameters as facebookresearch/DiT (timm Attention/Mlp), as
   ours do, plus a trainable-flag-off `pos_embed` parameter (first in `parameters()`), feeds t
   unscaled (t_scale = 1.0), has the null class at id num_classes (1000) and no label dropout.
   For dfm it has K+1 outputs (the mask token's too); we keep the first K.
2. latent-diffusion's vq-f8 checkpoint (`--vq-layout ldm`): `state_dict` with `encoder.*`,
   `decoder.*`, `quant_conv.*`, `post_quant_conv.*`, `quantize.embedding.weight` (and `loss.*`,
   dropped).
3. LlamaGen's vq-ds8-c2i checkpoint (`--vq-layout llamagen`, models/llamagen_vq.py): its
   vq_train.py saves `model` (plus `optimizer`, `discriminator`, `args`, and `ema` when trained
   with --ema); like LlamaGen's samplers and the reference code we take `model`. Its
   `quantize.codebook_used` usage buffer is dropped. The latents are the l2-normalised code vectors
   (what the reference trainer feeds its DiT and LlamaGen's decoder consumes). The reference
   sampler's barycenter uses the raw `embedding.weight` instead: the same when the stored rows are
   unit vectors, otherwise our export follows training, not that sampler.

    ../.venv/bin/python -m purrception.convert --dit-ckpt purrception.pth --vq-ckpt vq-f8.ckpt \\
        --out ../models/purrception-dit-b2 --labels-file imagenet_labels.txt
    ../.venv/bin/python -m purrception.convert --dit-ckpt purrception-ds8.pth \\
        --vq-ckpt vq_ds8_c2i.pt --vq-layout llamagen --out ../models/purrception-dit-b2-ds8
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch

from .checkpoint import select
from .config import VECTOR_OBJECTIVES, DiTConfig, VQConfig
from .models import DiT, LlamaGenVQ, Tokenizer, VQModel

VQ_PREFIXES = ("encoder.", "decoder.", "quant_conv.", "post_quant_conv.", "quantize.embedding.")
WRAPPER_PREFIXES = ("module.", "_orig_mod.")  # DDP / DeepSpeed / torch.compile wrappers
BLOCK_PARAMS = ["attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
                "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias",
                "adaLN_modulation.1.weight", "adaLN_modulation.1.bias"]
HEADS_BY_WIDTH = {384: 6, 768: 12, 1024: 16, 1152: 16}  # DiT-S/B/L/XL


#################################################################################
#                          Reference DiT checkpoint                             #
#################################################################################


def torch_load(path: str) -> Any:
    """torch.load on CPU; tensors-only unpickling first (torch >= 2), full pickle as a fallback for
    checkpoints that carry other objects (e.g. Lightning's callbacks in latent-diffusion's)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # torch < 1.13's load has no weights_only
        return torch.load(path, map_location="cpu")
    except Exception as err:  # noqa: BLE001 - any unpickling refusal
        print(f"warning: {path} needs full unpickling ({type(err).__name__}); trust it or stop")
        return torch.load(path, map_location="cpu", weights_only=False)


def reference_dit_names(depth: int, dfm: bool, with_pos_embed: bool = True) -> List[str]:
    """The reference DiT's parameter names in `parameters()` order (own params, then children)."""
    names = ["pos_embed"] if with_pos_embed else []
    names += ["x_pre_embedder.weight"] if dfm else []
    names += ["x_embedder.proj.weight", "x_embedder.proj.bias",
              "t_embedder.mlp.0.weight", "t_embedder.mlp.0.bias",
              "t_embedder.mlp.2.weight", "t_embedder.mlp.2.bias",
              "y_embedder.embedding_table.weight"]
    for i in range(depth):
        names += [f"blocks.{i}.{p}" for p in BLOCK_PARAMS]
    names += ["final_layer.linear.weight", "final_layer.linear.bias",
              "final_layer.adaLN_modulation.1.weight", "final_layer.adaLN_modulation.1.bias"]
    return names


def _strip_wrappers(state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    out = {}
    for k, v in state.items():
        for p in WRAPPER_PREFIXES:
            if k.startswith(p):
                k = k[len(p):]
        out[k] = v
    return out


def _shadow_to_state(shadow: List[torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Name torch_ema's shadow_params by their position."""
    with_pos = shadow[0].dim() == 3  # pos_embed (1, T, D) comes first when tracked
    dfm = shadow[1 if with_pos else 0].dim() == 2  # x_pre_embedder (K+1, D) before the conv
    fixed = 1 + 7 + 4 + (1 if dfm else 0) - (0 if with_pos else 1)
    depth, rem = divmod(len(shadow) - fixed, len(BLOCK_PARAMS))
    if rem:
        raise ValueError(f"shadow_params: {len(shadow)} tensors do not fit the reference layout")
    names = reference_dit_names(depth, dfm, with_pos)
    return dict(zip(names, shadow))


def load_reference_dit_state(path: str, prefer_ema: bool = True) -> Dict[str, torch.Tensor]:
    """The reference checkpoint's weights by name (EMA first, else the raw backbone)."""
    ckpt = torch_load(path)
    ema = ckpt.get("ema_state_dict") if isinstance(ckpt, dict) else None
    if prefer_ema and ema and ema.get("shadow_params"):
        return _shadow_to_state([p.float() for p in ema["shadow_params"]])
    state = ckpt.get("backbone_state_dict", ckpt)
    return {k: v.float() for k, v in _strip_wrappers(state).items()}


def infer_dit_config(state: Dict[str, torch.Tensor], heads: Optional[int] = None,
                     objective: Optional[str] = None) -> DiTConfig:
    """Read the architecture off the tensor shapes."""
    proj = state["x_embedder.proj.weight"]  # (D, C or D, p, p)
    hidden, patch = proj.shape[0], proj.shape[-1]
    dfm = "x_pre_embedder.weight" in state
    depth = len({k.split(".")[1] for k in state if k.startswith("blocks.")})
    out = state["final_layer.linear.weight"].shape[0] // (patch * patch)
    if objective is None:
        objective = "dfm" if dfm else ("cfm" if out == proj.shape[1] else "purrception")
    k = state["x_pre_embedder.weight"].shape[0] - 1 if dfm else (
        out if objective == "purrception" else 0)
    if "pos_embed" in state:
        grid = int(math.isqrt(state["pos_embed"].shape[1]))
    else:
        raise ValueError("pos_embed missing: give the latent size via a full backbone state")
    return DiTConfig(
        latent_size=grid * patch,
        latent_channels=4 if dfm else proj.shape[1],
        codebook_size=k,
        patch_size=patch,
        hidden=hidden,
        depth=depth,
        heads=heads or HEADS_BY_WIDTH.get(hidden, max(1, hidden // 64)),
        mlp_ratio=state["blocks.0.mlp.fc1.weight"].shape[0] / hidden,
        num_classes=state["y_embedder.embedding_table.weight"].shape[0] - 1,
        label_dropout=0.0,  # the reference trains without label dropout
        t_scale=1.0,  # the reference feeds t in [0, 1] unscaled to the sinusoidal embedding
        objective=objective,
        freq_dim=state["t_embedder.mlp.0.weight"].shape[1],
    )


def convert_dit_state(state: Dict[str, torch.Tensor], cfg: DiTConfig) -> Dict[str, torch.Tensor]:
    """Reference names -> ours: drop pos_embed (a fixed buffer here), keep K dfm outputs."""
    ours = {k: v for k, v in state.items() if k != "pos_embed"}
    if cfg.objective == "dfm":
        p2, k = cfg.patch_size ** 2, cfg.codebook_size
        w = ours["final_layer.linear.weight"]
        ours["final_layer.linear.weight"] = w.reshape(p2, k + 1, -1)[:, :k].reshape(p2 * k, -1)
        b = ours["final_layer.linear.bias"]
        ours["final_layer.linear.bias"] = b.reshape(p2, k + 1)[:, :k].reshape(-1)
    return ours


def dit_from_reference(path: str, heads: Optional[int] = None, prefer_ema: bool = True,
                       objective: Optional[str] = None) -> DiT:
    """objective: cfm-endpoint for such checkpoints, whose layout is cfm's (shapes cannot tell)."""
    state = load_reference_dit_state(path, prefer_ema)
    cfg = infer_dit_config(state, heads)
    if objective is not None and objective != cfg.objective:
        if not (objective in VECTOR_OBJECTIVES and cfg.objective in VECTOR_OBJECTIVES):
            raise ValueError(f"{path} has the layout of a {cfg.objective} DiT, not {objective}")
        cfg = dataclasses.replace(cfg, objective=objective)
    dit = DiT(cfg)
    dit.load_state_dict(convert_dit_state(state, cfg), strict=True)
    if "pos_embed" in state and not torch.allclose(state["pos_embed"], dit.pos_embed, atol=1e-4):
        raise ValueError("the checkpoint's pos_embed differs from the fixed 2D sin-cos positions")
    return dit.eval()


#################################################################################
#                       latent-diffusion vq-f8 checkpoint                       #
#################################################################################


def load_ldm_vq_state(path: str) -> Dict[str, torch.Tensor]:
    ckpt = torch_load(path)
    state = ckpt.get("state_dict", ckpt)
    return {k: v.float() for k, v in state.items() if k.startswith(VQ_PREFIXES)}


def infer_vq_config(state: Dict[str, torch.Tensor], image_size: int = 256) -> VQConfig:
    ch = state["encoder.conv_in.weight"].shape[0]
    levels = 1 + max(int(k.split(".")[2]) for k in state if k.startswith("encoder.down."))
    blocks = 1 + max(int(k.split(".")[4]) for k in state if k.startswith("encoder.down.0.block."))
    ch_mult = tuple(state[f"encoder.down.{i}.block.0.conv2.weight"].shape[0] // ch
                    for i in range(levels))
    k, d = state["quantize.embedding.weight"].shape
    lowest_attn = f"encoder.down.{levels - 1}.attn."
    return VQConfig(in_channels=state["encoder.conv_in.weight"].shape[1], ch=ch, ch_mult=ch_mult,
                    num_res_blocks=blocks,
                    attn_at_lowest=any(name.startswith(lowest_attn) for name in state),
                    codebook_size=k, embed_dim=d, image_size=image_size)


def vq_from_ldm(path: str, image_size: int = 256) -> VQModel:
    state = load_ldm_vq_state(path)
    vq = VQModel(infer_vq_config(state, image_size))
    vq.load_state_dict(state, strict=True)
    return vq.eval()


#################################################################################
#                        LlamaGen vq-ds8-c2i checkpoint                         #
#################################################################################


def load_llamagen_vq_state(path: str) -> Dict[str, torch.Tensor]:
    """The tokenizer's weights: `model` first, as LlamaGen's samplers and the reference code
    load it."""
    state = select(torch_load(path), "model", "state_dict", "ema")
    # VQ_PREFIXES leaves out `quantize.codebook_used`, training-time usage statistics
    return {k: v.float() for k, v in _strip_wrappers(state).items() if k.startswith(VQ_PREFIXES)}


def _count(state: Dict[str, torch.Tensor], prefix: str) -> int:
    """How many modules `prefix{i}.` the state holds (1 + the largest index i)."""
    return 1 + max(int(k[len(prefix):].split(".")[0]) for k in state if k.startswith(prefix))


def infer_llamagen_config(state: Dict[str, torch.Tensor], image_size: int = 256) -> VQConfig:
    """Read LlamaGen's architecture off the tensor shapes (its ModelArgs is not saved)."""
    conv_in = state["encoder.conv_in.weight"]  # (ch, 3, 3, 3)
    ch = conv_in.shape[0]
    levels = _count(state, "encoder.conv_blocks.")
    ch_mult = tuple(state[f"encoder.conv_blocks.{i}.res.0.conv2.weight"].shape[0] // ch
                    for i in range(levels))
    k, d = state["quantize.embedding.weight"].shape
    lowest_attn = f"encoder.conv_blocks.{levels - 1}.attn."
    return VQConfig(arch="llamagen", in_channels=conv_in.shape[1], ch=ch, ch_mult=ch_mult,
                    num_res_blocks=_count(state, "encoder.conv_blocks.0.res."),
                    attn_at_lowest=any(name.startswith(lowest_attn) for name in state),
                    z_channels=state["quant_conv.weight"].shape[1], codebook_size=k,
                    embed_dim=d, image_size=image_size)


def vq_from_llamagen(path: str, image_size: int = 256) -> LlamaGenVQ:
    state = load_llamagen_vq_state(path)
    vq = LlamaGenVQ(infer_llamagen_config(state, image_size))
    vq.load_state_dict(state, strict=True)
    return vq.eval()


VQ_LOADERS: Dict[str, Callable[[str, int], Tokenizer]] = {  # --vq-layout
    "ldm": vq_from_ldm, "llamagen": vq_from_llamagen}


#################################################################################
#                                Command line                                   #
#################################################################################


def main(argv: Optional[List[str]] = None) -> None:
    from .checkpoint import save_parts
    from .config import to_dict
    from .export import export_model

    ap = argparse.ArgumentParser(description="Convert reference checkpoints to a model directory.")
    ap.add_argument("--dit-ckpt", required=True, help="reference Purrception checkpoint (.pth)")
    ap.add_argument("--objective", choices=["cfm-endpoint"],
                    help="a cfm-endpoint checkpoint (the same layout as cfm, which is inferred)")
    ap.add_argument("--vq-ckpt", required=True, help="tokenizer checkpoint (see --vq-layout)")
    ap.add_argument("--vq-layout", choices=list(VQ_LOADERS), default="ldm",
                    help="ldm: latent-diffusion's vq-f8 (.ckpt); llamagen: LlamaGen's vq-ds8-c2i "
                         "(.pt), l2-normalised codes")
    ap.add_argument("--out", required=True, help="model directory to write, e.g. ../models/NAME")
    ap.add_argument("--name")
    ap.add_argument("--heads", type=int, help="attention heads (default: by width, DiT presets)")
    ap.add_argument("--image-size", type=int, default=256)
    ap.add_argument("--no-ema", action="store_true", help="use backbone_state_dict, not the EMA")
    ap.add_argument("--labels-file", help="one URL-safe class name per line")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--tau", type=float, default=0.9)
    ap.add_argument("--cfg", type=float, default=1.3)
    ap.add_argument("--save-ckpt", help="also write our part checkpoint here (vq/ and dit/)")
    args = ap.parse_args(argv)

    dit = dit_from_reference(args.dit_ckpt, args.heads, prefer_ema=not args.no_ema,
                             objective=args.objective)
    vq: Tokenizer = VQ_LOADERS[args.vq_layout](args.vq_ckpt, args.image_size)
    if dit.cfg.objective in VECTOR_OBJECTIVES:  # its head has no K outputs to read K from
        dit.cfg = dataclasses.replace(dit.cfg, codebook_size=vq.cfg.codebook_size)
    if args.labels_file:
        labels = [x.strip() for x in Path(args.labels_file).read_text().splitlines() if x.strip()]
    else:
        labels = [f"class{i}" for i in range(dit.cfg.num_classes)]
    provenance: Dict[str, Any] = {
        "source": "converted from the Purrception reference code's checkpoint",
        "dit_checkpoint": Path(args.dit_ckpt).name, "vq_checkpoint": Path(args.vq_ckpt).name,
        "vq_layout": args.vq_layout,
        "weights": "backbone" if args.no_ema else "ema",
        "note": "reference training used no label dropout: its null class (cfg != 1) is untrained",
    }
    if args.save_ckpt:
        ck = Path(args.save_ckpt)
        dit_config = {"dit": to_dict(dit.cfg), "labels": labels}
        save_parts({"model": dit.state_dict()}, dit_config, ck / "dit")
        save_parts({"model": vq.state_dict()}, {"vq": to_dict(vq.cfg)}, ck / "vq")
    out = export_model(vq, dit, args.out, args.name or Path(args.out).name, labels,
                       {"steps": args.steps, "tau": args.tau, "cfg": args.cfg}, provenance)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
