// Shared pieces of the end-to-end tests: a real caucus-server on a fresh SQLite file, a host
// page served from another origin (another port), and Debian's Chromium driven by
// playwright-core. Run with `node --test tests/e2e/` after building the widget and the server
// (scripts/test does both).
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(ROOT, ".tools", "package.json"));
const { chromium } = require("playwright-core");

/** A port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts target/<profile>/caucus-server with --demo on a fresh database, serving the widget
 * from `assets`; resolves once healthy. `restart()` kills it and starts it again on the same
 * port and database (what a reader's open connections see when a server is redeployed). */
export async function startServer({ profile = process.env.CAUCUS_PROFILE || "debug", args = [], assets = path.join(ROOT, "dist") } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "caucus-e2e-"));
  const bin = path.join(ROOT, "target", profile, "caucus-server");
  const origin = `http://127.0.0.1:${port}`;
  let log = "";
  const launch = async () => {
    const child = spawn(
      bin,
      ["--demo", "--addr", `127.0.0.1:${port}`, "--db", path.join(dir, "caucus.db"), "--assets", assets, ...args],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn" } },
    );
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) break;
      try {
        if ((await fetch(`${origin}/healthz`)).ok) return { child, exited };
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGKILL");
    throw new Error(`caucus-server did not become healthy at ${origin}:\n${log}`);
  };
  let running = await launch();
  return {
    origin,
    log: () => log,
    async restart() {
      running.child.kill("SIGKILL");
      await running.exited;
      running = await launch();
    },
    async stop() {
      running.child.kill("SIGKILL");
      await running.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Serves one HTML page at / from another origin than the Caucus server, with `headers`. */
export async function startHostPage(html, headers = {}) {
  const port = await freePort();
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", ...headers });
    res.end(html);
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => server.close(r)) };
}

/** Debian's Chromium, headless, with the flags this network needs. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Waits until `n` comments of the widget at `host` (a selector of its thread element) are in
 *  the DOM, live or as the text of a dormant block (src/components/block.rs: blocks away from
 *  the viewport stay text until scrolled near, and are filled with it when the browser is
 *  idle); or, with `which`, only those it matches (`[data-caucus-comment]`: the live ones). */
export async function untilInDom(page, host, n, which = "[data-caucus-comment], [data-caucus-dormant]") {
  await page.waitForFunction(
    ([host, n, which]) => document.querySelector(host)?.shadowRoot?.querySelectorAll(which).length === n,
    [host, n, which],
    { timeout: 60_000 },
  );
}

/** Collects page errors and console errors, so a test can assert there were none. */
export function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return errors;
}
