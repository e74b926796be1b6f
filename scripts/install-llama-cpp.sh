#!/usr/bin/env bash
# Installs real llama.cpp for the peer tests: node-llama-cpp with its prebuilt
# linux-x64 CPU binaries, both from the npm registry (nothing is downloaded
# from elsewhere and nothing is compiled; ../shared/docs/peers.md §1). It goes
# into a cache folder, like code-server: it is a test peer, not a dependency of
# the extension. Idempotent.
#
# Usage: scripts/install-llama-cpp.sh [CACHE_DIR]
#   CACHE_DIR defaults to $BITNET_LAB_LLAMA_CPP_DIR or
#   $HOME/.cache/bitnet-lab/node-llama-cpp. Prints the folder.
set -euo pipefail

VERSION="3.22.1"
DIR="${1:-${BITNET_LAB_LLAMA_CPP_DIR:-$HOME/.cache/bitnet-lab/node-llama-cpp}}"
STAMP="$DIR/.installed-$VERSION"

if [[ -f "$STAMP" && -d "$DIR/node_modules/node-llama-cpp" ]]; then
  echo "$DIR"
  exit 0
fi

mkdir -p "$DIR"
cd "$DIR"
cat > package.json <<'JSON'
{"name":"bitnet-lab-llama-cpp-cache","private":true,"type":"module"}
JSON

# SKIP_DOWNLOAD: the package's postinstall would otherwise try to fetch or build
# llama.cpp; the prebuilt binary comes as the npm package @node-llama-cpp/linux-x64.
# --omit=optional keeps the CUDA/Vulkan/ARM builds out (85 MB instead of 725 MB).
NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --no-audit --no-fund --omit=optional \
  "node-llama-cpp@$VERSION" "@node-llama-cpp/linux-x64@$VERSION" >&2

[[ -d node_modules/@node-llama-cpp/linux-x64 ]] || { echo "install-llama-cpp: prebuilt binary package missing" >&2; exit 1; }
touch "$STAMP"
echo "$DIR"
