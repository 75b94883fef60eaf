// Gives the functions the widget's wasm imports from its JS glue short names, in both files.
//   node scripts/shorten-imports.js dist/caucus_bg.wasm dist/caucus.js
//
// wasm-bindgen names each import after the function it wraps plus a 16-digit hash
// (`__wbg_appendChild_7465eba84213c75f`), and every name is written twice: in the wasm's import
// section and as a key of the glue's import object. Hashes do not compress, so the 160-odd names
// cost about 8 KB gzip of the widget's download. Here they become `a`, `b`, ... `aB`. Only the
// import section and the import object's keys change; the script stops (and the build with it)
// if a name is not found exactly once in the glue, so a different wasm-bindgen cannot be
// half-renamed silently.
"use strict";
const fs = require("fs");
const [wasmPath, jsPath] = process.argv.slice(2);
const GLUE_MODULE = "./caucus_bg.js";
const wasm = fs.readFileSync(wasmPath);
let js = fs.readFileSync(jsPath, "utf8");

function readLeb(pos) {
  let value = 0, shift = 0, byte;
  do {
    byte = wasm[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, pos];
}
function leb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
}
function shortName(n) {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let s = "";
  do {
    s = letters[n % letters.length] + s;
    n = Math.floor(n / letters.length) - 1;
  } while (n >= 0);
  return s;
}
function skipLimits(pos) {
  const flags = wasm[pos++];
  let [, p] = readLeb(pos);
  if (flags & 1) [, p] = readLeb(p);
  return p;
}

if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error(`${wasmPath} is not a wasm module`);
const out = [wasm.subarray(0, 8)];
let pos = 8, renamed = 0;
while (pos < wasm.length) {
  const id = wasm[pos];
  const [size, body] = readLeb(pos + 1);
  const end = body + size;
  if (id !== 2) {
    out.push(wasm.subarray(pos, end));
    pos = end;
    continue;
  }
  let [count, p] = readLeb(body);
  const entries = [leb(count)];
  for (let i = 0; i < count; i++) {
    let len;
    [len, p] = readLeb(p);
    const module = wasm.subarray(p, p + len);
    p += len;
    [len, p] = readLeb(p);
    const field = wasm.subarray(p, p + len).toString();
    p += len;
    const descriptor = p;
    const kind = wasm[p++];
    if (kind === 0) [, p] = readLeb(p); // function: its type
    else if (kind === 1) p = skipLimits(p + 1); // table: element type, limits
    else if (kind === 2) p = skipLimits(p); // memory: limits
    else if (kind === 3) p += 2; // global: value type, mutability
    else throw new Error(`unknown import kind ${kind}`);
    let name = field;
    if (module.toString() === GLUE_MODULE) {
      const key = `\n        ${field}: function(`;
      if (js.split(field).length !== 2 || !js.includes(key)) {
        throw new Error(`${jsPath}: the import ${field} is not one key of the import object`);
      }
      name = shortName(renamed++);
      js = js.replace(key, `\n        ${name}: function(`);
    }
    const nameBytes = Buffer.from(name);
    entries.push(leb(module.length), module, leb(nameBytes.length), nameBytes, wasm.subarray(descriptor, p));
  }
  if (p !== end) throw new Error("the import section did not parse to its end");
  const section = Buffer.concat(entries);
  out.push(Buffer.from([2]), leb(section.length), section);
  pos = end;
}
if (renamed === 0) throw new Error(`no import from ${GLUE_MODULE} found: did wasm-bindgen change?`);
fs.writeFileSync(wasmPath, Buffer.concat(out));
fs.writeFileSync(jsPath, js);
