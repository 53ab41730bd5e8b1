"""schemathesis hooks for test/http/schemathesis.test.ts: the positive test cases (those that the
document allows) aimed at what this deployment can serve, so that the fuzzer reaches the answers of a
generation, not only the 400s.

The document cannot list a deployment's model names and class labels (GET /models says them), nor
say "a base64 PNG" in a way a generator can meet by chance, so almost every generated body would be
refused with 400 UNKNOWN_MODEL, UNKNOWN_CLASS or INVALID_IMAGE: documented answers, but then no image,
stream or encoding would be checked. Here, in 3 of 4 positive cases (by a checksum of the value, so a
run is reproducible from its seed), `model` becomes the served model, `class` one of its classes,
`image` and `mask` real PNGs of its size, and grid knots start at 0 and end at 1. The fourth keeps the
generated value, so those 400s are still exercised; negative cases (which break the schema) are left
alone. Nothing is narrowed: every value sent is one the document allows.

PURRCEPTION_FUZZ (set by the test) is JSON: {"model", "labels", "image", "mask"}.
"""

import json
import os
import zlib

import schemathesis
from schemathesis import GenerationMode

SERVED = json.loads(os.environ["PURRCEPTION_FUZZ"])


def kept(value: object) -> bool:
    """One value in four keeps what the fuzzer generated."""
    return zlib.crc32(json.dumps(value, sort_keys=True, default=str).encode()) % 4 == 0


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE or not isinstance(case.body, dict):
        return case
    body = dict(case.body)
    if "model" in body and not kept(body["model"]):
        body["model"] = SERVED["model"]
    labels = SERVED["labels"]
    value = body.get("class")
    if value is not None and not kept(value):
        # an id (JSON integers may come as 1.0) stays an id, a label a label
        body["class"] = int(value) % len(labels) if isinstance(value, (int, float)) else labels[zlib.crc32(str(value).encode()) % len(labels)]
    for field in ("image", "mask"):
        if field in body and not kept(body[field]):
            body[field] = SERVED[field]
    grid = body.get("grid")
    if isinstance(grid, list) and len(grid) >= 2 and not kept(grid):
        body["grid"] = [0.0, *sorted(set(grid) - {0.0, 1.0})[: len(grid) - 2], 1.0]  # as many knots
    case.body = body
    return case
