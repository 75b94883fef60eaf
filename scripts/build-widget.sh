#!/usr/bin/env bash
# Builds the widget for release into dist/ (or $1): caucus.js + caucus_bg.wasm + embed.js.
# Further arguments go to cargo (the panic test builds with `--features panic-trigger`).
# Calls cargo, wasm-bindgen and wasm-opt directly, so a fresh machine does not need trunk
# (10-20 minutes to install); `trunk serve` stays the development loop (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-dist}
shift || true
TARGET_DIR=${CARGO_TARGET_DIR:-target}
export PATH="$PWD/.tools/node_modules/.bin:$PATH"

cargo build --quiet --target wasm32-unknown-unknown -p caucus --profile wasm-release "$@"
mkdir -p "$OUT"
wasm-bindgen --target web --no-typescript --out-dir "$OUT" --out-name caucus \
  "$TARGET_DIR/wasm32-unknown-unknown/wasm-release/caucus.wasm"
# rustc emits bulk-memory and non-trapping float-to-int instructions; say so to wasm-opt.
# --converge repeats -Oz while it still shrinks the module; the producers and target-features
# sections are for tools, not browsers.
wasm-opt -Oz --converge --strip-producers --strip-target-features --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types \
  "$OUT/caucus_bg.wasm" -o "$OUT/caucus_bg.wasm"
# The download of every reader who opens comments: short import names in the wasm and the glue
# (see the script), then the glue minified (terser, installed by setup.sh; its doc comments go).
node scripts/shorten-imports.js "$OUT/caucus_bg.wasm" "$OUT/caucus.js"
terser "$OUT/caucus.js" --module --compress --mangle -o "$OUT/caucus.js"
# embed.js is paid for by every page load: its comments (the documentation, in the source)
# stay out of the copy that is served. Only whole comment lines and the header block go, so no
# code can be touched.
node -e '
const fs = require("fs");
const src = fs.readFileSync("embed.js", "utf8");
const header = src.indexOf("*/") + 2;
const body = src.slice(header).split("\n")
  .filter((line) => !/^\s*\/\//.test(line) && line.trim() !== "")
  .map((line) => line.replace(/^\s+/, ""))
  .join("\n");
fs.writeFileSync(process.argv[1], "/*! Caucus embed loader; source and docs: embed.js in the Caucus repository */\n" + body + "\n");
' "$OUT/embed.js"
# Then minified: about 200 B gzip less for every page load (terser keeps the /*! header).
terser "$OUT/embed.js" --compress --mangle -o "$OUT/embed.js"
# Compressed once, at the highest levels, for the server to send as they are (ServeDir's
# precompressed files): brotli 11 is too slow to run per request.
node -e '
const fs = require("fs"), zlib = require("zlib");
for (const f of process.argv.slice(1)) {
  const data = fs.readFileSync(f);
  fs.writeFileSync(f + ".gz", zlib.gzipSync(data, { level: 9 }));
  fs.writeFileSync(f + ".br", zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
}' "$OUT/embed.js" "$OUT/caucus.js" "$OUT/caucus_bg.wasm"

size() { printf '%-16s %7d B raw %7d B gzip %7d B brotli\n' "$(basename "$1")" "$(wc -c <"$1")" "$(wc -c <"$1.gz")" "$(wc -c <"$1.br")"; }
for f in "$OUT/embed.js" "$OUT/caucus.js" "$OUT/caucus_bg.wasm"; do size "$f"; done
