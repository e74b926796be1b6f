#!/usr/bin/env bash
# Installs code-server (the server build of VS Code, published on npm) into a
# cache folder so the integration tests can run a real VS Code extension host
# headless. Recipe: docs/vscode-and-tfjs.md §2. Idempotent: an existing install
# is left alone.
#
# The caller installs the apt build deps first (native modules of VS Code):
#   apt-get install -y build-essential pkg-config libkrb5-dev libx11-dev \
#     libxkbfile-dev libsecret-1-dev ripgrep chromium
#
# Usage: scripts/install-code-server.sh [CACHE_DIR]
#   CACHE_DIR defaults to $BITNET_LAB_CODE_SERVER_DIR or
#   $HOME/.cache/bitnet-lab/code-server. Prints the code-server binary path.
set -euo pipefail

VERSION="4.100.3" # 4.100.x is the last line that runs on Node 20
DIR="${1:-${BITNET_LAB_CODE_SERVER_DIR:-$HOME/.cache/bitnet-lab/code-server}}"
BIN="$DIR/node_modules/.bin/code-server"
STAMP="$DIR/.installed-$VERSION"

if [[ -f "$STAMP" && -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi

for tool in node npm rg tar; do
  command -v "$tool" >/dev/null || { echo "install-code-server: '$tool' is required" >&2; exit 1; }
done

mkdir -p "$DIR"

# @vscode/ripgrep's install script downloads rg from GitHub, which may be
# unreachable. It looks for a cached archive first, so seed that cache with
# the system rg packed under the exact name it expects.
TMP_ROOT="${TMPDIR:-/tmp}"
RG_CACHE="$TMP_ROOT/vscode-ripgrep-cache-1.15.11"
RG_ARCHIVE="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [[ ! -f "$RG_ARCHIVE" ]]; then
  mkdir -p "$RG_CACHE"
  STAGE="$(mktemp -d)"
  cp "$(command -v rg)" "$STAGE/rg"
  tar -czf "$RG_ARCHIVE.tmp" -C "$STAGE" rg
  mv "$RG_ARCHIVE.tmp" "$RG_ARCHIVE"
  rm -rf "$STAGE"
fi

cd "$DIR"
# npm ≥ 11 runs dependency install scripts only when allowed by name; code-server's
# postinstall (it builds VS Code's native modules) and argon2's must run.
# Older npm ignores the field.
cat > package.json <<'JSON'
{"name":"bitnet-lab-code-server-cache","private":true,"allowScripts":{"code-server":true,"argon2":true}}
JSON

# unsafe_perm: the native post-install builds must run even as root.
npm_config_unsafe_perm=true npm_config_yes=true \
  npm install --no-audit --no-fund "code-server@$VERSION" >&2

[[ -x "$BIN" ]] || { echo "install-code-server: $BIN missing after install" >&2; exit 1; }
touch "$STAMP"
echo "$BIN"
