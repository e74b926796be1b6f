#!/usr/bin/env bash
# Everything the test suite needs on a fresh Debian/Ubuntu machine:
#  - Debian's Chromium (webview tests, and the browser that drives VS Code),
#  - the headers VS Code's server build compiles against,
#  - node modules (npm ci),
#  - Debian's PyTorch (python3-torch, with torchrun and gloo): the peer that
#    recomputes our statistics, perplexities and training runs; with
#    libopenblas0-pthread so torch's BLAS is OpenBLAS, not the reference BLAS
#    (the benchmarks compare us with PyTorch at its best),
#  - VS Code's server build (code-server) for the real-VS-Code tests, cached,
#  - real llama.cpp (node-llama-cpp's prebuilt CPU build) for the peer tests, cached.
# Safe to re-run: each step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium build-essential pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep python3-torch libopenblas0-pthread)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    echo "setup: installing ${missing[*]} from Debian's packages"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install ${missing[*]} (no apt-get here)" >&2
    exit 1
  fi
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund

bash scripts/install-code-server.sh
bash scripts/install-llama-cpp.sh
echo "setup: done"
