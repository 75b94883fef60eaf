// The widget as a site owner uses it: one script tag and two thread elements in a page served
// from another origin than the Caucus server. The first shows the seed thread, the second an
// empty thread; both work side by side.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, startServer, startHostPage, launchBrowser, watchErrors } from "./harness.mjs";

const fixture = JSON.parse(readFileSync(path.join(ROOT, "server/fixtures/our-man-in-libya.json"), "utf8"));
let server, host, browser;

before(async () => {
  server = await startServer();
  host = await startHostPage(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host page</title>
<style>body { font: 20px serif; color: rebeccapurple } article { border: 5px solid red }</style></head>
<body>
  <h1>Somebody else's blog</h1>
  <div id="first" data-caucus-thread="our-man-in-libya"></div>
  <div id="second" data-caucus-thread="an-empty-thread"></div>
  <script src="${server.origin}/widget/embed.js" defer></script>
</body></html>`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

test("a page on another origin shows the seed thread and an empty thread", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(host.origin);
  assert.notEqual(new URL(host.origin).port, new URL(server.origin).port);

  const first = page.locator("#first");
  const comments = first.locator("[data-caucus-comment]");
  await comments.first().waitFor();
  assert.equal(await comments.count(), fixture.comments.length);

  // Every comment's author, body and signature, as text. (Locators pierce the open shadow
  // root; innerText of the host element itself would not.)
  const text = await first.locator("section").first().innerText();
  for (const c of fixture.comments) {
    assert.ok(text.includes(c.author), `author ${c.author} missing`);
    const firstLine = c.body.split("\n")[0];
    assert.ok(text.includes(firstLine), `body "${firstLine}" missing`);
    if (c.signature) assert.ok(text.includes(c.signature.split("\n")[0]), `signature of ${c.author} missing`);
    if (c.subject) assert.ok(text.includes(c.subject), `subject "${c.subject}" missing`);
  }
  // Singular and plural tallies, and the article's own tally.
  const tallies = await first.locator("[data-caucus-tally]").allInnerTexts();
  assert.ok(tallies.includes("2 users have voted."), tallies.join(" | "));
  assert.ok(tallies.includes("1 user has voted."), tallies.join(" | "));
  assert.ok(tallies.includes("0 users have voted."), tallies.join(" | "));
  assert.equal(await first.locator("[data-caucus-thread-tally]").innerText(), "0 users have voted.");
  await first.getByRole("button", { name: "Share" }).waitFor();

  // Replies are nested: the reconstructed tree has depth 3 under Lookout's comment.
  const depths = await comments.evaluateAll((els) => els.map((e) => Number(e.dataset.depth)));
  assert.deepEqual(depths, [0, 1, 2, 0, 1, 2, 3]);

  // The host page's CSS does not leak in (Shadow DOM): no red border on our articles.
  const border = await comments.first().evaluate((e) => getComputedStyle(e).borderTopColor);
  assert.notEqual(border, "rgb(255, 0, 0)");

  // Collapse the second thread's root: 3 replies hidden; expand again.
  const lookout = comments.nth(3);
  const collapse = lookout.locator("[data-caucus-collapse]");
  await collapse.click();
  assert.equal(await collapse.getAttribute("aria-expanded"), "false");
  await first.getByText("3 replies hidden").waitFor();
  assert.equal(await comments.count(), fixture.comments.length - 3);
  await collapse.click();
  assert.equal(await comments.count(), fixture.comments.length);

  // The second widget on the same page: its own, empty thread.
  const second = page.locator("#second");
  await second.getByText("No comments yet").waitFor();
  assert.equal(await second.locator("[data-caucus-comment]").count(), 0);

  assert.deepEqual(errors, []);
  await page.close();
});

test("the server's own demo page shows the article and its thread", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(server.origin + "/");
  await page.getByRole("heading", { name: "Our Man in Libya" }).first().waitFor();
  await page.locator("[data-caucus-comment]").first().waitFor();
  assert.equal(await page.locator("[data-caucus-comment]").count(), fixture.comments.length);
  if (process.env.CAUCUS_SCREENSHOT) {
    // The README's picture: the end of the article, then the thread.
    await page.setViewportSize({ width: 900, height: 900 });
    await page.locator("section.comments").screenshot({ path: process.env.CAUCUS_SCREENSHOT });
  }
  assert.deepEqual(errors, []);
  await page.close();
});
