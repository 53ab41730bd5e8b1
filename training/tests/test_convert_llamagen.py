"""LlamaGen's vq-ds8-c2i tokenizer: its checkpoint layout converts, matches an independent
re-implementation of LlamaGen's forward pass (l2-normalised codes), and exports; a reference DiT
trained on its latents (C = 8) converts and exports too."""

import argparse
import json
from pathlib import Path
from typing import Dict, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from conftest import requires_ort
from purrception import convert
from purrception.config import DiTConfig, VQConfig, get_preset
from purrception.random_weights import randomize_zero_init
from purrception.models import DiT, LlamaGenVQ, build_vq
from purrception.ort import run_onnx

Shapes = Dict[str, Tuple[int, ...]]
State = Dict[str, torch.Tensor]

# LlamaGen's layout, narrow: real depth (4 levels, 2 res blocks, attention at the lowest level);
# widths stay multiples of 32 because LlamaGen's GroupNorm has 32 groups
SMALL = dict(ch=32, ch_mult=(1, 2, 2, 4), blocks=2, z_channels=64, k=64, d=8)
SMALL_CFG = VQConfig(arch="llamagen", ch=32, ch_mult=(1, 2, 2, 4), num_res_blocks=2,
                     z_channels=64, codebook_size=64, embed_dim=8, image_size=32)
DIT_C8 = DiTConfig(latent_size=4, latent_channels=8, codebook_size=64, patch_size=2, hidden=64,
                   depth=2, heads=4, mlp_ratio=4.0, num_classes=10, label_dropout=0.0, t_scale=1.0)
# Shapes of the released vq_ds8_c2i (VQ_8: Encoder/Decoder defaults ch = 128, 2 res blocks;
# ModelArgs z_channels 256, 16384 x 8 codebook), read off vq_model.py
FULL_SIZE = {
    "encoder.conv_in.weight": (128, 3, 3, 3),
    "encoder.conv_blocks.0.res.1.conv2.weight": (128, 128, 3, 3),
    "encoder.conv_blocks.1.res.0.nin_shortcut.weight": (256, 128, 1, 1),
    "encoder.conv_blocks.2.downsample.conv.weight": (256, 256, 3, 3),
    "encoder.conv_blocks.3.res.0.nin_shortcut.weight": (512, 256, 1, 1),
    "encoder.conv_blocks.3.attn.1.proj_out.weight": (512, 512, 1, 1),
    "encoder.mid.1.q.weight": (512, 512, 1, 1),
    "encoder.mid.2.norm2.weight": (512,),
    "encoder.conv_out.weight": (256, 512, 3, 3),
    "quant_conv.weight": (8, 256, 1, 1),
    "quantize.embedding.weight": (16384, 8),
    "post_quant_conv.weight": (256, 8, 1, 1),
    "decoder.conv_in.weight": (512, 256, 3, 3),
    "decoder.conv_blocks.0.res.2.conv1.weight": (512, 512, 3, 3),
    "decoder.conv_blocks.0.attn.2.v.weight": (512, 512, 1, 1),
    "decoder.conv_blocks.0.upsample.conv.weight": (512, 512, 3, 3),
    "decoder.conv_blocks.1.res.0.nin_shortcut.weight": (256, 512, 1, 1),
    "decoder.conv_blocks.3.res.0.nin_shortcut.weight": (128, 256, 1, 1),
    "decoder.conv_out.weight": (3, 128, 3, 3),
}


#################################################################################
#               LlamaGen's layout and forward pass, written from its code        #
#################################################################################


def llamagen_shapes(ch: int = 128, ch_mult: Tuple[int, ...] = (1, 2, 2, 4), blocks: int = 2,
                    z_channels: int = 256, k: int = 16384, d: int = 8) -> Shapes:
    """Every state_dict entry of LlamaGen's VQModel (tokenizer/tokenizer_image/vq_model.py)."""
    s: Shapes = {}

    def conv(name: str, cin: int, cout: int, size: int) -> None:
        s[f"{name}.weight"], s[f"{name}.bias"] = (cout, cin, size, size), (cout,)

    def norm(name: str, c: int) -> None:
        s[f"{name}.weight"], s[f"{name}.bias"] = (c,), (c,)

    def res(name: str, cin: int, cout: int) -> None:
        norm(f"{name}.norm1", cin)
        conv(f"{name}.conv1", cin, cout, 3)
        norm(f"{name}.norm2", cout)
        conv(f"{name}.conv2", cout, cout, 3)
        if cin != cout:
            conv(f"{name}.nin_shortcut", cin, cout, 1)

    def attn(name: str, c: int) -> None:
        norm(f"{name}.norm", c)
        for p in ("q", "k", "v", "proj_out"):
            conv(f"{name}.{p}", c, c, 1)

    def mid(name: str, c: int) -> None:
        res(f"{name}.0", c, c)
        attn(f"{name}.1", c)
        res(f"{name}.2", c, c)

    last = len(ch_mult) - 1
    conv("encoder.conv_in", 3, ch, 3)
    c = ch
    for i, m in enumerate(ch_mult):
        for j in range(blocks):
            res(f"encoder.conv_blocks.{i}.res.{j}", c, ch * m)
            c = ch * m
            if i == last:
                attn(f"encoder.conv_blocks.{i}.attn.{j}", c)
        if i != last:
            conv(f"encoder.conv_blocks.{i}.downsample.conv", c, c, 3)
    mid("encoder.mid", c)
    norm("encoder.norm_out", c)
    conv("encoder.conv_out", c, z_channels, 3)
    conv("decoder.conv_in", z_channels, c, 3)
    mid("decoder.mid", c)
    for b, m in enumerate(reversed(ch_mult)):  # conv_blocks.0 is the lowest resolution
        for j in range(blocks + 1):
            res(f"decoder.conv_blocks.{b}.res.{j}", c, ch * m)
            c = ch * m
            if b == 0:
                attn(f"decoder.conv_blocks.{b}.attn.{j}", c)
        if b != last:
            conv(f"decoder.conv_blocks.{b}.upsample.conv", c, c, 3)
    norm("decoder.norm_out", c)
    conv("decoder.conv_out", c, 3, 3)
    conv("quant_conv", z_channels, d, 1)
    conv("post_quant_conv", d, z_channels, 1)
    s["quantize.embedding.weight"] = (k, d)
    s["quantize.codebook_used"] = (65536,)  # show_usage buffer
    return s


def random_llamagen_state(shapes: Shapes, seed: int = 0) -> State:
    """Random weights that keep activations O(1); codebook rows of unequal norms."""
    g = torch.Generator().manual_seed(seed)
    state = {}
    for name, shape in shapes.items():
        noise = torch.randn(shape, generator=g)
        if name == "quantize.codebook_used":
            state[name] = torch.zeros(shape)
        elif name == "quantize.embedding.weight":
            state[name] = noise * (0.2 + 2.0 * torch.rand(shape[0], 1, generator=g))
        elif len(shape) == 4:
            state[name] = noise / float(np.prod(shape[1:])) ** 0.5
        elif ".norm" in name and name.endswith(".weight"):
            state[name] = 1.0 + 0.1 * noise
        else:
            state[name] = 0.1 * noise
    return state


def _conv(sd: State, name: str, x: torch.Tensor, stride: int = 1) -> torch.Tensor:
    w = sd[f"{name}.weight"]
    pad = 0 if stride == 2 else w.shape[-1] // 2
    return F.conv2d(x, w, sd[f"{name}.bias"], stride=stride, padding=pad)


def _norm_act(sd: State, name: str, x: torch.Tensor) -> torch.Tensor:
    x = F.group_norm(x, 32, sd[f"{name}.weight"], sd[f"{name}.bias"], eps=1e-6)
    return x * torch.sigmoid(x)


def _res(sd: State, name: str, x: torch.Tensor) -> torch.Tensor:
    h = _conv(sd, f"{name}.conv1", _norm_act(sd, f"{name}.norm1", x))
    h = _conv(sd, f"{name}.conv2", _norm_act(sd, f"{name}.norm2", h))
    if f"{name}.nin_shortcut.weight" in sd:
        x = _conv(sd, f"{name}.nin_shortcut", x)
    return x + h


def _attn(sd: State, name: str, x: torch.Tensor) -> torch.Tensor:
    n, c, hh, ww = x.shape
    h = F.group_norm(x, 32, sd[f"{name}.norm.weight"], sd[f"{name}.norm.bias"], eps=1e-6)
    q, k, v = (_conv(sd, f"{name}.{p}", h).reshape(n, c, hh * ww) for p in "qkv")
    w = torch.softmax(torch.einsum("nci,ncj->nij", q, k) / c ** 0.5, dim=2)  # query i, key j
    out = torch.einsum("nij,ncj->nci", w, v).reshape(n, c, hh, ww)
    return x + _conv(sd, f"{name}.proj_out", out)


def _mid(sd: State, name: str, x: torch.Tensor) -> torch.Tensor:
    return _res(sd, f"{name}.2", _attn(sd, f"{name}.1", _res(sd, f"{name}.0", x)))


def _levels(sd: State, prefix: str, x: torch.Tensor) -> torch.Tensor:
    i = 0
    while f"{prefix}.{i}.res.0.conv1.weight" in sd:
        j = 0
        while f"{prefix}.{i}.res.{j}.conv1.weight" in sd:
            x = _res(sd, f"{prefix}.{i}.res.{j}", x)
            if f"{prefix}.{i}.attn.{j}.q.weight" in sd:
                x = _attn(sd, f"{prefix}.{i}.attn.{j}", x)
            j += 1
        if f"{prefix}.{i}.downsample.conv.weight" in sd:
            x = _conv(sd, f"{prefix}.{i}.downsample.conv", F.pad(x, (0, 1, 0, 1)), stride=2)
        if f"{prefix}.{i}.upsample.conv.weight" in sd:
            x = _conv(sd, f"{prefix}.{i}.upsample.conv", F.interpolate(x, scale_factor=2.0))
        i += 1
    return x


def ref_encode(sd: State, x: torch.Tensor) -> torch.Tensor:
    h = _levels(sd, "encoder.conv_blocks", _conv(sd, "encoder.conv_in", x))
    h = _conv(sd, "encoder.conv_out", _norm_act(sd, "encoder.norm_out", _mid(sd, "encoder.mid", h)))
    return _conv(sd, "quant_conv", h)


def ref_quantize(sd: State, z: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """VectorQuantizer.forward with l2_norm: nearest normalised code to the normalised z."""
    n, d, hh, ww = z.shape
    zf = F.normalize(z.permute(0, 2, 3, 1).reshape(-1, d), dim=-1)
    e = F.normalize(sd["quantize.embedding.weight"], dim=-1)
    dist = (zf ** 2).sum(1, keepdim=True) + (e ** 2).sum(1) - 2 * zf @ e.t()
    codes = dist.argmin(1)
    return e[codes].reshape(n, hh, ww, d).permute(0, 3, 1, 2), codes.reshape(n, hh, ww)


def ref_decode(sd: State, z_q: torch.Tensor) -> torch.Tensor:
    h = _conv(sd, "decoder.conv_in", _conv(sd, "post_quant_conv", z_q))
    h = _levels(sd, "decoder.conv_blocks", _mid(sd, "decoder.mid", h))
    return _conv(sd, "decoder.conv_out", _norm_act(sd, "decoder.norm_out", h))


#################################################################################
#                                   Helpers                                     #
#################################################################################


def _save_llamagen_ckpt(path: Path, seed: int = 0) -> State:
    """A checkpoint as LlamaGen's vq_train.py writes it (ema differs, to see `model` is taken)."""
    sd = random_llamagen_state(llamagen_shapes(**SMALL), seed)
    torch.save({"model": sd, "optimizer": {}, "steps": 100,
                "args": argparse.Namespace(vq_model="VQ-8"),
                "ema": {k: v + 1.0 for k, v in sd.items()}}, path)
    return sd


def _save_reference_dit(path: Path, seed: int = 0) -> DiT:
    """A reference-code DiT on C = 8 latents, saved as its EMA shadow_params."""
    torch.manual_seed(seed)
    dit = DiT(DIT_C8)
    randomize_zero_init(dit, torch.Generator().manual_seed(seed))
    state = {"pos_embed": dit.pos_embed.clone(), **dit.state_dict()}
    names = convert.reference_dit_names(DIT_C8.depth, dfm=False)
    torch.save({"ema_state_dict": {"shadow_params": [state[n] for n in names]}}, path)
    return dit.eval()


#################################################################################
#                                    Tests                                      #
#################################################################################


def test_full_size_layout_is_llamagens_vq_8():
    vq_cfg, dit_cfg = get_preset("vq-ds8-c2i")
    vq = build_vq(vq_cfg)
    assert isinstance(vq, LlamaGenVQ)
    assert vq_cfg.latent_size == dit_cfg.latent_size == 32
    assert vq_cfg.embed_dim == dit_cfg.latent_channels == 8 and vq_cfg.codebook_size == 16384
    expected = llamagen_shapes()
    for name, shape in FULL_SIZE.items():
        assert expected[name] == shape, name
    ours = {k: tuple(v.shape) for k, v in vq.state_dict().items()}
    del expected["quantize.codebook_used"]  # usage statistics, dropped by the converter
    assert ours == expected
    assert round(sum(p.numel() for p in vq.parameters()) / 1e6) == 70  # LlamaGen's README: 70M
    assert convert.infer_llamagen_config(vq.state_dict()) == vq_cfg


def test_converted_tokenizer_matches_llamagens_forward(tmp_path):
    sd = _save_llamagen_ckpt(tmp_path / "vq.pt")
    vq = convert.vq_from_llamagen(str(tmp_path / "vq.pt"), image_size=32)
    assert vq.cfg == SMALL_CFG
    assert torch.equal(vq.quantize.embedding.weight, sd["quantize.embedding.weight"])  # `model`
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(1)) * 2 - 1
    with torch.no_grad():
        z_e, z_ref = vq.encode(x), ref_encode(sd, x)
        torch.testing.assert_close(z_e, z_ref, atol=1e-4, rtol=1e-4)
        zq_ref, codes_ref = ref_quantize(sd, z_ref)
        z_q, codes, _ = vq.quantize(z_e)
        assert torch.equal(codes, codes_ref)
        torch.testing.assert_close(z_q, zq_ref, atol=1e-6, rtol=0)
        torch.testing.assert_close(vq.decode(z_q), ref_decode(sd, zq_ref), atol=1e-4, rtol=1e-4)
        assert torch.equal(vq(x)[2], codes_ref)
    # the rule is the l2 one: plain nearest-by-distance to the raw rows picks other codes here
    raw = sd["quantize.embedding.weight"]
    euclid = ((z_e.permute(0, 2, 3, 1)[..., None, :] - raw) ** 2).sum(-1).argmin(-1)
    assert (euclid != codes).any()
    # the latents are the unit rows, and any positive multiple of one decodes to its code
    torch.testing.assert_close(vq.codebook, F.normalize(raw, dim=-1), atol=0, rtol=0)
    torch.testing.assert_close(vq.codebook.norm(dim=1), torch.ones(64))
    assert torch.equal(vq.quantize.nearest(3.0 * z_q), codes)


def test_dit_on_llamagen_latents_converts(tmp_path):
    dit = _save_reference_dit(tmp_path / "ref.pth")
    ours = convert.dit_from_reference(str(tmp_path / "ref.pth"), heads=4)
    assert ours.cfg == DIT_C8
    for k, v in dit.state_dict().items():
        assert torch.equal(ours.state_dict()[k], v), k


def test_restart_dead_codes_seeds_unit_directions():
    torch.manual_seed(0)
    vq = LlamaGenVQ(SMALL_CFG)
    before = vq.quantize.embedding.weight.detach().clone()
    usage = torch.ones(64)
    usage[[2, 5]] = 0
    z_e = torch.randn(2, 8, 4, 4) * 5.0
    assert vq.restart_dead_codes(z_e, usage) == 2
    after = vq.quantize.embedding.weight.detach()
    assert (after != before).any(1).nonzero().flatten().tolist() == [2, 5]
    dirs = F.normalize(z_e.permute(0, 2, 3, 1).reshape(-1, 8), dim=-1)
    assert torch.cdist(after[[2, 5]], dirs).min(1).values.max() < 1e-6


@requires_ort
def test_llamagen_model_exports_and_matches(tmp_path):
    sd = _save_llamagen_ckpt(tmp_path / "vq_ds8_c2i.pt", seed=3)
    _save_reference_dit(tmp_path / "ref.pth", seed=4)
    out = tmp_path / "model"
    convert.main(["--dit-ckpt", str(tmp_path / "ref.pth"), "--vq-ckpt",
                  str(tmp_path / "vq_ds8_c2i.pt"), "--vq-layout", "llamagen", "--out", str(out),
                  "--image-size", "32", "--steps", "10", "--heads", "4",
                  "--save-ckpt", str(tmp_path / "ck")])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["latent"] == {"channels": 8, "height": 4, "width": 4}
    assert manifest["codebook_size"] == 64 and manifest["image"] == {"height": 32, "width": 32}
    assert manifest["provenance"]["vq_layout"] == "llamagen"
    vq = convert.vq_from_llamagen(str(tmp_path / "vq_ds8_c2i.pt"), image_size=32)
    dit = convert.dit_from_reference(str(tmp_path / "ref.pth"), heads=4)
    rng = np.random.default_rng(0)

    # encode: z is the unit code vector of the nearest code, as LlamaGen's quantizer returns
    x = (rng.random((2, 3, 32, 32), dtype=np.float32) * 2 - 1)
    enc = run_onnx(out / "encode.onnx", {"image": x})
    zq_ref, codes_ref = ref_quantize(sd, ref_encode(sd, torch.from_numpy(x)))
    np.testing.assert_array_equal(enc["codes"], codes_ref.numpy())
    np.testing.assert_allclose(enc["z"], zq_ref.numpy(), atol=1e-5, rtol=0)

    # decode: a sampler's z (any norm) -> nearest by the l2 rule -> LlamaGen's decoder
    z = rng.standard_normal((3, 8, 4, 4)).astype(np.float32)
    dec = run_onnx(out / "decode.onnx", {"z": z})
    zq_ref, codes_ref = ref_quantize(sd, torch.from_numpy(z))
    np.testing.assert_array_equal(dec["codes"], codes_ref.numpy())
    with torch.no_grad():
        image = ref_decode(sd, zq_ref).clamp(-1, 1)
    np.testing.assert_allclose(dec["image"], image.numpy(), atol=1e-4, rtol=0)

    # step: the barycenter is over the unit code vectors
    feeds = {"z": z, "t": np.array([0.0, 0.5, 0.9], dtype=np.float32),
             "y": np.array([0, 5, 9], dtype=np.int64),
             "cfg": np.array([0.0, 1.0, 4.0], dtype=np.float32),
             "tau": np.array([1.0, 0.9, 0.6], dtype=np.float32),
             "guide": np.arange(3, dtype=np.int64)}
    res = run_onnx(out / "step.onnx", feeds)
    zt, t, y, cfg, tau = (torch.from_numpy(feeds[k]) for k in ["z", "t", "y", "cfg", "tau"])
    with torch.no_grad():
        l_c, l_u = dit(zt, t, y), dit(zt, t, torch.full_like(y, 10))
        pi = torch.softmax((l_u + cfg.view(-1, 1, 1, 1) * (l_c - l_u)) / tau.view(-1, 1, 1, 1), 1)
        mu = torch.einsum("nkhw,kc->nchw", pi, F.normalize(sd["quantize.embedding.weight"], dim=-1))
    np.testing.assert_allclose(res["mu"], mu.numpy(), atol=1e-4, rtol=0)

    from purrception.checkpoint import load_model
    saved = load_model("vq", tmp_path / "ck" / "vq")  # fp16 parts: same layout, rounded weights
    assert isinstance(saved, LlamaGenVQ) and saved.cfg == vq.cfg
