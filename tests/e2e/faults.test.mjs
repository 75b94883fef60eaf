// The widget against a server that misbehaves (issue 6): a 500 with an HTML page, HTML where
// JSON was expected, JSON cut off by a dropped connection, a server that accepts the request
// and never answers, and a connection reset. Each widget on the page must end in a readable
// message with Retry (never a blank box or an endless "Loading"), the well-behaved widget next
// to them must work, and Retry must recover once the server is fixed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, freePort, launchBrowser } from "./harness.mjs";

const THREAD = (slug) =>
  JSON.stringify({
    thread: { slug, title: null, url: null, votes: 0, viewer_voted: false },
    comments: [
      {
        id: 1, parent_id: null, author: "riverlover", avatar: null, subject: null,
        body_html: `<p>All well in ${slug}.</p>`, created_at: "2016-07-20T14:03:00Z", edited_at: null,
        votes: 0, viewer_voted: false, signature: null, deleted: false,
      },
    ],
  });

const FAULTS = {
  "status-500": { message: /had a problem \(HTTP 500\)/ },
  "html-page": { message: /sent a web page instead of comments/ },
  truncated: { message: /cut off before the end/ },
  stall: { message: /did not answer within 15 seconds/ },
  reset: { message: /Could not reach the comment server/ },
};

let fixed = false;
// How many times each thread was asked for (its events stream aside).
const asked = {};
let site, browser;
const sockets = new Set();

function misbehave(slug, req, res) {
  if (fixed || slug === "good") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(THREAD(slug));
  }
  switch (slug) {
    case "status-500":
      res.writeHead(500, { "content-type": "text/html" });
      return res.end("<!doctype html><h1>500 Internal Server Error</h1><p>nginx</p>");
    case "html-page":
      res.writeHead(200, { "content-type": "text/html" });
      return res.end("<!doctype html><title>Log in</title><form>Please log in</form>");
    case "truncated": {
      const body = THREAD(slug);
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.write(body.slice(0, 60));
      return setTimeout(() => res.socket.destroy(), 50);
    }
    case "stall":
      return; // never answers; the connection stays open
    case "reset":
      return req.socket.resetAndDestroy();
    default:
      res.writeHead(404, { "content-type": "application/json" });
      return res.end('{"error":"not_found","message":"No."}');
  }
}

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm" };

before(async () => {
  const port = await freePort();
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname.startsWith("/widget/")) {
      const file = path.join(ROOT, "dist", path.basename(url.pathname));
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
      return res.end(readFileSync(file));
    }
    if (url.pathname.startsWith("/api/threads/")) {
      const slug = decodeURIComponent(url.pathname.slice("/api/threads/".length));
      if (!slug.includes("/")) asked[slug] = (asked[slug] || 0) + 1;
      return misbehave(decodeURIComponent(url.pathname.slice("/api/threads/".length)), req, res);
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>faults</title>
<link rel="icon" href="data:,"></head><body>
${["good", ...Object.keys(FAULTS)].map((s) => `<section data-caucus-thread="${s}"></section>`).join("\n")}
<script src="/widget/embed.js" defer></script></body></html>`);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  site = { origin: `http://127.0.0.1:${port}`, server };
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const s of sockets) s.destroy();
  await new Promise((r) => site?.server.close(r));
});

test("every fault ends in a readable message with Retry, and Retry recovers", async () => {
  const page = await (await browser.newContext()).newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(site.origin);
  const widget = (slug) => page.locator(`[data-caucus-thread="${slug}"]`);

  await widget("good").locator("article", { hasText: "All well in good." }).waitFor();
  for (const [slug, { message }] of Object.entries(FAULTS)) {
    // The stall ends with the widget's own timeout (15 s), not the browser's.
    const error = widget(slug).locator("[data-caucus-error]");
    await error.waitFor({ timeout: 30_000 });
    assert.match(await error.innerText(), message, slug);
    assert.ok(await error.getByRole("button", { name: "Retry" }).isVisible(), slug);
  }
  // The first four threads were asked for once: the loader asks for them while the widget
  // loads, and the widget takes those answers, failed ones too, rather than asking again.
  // (Not the reset one: the browser itself tries a GET again when its connection is reset.)
  const early = ["good", ...Object.keys(FAULTS)].slice(0, 4);
  assert.deepEqual(Object.fromEntries(early.map((s) => [s, asked[s]])), Object.fromEntries(early.map((s) => [s, 1])));
  // The good widget was never disturbed and still works.
  assert.equal(await widget("good").locator("[data-caucus-comment]").count(), 1);
  await widget("good").locator("[data-caucus-collapse], [data-caucus-reply]").first().click();

  fixed = true;
  for (const slug of Object.keys(FAULTS)) {
    await widget(slug).getByRole("button", { name: "Retry" }).click();
    await widget(slug).locator("article", { hasText: `All well in ${slug}.` }).waitFor();
  }
  assert.deepEqual(pageErrors, []);
});
