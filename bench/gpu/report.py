"""Merge the JSON lines of bench/gpu/run.sh's stages into one table (Markdown) and results.json.

    python3 bench/gpu/report.py WORK/records.jsonl OUT/results.json OUT/table.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

COLUMNS = [  # (header, side, key): key is the torch dtype or the engine's model label
    ("PyTorch fp32", "torch", "fp32"),
    ("PyTorch bf16", "torch", "bf16"),
    ("engine fp32 step", "engine", "fp32"),
    ("engine fp16 step", "engine", "fp16"),
]


def main() -> None:
    records_path, json_out, table_out = (Path(p) for p in sys.argv[1:4])
    records = []
    for line in records_path.read_text().splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    rates = {}
    for r in records:
        if "images_per_s" not in r:
            continue
        key = r["dtype"] if r["side"] == "torch" else r["label"].split(":")[1]
        rates[(r["shape"], r["side"], key, r["batch"])] = r["images_per_s"]
    ready = {r["label"]: r for r in records if r.get("event") == "ready"}
    errors = [r for r in records if "error" in r]
    lines = ["| model | batch | " + " | ".join(h + " img/s" for h, _, _ in COLUMNS)
             + " | engine fp16 / PyTorch fp32 | engine fp16 / PyTorch bf16 |",
             "| --- | --- | " + " | ".join("---" for _ in COLUMNS) + " | --- | --- |"]
    for shape in sorted({k[0] for k in rates}, key=lambda s: s != "bundled"):
        for batch in sorted({k[3] for k in rates if k[0] == shape}):
            vals = [rates.get((shape, side, key, batch)) for _, side, key in COLUMNS]
            cell = ["-" if v is None else f"{v:.3g}" for v in vals]
            ratio = lambda a, b: "-" if a is None or b is None else f"{a / b:.2f}"  # noqa: E731
            lines.append(f"| {shape} | {batch} | " + " | ".join(cell)
                         + f" | {ratio(vals[3], vals[0])} | {ratio(vals[3], vals[1])} |")
    notes = [f"- {label}: provider {r['provider']} runs {r['stepFile']} (decode on {r['decodeProvider']}),"
             f" engine start {r['startSeconds']:.1f} s" for label, r in sorted(ready.items())]
    notes += [f"- error{' (' + r['label'] + ')' if r.get('label') else ''}: {r['error']}" for r in errors]
    cmp = [r for r in records if r.get("side") == "compare"]
    if cmp:
        lines += ["", "Step graphs alone (same inputs): speed-up over the model's step.onnx and max |mu| "
                  "difference (MODEL-chunked: the K-way head split over groups of tokens)",
                  "", "| model | provider | batch | graph | ms | speed-up | max abs mu diff |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {r['shape']} | {r['provider']} | {r['batch']} | {Path(r['graph']).parent.name}/{Path(r['graph']).name} | "
                  f"{r['ms']:.1f} | {r['ratio']:.2f} | {r['maxAbsMu']:.1e} |" for r in cmp]
    profile = [r for r in records if r.get("side") == "profile"]
    if profile:
        first = profile[0]
        lines += ["", f"Where the {first['shape']} step graph's time goes ({first['graph']}, batch "
                  f"{first['batch']}, {first['provider']}): {first['kind']}, ORT profiler", "",
                  "| kernel | ms per run | share |", "| --- | --- | --- |"]
        lines += [f"| {r['key']} | {r['msPerRun']:.3g} | {100 * r['share']:.1f} % |" for r in profile]
    table = "\n".join(lines + [""] + notes) + "\n"
    table_out.write_text(table)
    json_out.write_text(json.dumps({"records": records}, indent=1) + "\n")
    print(table)


if __name__ == "__main__":
    main()
