#!/usr/bin/env bash
# The repo's Python environment: .venv/ at the repo root, with every requirements file below
# installed (exact pins). `npm run python:env`; test:python, fixtures and bench:model run it first.
#
#     bash scripts/python-env.sh            # create or update .venv; ~0.1 s when nothing changed
#     PYTHON=python3.11 bash scripts/python-env.sh    # the interpreter that makes a new .venv
#
# Idempotent: .venv/.requirements.sha256 holds the hash of the requirements files as last
# installed; pip runs only when it differs (a pin changed, a file was added) or .venv is missing
# or broken. Then the whole list is installed again: pip skips what is already satisfied.
#
# torch: PyPI's Linux wheel is the CUDA build (GBs of nvidia-* wheels, useless on the CPU
# machines that run the tests). When PyTorch's CPU index resolves, it is added as an extra index
# and its 2.13.0+cpu wins over PyPI's 2.13.0 (a local version sorts higher); without it (an
# offline machine) pip's own configuration (find-links, local indexes) provides torch.
# TORCH_INDEX_URL overrides that index; TORCH_INDEX_URL= (empty) leaves it out.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # repo root

# Every requirements file of the repo's Python tools, installed into the same .venv: add a line
# for each new one, and the next run installs it. training/: the training pipeline and its tests;
# openapi/: the Python SDK's generator (and ruff, which formats its output) and schemathesis.
REQUIREMENTS=(
  training/requirements.txt
  openapi/requirements.txt
)

VENV=.venv
STAMP=$VENV/.requirements.sha256
PY=${PYTHON:-python3}
TORCH_INDEX_URL=${TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}

for f in "${REQUIREMENTS[@]}"; do
  [ -f "$f" ] || { echo "python-env: $f is missing" >&2; exit 1; }
done
# file names too: moving a pin from one file to another is a change
want=$(for f in "${REQUIREMENTS[@]}"; do echo "== $f"; cat "$f"; done | sha256sum | cut -c1-64)

healthy() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c '' 2>/dev/null; }
current() { healthy && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; }

current && exit 0

mkdir -p "$VENV"
# one installer at a time (npm scripts may start this concurrently); the second re-checks below
exec 9>"$VENV/.lock"
command -v flock >/dev/null && flock 9
current && exit 0

if ! healthy; then
  # a venv whose interpreter is gone (e.g. the base Python moved): start over
  [ -f "$VENV/pyvenv.cfg" ] && find "$VENV" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
  echo "python-env: creating $VENV with $("$PY" --version 2>&1) ($(command -v "$PY"))" >&2
  "$PY" -m venv "$VENV" || {
    echo "python-env: '$PY -m venv' failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
fi

pip_args=(install --quiet --disable-pip-version-check)
if [ -n "$TORCH_INDEX_URL" ]; then
  host=${TORCH_INDEX_URL#*://}; host=${host%%/*}
  if getent hosts "$host" >/dev/null 2>&1; then pip_args+=(--extra-index-url "$TORCH_INDEX_URL"); fi
fi
for f in "${REQUIREMENTS[@]}"; do pip_args+=(-r "$f"); done

echo "python-env: installing ${REQUIREMENTS[*]} into $VENV" >&2
rm -f "$STAMP"   # a failed install must not look done
"$VENV/bin/python" -m pip "${pip_args[@]}"
echo "$want" > "$STAMP"
"$VENV/bin/python" -c 'import sys, torch
print(f"python-env: {sys.executable} {sys.version.split()[0]}, torch {torch.__version__}")' >&2
