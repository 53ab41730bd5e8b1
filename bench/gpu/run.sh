#!/bin/bash
# GPU benchmark: the service's engine (onnxruntime-node, WebGPU) against the PyTorch reference sampler
# (CUDA, fp32 and bf16), at batch 1, 8 and 32, for two models: the bundled model itself (its weights
# recovered from models/emoji-zoo-64's graphs: 64 px, 16x16x48 latents of the patch tokenizer,
# K = 1024, 1.8M-parameter DiT) and a paper-shaped one with random weights (32x32x4 latents,
# K = 16384, DiT-B/2). The engine runs each model twice: with the fp16 step variant
# (what the manifest gives webgpu) and with step.onnx (fp32). For the paper shape, the step graphs
# alone are also timed with the K-way head split over 8 groups of tokens (--head-chunks), and the paper
# shape's fp16 step graph is profiled at batch 8: where its GPU time goes, by kernel. See docs/gpu.md.
#
# On the GPU machine (PyTorch 2.x, no Node.js, no network), from the repo root, with .device-rt/
# (bash bench/gpu/pack-runtime.sh) and dist/ (npx tsc -p . && bash bench/gpu/pack-deps.sh) carried:
#   source .device-rt/activate.sh && bash bench/gpu/run.sh $OUT
# Here, on CPU, end to end with tiny models: bash bench/gpu/run.sh --smoke OUT_DIR
#
# Writes OUT/run.log, OUT/results.json, OUT/table.md (3 files). Every stage is time-boxed against one
# deadline (BUDGET seconds, default 500) so the whole run ends in under 9 minutes, whatever hangs.
set -uo pipefail
SMOKE=0
if [ "${1:-}" = "--smoke" ]; then SMOKE=1; shift; fi
OUT=${1:?usage: bash bench/gpu/run.sh [--smoke] OUT_DIR}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
mkdir -p "$OUT"
WORK=${WORK:-$(mktemp -d /tmp/purrception-gpu-bench.XXXXXX)}
mkdir -p "$WORK"   # a given WORK may not exist yet: the records below go there from the start
RECORDS=$WORK/records.jsonl
: > "$RECORDS"
exec > >(tee -a "$OUT/run.log") 2>&1
START=$(date +%s)
BUDGET=${BUDGET:-500}
left() { echo $(( BUDGET - ($(date +%s) - START) )); }
# stage NAME SECONDS CMD...: runs CMD with at most SECONDS (and never past the deadline, keeping 15 s
# for the report); its JSON lines go to the records, everything to the log
stage() {
  local name=$1 want=$2; shift 2
  local cap=$(( $(left) - 15 )); [ "$want" -lt "$cap" ] || want=$cap
  if [ "$want" -lt 5 ]; then echo "=== $name: skipped, out of time ==="; echo "{\"error\": \"$name skipped: out of time\"}" >> "$RECORDS"; return; fi
  echo "=== $name (limit ${want}s, t=$(( $(date +%s) - START ))s) ==="
  local t0=$(date +%s)
  timeout -k 5 "$want" "$@" 2>&1 | tee -a "$RECORDS.raw" | while IFS= read -r line; do
    echo "$line"; case $line in '{'*) echo "$line" >> "$RECORDS";; esac; done
  local rc=${PIPESTATUS[0]}
  local why=""; [ "$rc" -eq 124 ] && why=" (time box)"
  [ "$rc" -eq 0 ] || echo "{\"error\": \"$name exited $rc after $(( $(date +%s) - t0 ))s$why\"}" >> "$RECORDS"
  echo "=== $name: exit $rc in $(( $(date +%s) - t0 ))s ==="
}

# Python with torch: $PYTHON, else the first of these that imports it: the GPU image's venv (CUDA
# torch), then the repo's .venv (npm run python:env; CPU torch, for --smoke here), then the PATH's
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for cand in /opt/torch/.venv/bin/python3 "$ROOT/.venv/bin/python" python3 /usr/bin/python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import torch, onnx" >/dev/null 2>&1; then PY=$cand; break; fi
  done
fi
[ -n "$PY" ] || { echo "run.sh: no Python with torch and onnx (set PYTHON=...)" >&2; exit 1; }
command -v node >/dev/null || { echo "run.sh: no node on the PATH (source .device-rt/activate.sh first)" >&2; exit 1; }
[ -f dist/bench/gpu/engine.js ] || { echo "run.sh: dist/ is missing: npx tsc -p . && bash bench/gpu/pack-deps.sh" >&2; exit 1; }
# ESM imports ignore NODE_PATH: link the packed onnxruntime-node next to dist/'s other packages
if ! node -e "import('onnxruntime-node').catch(() => process.exit(1))" 2>/dev/null && [ -n "${NODE_PATH:-}" ]; then
  mkdir -p dist/node_modules
  for pkg in onnxruntime-node onnxruntime-common; do
    [ -e "dist/node_modules/$pkg" ] || ln -s "$NODE_PATH/$pkg" "dist/node_modules/$pkg"
  done
fi

if [ "$SMOKE" = 1 ]; then
  SHAPES="bundled paper"; LEVELS=1,2,4; STEPS=3; MIN_IMAGES=4; PROVIDERS=${EXECUTION_PROVIDERS:-cpu}
  DEVICE=cpu; SMOKE_FLAG=--smoke; THREADS=2
else
  SHAPES="bundled paper"; LEVELS=1,8,32; STEPS=10; MIN_IMAGES=8; PROVIDERS=${EXECUTION_PROVIDERS:-webgpu}
  DEVICE=cuda; SMOKE_FLAG=; THREADS=$(nproc)
fi
echo "[gpu-bench] $(date -u +%FT%TZ) smoke=$SMOKE providers=$PROVIDERS levels=$LEVELS steps=$STEPS work=$WORK"
"$PY" -c "import torch, onnx, sys; print('[gpu-bench] torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu', 'onnx', onnx.__version__, 'python', sys.version.split()[0])"
echo "[gpu-bench] node $(node --version)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

# Budgets in seconds (full run): bundled 20 + 20 + 2x30 + 15 = 115, paper 120 + 30 + 2x70 + 60 = 350,
# profile 25: 490 in all; the deadline (BUDGET) cuts whatever overruns.
if [ "$SMOKE" = 1 ]; then B_MODEL=120; B_TORCH=120; B_ENGINE=120; B_CMP=120; P_MODEL=120; P_TORCH=120; P_ENGINE=120; P_CMP=120; PROFILE=120; BUDGET=${BUDGET_SMOKE:-900}
else B_MODEL=20; B_TORCH=20; B_ENGINE=30; B_CMP=15; P_MODEL=120; P_TORCH=30; P_ENGINE=70; P_CMP=60; PROFILE=25; fi
for shape in $SHAPES; do
  if [ "$shape" = bundled ]; then bm=$B_MODEL bt=$B_TORCH be=$B_ENGINE bc=$B_CMP chunks=1; else bm=$P_MODEL bt=$P_TORCH be=$P_ENGINE bc=$P_CMP chunks=8; fi
  stage "$shape: models" "$bm" env PYTHONUNBUFFERED=1 "$PY" bench/gpu/models.py --shape "$shape" $SMOKE_FLAG --head-chunks "$chunks" --out "$WORK/models"
  [ -f "$WORK/models/$shape/manifest.json" ] || continue
  stage "$shape: PyTorch" "$bt" env PYTHONUNBUFFERED=1 "$PY" bench/gpu/torch_ref.py --ckpt "$WORK/models/$shape/ckpt" \
    --shape "$shape" --device "$DEVICE" --batches "$LEVELS" --steps "$STEPS" --min-images "$MIN_IMAGES"
  for variant in fp16 fp32; do
    dir=$WORK/models/$shape; [ "$variant" = fp32 ] && dir=$WORK/models/$shape-fp32
    stage "$shape: engine $variant step" "$be" node dist/bench/gpu/engine.js --model "$dir" --providers "$PROVIDERS" \
      --levels "$LEVELS" --steps "$STEPS" --min-images "$MIN_IMAGES" --threads "$THREADS" --label "$shape:$variant"
  done
  # the step graphs alone, fp32 against fp16 (and with the head in chunks), same inputs: speed-up and
  # the largest |mu| difference (on cpu, ORT runs the fp16 graph through inserted casts: a check that
  # it loads, not a speed)
  graphs=$WORK/models/$shape/step.onnx,$WORK/models/$shape/step.fp16.onnx
  chunked=$WORK/models/$shape-chunked
  [ -f "$chunked/step.onnx" ] && graphs=$graphs,$chunked/step.onnx,$chunked/step.fp16.onnx
  stage "$shape: step graphs" "$bc" node dist/bench/gpu/compare-step.js --provider "${PROVIDERS%%,*}" \
    --graphs "$graphs" --batches "${LEVELS#*,}" --runs 2 --threads "$THREADS" --label "$shape"
done
# where the paper shape's GPU step time goes (on cpu: a check that the profile runs)
[ -f "$WORK/models/paper/step.fp16.onnx" ] && stage "paper: profile" "$PROFILE" node dist/bench/profile-step.js \
  --model "$WORK/models/paper" --graph step.fp16.onnx --provider "${PROVIDERS%%,*}" --batch "$(echo "$LEVELS" | cut -d, -f2)" \
  --runs 5 --threads "$THREADS" --label paper:fp16

echo "=== report (t=$(( $(date +%s) - START ))s) ==="
"$PY" bench/gpu/report.py "$RECORDS" "$OUT/results.json" "$OUT/table.md"
echo "[gpu-bench] done in $(( $(date +%s) - START ))s; files: $(ls "$OUT" | tr '\n' ' ')"
