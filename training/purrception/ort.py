"""Run exported ONNX graphs with onnxruntime-node (Python onnxruntime is not available here).

`run_onnx` writes the feeds as raw little-endian files plus a JSON header into a temporary
directory, calls `node ort_run.mjs`, and reads the outputs back the same way. onnxruntime-node is
resolved from the repository root's node_modules (override with PURRCEPTION_NODE_MODULES_PARENT).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, Optional, Union

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().with_name("ort_run.mjs")
_DTYPES = {"float32": np.float32, "int64": np.int64, "int32": np.int32, "float16": np.float16,
           "uint8": np.uint8, "bool": np.bool_}


def module_root() -> Path:
    return Path(os.environ.get("PURRCEPTION_NODE_MODULES_PARENT", REPO_ROOT))


def unavailable_reason() -> Optional[str]:
    """Why run_onnx cannot work here, or None when node and onnxruntime-node are present."""
    if shutil.which("node") is None:
        return "node is not on the PATH"
    if not (module_root() / "node_modules" / "onnxruntime-node").is_dir():
        return f"onnxruntime-node is not installed in {module_root() / 'node_modules'} (npm ci)"
    return None


def run_onnx(path: Union[str, os.PathLike], feeds: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Run graph `path` on CPU with `feeds`; returns {output name: array}."""
    reason = unavailable_reason()
    if reason:
        raise RuntimeError(f"cannot run ONNX graphs: {reason}")
    with tempfile.TemporaryDirectory(prefix="purr-ort-") as tmp:
        io = Path(tmp)
        header = {}
        for i, (name, value) in enumerate(feeds.items()):
            arr = np.ascontiguousarray(value)
            dtype = arr.dtype.name
            if dtype not in _DTYPES:
                raise TypeError(f'feed "{name}": unsupported dtype {dtype}. Should be one of: '
                                f'{", ".join(_DTYPES)}.')
            (io / f"in-{i}.bin").write_bytes(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
            header[name] = {"dtype": dtype, "shape": list(arr.shape), "file": f"in-{i}.bin"}
        (io / "inputs.json").write_text(json.dumps(header))
        proc = subprocess.run(["node", str(SCRIPT), str(Path(path).resolve()), str(io),
                               str(module_root())], capture_output=True, text=True)
        if proc.returncode != 0:
            shapes = {k: (v["dtype"], v["shape"]) for k, v in header.items()}
            raise RuntimeError(f"onnxruntime-node failed on {path} with inputs {shapes}:\n"
                               f"{proc.stderr.strip()}")
        outputs = json.loads((io / "outputs.json").read_text())
        result = {}
        for name, spec in outputs.items():
            raw = (io / spec["file"]).read_bytes()
            arr = np.frombuffer(raw, dtype=np.dtype(_DTYPES[spec["dtype"]]).newbyteorder("<"))
            result[name] = arr.reshape(spec["shape"]).astype(_DTYPES[spec["dtype"]])
        return result
