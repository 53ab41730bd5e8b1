#!/usr/bin/env bash
# glibc malloc by default, with mallopt at start-up (trainutil.keep_freed_memory) and with the
# earlier GLIBC_TUNABLES: 80 DiT iterations each, from fresh copies of the same checkpoint.
# Needs ../runs/plain/r54224/dit (purrception.model_dir from the committed model) and
# ../runs/plain/bank.pt (purrception.data bank), as in the model card's commands.
cd "$(dirname "$0")/../../../training"
export OMP_NUM_THREADS=2 PYTHONPATH=$PWD
ARGS="--preset emoji-zoo-64-patch --override codebook_size=1024 --bank ../runs/plain/bank.pt --iters 80
      --lr 3e-5 --batch 64 --ema-decay 0.999 --device cpu --no-bf16 --log-every 40"
run() { # name, environment assignment, keep_freed_memory on|off
  rm -rf "../runs/ab/$1" && mkdir -p ../runs/ab && cp -r ../runs/plain/r54224/dit "../runs/ab/$1"
  echo "== $1"
  { time env $2 ../.venv/bin/python -c "
import sys
from purrception import trainutil as tu
if sys.argv[1] == 'off': tu.keep_freed_memory = lambda: False
from purrception import train_dit
train_dit.main(sys.argv[2:])" "$3" $ARGS --out "../runs/ab/$1" > "../runs/ab/$1.out" 2>&1 ; } 2>&1
  grep -o 'it_s=[0-9.]*' "../runs/ab/$1.out" | tr '\n' ' '; echo
}
run default "X=1" off
run mallopt "X=1" on
run tunables "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=17179869184:glibc.malloc.top_pad=1073741824" off
run mallopt2 "X=1" on
run default2 "X=1" off
