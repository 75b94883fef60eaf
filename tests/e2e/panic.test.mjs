// A Rust panic in one widget (issue 6). All widgets of a page share one wasm instance, and a
// panic leaves it dead (wasm32 aborts; Yew's scheduler stays stopped). The panic hook shows a
// message, and embed.js mounts every widget again, each in a fresh instance of its own: the
// widgets that did not panic work again, the one that panics again shows the message.
//
// Needs the widget built with the test-only feature that makes a thread element with the slug
// "panic-in-render" panic while rendering (scripts/test builds it into target/dist-panic).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { ROOT, startServer, startHostPage, launchBrowser } from "./harness.mjs";

const ASSETS = path.join(ROOT, "target", "dist-panic");
let server, host, browser;

before(async () => {
  assert.ok(existsSync(path.join(ASSETS, "caucus_bg.wasm")), "build it: scripts/build-widget.sh target/dist-panic --features panic-trigger");
  server = await startServer({ assets: ASSETS });
  host = await startHostPage(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host page</title><link rel="icon" href="data:,"></head>
<body>
  <div id="before" data-caucus-thread="our-man-in-libya"></div>
  <div id="broken" data-caucus-thread="panic-in-render"></div>
  <div id="after" data-caucus-thread="an-empty-thread"></div>
  <script src="${server.origin}/widget/embed.js" defer></script>
</body></html>`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

test("a panic in one widget breaks only that widget", async () => {
  const page = await (await browser.newContext()).newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(host.origin);

  const broken = page.locator("#broken [data-caucus-broken]");
  await broken.waitFor();
  assert.match(await broken.innerText(), /Something went wrong in the comments/);

  // The others run again, each in its own instance, and work.
  const before = page.locator("#before");
  await before.locator("[data-caucus-comment]").first().waitFor();
  await page.locator("#after [data-caucus-thread-vote]").waitFor();
  const vote = before.locator("[data-caucus-thread-vote]");
  await vote.click();
  await before.locator("[data-caucus-thread-tally]", { hasText: "1 user has voted." }).waitFor();
  const collapse = before.locator("[data-caucus-collapse]").first();
  await collapse.click();
  assert.equal(await collapse.getAttribute("aria-expanded"), "false");
  await page.locator("#after [data-caucus-thread-vote]").click();
  await page.locator("#after [data-caucus-thread-tally]", { hasText: "1 user has voted." }).waitFor();
  // The broken one still says so; nothing is blank.
  assert.match(await broken.innerText(), /Something went wrong/);
  assert.equal(await page.locator("#before [data-caucus-broken], #after [data-caucus-broken]").count(), 0);
  // A widget added later is mounted too, in an instance of its own.
  await page.evaluate(() => {
    const el = document.createElement("div");
    el.id = "later";
    el.setAttribute("data-caucus-thread", "our-man-in-libya");
    document.body.appendChild(el);
    return window.caucus.mount();
  });
  await page.locator("#later [data-caucus-comment]").first().waitFor();
  // The only page errors are the dead instances' aborts ("unreachable"), one per panic.
  assert.ok(pageErrors.length >= 1, "the panic happened");
  for (const e of pageErrors) assert.match(e, /unreachable/);
});
