// One page load of a big thread under Chromium's CPU profiler: which functions take the time
// between navigation and the first comment (or every comment) being in the DOM. Run it with
// `bench/profile`, which builds a widget that keeps its function names.
//
//   node bench/profile.mjs --assets target/dist-profile [--size 5000] [--until first|all]
//
// Prints the functions with the most self time (wasm functions by their Rust names, the
// browser's own work as "(program)", "(garbage collector)", and the DOM calls by name), and
// the time from the widget being ready to the moment asked for.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generate, load } from "./thread.mjs";
import { ROOT, parseArgs, startServer, startHost, launchChromium } from "./harness.mjs";

const args = parseArgs();
const SIZE = Number(args.size || 5000);
const UNTIL = args.until || "first";
const assets = path.resolve(ROOT, args.assets || "target/dist-profile");

const server = await startServer(assets);
const host = await startHost(server.origin);
try {
  const slug = `profile-${SIZE}`;
  console.error(`[profile] loading a thread of ${SIZE} through the API`);
  await load(server.origin, slug, generate(SIZE));
  // Read once, as most page loads find it: in the server's cache (the first read after a
  // start builds the thread's JSON and compresses it, which is the server's time, not the
  // widget's).
  await (await fetch(`${server.origin}/api/threads/${slug}`)).arrayBuffer();
  const browser = await launchChromium();
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const tracePath = path.join(ROOT, "target", "profile-trace.json");
  await browser.startTracing(page, { path: tracePath, categories: ["toplevel", "devtools.timeline", "v8", "blink.user_timing", "loading", "netlog"] });
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
  await cdp.send("Profiler.start");
  await page.goto(`${host.origin}/?thread=${slug}`, { waitUntil: "commit" });
  const selector = UNTIL === "all" ? "[data-caucus-comment], [data-caucus-dormant]" : "[data-caucus-comment]";
  const want = UNTIL === "all" ? SIZE * 0.9 : 1;
  const done = await page.waitForFunction(({ selector, want }) => {
    const root = document.querySelector("#thread")?.shadowRoot;
    return root && root.querySelectorAll(selector).length >= want ? performance.now() : false;
  }, { selector, want }, { polling: "raf", timeout: 120000 });
  const at = await done.jsonValue();
  const { profile } = await cdp.send("Profiler.stop");
  // For DevTools (Performance panel: load profile) and for a closer look.
  writeFileSync(path.join(ROOT, "target", "profile.cpuprofile"), JSON.stringify(profile));
  const ready = await page.evaluate(() => performance.getEntriesByName("caucus:ready")[0]?.startTime ?? NaN);
  await browser.stopTracing();
  await browser.close();

  // Self time per function, from the samples.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const start = profile.startTime;
  let t = start;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i];
    const node = byId.get(id);
    const f = node.callFrame;
    const name = `${f.functionName || "(anonymous)"}${f.url ? ` ${path.basename(f.url)}` : ""}`;
    self.set(name, (self.get(name) || 0) + profile.timeDeltas[i] / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  // Total time per function: each sample counts once for every function on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const inclusive = new Map();
  profile.samples.forEach((id, i) => {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at).callFrame;
      const name = `${f.functionName || "(anonymous)"}${f.url ? ` ${path.basename(f.url)}` : ""}`;
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) || 0) + profile.timeDeltas[i] / 1000);
    }
  });
  console.log(`ready at ${ready.toFixed(0)} ms, ${UNTIL === "all" ? "every comment" : "first comment"} at ${at.toFixed(0)} ms (${(at - ready).toFixed(0)} ms after ready); ${total.toFixed(0)} ms profiled`);
  for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top || 40))) {
    console.log(`${ms.toFixed(1).padStart(8)} ms  ${name.slice(0, 150)}`);
  }
  console.log("\nby total time (with what they call):");
  for (const [name, ms] of [...inclusive].filter(([n]) => n !== "(root)").sort((a, b) => b[1] - a[1]).slice(0, Number(args.top || 40))) {
    console.log(`${ms.toFixed(1).padStart(8)} ms  ${name.slice(0, 150)}`);
  }
  // The page's main thread, from the trace: each task of 5 ms or more between the widget
  // being ready and the moment asked for, with the work it did (its longest inner events).
  const { traceEvents } = JSON.parse(readFileSync(tracePath, "utf8"));
  const main = traceEvents.find((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain");
  const onMain = traceEvents.filter((e) => e.ph === "X" && e.dur && main && e.pid === main.pid && e.tid === main.tid);
  const mark = traceEvents.find((e) => e.name === "caucus:ready");
  if (mark) {
    // ts of the mark is `ready` ms after the time origin.
    const origin = mark.ts - ready * 1000;
    const rel = (ts) => (ts - origin) / 1000;
    console.log("\nmain-thread tasks of 5 ms or more after ready (ms from navigation):");
    for (const task of onMain.filter((e) => (e.name === "RunTask" || e.name === "ThreadControllerImpl::RunTask") && e.dur >= 5000 && rel(e.ts) >= ready - 1 && rel(e.ts) <= at)) {
      const inner = onMain
        .filter((e) => e !== task && !e.name.endsWith("RunTask") && e.ts >= task.ts && e.ts + e.dur <= task.ts + task.dur)
        .sort((x, y) => y.dur - x.dur);
      const kinds = new Map();
      for (const e of inner) if (["ParseHTML", "Layout", "UpdateLayoutTree", "FunctionCall", "TimerFire", "EvaluateScript", "Paint", "PrePaint", "ResourceReceivedData", "ResourceFinish", "v8.compile", "GCEvent", "MajorGC", "MinorGC", "HitTest", "FireAnimationFrame", "IntersectionObserverController::computeIntersections"].includes(e.name)) kinds.set(e.name, (kinds.get(e.name) || 0) + e.dur / 1000);
      console.log(`${rel(task.ts).toFixed(0).padStart(6)} +${(task.dur / 1000).toFixed(1).padStart(6)} ms  ${[...kinds].map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}`);
    }
  }
} finally {
  server.stop();
  host.stop();
}
