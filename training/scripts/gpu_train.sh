#!/usr/bin/env bash
# One run on the GPU machine (one H200, PyTorch 2.x, no Node, no network), from the repo root, with
# data/emoji-zoo-plain/ carried along (training/emoji: node build.mjs --out ../../data/emoji-zoo-plain
# --augment plain; the bundled model's recipe: upright, centred emoji on white):
#
#     bash training/scripts/gpu_train.sh $OUT            # ~9 minutes (BUDGET_S, default 530)
#     bash training/scripts/gpu_train.sh --smoke $OUT    # every stage for a few iterations (CPU ok;
#                                                      # --smoke may also follow $OUT)
#
# Stages (training/purrception/pipeline.py, one Python process, each stage time-boxed):
#   1 VQ (~85 s) -> $OUT/vq/   2 latent bank   3 Purrception DiT "emoji-zoo-64" (~3.5 min) -> $OUT/dit/
#   4 classifier + tau/cfg sweeps around tau 0.6, cfg 1.5 (the bundled defaults; 2000 images a point, EMA weights)
#   5 convergence: purrception vs cfm vs dfm, same smaller backbone/bank/batch/iterations (~35 s each)
# Everything but the checkpoints (logs, JSON, plots, classifier) is repacked into
# $OUT/results.tar.gz after every stage: 6 files in $OUT (<= 8 files of <= 16 MiB come back).
#
# Environment: BUDGET_S (wall seconds for all stages), PYTHON, WORK (scratch dir, not under $OUT),
# DATA (default data/emoji-zoo-plain; data/emoji-zoo for the full augmentation), COMPILE=0|1 (torch.compile of the main DiT), EXTRA (more pipeline flags, e.g.
# "--set dit_seconds=120").
set -uo pipefail

usage() { echo "usage: gpu_train.sh [--smoke] OUT_DIR   (--smoke before or after OUT_DIR)" >&2; exit 2; }
# --smoke wherever it is given: a smoke run that silently ran the full budget cost a GPU session.
SMOKE=()
OUT=""
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=(--smoke) ;;
    -*) echo "gpu_train.sh: unknown option $arg" >&2; usage ;;
    *) if [ -n "$OUT" ]; then echo "gpu_train.sh: one OUT_DIR, got $OUT and $arg" >&2; usage; fi; OUT="$arg" ;;
  esac
done
[ -n "$OUT" ] || usage
cd "$(dirname "$0")/../.." || exit 1   # repo root
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

export PYTHONUNBUFFERED=1
export PYTHONPATH="$PWD/training${PYTHONPATH:+:$PYTHONPATH}"
# Arena fragmentation is the usual CUDA OOM cause when batch shapes vary (sweeps, eval).
export PYTORCH_CUDA_ALLOC_CONF="${PYTORCH_CUDA_ALLOC_CONF:-expandable_segments:True}"

# The first Python that imports torch: $PYTHON, the GPU image's venv (CUDA torch), the repo's .venv
# (npm run python:env; CPU torch, for --smoke), then the PATH's (here a pyenv one without torch).
PY=""
for cand in "${PYTHON:-}" /opt/torch/.venv/bin/python3 "$PWD/.venv/bin/python" python3 \
            /usr/bin/python3 python; do
  [ -n "$cand" ] || continue
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import torch" >/dev/null 2>&1; then
    PY="$cand"; break
  fi
done
if [ -z "$PY" ]; then echo "gpu_train.sh: no Python with torch found (set PYTHON=...)" >&2; exit 1; fi

if [ ${#SMOKE[@]} -gt 0 ]; then BUDGET="${BUDGET_S:-170}"; else BUDGET="${BUDGET_S:-530}"; fi
WORK="${WORK:-$(mktemp -d -t purrception-work-XXXXXX)}"
COMPILE_FLAG=()
# torch.compile of the main DiT stage: on by default for the full run (H200, torch 2.11: ~28 s of
# compilation, then 44 instead of 30 it/s), off for --smoke; COMPILE=0 turns it off.
if [ ${#SMOKE[@]} -gt 0 ]; then COMPILE_DEFAULT=0; else COMPILE_DEFAULT=1; fi
if [ "${COMPILE:-$COMPILE_DEFAULT}" = "1" ]; then COMPILE_FLAG=(--compile); fi

echo "[gpu_train] $(date -u +%FT%TZ) python=$PY out=$OUT work=$WORK budget=${BUDGET}s ${SMOKE[*]:-}"
"$PY" -c "import torch, sys; print('[gpu_train] torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu', 'python', sys.version.split()[0])"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader

start=$(date +%s)
# shellcheck disable=SC2086
"$PY" -m purrception.pipeline --out "$OUT" --work "$WORK" --data "${DATA:-data/emoji-zoo-plain}" \
  --budget "$BUDGET" "${SMOKE[@]}" "${COMPILE_FLAG[@]}" ${EXTRA:-}
rc=$?
echo "[gpu_train] pipeline exit $rc after $(( $(date +%s) - start ))s; files in $OUT:"
ls -la "$OUT" "$OUT"/* 2>/dev/null | sed 's/^/  /'
exit $rc
