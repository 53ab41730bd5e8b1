#!/bin/sh
# npm's script shell (.npmrc: script-shell): every npm script (`npm start`, `npm test` and the others) runs its
# command with the project's Node LTS (.node-version; the images' node:24, package.json's engines)
# first on PATH, whatever Node the machine has. The machine's own node is used when it is of that LTS
# line (the images' node:24 is); otherwise the version .node-version pins, the official binary from
# the npm registry (package node-<os>-<arch>), is unpacked once into .lts-node/ (git-ignored). npm
# itself, tap, tsc and the service then all run on it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
want=$(tr -d ' \n' < "$root/.node-version")
have=$(node -p 'process.versions.node' 2>/dev/null || echo none)
if [ "${have%%.*}" != "${want%%.*}" ]; then
  dir="$root/.lts-node/$want"
  if [ ! -x "$dir/bin/node" ]; then
    os=$(uname -s | tr '[:upper:]' '[:lower:]')
    arch=$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
    tmp=$(mktemp -d)
    echo "npm-shell: fetching Node $want (node-$os-$arch from the npm registry) into .lts-node/" >&2
    (cd "$tmp" && npm pack --silent "node-$os-$arch@$want" > /dev/null && tar -xzf ./*.tgz)
    mkdir -p "$root/.lts-node"
    rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
  fi
  PATH="$dir/bin:$PATH"
  export PATH
fi
if [ "$(node -p 'process.release.lts ?? ""')" = "" ]; then
  echo "npm-shell: Node $want (.node-version) is not an LTS build" >&2
  exit 1
fi
exec sh "$@"
