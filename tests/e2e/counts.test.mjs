// A blog's index page: no thread on it, only "12 comments" next to each post. embed.js fills
// every count from one request, without loading the widget itself.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, startServer, startHostPage, launchBrowser, watchErrors } from "./harness.mjs";

const fixture = JSON.parse(readFileSync(path.join(ROOT, "server/fixtures/our-man-in-libya.json"), "utf8"));
let server, host, browser;

before(async () => {
  server = await startServer();
  // One comment in a second thread, through the API as the widget would post it.
  const posted = await fetch(`${server.origin}/api/threads/blog%2Fone-comment/comments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ body: "the only one" }),
  });
  assert.equal(posted.status, 201);
  host = await startHostPage(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A blog index</title></head>
<body>
  <h2>Our Man in Libya</h2><p><a href="#">Read</a> · <span id="libya" data-caucus-count="our-man-in-libya"></span></p>
  <h2>Again</h2><p><span id="libya-again" data-caucus-count="our-man-in-libya">…</span></p>
  <h2>One</h2><p><span id="one" data-caucus-count="blog/one-comment"></span></p>
  <h2>New</h2><p><span id="none" data-caucus-count="not-yet-commented">no count</span></p>
  <script src="${server.origin}/widget/embed.js" defer></script>
</body></html>`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

test("an index page gets every count from one request, as text", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(host.origin);
  await page.locator("#none").getByText("0 comments").waitFor();

  const n = fixture.comments.length;
  assert.equal(await page.locator("#libya").textContent(), `${n} comments`);
  assert.equal(await page.locator("#libya-again").textContent(), `${n} comments`);
  assert.equal(await page.locator("#one").textContent(), "1 comment");
  assert.equal(await page.locator("#none").textContent(), "0 comments");

  const counts = requests.filter((url) => url.includes("/api/counts"));
  assert.equal(counts.length, 1, counts.join("\n"));
  const asked = new URL(counts[0]).searchParams.getAll("slug");
  assert.deepEqual(asked, ["our-man-in-libya", "blog/one-comment", "not-yet-commented"]);
  // No thread on the page: the widget itself is never loaded.
  assert.ok(!requests.some((url) => url.includes("caucus_bg.wasm")), requests.join("\n"));
  assert.deepEqual(errors, []);
  await page.close();
});
