import dataclasses

import pytest
import torch

from purrception.checkpoint import load_parts, save_parts
from purrception.config import PRESETS, DiTConfig, VQConfig, get_preset
from purrception.models import DiT, VQModel
from purrception.models.dit import sincos_2d

SMALL_DIT = DiTConfig(latent_size=8, codebook_size=32, hidden=32, depth=2, heads=2, num_classes=3,
                      freq_dim=32)
SMALL_VQ = VQConfig(ch=16, ch_mult=(1, 2), num_res_blocks=1, codebook_size=32, image_size=16)


def test_presets_cover_the_named_shapes():
    for name in ["fixture", "emoji-zoo-64", "DiT-B/2", "DiT-L/2", "DiT-XL/2", "vq-f8"]:
        vq, dit = PRESETS[name]
        assert vq.embed_dim == dit.latent_channels and vq.codebook_size == dit.codebook_size
        assert vq.latent_size == dit.latent_size
    assert get_preset("fixture")[0].downsample == 4
    with pytest.raises(KeyError, match="Should be one of"):
        get_preset("nope")


def test_vq_shapes_and_straight_through():
    vq = VQModel(SMALL_VQ)
    x = torch.randn(2, 3, 16, 16, requires_grad=True)
    x_rec, vq_loss, codes = vq(x)
    assert x_rec.shape == (2, 3, 16, 16) and codes.shape == (2, 8, 8) and codes.dtype == torch.long
    z_e = vq.encode(x)
    z_q, codes2, _ = vq.quantize(z_e)
    assert torch.equal(codes, codes2)
    # forward value is the codebook entry; gradient flows to the encoder (straight-through)
    assert torch.allclose(z_q, vq.codebook[codes].permute(0, 3, 1, 2), atol=1e-6)
    (x_rec.sum() + vq_loss).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert vq.codebook.shape == (32, 4)


def test_vq_nearest_is_argmin_distance():
    vq = VQModel(SMALL_VQ)
    z = torch.randn(2, 4, 3, 3) * 0.01
    dist = ((z.permute(0, 2, 3, 1)[..., None, :] - vq.codebook) ** 2).sum(-1)
    assert torch.equal(vq.quantize.nearest(z), dist.argmin(-1))


def test_restart_dead_codes_moves_only_dead_codes():
    vq = VQModel(SMALL_VQ)
    before = vq.codebook.detach().clone()
    usage = torch.ones(32)
    usage[[3, 7]] = 0
    z_e = torch.randn(4, 4, 8, 8) + 5.0
    assert vq.restart_dead_codes(z_e, usage) == 2
    changed = (vq.codebook != before).any(1)
    assert changed.nonzero().flatten().tolist() == [3, 7]
    assert vq.codebook[3].mean() > 3.0  # re-seeded from encoder outputs


def test_vq_f8_parameter_names_match_latent_diffusion():
    names = set(VQModel(PRESETS["vq-f8"][0]).state_dict())
    expected = [
        "encoder.conv_in.weight", "encoder.down.0.block.1.conv2.bias",
        "encoder.down.1.block.0.nin_shortcut.weight", "encoder.down.2.downsample.conv.weight",
        "encoder.down.3.attn.1.proj_out.weight", "encoder.mid.block_1.norm1.weight",
        "encoder.mid.attn_1.q.weight", "encoder.norm_out.bias", "encoder.conv_out.weight",
        "decoder.conv_in.weight", "decoder.mid.block_2.conv1.weight",
        "decoder.up.3.attn.2.k.weight", "decoder.up.3.upsample.conv.weight",
        "decoder.up.0.block.2.conv1.weight", "decoder.up.2.block.0.nin_shortcut.bias",
        "quant_conv.weight", "post_quant_conv.bias", "quantize.embedding.weight",
    ]
    missing = [n for n in expected if n not in names]
    assert not missing
    assert "encoder.down.3.downsample.conv.weight" not in names
    assert "decoder.up.0.upsample.conv.weight" not in names


@pytest.mark.parametrize("objective", ["purrception", "cfm", "cfm-endpoint", "dfm"])
def test_dit_output_shapes(objective):
    cfg = dataclasses.replace(SMALL_DIT, objective=objective)
    dit = DiT(cfg)
    t, y = torch.rand(2), torch.tensor([0, 3])
    if objective == "dfm":
        x = torch.randint(0, 33, (2, 8, 8))  # includes the mask id K = 32
    else:
        x = torch.randn(2, 4, 8, 8)
    out = dit(x, t, y)
    assert out.shape == ((2, 4, 8, 8) if objective.startswith("cfm") else (2, 32, 8, 8))
    assert torch.equal(dit.head(dit.final_hidden(x, t, y)), out)


def test_dit_zero_init_output_and_unpatchify_layout():
    dit = DiT(SMALL_DIT)
    x = torch.randn(2, 4, 8, 8)
    assert dit(x, torch.rand(2), torch.tensor([0, 1])).abs().max() == 0  # adaLN-Zero final layer
    # unpatchify: token (gh, gw), patch entry (p, q) -> pixel (gh*2 + p, gw*2 + q)
    tok = torch.arange(16 * 4).float().reshape(1, 16, 4, 1)
    img = dit.unpatchify(tok)[0, 0]
    assert img[0, 0] == 0 and img[0, 1] == 1 and img[1, 0] == 2 and img[0, 2] == 4
    assert img[2, 0] == 4 * 4  # second token row starts at token 4


def test_dit_depends_on_t_scale_and_class(tiny_models):
    _, dit = tiny_models
    x = torch.randn(1, 4, 8, 8)
    a = dit(x, torch.tensor([0.5]), torch.tensor([0]))
    b = dit(x, torch.tensor([0.5]), torch.tensor([1]))
    c = dit(x, torch.tensor([0.6]), torch.tensor([0]))
    assert (a - b).abs().max() > 1e-3 and (a - c).abs().max() > 1e-3


def test_sincos_positions_match_dit_convention():
    pos = sincos_2d(8, 3)  # (9, 8): [sin(c w), cos(c w), sin(r w), cos(r w)], w = (1, 1/100)
    assert pos.shape == (9, 8)
    token = 1 * 3 + 2  # row 1, column 2
    assert abs(pos[token, 0] - torch.sin(torch.tensor(2.0)).item()) < 1e-6
    assert abs(pos[token, 4] - torch.sin(torch.tensor(1.0)).item()) < 1e-6
    assert abs(pos[token, 3] - torch.cos(torch.tensor(0.02)).item()) < 1e-6


def test_checkpoint_parts_round_trip(tmp_path):
    dit = DiT(SMALL_DIT)
    state = {"ema": dit.state_dict(), "step": 12, "big": torch.randn(300, 1000)}
    out = save_parts(state, {"dit": {"hidden": 32}}, tmp_path / "ck", max_part_bytes=200_000)
    parts = sorted(out.glob("part-*.bin"))
    assert len(parts) >= 3 and all(p.stat().st_size <= 200_000 for p in parts)
    loaded, config = load_parts(out)
    assert config == {"dit": {"hidden": 32}} and loaded["step"] == 12
    for k, v in dit.state_dict().items():
        assert loaded["ema"][k].dtype == torch.float32
        assert torch.equal(loaded["ema"][k], v.half().float())  # stored fp16, loaded fp32
    assert torch.equal(loaded["big"], state["big"].half().float())
    fresh = DiT(SMALL_DIT)
    fresh.load_state_dict(loaded["ema"])
    # overwriting leaves no stale parts
    save_parts({"x": torch.zeros(3)}, {}, out)
    assert len(list(out.glob("part-*.bin"))) == 1
