#!/bin/bash
# Makes dist/ runnable on a machine without node_modules (the GPU machine): copies the two pure-JS
# packages the engine imports besides onnxruntime-node (@sinclair/typebox, @fastify/error) into
# dist/node_modules/, where Node's ESM resolution finds them from dist/src/. onnxruntime-node itself
# comes from .device-rt/ (bash bench/gpu/pack-runtime.sh); bench/gpu/run.sh links it there.
#   npx tsc -p . && bash bench/gpu/pack-deps.sh      (then carry dist/ and .device-rt/)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ -f dist/bench/gpu/engine.js ] || { echo "build first: npx tsc -p ." >&2; exit 1; }
for pkg in @sinclair/typebox @fastify/error; do
  [ -d "node_modules/$pkg" ] || { echo "node_modules/$pkg missing: npm ci first" >&2; exit 1; }
  rm -rf "dist/node_modules/$pkg" && mkdir -p "dist/node_modules/$(dirname "$pkg")"
  cp -r "node_modules/$pkg" "dist/node_modules/$pkg"
done
du -sh dist
