// The Caucus benchmark: the real release server and the release widget, measured the way a
// reader and a host page meet them. Run it with `bench/run` (which builds first); it prints
// every figure against its budget and writes bench/results/<date>.md.
//
//   node bench/run.mjs [--runs 5] [--sizes 100,1000,5000] [--seconds 10]
//
// What "usable" means here: the widget puts every comment it shows into the DOM, in blocks of
// 25 (components/block.rs): the blocks near the viewport live (components), the others
// dormant, as their comments' text (which Ctrl-F finds), until they are scrolled near. So
// "whole thread usable" is the moment the last comment is in the DOM, live or as text one
// scroll from live: every comment down to depth 6, since the deeper replies wait behind
// "Continue this thread" until a reader asks for them. The time a scroll takes to turn a
// dormant block live is measured too.
import { execFileSync } from "node:child_process";
import http from "node:http";
import { mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir, cpus, totalmem } from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { generate, load } from "./thread.mjs";
import { ROOT, parseArgs, median, startServer, startHost, launchChromium } from "./harness.mjs";

const args = parseArgs();
const RUNS = Number(args.runs || 5);
const SIZES = (args.sizes || "100,1000,5000").split(",").map(Number);
const SECONDS = Number(args.seconds || 10);

const ms = (x) => `${x.toFixed(1)} ms`;
const kib = (x) => `${(x / 1024).toFixed(1)} KiB`;
const mib = (x) => `${(x / 1048576).toFixed(1)} MiB`;
const log = (...a) => console.error("[bench]", ...a);

/** How many comments the widget shows before anyone clicks: the replies below depth 6 wait
 *  behind "Continue this thread" (state::CONTINUE_DEPTH), the rest are all in the list. */
function shownAtFirst(comments) {
  const depth = [];
  for (const c of comments) depth.push(c.parent === null ? 0 : depth[c.parent] + 1);
  return depth.filter((d) => d <= 6).length;
}

/** One page load of a thread that shows `n` comments: timings, memory, and a vote on a deep
 *  comment. */
async function measurePage(browser, host, slug, n) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await page.goto(`${host.origin}/?thread=${slug}`, { waitUntil: "commit" });
  // Polled every animation frame, in the page: the first frame with a comment, and the first
  // with all of them.
  const first = await page.waitForFunction(() => {
    const root = document.querySelector("#thread")?.shadowRoot;
    return root && root.querySelector("[data-caucus-comment]") ? performance.now() : false;
  }, null, { polling: "raf", timeout: 120000 });
  const firstAt = await first.jsonValue();
  // Every comment in the DOM: in a live block, or as text in a dormant one (findable with
  // Ctrl-F, and live one scroll away).
  const all = await page.waitForFunction((n) => {
    const root = document.querySelector("#thread").shadowRoot;
    return root.querySelectorAll("[data-caucus-comment], [data-caucus-dormant]").length >= n ? performance.now() : false;
  }, n, { polling: "raf", timeout: 120000 });
  const allAt = await all.jsonValue();
  const readyAt = await page.evaluate(() => performance.getEntriesByName("caucus:ready")[0]?.startTime ?? NaN);
  await page.waitForTimeout(200);
  await cdp.send("HeapProfiler.collectGarbage");
  const heap = await cdp.send("Runtime.getHeapUsage");
  const wasm = await page.evaluate(() => window.caucus.widget.memory_bytes());

  // The deepest comment in the second half of the thread: scrolled to (its block turns live),
  // then voted for: click → tally text changed.
  const deep = await page.evaluate(async () => {
    const root = document.querySelector("#thread").shadowRoot;
    const comments = [...root.querySelectorAll("[data-caucus-comment], [data-caucus-dormant]")];
    const half = comments.slice(Math.floor(comments.length / 2));
    const deepest = half.reduce((a, b) => (Number(b.dataset.depth) > Number(a.dataset.depth) ? b : a), half[0]);
    const id = deepest.dataset.caucusComment || deepest.dataset.caucusDormant;
    const t0 = performance.now();
    deepest.scrollIntoView({ block: "center" });
    const selector = `[data-caucus-comment="${id}"]`;
    while (!root.querySelector(selector)) await new Promise((r) => requestAnimationFrame(r));
    return { id, liveAfter: performance.now() - t0, depth: Number(deepest.dataset.depth) };
  });
  await page.waitForTimeout(200);
  const vote = await page.evaluate(async (id) => {
    const root = document.querySelector("#thread").shadowRoot;
    const comment = root.querySelector(`[data-caucus-comment="${id}"]`);
    const tally = comment.querySelector("[data-caucus-tally]");
    const button = comment.querySelector("[data-caucus-vote]");
    const before = tally.textContent;
    const changed = new Promise((resolve) => {
      const mo = new MutationObserver(() => {
        if (tally.textContent !== before) {
          mo.disconnect();
          resolve(performance.now());
        }
      });
      mo.observe(tally, { characterData: true, childList: true, subtree: true });
    });
    const t0 = performance.now();
    button.click();
    const t1 = await changed;
    return { ms: t1 - t0 };
  }, deep.id);
  await context.close();
  return { firstAt, allAt, readyAt, heap: heap.usedSize, wasm, vote: vote.ms, voteDepth: deep.depth, liveAfter: deep.liveAfter };
}

function sizes() {
  const file = (name) => readFileSync(path.join(ROOT, "dist", name));
  const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;
  const br = (b) => zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const eager = file("embed.js");
  const lazy = [file("caucus.js"), file("caucus_bg.wasm")];
  return {
    eagerGzip: gz(eager),
    eagerBrotli: br(eager),
    lazyGzip: lazy.reduce((s, b) => s + gz(b), 0),
    lazyBrotli: lazy.reduce((s, b) => s + br(b), 0),
    wasmRaw: lazy[1].length,
  };
}

/** The read that the first reader after every change waits for: a vote in the thread, then a
 *  GET of it as a browser asks (compressed; the body is timed as it comes, not decompressed).
 *  Median of 21, ms, and the body's size and coding. */
async function readAfterVote(origin, slug, ids) {
  const voter = (await (await fetch(`${origin}/api/voters`, { method: "POST" })).json()).voter;
  const get = () => new Promise((resolve, reject) => {
    const t = performance.now();
    http.get(`${origin}/api/threads/${slug}`, { headers: { "accept-encoding": "gzip, deflate, br" } }, (res) => {
      let bytes = 0;
      res.on("data", (chunk) => { bytes += chunk.length; });
      res.on("end", () => resolve({ ms: performance.now() - t, bytes, coding: res.headers["content-encoding"] ?? "identity", status: res.statusCode }));
      res.on("error", reject);
    }).on("error", reject);
  });
  const reads = [];
  for (let i = 0; i < 21; i++) {
    const id = ids[(i * 97) % ids.length];
    const vote = await fetch(`${origin}/api/comments/${id}/vote`, { method: i % 2 ? "DELETE" : "PUT", headers: { "x-caucus-voter": voter } });
    if (!vote.ok) throw new Error(`vote on ${id}: ${vote.status} ${await vote.text()}`);
    const read = await get();
    if (read.status !== 200) throw new Error(`read after a vote: ${read.status}`);
    reads.push(read);
  }
  return { ms: median(reads.map((r) => r.ms)), bytes: reads.at(-1).bytes, coding: reads.at(-1).coding };
}

function wrk(url, connections, script) {
  const argv = ["-t", String(Math.min(2, connections)), "-c", String(connections), "-d", `${SECONDS}s`, "--latency"];
  if (script) argv.push("-s", script);
  const out = execFileSync("wrk", [...argv, url], { encoding: "utf8" });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const unit = (v, u) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[u] ?? 1);
  const pct = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? unit(m[1], m[2]) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] || 0);
  return { rps, p50: pct(50), p99: pct(99), non2xx };
}

async function main() {
  const server = await startServer();
  const host = await startHost(server.origin);
  const results = { pages: {}, server: {} };
  try {
    for (const n of SIZES) {
      log(`loading a thread of ${n} through the API`);
      const t = performance.now();
      const comments = generate(n);
      const ids = await load(server.origin, `bench-${n}`, comments);
      results.pages[n] = { loadedIn: performance.now() - t, ids, shown: shownAtFirst(comments) };
    }

    const browser = await launchChromium();
    for (const n of SIZES) {
      const runs = [];
      for (let r = 0; r < RUNS; r++) {
        runs.push(await measurePage(browser, host, `bench-${n}`, results.pages[n].shown));
        log(`N=${n} run ${r + 1}: first ${ms(runs.at(-1).firstAt - runs.at(-1).readyAt)} after ready, all ${ms(runs.at(-1).allAt)}`);
      }
      const m = (f) => median(runs.map(f));
      Object.assign(results.pages[n], {
        firstAfterReady: m((r) => r.firstAt - r.readyAt),
        firstFromNav: m((r) => r.firstAt),
        allFromNav: m((r) => r.allAt),
        readyFromNav: m((r) => r.readyAt),
        heap: m((r) => r.heap),
        wasm: m((r) => r.wasm),
        vote: m((r) => r.vote),
        liveAfter: m((r) => r.liveAfter),
      });
    }
    await browser.close();

    // The server on its own.
    const changed = SIZES.at(-1);
    log(`GET thread N=${changed} just after a vote in it`);
    results.server.readAfterVote = await readAfterVote(server.origin, `bench-${changed}`, results.pages[changed].ids);
    // The thread of 1,000 if it was loaded, else the largest that was.
    const readN = SIZES.includes(1000) ? 1000 : SIZES.at(-1);
    results.server.readN = readN;
    const read = `${server.origin}/api/threads/bench-${readN}`;
    log(`GET thread N=${readN}, 1 and 32 connections`);
    results.server.read1 = wrk(read, 1);
    results.server.read32 = wrk(read, 32);
    const first = await fetch(read);
    const etag = first.headers.get("etag");
    results.server.notModified = etag
      ? (await fetch(read, { headers: { "if-none-match": etag } })).status
      : "no ETag";

    log("votes/s and comments/s");
    const tokens = [];
    for (let i = 0; i < 2000; i++) {
      tokens.push((await (await fetch(`${server.origin}/api/voters`, { method: "POST" })).json()).voter);
    }
    const targets = results.pages[SIZES.at(-1)].ids.slice(0, 500);
    const dir = mkdtempSync(path.join(tmpdir(), "caucus-wrk-"));
    const voteScript = path.join(dir, "vote.lua");
    writeFileSync(voteScript, `
local tokens = {${tokens.map((t) => JSON.stringify(t)).join(",")}}
local targets = {${targets.join(",")}}
local n = 0
request = function()
  n = n + 1
  local token = tokens[(n % #tokens) + 1]
  local target = targets[(math.floor(n / #tokens) % #targets) + 1]
  local method = (math.floor(n / (#tokens * #targets)) % 2 == 0) and "PUT" or "DELETE"
  return wrk.format(method, "/api/comments/" .. target .. "/vote", { ["X-Caucus-Voter"] = token })
end`);
    results.server.votes = wrk(server.origin, 32, voteScript);
    const postScript = path.join(dir, "post.lua");
    writeFileSync(postScript, `
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = ${JSON.stringify(JSON.stringify({ body: "A benchmark comment with *some* Markdown and a [link](https://example.org/)." }))}
wrk.path = "/api/threads/bench-posts/comments"`);
    results.server.comments = wrk(server.origin + "/api/threads/bench-posts/comments", 32, postScript);
    rmSync(dir, { recursive: true, force: true });
  } finally {
    server.stop();
    host.stop();
  }
  results.sizes = sizes();
  report(results);
}

function report(r) {
  const big = r.pages[SIZES.at(-1)];
  const rows = [];
  const row = (metric, value, budget, ok) => rows.push(`| ${metric} | ${value} | ${budget} | ${ok === undefined ? "" : ok ? "ok" : "**over**"} |`);
  for (const n of SIZES) {
    const p = r.pages[n];
    row(`first comment visible, N = ${n}, after the wasm is ready`, ms(p.firstAfterReady), n === 5000 ? "< 150 ms" : "", n === 5000 ? p.firstAfterReady < 150 : undefined);
    row(`first comment visible, N = ${n}, from navigation`, ms(p.firstFromNav), "", undefined);
    row(`whole thread in the DOM (live, or text one scroll from live), N = ${n}, from navigation`, ms(p.allFromNav), n === 5000 ? "< 1 s" : "", n === 5000 ? p.allFromNav < 1000 : undefined);
    row(`JS heap + wasm memory, N = ${n}`, `${mib(p.heap + p.wasm)} (heap ${mib(p.heap)}, wasm ${mib(p.wasm)})`, n === 5000 ? "< 30 MiB" : "", n === 5000 ? p.heap + p.wasm < 30 * 1048576 : undefined);
    row(`scroll to a deep comment → its block live, N = ${n}`, ms(p.liveAfter), "", undefined);
    row(`vote click → tally changed, N = ${n}`, ms(p.vote), n === 5000 ? "< 16 ms" : "", n === 5000 ? p.vote < 16 : undefined);
  }
  const s = r.sizes;
  row("eager bytes (embed.js), gzip / brotli", `${s.eagerGzip} B / ${s.eagerBrotli} B`, "< 2 KB gzip", s.eagerGzip < 2048);
  row("lazy bytes (glue + wasm + css), gzip", kib(s.lazyGzip), "≤ 85 KB", s.lazyGzip <= 85 * 1024);
  row("lazy bytes (glue + wasm + css), brotli", kib(s.lazyBrotli), "≤ 70 KB", s.lazyBrotli <= 70 * 1024);
  const sv = r.server;
  row(`GET thread N = ${sv.readN}, 1 connection`, `${sv.read1.rps.toFixed(0)} req/s, p50 ${ms(sv.read1.p50)}, p99 ${ms(sv.read1.p99)}`, "", undefined);
  row(`GET thread N = ${sv.readN}, 32 connections`, `${sv.read32.rps.toFixed(0)} req/s, p50 ${ms(sv.read32.p50)}, p99 ${ms(sv.read32.p99)}`, "≥ 3,000 req/s", sv.read32.rps >= 3000);
  const rv = sv.readAfterVote;
  row(`GET thread N = ${SIZES.at(-1)} just after a vote in it (what the first reader after a change waits for)`, `${ms(rv.ms)} (${kib(rv.bytes)} ${rv.coding})`, "", undefined);
  row("matching If-None-Match", String(sv.notModified), "304", sv.notModified === 304);
  row("votes/s (SQLite, limits off, 32 connections)", `${sv.votes.rps.toFixed(0)}, p50 ${ms(sv.votes.p50)}, p99 ${ms(sv.votes.p99)}${sv.votes.non2xx ? `, ${sv.votes.non2xx} non-2xx` : ""}`, "≥ 5,000", sv.votes.rps >= 5000);
  row("comments/s (SQLite, limits off, 32 connections)", `${sv.comments.rps.toFixed(0)}, p50 ${ms(sv.comments.p50)}, p99 ${ms(sv.comments.p99)}${sv.comments.non2xx ? `, ${sv.comments.non2xx} non-2xx` : ""}`, "", undefined);

  const chromiumVersion = (() => { try { return execFileSync("/usr/bin/chromium", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); } catch { return "?"; } })();
  const date = new Date().toISOString().slice(0, 10);
  const text = `# Caucus benchmark, ${date}

Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${mib(totalmem())} RAM; ${chromiumVersion}, headless.
Medians of ${RUNS} page loads per size; server figures from wrk over ${SECONDS} s. Release server
(\`--rate-limits off\`, fresh SQLite file), release widget (\`scripts/build-widget.sh\`), host
page on another origin. Blocks of the list near the viewport are live; the others hold their
comments as text until scrolled near (components/block.rs): "whole thread in the DOM" is when
the last comment is there, live or as text. Loading the threads through the API took
${SIZES.map((n) => `${(r.pages[n].loadedIn / 1000).toFixed(1)} s for ${n}`).join(", ")}.

| metric | measured | budget | |
| --- | --- | --- | --- |
${rows.join("\n")}
`;
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  const out = path.join(ROOT, "bench/results", `${date}.md`);
  writeFileSync(out, text);
  console.log(text);
  log(`written to ${path.relative(ROOT, out)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
