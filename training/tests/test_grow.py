"""grow: a deepened DiT computes what its checkpoint did; train_dit resumes from it."""

from __future__ import annotations

import pytest
import torch

from purrception import grow
from purrception.checkpoint import load_model, load_parts, save_parts
from purrception.config import to_dict
from purrception.random_weights import random_models


@pytest.fixture(params=["purrception", "cfm", "dfm"])
def dit_dir(request, tmp_path):
    """A fixture DiT (2 blocks, non-zero modulation everywhere) saved like train_dit saves it."""
    _, dit = random_models("fixture", seed=3, objective=request.param)
    state = {"ema": dit.state_dict(), "model": dit.state_dict(),
             "optim": {"state": {"0": {"exp_avg": torch.ones(1)}}}}
    out = tmp_path / "dit"
    save_parts(state, {"kind": "dit", "dit": to_dict(dit.cfg), "step": 7, "history": [1.0]}, out)
    return out


def test_layout_spreads_the_inserted_blocks_after_trained_ones():
    assert grow.layout(4, 6) == [(0, False), (1, False), (1, True), (2, False), (3, False),
                                 (3, True)]
    assert grow.layout(2, 4) == [(0, False), (0, True), (1, False), (1, True)]
    assert grow.layout(2, 3) == [(0, False), (1, False), (1, True)]
    assert [src for src, new in grow.layout(3, 8) if not new] == [0, 1, 2]
    with pytest.raises(ValueError, match="does not deepen a 4-block DiT"):
        grow.layout(4, 4)


def test_grown_checkpoint_gives_the_same_outputs(dit_dir, tmp_path):
    record = grow.main(["--from", str(dit_dir), "--out", str(tmp_path / "grown"), "--depth", "5"])
    assert record == {"step": 7, "from_depth": 2, "to_depth": 5,
                      "blocks": [[0, False], [0, True], [1, False], [1, True], [1, True]]}
    state, config = load_parts(tmp_path / "grown")
    assert set(state) == {"ema", "model"}  # the AdamW state no longer fits
    assert config["dit"]["depth"] == 5 and config["step"] == 7 and config["history"] == [1.0]
    assert config["grown"] == [record]
    inserted = state["ema"]["blocks.1.adaLN_modulation.1.weight"]
    assert torch.count_nonzero(inserted) == 0
    assert torch.equal(state["ema"]["blocks.1.attn.qkv.weight"],
                       state["ema"]["blocks.0.attn.qkv.weight"])
    before, after = load_model("dit", dit_dir), load_model("dit", tmp_path / "grown")
    assert len(after.blocks) == 5 and grow.same_outputs(before, after, seed=11)
    # a control: a copied block that keeps its modulation changes the outputs
    with torch.no_grad():
        after.blocks[1].adaLN_modulation[1].weight.copy_(after.blocks[0].adaLN_modulation[1].weight)
    assert not grow.same_outputs(before, after, seed=11)


def test_grow_refuses_to_overwrite_or_to_grow_a_tokenizer(dit_dir, tmp_path):
    with pytest.raises(FileExistsError, match="already holds a checkpoint"):
        grow.main(["--from", str(dit_dir), "--out", str(dit_dir), "--depth", "3"])
    vq_dir = tmp_path / "vq"
    save_parts({"vq": {"w": torch.zeros(1)}}, {"kind": "vq"}, vq_dir)
    with pytest.raises(ValueError, match="holds a vq checkpoint, not a DiT"):
        grow.main(["--from", str(vq_dir), "--out", str(tmp_path / "x"), "--depth", "3"])
