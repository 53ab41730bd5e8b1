#!/bin/bash
# Packs what a GPU machine without Node.js needs to run the service's engine: a Node.js binary, the
# linux-x64 part of onnxruntime-node (CPU and WebGPU providers) and the Vulkan loader packages.
# Run from the repository root after `npm ci`; it writes .device-rt/ (git-ignored, about 37 MB).
#   bash bench/gpu/pack-runtime.sh
# Take .device-rt/ along to the GPU machine and start the command there with
#   source .device-rt/activate.sh && <your benchmark>
# (WebGPU then works with executionProviders ['webgpu']; onnxruntime-node resolves from NODE_PATH).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ -d node_modules/onnxruntime-node ] || { echo "run npm ci first" >&2; exit 1; }
rm -rf .device-rt && mkdir -p .device-rt/gl
stage=$(mktemp -d)
mkdir -p "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux"
cp "$(readlink -f "$(command -v node)")" "$stage/node"
cp -r node_modules/onnxruntime-common "$stage/node_modules/"
cp -r node_modules/onnxruntime-node/dist node_modules/onnxruntime-node/package.json "$stage/node_modules/onnxruntime-node/"
cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux/"
tar -C "$stage" -cf - node node_modules | xz -T0 -6 > .device-rt/rt.tar.xz
rm -rf "$stage"
# The Vulkan loader and libglvnd family as .deb files for amd64, from this machine's apt sources.
lists=$(mktemp -d); mkdir -p "$lists/partial"
o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
apt-get $o update >/dev/null 2>&1
(cd .device-rt/gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1)
rm -rf "$lists"
cat > .device-rt/activate.sh <<'ACT'
# Sourced on the GPU machine: unpacks Node.js + onnxruntime-node and the Vulkan loader.
_rt=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p /tmp/rt && tar -xJf "$_rt/rt.tar.xz" -C /tmp/rt
for f in "$_rt"/gl/*.deb; do dpkg -x "$f" /; done; ldconfig
export PATH=/tmp/rt:$PATH NODE_PATH=/tmp/rt/node_modules
ACT
du -sh .device-rt
