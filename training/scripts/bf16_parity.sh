#!/usr/bin/env bash
# bf16 against fp32 training on the bundled model's shape (docs/results/bf16-parity-2026-12-05/):
# same seeds, one thread per run, then training/scripts/parity.py compares the loss curves and the
# seconds per iteration (fp32 seed 0 and bf16 seed 0 start together: side by side, same load).
#
#     bash training/scripts/bf16_parity.sh RUNS [ITERS] [VQ_ITERS] [BF16_STOP]
#
# RUNS under runs/ (gitignored). Needs data/emoji-zoo (training/emoji) and the repo's .venv (npm
# run python:env). Recovers the bundled model's VQ (model_dir), encodes a 5,000-latent bank with
# it, then phase 1 runs three lanes at once: A: train_dit bf16 seed 0; B: train_dit fp32 seeds 0
# and 1, then train_vq fp32 seeds 0 and 1 (patch tokenizer: k-means, then its decoder); C:
# train_vq bf16 seed 0. Phase 2: train_dit bf16 seed 1 and fp32 seed 2, side by side (a second
# timing pair, a third fp32 seed). A run whose log is complete is skipped on a rerun.
# BF16_STOP (default 200) ends the bf16 DiT runs after that step (their LR schedule stays ITERS
# long, as the fp32 runs'); the comparison covers the steps all runs reached. On a 2-core CPU
# without native bf16 (AVX2 only), a bf16 step took 10x an fp32 one, and more under load.
set -euo pipefail
cd "$(dirname "$0")/../.."   # repo root
RUNS=$(mkdir -p "${1:?usage: bf16_parity.sh RUNS [ITERS] [VQ_ITERS] [BF16_STOP]}" && cd "$1" && pwd)
ITERS=${2:-300}
VQ_ITERS=${3:-40}
BF16_STOP=${4:-200}
PY=${PYTHON:-$PWD/.venv/bin/python}
cd training
export OMP_NUM_THREADS=1 PYTHONUNBUFFERED=1

[ -f "$RUNS/recovered/vq/index.json" ] ||
  "$PY" -m purrception.model_dir --model ../models/emoji-zoo-64 --out "$RUNS/recovered"
[ -f "$RUNS/bank.pt" ] ||
  "$PY" -m purrception.data bank --data ../data/emoji-zoo --vq "$RUNS/recovered/vq" --n 5000 \
    --batch 500 --device cpu --out "$RUNS/bank.pt"

done_log() { [ -f "$1" ] && grep -q "\"step\": $2," "$1"; }

stop_at() {  # stop_at LOG STEP PID: end the run once its log has STEP
  until grep -q "\"step\": $2," "$1" 2>/dev/null || ! kill -0 "$3" 2>/dev/null; do sleep 5; done
  kill "$3" 2>/dev/null || true
}

dit() {  # dit PRECISION SEED
  local name="dit-$1-s$2" flag=--no-bf16 last=$ITERS pid
  if [ "$1" = bf16 ]; then flag=--bf16; last=$BF16_STOP; fi
  done_log "$RUNS/$name.jsonl" "$last" && return 0
  rm -rf "$RUNS/$name" "$RUNS/$name.jsonl"
  "$PY" -m purrception.train_dit --preset emoji-zoo-64-patch --override codebook_size=1024 \
    --bank "$RUNS/bank.pt" --out "$RUNS/$name" --log "$RUNS/$name.jsonl" --no-resume \
    --iters "$ITERS" --batch 64 --lr 1.5e-3 --warmup 100 --cosine --ema-decay 0.999 \
    --log-every 1 --save-every-s 1e9 --no-save-optimizer --device cpu --seed "$2" "$flag" \
    > "$RUNS/$name.out" 2>&1 &
  pid=$!
  [ "$last" -lt "$ITERS" ] && stop_at "$RUNS/$name.jsonl" "$last" "$pid" &
  wait "$pid" || [ "$last" -lt "$ITERS" ]   # stopped on purpose: not a failure
}

vq() {  # vq PRECISION SEED
  local name="vq-$1-s$2" flag=--no-bf16
  [ "$1" = bf16 ] && flag=--bf16
  done_log "$RUNS/$name.jsonl" "$VQ_ITERS" && grep -q '"final"' "$RUNS/$name.jsonl" && return 0
  rm -rf "$RUNS/$name" "$RUNS/$name.jsonl"
  "$PY" -m purrception.train_vq --preset emoji-zoo-64-patch --override codebook_size=1024 \
    --data ../data/emoji-zoo --out "$RUNS/$name" --log "$RUNS/$name.jsonl" --no-resume \
    --iters "$VQ_ITERS" --batch 64 --lr 1e-3 --warmup 10 --log-every 1 --save-every-s 1e9 \
    --no-save-optimizer --eval-n 512 --device cpu --seed "$2" "$flag" > "$RUNS/$name.out" 2>&1
}

# the machine's load over the runs, once a minute
( while true; do echo "$(date +%s) $(uptime)" >> "$RUNS/load.txt"; sleep 60; done ) &
loadlog=$!
( dit bf16 0 ) &
( dit fp32 0; dit fp32 1; vq fp32 0; vq fp32 1 ) &
( vq bf16 0 ) &
wait -n; wait -n; wait -n   # the three lanes (the load logger runs on)
( dit bf16 1 ) &
( dit fp32 2 ) &
wait -n; wait -n
kill "$loadlog"
"$PY" scripts/parity.py "$RUNS" --out "$RUNS/parity.json"
