// The scaling benchmark: the release server on SQLite and on PostgreSQL, one instance and two
// on one database, and a thousand live subscribers on one thread. Run it with `bench/scale`
// (which installs, builds and starts a throwaway PostgreSQL cluster, then passes its URL in
// CAUCUS_SCALE_POSTGRES); it prints a table and writes bench/results/<date>-scale.md.
//
//   node bench/scale.mjs [--seconds 5] [--connections 32] [--subscribers 1000] [--events 20]
//
// Everything listens on 127.0.0.1, every loop is bounded, and every server it starts is killed
// on the way out (also on an error or Ctrl-C).
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync, mkdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:http";
import { tmpdir, cpus, totalmem, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const SECONDS = Number(args.seconds || 5);
const CONNECTIONS = Number(args.connections || 32);
const SUBSCRIBERS = Number(args.subscribers || 1000);
const EVENTS = Number(args.events || 20);
const PG = process.env.CAUCUS_SCALE_POSTGRES;
// The cluster's log, where PostgreSQL reports every deadlock it broke (bench/scale passes it).
const PG_LOG = process.env.CAUCUS_SCALE_POSTGRES_LOG;
const deadlocks = () => {
  try {
    return readFileSync(PG_LOG, "utf8").split("ERROR:  deadlock detected").length - 1;
  } catch {
    return NaN;
  }
};
if (!PG) {
  console.error("CAUCUS_SCALE_POSTGRES is not set: run bench/scale, which starts a PostgreSQL cluster");
  process.exit(2);
}
// The vote load: every request a PUT of a (voter, comment) pair no other request uses, so each
// 200 is one new vote and the tally to expect is known.
const VOTERS = 2000;
const TARGETS = 500;
// Every write moves its thread's version (a row every vote in the thread updates): the same
// number of comments spread over this many threads shows what that costs.
const SPREAD = 50;
const WRK_THREADS = 2;
const SLOT = (VOTERS * TARGETS) / 4; // pairs per wrk thread: two processes of two threads
const EVENT_WAIT_MS = 5000; // how long a probe comment may take to reach every subscriber
const EVENT_GAP_MS = 250; // between probe comments
const QUIET_LIMIT_MS = 60000; // how long the servers may take to answer writes again after a load

const log = (...a) => console.error("[scale]", ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : "–");
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN;
};

// Every child and temporary directory, killed and removed however the script ends.
const children = new Set();
const temporaries = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of temporaries) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));
const tempDir = (name) => {
  const dir = mkdtempSync(path.join(tmpdir(), name));
  temporaries.add(dir);
  return dir;
};

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A release server on `db` (a SQLite path or a PostgreSQL URL), limits off. */
async function startServer(db) {
  const port = await freePort();
  const assets = tempDir("caucus-scale-assets-");
  const child = spawn(
    path.join(ROOT, "target/release/caucus-server"),
    ["--addr", `127.0.0.1:${port}`, "--db", db, "--assets", assets, "--rate-limits", "off"],
    { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, RUST_LOG: "error" } },
  );
  children.add(child);
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch {}
    if (i === 200 || child.exitCode !== null) throw new Error(`the server on ${db} did not start`);
    await sleep(50);
  }
  return {
    origin,
    pid: child.pid,
    stop: () => {
      child.kill("SIGKILL");
      children.delete(child);
    },
  };
}

/** A database for one run: a fresh SQLite file, or a fresh database on the cluster. */
let databases = 0;
function freshDatabase(kind) {
  if (kind === "sqlite") {
    const file = path.join(tempDir("caucus-scale-"), "bench.db");
    return { kind, url: file, sql: (q) => execFileSync("sqlite3", [file, q], { encoding: "utf8" }).trim() };
  }
  const name = `caucus_scale_${process.pid}_${++databases}`;
  execFileSync("psql", [PG, "-v", "ON_ERROR_STOP=1", "-qAtc", `CREATE DATABASE ${name}`]);
  const url = new URL(PG);
  url.pathname = `/${name}`;
  return { kind, url: url.href, sql: (q) => execFileSync("psql", [url.href, "-v", "ON_ERROR_STOP=1", "-qAtc", q], { encoding: "utf8" }).trim() };
}

async function mustJson(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** `n` jobs, `concurrency` at a time. */
async function pool(n, concurrency, job) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await job(i);
    }
  }));
  return out;
}

/** The vote targets (TARGETS comments in thread bench-votes, and as many again spread over
 *  SPREAD threads bench-spread-N) and the voter tokens. */
async function seed(origin) {
  const post = (slug, i) => async () => (await mustJson(await fetch(`${origin}/api/threads/${slug}/comments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ body: `Vote target ${i}.` }),
  }), 201, "posting a vote target")).comment.id;
  const targets = await pool(TARGETS, 8, (i) => post("bench-votes", i)());
  const spread = await pool(TARGETS, 8, (i) => post(`bench-spread-${i % SPREAD}`, i)());
  const tokens = await pool(VOTERS, 8, async () => (await mustJson(await fetch(`${origin}/api/voters`, { method: "POST" }), 201, "a voter token")).voter);
  return { targets, spread, tokens };
}

function wrkScripts(dir, { targets, spread, tokens }) {
  // Thread t of process p uses the pairs [slot * SLOT, (slot + 1) * SLOT), slot = p * 2 + t.
  const voteScript = (file, targets) => {
    writeFileSync(file, `
local tokens = {${tokens.map((t) => JSON.stringify(t)).join(",")}}
local targets = {${targets.join(",")}}
local threads = 0
function setup(thread)
  thread:set("slot_in_process", threads)
  threads = threads + 1
end
local base = 0
local n = 0
function init(args)
  base = ((tonumber(args[1]) or 0) * ${WRK_THREADS} + slot_in_process) * ${SLOT}
end
request = function()
  local p = base + (n % ${SLOT})
  n = n + 1
  -- Consecutive requests go to different comments (and so, spread, to different threads).
  local target = targets[(p % #targets) + 1]
  local token = tokens[(math.floor(p / #targets) % #tokens) + 1]
  return wrk.format("PUT", "/api/comments/" .. target .. "/vote", { ["X-Caucus-Voter"] = token })
end`);
    return file;
  };
  const votes = voteScript(path.join(dir, "votes.lua"), targets);
  const spreadVotes = voteScript(path.join(dir, "spread.lua"), spread);
  const comments = path.join(dir, "comments.lua");
  writeFileSync(comments, `
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = ${JSON.stringify(JSON.stringify({ body: "A benchmark comment with *some* Markdown and a [link](https://example.org/)." }))}
wrk.path = "/api/threads/bench-posts/comments"`);
  return { votes, spreadVotes, comments };
}

/** One wrk run, asynchronously (two run side by side). */
function wrk(origin, connections, script, process = 0) {
  const argv = ["-t", String(Math.min(WRK_THREADS, connections)), "-c", String(connections), "-d", `${SECONDS}s`, "--latency", "-s", script, origin, "--", String(process)];
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", argv, { stdio: ["ignore", "pipe", "inherit"] });
    children.add(child);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      children.delete(child);
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${out}`));
      const unit = (v, u) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[u] ?? 1);
      const pct = (p) => {
        const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
        return m ? unit(m[1], m[2]) : NaN;
      };
      const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] || 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      resolve({
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
        p50: pct(50),
        p99: pct(99),
        requests,
        ok: requests - non2xx,
        non2xx,
        socketErrors: socket ? socket.slice(1).reduce((s, x) => s + Number(x), 0) : 0,
      });
    });
  });
}

/** wrk against every server at once, the connections split between them; summed. */
async function load(servers, script) {
  const share = CONNECTIONS / servers.length;
  const runs = await Promise.all(servers.map((s, i) => wrk(s.origin, share, script, i)));
  return {
    runs,
    rps: runs.reduce((s, r) => s + r.rps, 0),
    ok: runs.reduce((s, r) => s + r.ok, 0),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
    socketErrors: runs.reduce((s, r) => s + r.socketErrors, 0),
  };
}

async function readThread(origin, slug) {
  return mustJson(await fetch(`${origin}/api/threads/${slug}`), 200, `reading ${slug}`);
}

/**
 * Votes/s and comments/s on `servers` (all on one database), then whether the tallies are
 * exact: the vote rows in the database, the tallies every instance's API shows, and the votes
 * wrk saw answered 200 (each a new pair) must agree; in-flight requests when wrk stops may have
 * been counted without wrk seeing the answer, at most one per connection.
 */
async function throughput(servers, db) {
  const seeded = await seed(servers[0].origin);
  const dir = tempDir("caucus-scale-wrk-");
  const scripts = wrkScripts(dir, seeded);
  // Each phase's deadlocks, counted once the requests still in flight when wrk stopped are
  // done: every instance answers a write again within 250 ms (a vote for the page of a thread
  // of its own, which no tally below counts), waited for up to QUIET_LIMIT_MS.
  const quietToken = seeded.tokens[0];
  let quietVotes = 0;
  const quiet = async () => {
    const start = performance.now();
    for (const s of servers) {
      while (performance.now() - start < QUIET_LIMIT_MS) {
        const t = performance.now();
        const method = quietVotes++ % 2 ? "DELETE" : "PUT";
        const res = await fetch(`${s.origin}/api/threads/bench-quiet/vote`, { method, headers: { "x-caucus-voter": quietToken }, signal: AbortSignal.timeout(QUIET_LIMIT_MS) }).catch(() => null);
        await res?.arrayBuffer();
        if (res?.ok && performance.now() - t < 250) break;
      }
    }
    return performance.now() - start;
  };
  const phase = async (script) => {
    const before = deadlocks();
    const result = await load(servers, script);
    result.drainMs = await quiet();
    await sleep(1100);
    result.deadlocks = db.kind === "postgres" ? deadlocks() - before : undefined;
    return result;
  };
  log(`  votes/s, ${CONNECTIONS} connections over ${servers.length} instance(s)`);
  const votes = await phase(scripts.votes);
  log(`  votes/s over ${SPREAD} threads`);
  const spread = await phase(scripts.spreadVotes);
  log(`  comments/s`);
  const comments = await phase(scripts.comments);

  const rows = Number(db.sql("SELECT COUNT(*) FROM comment_votes"));
  const tallies = [];
  const posted = [];
  for (const s of servers) {
    let tally = 0;
    for (const slug of ["bench-votes", ...Array.from({ length: SPREAD }, (_, i) => `bench-spread-${i}`)]) {
      tally += (await readThread(s.origin, slug)).comments.reduce((sum, c) => sum + c.votes, 0);
    }
    tallies.push(tally);
    posted.push((await readThread(s.origin, "bench-posts")).comments.length);
  }
  const commentRows = Number(db.sql("SELECT COUNT(*) FROM comments c JOIN threads t ON t.id = c.thread_id WHERE t.slug = 'bench-posts'"));
  const inFlight = CONNECTIONS;
  const check = {
    rows,
    tallies,
    votesOk: votes.ok + spread.ok,
    commentRows,
    posted,
    commentsOk: comments.ok,
    exact:
      tallies.every((t) => t === rows) &&
      rows >= votes.ok + spread.ok && rows <= votes.ok + spread.ok + 2 * inFlight &&
      posted.every((p) => p === commentRows) &&
      commentRows >= comments.ok && commentRows <= comments.ok + inFlight &&
      votes.non2xx === 0 && spread.non2xx === 0 && comments.non2xx === 0,
  };
  return { votes, spread, comments, check };
}

/** One SSE subscriber; resolves once the answer's head came (the server has subscribed it). */
function subscribe(origin, slug, agent, sub) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${origin}/api/threads/${slug}/events`, { agent, headers: { accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`subscribing: ${res.statusCode}`));
      }
      res.setEncoding("utf8");
      let buffer = "";
      res.on("data", (chunk) => {
        const now = performance.now();
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const probe = /scaleprobe(\d+)x/.exec(block);
          if (probe && !sub.got.has(Number(probe[1]))) sub.got.set(Number(probe[1]), now);
        }
      });
      res.on("close", () => (sub.closed = true));
      res.on("error", () => {}); // destroyed at the end: "aborted"
      resolve();
    });
    req.on("error", (e) => (sub.closed ? undefined : reject(e)));
    sub.req = req;
  });
}

function rss(pid) {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
  } catch {
    return NaN;
  }
}

/**
 * SUBSCRIBERS readers of one thread, spread over `servers` in turn; EVENTS comments posted
 * to the first server, one at a time: for each subscriber, the time from a POST being sent to
 * its event arriving.
 */
async function live(servers) {
  const slug = "bench-live";
  await mustJson(await fetch(`${servers[0].origin}/api/threads/${slug}/comments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ body: "The thread the subscribers watch." }),
  }), 201, "starting the live thread");
  const agent = new http.Agent({ keepAlive: false, maxSockets: SUBSCRIBERS + 10 });
  const subs = Array.from({ length: SUBSCRIBERS }, (_, i) => ({ server: i % servers.length, got: new Map(), closed: false }));
  const connectStart = performance.now();
  log(`  connecting ${SUBSCRIBERS} subscribers`);
  await pool(SUBSCRIBERS, 50, (i) => subscribe(servers[subs[i].server].origin, slug, agent, subs[i]));
  const connectMs = performance.now() - connectStart;
  await sleep(200);
  const memory = servers.map((s) => rss(s.pid));
  const sentAt = [];
  try {
    for (let k = 1; k <= EVENTS; k++) {
      sentAt[k] = performance.now();
      await mustJson(await fetch(`${servers[0].origin}/api/threads/${slug}/comments`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ body: `Live probe scaleprobe${k}x.` }),
      }), 201, "posting a probe");
      const deadline = sentAt[k] + EVENT_WAIT_MS;
      while (performance.now() < deadline && !subs.every((s) => s.got.has(k))) await sleep(5);
      await sleep(EVENT_GAP_MS);
    }
  } finally {
    for (const s of subs) s.req?.destroy();
    agent.destroy();
  }
  const latencies = (which) => subs.filter(which).flatMap((s) => [...s.got].map(([k, t]) => t - sentAt[k]));
  const summary = (which) => {
    const xs = latencies(which);
    const chosen = subs.filter(which);
    return {
      subscribers: chosen.length,
      complete: chosen.filter((s) => s.got.size === EVENTS).length,
      missed: chosen.reduce((n, s) => n + EVENTS - s.got.size, 0),
      closed: chosen.filter((s) => s.closed && s.got.size < EVENTS).length,
      p50: quantile(xs, 0.5),
      p99: quantile(xs, 0.99),
      max: xs.length ? Math.max(...xs) : NaN,
    };
  };
  return {
    connectMs,
    memory,
    all: summary(() => true),
    perServer: servers.map((_, i) => summary((s) => s.server === i)),
  };
}

async function main() {
  const results = { loadBefore: loadavg() };
  const pgVersion = execFileSync("psql", [PG, "-qAtc", "SHOW server_version"], { encoding: "utf8" }).trim();
  const pgFsync = execFileSync("psql", [PG, "-qAtc", "SHOW fsync"], { encoding: "utf8" }).trim();
  const pgSync = execFileSync("psql", [PG, "-qAtc", "SHOW synchronous_commit"], { encoding: "utf8" }).trim();

  log("SQLite, one instance");
  {
    const db = freshDatabase("sqlite");
    const server = await startServer(db.url);
    try {
      results.sqlite = await throughput([server], db);
      log(`  live: ${SUBSCRIBERS} subscribers`);
      results.sqliteLive = await live([server]);
    } finally {
      server.stop();
    }
  }
  log("PostgreSQL, one instance");
  {
    const db = freshDatabase("postgres");
    const server = await startServer(db.url);
    try {
      results.pg = await throughput([server], db);
    } finally {
      server.stop();
    }
  }
  log("PostgreSQL, two instances on one database");
  {
    const db = freshDatabase("postgres");
    // One after the other: the first creates the schema.
    const a = await startServer(db.url);
    const b = await startServer(db.url);
    try {
      results.pg2 = await throughput([a, b], db);
      log(`  live: ${SUBSCRIBERS} subscribers over both, comments posted to the first`);
      results.pg2Live = await live([a, b]);
    } finally {
      a.stop();
      b.stop();
    }
  }
  results.loadAfter = loadavg();
  report(results, { pgVersion, pgFsync, pgSync });
}

function report(r, pg) {
  const rate = (t) => {
    const one = t.runs.length === 1;
    const lat = (f) => t.runs.map((x) => ms(x[f])).join(" / ");
    const errors = t.non2xx || t.socketErrors ? `, **${t.non2xx} non-2xx, ${t.socketErrors} socket errors**` : "";
    const locked = t.deadlocks ? `, **${t.deadlocks} deadlocks** broken by PostgreSQL` : "";
    const drain = t.drainMs > 1000 ? `, **writes answered again ${(t.drainMs / 1000).toFixed(1)} s after wrk stopped**` : "";
    return `${t.rps.toFixed(0)}/s${one ? "" : ` (${t.runs.map((x) => x.rps.toFixed(0)).join(" + ")})`}, p50 ${lat("p50")}, p99 ${lat("p99")}${errors}${locked}${drain}`;
  };
  const exact = (c) =>
    `${c.exact ? "exact" : "**NOT EXACT**"}: ${c.rows} vote rows, API tally ${c.tallies.join(" / ")}, ${c.votesOk} answered 200; ` +
    `${c.commentRows} comment rows, API shows ${c.posted.join(" / ")}, ${c.commentsOk} answered 201`;
  const liveCell = (l) => {
    const s = (x) => `p50 ${ms(x.p50)}, p99 ${ms(x.p99)}, max ${ms(x.max)}; ${x.complete}/${x.subscribers} got all ${EVENTS}${x.missed ? ` (**${x.missed} events missed**)` : ""}`;
    return s(l.all);
  };
  const mib = (x) => `${(x / 1048576).toFixed(0)} MiB`;
  const rows = [
    ["votes/s, " + CONNECTIONS + " connections, one thread", rate(r.sqlite.votes), rate(r.pg.votes), rate(r.pg2.votes)],
    [`votes/s, ${CONNECTIONS} connections, ${SPREAD} threads`, rate(r.sqlite.spread), rate(r.pg.spread), rate(r.pg2.spread)],
    ["comments/s, " + CONNECTIONS + " connections, one thread", rate(r.sqlite.comments), rate(r.pg.comments), rate(r.pg2.comments)],
    ["tallies after the load", exact(r.sqlite.check), exact(r.pg.check), exact(r.pg2.check)],
    [`${SUBSCRIBERS} SSE subscribers, ${EVENTS} comments: POST sent → event`, liveCell(r.sqliteLive), "", liveCell(r.pg2Live)],
    ["… on the instance posted to / on the other (LISTEN/NOTIFY)", "", "",
      r.pg2Live.perServer.map((x) => `p50 ${ms(x.p50)}, p99 ${ms(x.p99)}, max ${ms(x.max)}, ${x.complete}/${x.subscribers} complete`).join(" / ")],
    [`${SUBSCRIBERS} subscribers connected in; server RSS with them`,
      `${(r.sqliteLive.connectMs / 1000).toFixed(2)} s; ${r.sqliteLive.memory.map(mib).join(" / ")}`, "",
      `${(r.pg2Live.connectMs / 1000).toFixed(2)} s; ${r.pg2Live.memory.map(mib).join(" / ")}`],
  ];
  const table = [
    "| | SQLite, 1 instance | PostgreSQL, 1 instance | PostgreSQL, 2 instances (summed; per instance a / b) |",
    "| --- | --- | --- | --- |",
    ...rows.map((cells) => `| ${cells.join(" | ")} |`),
  ].join("\n");
  const wrkVersion = (() => { try { return execFileSync("wrk", ["-v"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).split(" Copyright")[0].trim(); } catch (e) { return String(e.stdout || "?").split(" Copyright")[0].trim(); } })();
  const date = new Date().toISOString().slice(0, 10);
  const load = (l) => l.map((x) => x.toFixed(2)).join(", ");
  const text = `# Caucus scaling benchmark, ${date}

Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 1048576).toFixed(0)} MiB RAM; ${wrkVersion};
PostgreSQL ${pg.pgVersion} (a throwaway cluster on 127.0.0.1, fsync ${pg.pgFsync}, synchronous_commit
${pg.pgSync}; SQLite runs WAL with synchronous=FULL). Load average ${load(r.loadBefore)} before,
${load(r.loadAfter)} after: **the machine was busy** (another full test suite ran on its
${cpus().length} cores meanwhile), and the server, PostgreSQL, wrk and the subscribers all share
them, so these figures are noisy and low; compare the columns, not the absolute numbers.

Release server, \`--rate-limits off\`, a fresh SQLite file or PostgreSQL database per column. wrk
runs ${SECONDS} s with ${CONNECTIONS} connections (two threads); with two instances, two wrk
processes at once, ${CONNECTIONS / 2} connections each, their rates summed. Every vote is a PUT of a
(voter, comment) pair no other request uses (${VOTERS} voters × ${TARGETS} comments), so each 200
is one new vote: first on ${TARGETS} comments of one thread (every vote in a thread moves that
thread's version, one row), then on ${TARGETS} comments spread over ${SPREAD} threads. "Exact": the vote rows in the database, the tally every instance's API shows,
and the 200s wrk saw agree (the rows may exceed the 200s by the requests in flight when wrk
stopped, at most one per connection), and likewise for comments. Deadlocks: the ones
PostgreSQL's log reports during a phase (it breaks one after \`deadlock_timeout\`, 1 s; the
server tries a vote that lost one again, up to 3 times), shown where there were any; after each
phase the script waits until every instance answers a write within 250 ms again (shown where
that took over a second), so a phase does not measure the last one's backlog. Live: ${SUBSCRIBERS} subscribers of
one thread (\`GET /api/threads/{slug}/events\`), opened with node's \`http\` from one process,
spread evenly over the instances; ${EVENTS} comments posted to the first instance, ${EVENT_GAP_MS} ms apart
after each has arrived everywhere (or ${EVENT_WAIT_MS / 1000} s passed); latency from the POST being sent to
the event arriving at each subscriber, which includes this one node process reading a
thousand sockets.

${table}
`;
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  // The durable cluster is the comparison with SQLite; a run with fsync off is kept apart.
  const out = path.join(ROOT, "bench/results", `${date}-scale${pg.pgFsync === "off" ? "-pg-fsync-off" : ""}.md`);
  writeFileSync(out, text);
  console.log(text);
  log(`written to ${path.relative(ROOT, out)}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
