"""End to end on a toy problem: the trainer learns the class signal, and guidance uses it.

Each class owns one code, used at every position: at t = 0 the noise says nothing, so only the class
can tell the model which code to predict. A trained model sampled with guidance must reproduce its
class's code, and unconditional sampling (cfg 0) must not depend on the label. This fails if labels are lost
between the bank and the model, if label dropout swallows them, or if conditioning is not wired.
"""

from __future__ import annotations

import torch

from purrception import train_dit
from purrception import trainutil as tu
from purrception.data import LatentBank
from purrception.sample import sample

CLASSES, SIDE, K, D = 4, 8, 64, 4


def toy_bank(path: str) -> None:
    g = torch.Generator().manual_seed(0)
    maps = (torch.arange(CLASSES) * 13 % K).view(CLASSES, 1, 1).expand(CLASSES, SIDE, SIDE)
    y = torch.arange(512) % CLASSES
    codebook = torch.randn(K, D, generator=g)
    meta = {"labels": ["a", "b", "c", "d"], "codebook_size": K, "vq": None}
    LatentBank(maps[y].to(torch.int16), y, codebook, meta).save(path)


def test_trainer_learns_the_class_signal(tmp_path):
    bank_path = str(tmp_path / "bank.pt")
    toy_bank(bank_path)
    out = str(tmp_path / "dit")
    train_dit.main(["--preset", "fixture", "--bank", bank_path, "--out", out, "--iters", "200",
                    "--batch", "16", "--lr", "5e-3", "--warmup", "10", "--ema-decay", "0.9",
                    "--log-every", "50", "--device", "cpu", "--seed", "0"])
    dit, _ = tu.load_dit(out, which="ema")
    bank = LatentBank.load(bank_path)
    maps = bank.codes[:CLASSES].long()  # rows 0..3 hold classes 0..3
    y = torch.arange(CLASSES).repeat(4)
    z0 = torch.randn(len(y), D, SIDE, SIDE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        z = sample(dit, bank.codebook, y, steps=8, cfg=1.5, tau=0.5, z0=z0)
        codes = torch.cdist(z.permute(0, 2, 3, 1).reshape(-1, D), bank.codebook).argmin(-1)
        codes = codes.reshape(len(y), SIDE, SIDE)
        # one label at a time: rows of one batch may take different BLAS kernels, so equal rows
        # of a batch are equal only up to rounding; runs of the same shape are bit-identical
        uncond = [sample(dit, bank.codebook, torch.tensor([c]), steps=8, cfg=0.0, tau=0.5,
                         z0=z0[:1]) for c in range(CLASSES)]
    match = (codes == maps[y]).float().mean().item()
    assert match > 0.9, f"class-conditional samples match their class's code on {match:.0%}"
    # cfg 0 samples the same whatever the label: the class has no say without guidance
    for c in range(1, CLASSES):
        assert torch.equal(uncond[c], uncond[0])
