// How the widget looks, against the real server: narrow (360 px) and wide (1280 px), long
// unbroken words and URLs, and screenshots of the demo thread compared with the ones kept in
// tests/e2e/screenshots/.
//
// Screenshots are stable because the clock is fixed (relative times do not drift), motion is
// off, and the fonts are the machine's (Debian's Chromium, as in CI). They are compared with
// pixelmatch: a pixel differs when its colour distance is over 0.1 (pixelmatch's threshold,
// anti-aliasing ignored), and a screenshot passes while at most 0.5% of its pixels differ
// (MAX_DIFF_RATIO): room for font hinting, not for a layout change. After an intended change:
//   CAUCUS_UPDATE_SCREENSHOTS=1 node --test tests/e2e/looks.test.mjs
// rewrites them (look at them before committing). A failure writes *-actual.png and
// *-diff.png next to the kept one.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, startServer, startHostPage, launchBrowser, watchErrors } from "./harness.mjs";

const SHOTS = path.join(ROOT, "tests", "e2e", "screenshots");
const OUT = path.join(ROOT, "target", "screenshots");
const MAX_DIFF_RATIO = 0.005;
// A day and a half after the demo thread was written: "1 day ago" on every run.
const NOW = new Date("2016-07-22T04:00:00Z");

const require = createRequire(path.join(ROOT, ".tools", "package.json"));
const { PNG } = require("pngjs");
const pixelmatch = (await import(pathToFileURL(path.join(ROOT, ".tools", "node_modules", "pixelmatch", "index.js")).href)).default;

const LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(4);
const LONG_URL = `https://example.org/${"a-very-long-path-segment/".repeat(8)}?q=${"x".repeat(60)}`;

let server, host, browser;

before(async () => {
  server = await startServer();
  // A thread of awkward comments: long words, a long link.
  const post = (body) =>
    fetch(`${server.origin}/api/threads/awkward/comments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ author: LONG_WORD.slice(0, 60), subject: LONG_WORD.slice(0, 120), body }),
    });
  for (const body of [LONG_WORD, `See <${LONG_URL}>`]) {
    assert.equal((await post(body)).status, 201);
  }
  host = await startHostPage(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>A host page</title><link rel="icon" href="data:,"><style>body { margin: 8px }</style></head>
<body><main><h1>Awkward comments</h1>
<div id="thread" data-caucus-thread="awkward"></div></main>
<script src="${server.origin}/widget/embed.js" defer></script></body></html>`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

test("at 360 px, long words, long URLs and wide images stay inside the widget", async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(host.origin);
  await page.locator("#thread [data-caucus-comment]").first().waitFor();
  // Put a picture wider than the phone into a comment body, as the sanitizer would pass it.
  await page.locator("#thread .caucus-body").last().evaluate((body) => {
    const img = document.createElement("img");
    img.width = 1600;
    img.height = 400;
    img.src = "data:image/svg+xml," + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="400"/>');
    body.append(img);
  });
  const overflow = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    view: window.innerWidth,
    wide: [...document.querySelector("#thread").shadowRoot.querySelectorAll("*")]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .map((el) => el.tagName + "." + el.className),
  }));
  assert.equal(overflow.page, overflow.view, JSON.stringify(overflow));
  assert.deepEqual(overflow.wide, []);
  const img = await page.locator("#thread .caucus-body img").evaluate((el) => el.getBoundingClientRect().width);
  assert.ok(img < 360, `the image is ${img}px wide`);
  await context.close();
});

/** Compares a screenshot with the kept one (or keeps it, when asked to). */
function compare(name, png) {
  const kept = path.join(SHOTS, `${name}.png`);
  if (process.env.CAUCUS_UPDATE_SCREENSHOTS) {
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(kept, png);
    return;
  }
  assert.ok(existsSync(kept), `no kept screenshot ${kept}; run with CAUCUS_UPDATE_SCREENSHOTS=1`);
  const want = PNG.sync.read(readFileSync(kept));
  const got = PNG.sync.read(png);
  mkdirSync(OUT, { recursive: true });
  if (want.width !== got.width || want.height !== got.height) {
    writeFileSync(path.join(OUT, `${name}-actual.png`), png);
    assert.fail(`${name}: ${got.width}x${got.height}, kept ${want.width}x${want.height} (see ${OUT})`);
  }
  const diff = new PNG({ width: want.width, height: want.height });
  const differing = pixelmatch(want.data, got.data, diff.data, want.width, want.height, { threshold: 0.1 });
  const ratio = differing / (want.width * want.height);
  if (ratio > MAX_DIFF_RATIO) {
    writeFileSync(path.join(OUT, `${name}-actual.png`), png);
    writeFileSync(path.join(OUT, `${name}-diff.png`), PNG.sync.write(diff));
  }
  assert.ok(ratio <= MAX_DIFF_RATIO, `${name}: ${(ratio * 100).toFixed(2)}% of pixels differ (see ${OUT})`);
}

for (const width of [360, 1280]) {
  for (const scheme of ["light", "dark"]) {
    test(`screenshot of the demo thread at ${width} px, ${scheme}`, async () => {
      const context = await browser.newContext({
        viewport: { width, height: 900 },
        colorScheme: scheme,
        reducedMotion: "reduce",
        deviceScaleFactor: 1,
      });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.clock.setFixedTime(NOW);
      await page.goto(`${server.origin}/`);
      await page.locator("[data-caucus-comment]").first().waitFor();
      await page.evaluate(() => document.fonts.ready);
      const png = await page.locator("section.comments").screenshot({ animations: "disabled", caret: "hide" });
      compare(`demo-${width}-${scheme}`, png);
      if (width === 1280 && process.env.CAUCUS_README_SCREENSHOTS) {
        writeFileSync(path.join(ROOT, "docs", `demo-${scheme}.png`), png);
      }
      // The page itself never scrolls sideways.
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), width);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
}
