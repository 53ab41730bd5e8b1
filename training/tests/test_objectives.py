import dataclasses

import pytest
import torch

from purrception import objectives
from purrception.config import DiTConfig
from purrception.models import DiT
from purrception.objectives import drop_labels, loss_fn, z_loss

CFG = DiTConfig(latent_size=4, codebook_size=16, hidden=32, depth=1, heads=2, num_classes=3,
                freq_dim=32, label_dropout=0.0)


def test_z_loss_value():
    logits = torch.randn(2, 16, 4, 4) * 3
    expected = 1e-5 * (torch.log(torch.exp(logits).sum(1)) ** 2).mean()
    assert torch.allclose(z_loss(logits), expected, rtol=1e-5)


def test_purrception_loss_is_ce_plus_z_loss(monkeypatch):
    torch.manual_seed(0)
    dit = DiT(CFG)
    torch.nn.init.normal_(dit.final_layer.linear.weight, std=1.0)
    torch.nn.init.constant_(dit.final_layer.linear.bias, 5.0)  # large logsumexp: z-loss visible
    codebook = torch.randn(16, 4)
    codes = torch.randint(0, 16, (2, 4, 4))
    z1 = codebook[codes].permute(0, 3, 1, 2)
    y = torch.tensor([0, 1])
    loss, m = loss_fn("purrception", dit, z1, codes, y, codebook, torch.Generator().manual_seed(1))
    assert all(v.dim() == 0 and not v.requires_grad for v in m.values())  # read at log lines only
    assert float(m["z_loss"]) > 1e-4
    assert loss.item() == pytest.approx(float(m["ce"] + m["z_loss"]), rel=1e-5)
    # recompute by hand with the same draws: y (no dropout), t, z0
    g = torch.Generator().manual_seed(1)
    t = objectives.T_EPS + (1 - objectives.T_EPS) * torch.rand((2,), generator=g)
    z0 = torch.randn(z1.shape, generator=g)
    z_t = t.view(-1, 1, 1, 1) * z1 + (1 - t.view(-1, 1, 1, 1)) * z0
    logits = dit(z_t, t, y)
    ce = torch.nn.functional.cross_entropy(logits, codes)
    lse = torch.logsumexp(logits, 1)
    assert loss.item() == pytest.approx((ce + 1e-5 * (lse ** 2).mean()).item(), rel=1e-5)


def test_drop_labels():
    y = torch.arange(1000) % 3
    assert torch.equal(drop_labels(y, 0.0, 3), y)
    assert (drop_labels(y, 1.0, 3) == 3).all()
    dropped = drop_labels(y, 0.25, 3, torch.Generator().manual_seed(0))
    frac = (dropped == 3).float().mean().item()
    assert 0.2 < frac < 0.3
    kept = dropped != 3
    assert torch.equal(dropped[kept], y[kept])


def test_loss_fn_applies_label_dropout():
    seen = []

    class Spy(DiT):
        def forward(self, x, t, y, **kw):
            seen.append(y.clone())
            return super().forward(x, t, y, **kw)

    dit = Spy(dataclasses.replace(CFG, label_dropout=1.0))
    codebook = torch.randn(16, 4)
    codes = torch.randint(0, 16, (4, 4, 4))
    loss_fn("purrception", dit, codebook[codes].permute(0, 3, 1, 2), codes,
            torch.tensor([0, 1, 2, 0]), codebook)
    assert (seen[0] == 3).all()


@pytest.mark.parametrize("patch_size", [1, 2])
def test_purrception_loss_is_cross_entropy_plus_z_loss_on_the_image_layout(patch_size):
    from purrception.objectives import purrception_loss, z_loss

    torch.manual_seed(0)
    dit = DiT(dataclasses.replace(CFG, patch_size=patch_size))
    torch.nn.init.normal_(dit.final_layer.linear.weight, std=1.0)  # logits far from uniform
    codes = torch.randint(0, 16, (3, 4, 4))
    z1, z0 = torch.randn(3, 4, 4, 4), torch.randn(3, 4, 4, 4)
    y, t = torch.tensor([0, 1, 2]), torch.rand(3)
    loss, metrics = purrception_loss(dit, z1, codes, y, t, z0)
    tt = t.view(-1, 1, 1, 1)
    logits = dit(tt * z1 + (1 - tt) * z0, t, y)  # (N, K, h, w)
    ref = torch.nn.functional.cross_entropy(logits, codes) + z_loss(logits)
    torch.testing.assert_close(loss, ref, atol=1e-5, rtol=1e-5)
    assert float(metrics["acc"]) == pytest.approx(
        float((logits.argmax(1) == codes).float().mean()))


@pytest.mark.parametrize("objective", ["purrception", "cfm", "cfm-endpoint", "dfm"])
def test_each_objective_learns_a_tiny_batch(objective):
    torch.manual_seed(0)
    dit = DiT(dataclasses.replace(CFG, objective=objective, label_dropout=0.1))
    codebook = torch.randn(16, 4)
    codes = torch.randint(0, 16, (8, 4, 4))
    z1 = codebook[codes].permute(0, 3, 1, 2)
    y = torch.randint(0, 3, (8,))
    opt = torch.optim.Adam(dit.parameters(), lr=3e-3)
    losses = []
    for step in range(30):
        g = torch.Generator().manual_seed(step % 4)  # a few fixed draws: a fair comparison
        loss, metrics = loss_fn(objective, dit, z1, codes, y, codebook, g)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(metrics["loss"]))
    first, last = sum(losses[:4]) / 4, sum(losses[-4:]) / 4
    assert last < 0.8 * first, (objective, losses)


def test_unknown_objective_lists_valid_ones():
    dit = DiT(CFG)
    codes = torch.zeros(1, 4, 4, dtype=torch.long)
    with pytest.raises(ValueError, match="Should be one of: purrception, cfm, cfm-endpoint, dfm"):
        loss_fn("gan", dit, torch.zeros(1, 4, 4, 4), codes, torch.zeros(1, dtype=torch.long),
                torch.zeros(16, 4))
