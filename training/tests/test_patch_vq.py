"""The patch tokenizer: codes are k-means pixel patches, a small decoder refines them."""

import numpy as np
import pytest
import torch

from conftest import requires_ort
from purrception.config import VQConfig, get_preset
from purrception.models import PatchVQ, build_vq
from purrception.ort import run_onnx

SMALL = VQConfig(arch="patch", ch=16, num_res_blocks=1, codebook_size=16, embed_dim=12,
                 patch_size=2, image_size=8)


def _images(n=32, seed=0):
    """Blocky images: each 2x2 patch one of a few colours, so 16 codes can represent them."""
    g = torch.Generator().manual_seed(seed)
    colours = torch.rand(6, 3, generator=g) * 2 - 1
    idx = torch.randint(0, 6, (n, 4, 4), generator=g)
    return colours[idx].permute(0, 3, 1, 2).repeat_interleave(2, 2).repeat_interleave(2, 3)


def test_the_arch_picks_the_tokenizer_and_its_latent_shape():
    cfg, dit = get_preset("emoji-zoo-64-patch")
    assert isinstance(build_vq(cfg), PatchVQ)
    assert cfg.downsample == 4 and cfg.latent_size == dit.latent_size == 16
    assert cfg.embed_dim == dit.latent_channels == 48
    with pytest.raises(ValueError, match="embed_dim must be"):
        PatchVQ(VQConfig(arch="patch", embed_dim=4, patch_size=4))
    with pytest.raises(ValueError, match="Should be one of"):
        build_vq(VQConfig(arch="nope"))


def test_codes_are_patches_and_an_untrained_decoder_returns_them():
    vq = PatchVQ(SMALL).eval()
    x = _images()
    mse = vq.init_kmeans(x, iters=10)
    assert mse < 1e-6  # six colours, sixteen codes: k-means finds them all
    with torch.no_grad():
        x_rec, _, codes = vq(x)
    assert codes.shape == (32, 4, 4)
    torch.testing.assert_close(x_rec, x, atol=1e-5, rtol=0)  # the zero-initialised residual


def test_kmeans_lowers_the_error_of_random_centres():
    vq = PatchVQ(SMALL)
    x = torch.rand(16, 3, 8, 8) * 2 - 1
    one = vq.init_kmeans(x, iters=1)
    many = PatchVQ(SMALL).init_kmeans(x, iters=15)
    assert many < one


def test_the_decoder_learns_on_top_of_the_codes():
    torch.manual_seed(0)
    vq = PatchVQ(SMALL)
    x = torch.rand(8, 3, 8, 8) * 2 - 1  # noise: k-means alone cannot fit it
    vq.init_kmeans(x, iters=5)
    opt = torch.optim.Adam(vq.decoder.parameters(), lr=3e-3)
    first = None
    for _ in range(60):
        loss = torch.nn.functional.mse_loss(vq(x)[0], x)
        first = first if first is not None else float(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(loss) < 0.7 * first


@requires_ort
def test_export_of_the_patch_tokenizer_matches_pytorch(tmp_path):
    from purrception.export import export_model
    from purrception.config import DiTConfig
    from purrception.models import DiT

    vq = PatchVQ(SMALL).eval()
    vq.init_kmeans(_images(), iters=5)
    torch.nn.init.normal_(vq.decoder.conv_out.weight, std=0.05)  # a non-trivial decoder
    dit = DiT(DiTConfig(latent_size=4, latent_channels=12, codebook_size=16, hidden=32, depth=1,
                        heads=2, num_classes=2, freq_dim=32)).eval()
    out = export_model(vq, dit, tmp_path / "m", "m", ["a", "b"],
                       {"steps": 4, "tau": 1.0, "cfg": 1.0}, {})
    x = _images(3, seed=1) + 0.05 * torch.randn(3, 3, 8, 8)
    enc = run_onnx(out / "encode.onnx", {"image": x.numpy().astype(np.float32)})
    dec = run_onnx(out / "decode.onnx", {"z": enc["z"]})
    with torch.no_grad():
        x_rec, _, codes = vq(x)
    # k-means on six colours leaves near-duplicate centres: where two are equally near, either code
    # is the nearest, so compare how near the chosen codes are, then decode the graph's own codes
    with torch.no_grad():
        patches = vq.encode(x).permute(0, 2, 3, 1)  # (N, h, w, 3 f^2)
        near = [((patches - vq.codebook[torch.as_tensor(c)]) ** 2).sum(-1)
                for c in (enc["codes"], codes)]
        np.testing.assert_allclose(near[0].numpy(), near[1].numpy(), atol=1e-5, rtol=0)
        x_rec = vq.decode(vq.codebook[torch.as_tensor(enc["codes"])].permute(0, 3, 1, 2))
    np.testing.assert_allclose(dec["image"], x_rec.clamp(-1, 1).numpy(), atol=1e-5, rtol=0)
