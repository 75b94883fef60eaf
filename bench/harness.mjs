// What the page benchmarks share (bench/run.mjs, bench/profile.mjs): the release server on a
// fresh SQLite file, a host page on another origin that embeds the widget, and the command line.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** `--name value` pairs of the command line, as an object. */
export function parseArgs(argv = process.argv.slice(2)) {
  return Object.fromEntries(
    argv.reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
  );
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

export async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The release server, rate limits off, serving the widget from `assets`. Another build (to
 *  compare with, say main's) can be named in CAUCUS_BENCH_SERVER. */
export async function startServer(assets = path.join(ROOT, "dist")) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "caucus-bench-"));
  const child = spawn(
    process.env.CAUCUS_BENCH_SERVER || path.join(ROOT, "target/release/caucus-server"),
    ["--addr", `127.0.0.1:${port}`, "--db", path.join(dir, "bench.db"), "--assets", assets, "--rate-limits", "off"],
    { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, RUST_LOG: "error" } },
  );
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return { origin, stop: () => { child.kill("SIGKILL"); rmSync(dir, { recursive: true, force: true }); } };
}

/** A host page on its own origin: `/?thread=slug` embeds that thread. */
export async function startHost(serverOrigin) {
  const port = await freePort();
  const server = createServer((req, res) => {
    const slug = new URL(req.url, "http://x").searchParams.get("thread") || "bench-100";
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<link rel="icon" href="data:,"></head><body><h1>A host page</h1>
<div id="thread" data-caucus-thread="${slug}"></div>
<script src="${serverOrigin}/widget/embed.js" defer></script></body></html>`);
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  return { origin: `http://127.0.0.1:${port}`, stop: () => server.close() };
}

/** Chromium as the benchmarks run it: headless, Debian's, nothing in the background. */
export async function launchChromium() {
  const { createRequire } = await import("node:module");
  const require = createRequire(path.join(ROOT, ".tools", "package.json"));
  const { chromium } = require("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--enable-precise-memory-info"],
  });
}
