"""Shared fixtures: tiny random models, an exported model directory, the ORT skip marker."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from purrception.ort import unavailable_reason  # noqa: E402

torch.set_num_threads(2)

ORT_MISSING = unavailable_reason()
requires_ort = pytest.mark.skipif(ORT_MISSING is not None,
                                  reason=f"onnxruntime-node unavailable: {ORT_MISSING}")


@pytest.fixture(scope="session")
def tiny_models():
    """(vq, dit) of the "fixture" preset with randomised (non-zero) output layers."""
    from purrception.random_weights import random_models

    return random_models("fixture", seed=0)


@pytest.fixture(scope="session")
def exported(tiny_models, tmp_path_factory):
    """The tiny models exported once per session: (dir, vq, dit)."""
    from purrception.export import export_model

    vq, dit = tiny_models
    out = tmp_path_factory.mktemp("model") / "tiny"
    export_model(vq, dit, out, "tiny", ["cat", "dog", "fox", "owl"],
                 {"steps": 8, "tau": 0.9, "cfg": 1.3}, {"source": "test"})
    return out, vq, dit
