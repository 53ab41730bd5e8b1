"""Purrception: variational flow matching over VQ latents (training and ONNX export).

Stages run as CLIs from `training/`: `../.venv/bin/python -m purrception.<stage> --help`.
"""

__version__ = "0.1.0"
CONTRACT_FORMAT = "purrception.onnx.v1"
