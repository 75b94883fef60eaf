// The reply form's honeypot against the real server: out of sight and out of reach for a
// person; a bot that fills it in is told its comment was taken, and nothing is stored.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, startHostPage, launchBrowser, watchErrors } from "./harness.mjs";

let server, host, browser;

before(async () => {
  server = await startServer();
  host = await startHostPage(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host page</title><link rel="icon" href="data:,"></head>
<body><div id="thread" data-caucus-thread="honeypot-thread"></div>
<script src="${server.origin}/widget/embed.js" defer></script></body></html>`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

test("people never reach the honeypot; a bot that fills it in stores nothing", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(host.origin);
  const form = page.locator("#thread form").first();
  await form.getByLabel("Comment (Markdown)").waitFor();

  const trap = form.locator('input[name="website"]');
  assert.equal(await trap.getAttribute("tabindex"), "-1");
  assert.equal(await trap.getAttribute("autocomplete"), "off");
  assert.equal(await trap.evaluate((el) => el.closest('[aria-hidden="true"]') !== null), true);
  const box = await trap.boundingBox();
  assert.ok(box.x + box.width < 0, `the honeypot is on screen: ${JSON.stringify(box)}`);
  // Not in the tab order: from the name field, Tab goes past it.
  await form.getByLabel("Name").focus();
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.querySelector("#thread").shadowRoot.activeElement?.name);
    assert.notEqual(focused, "website");
  }

  // A person: stored.
  await form.getByLabel("Comment (Markdown)").fill("A person wrote this.");
  await form.getByRole("button", { name: /Send/ }).click();
  await page.locator("#thread article", { hasText: "A person wrote this." }).waitFor();

  // A bot fills in every field it finds.
  await trap.fill("http://spam.example/");
  await form.getByLabel("Comment (Markdown)").fill("Cheap watches from a bot.");
  await form.getByRole("button", { name: /Send/ }).click();
  await page.locator("#thread article", { hasText: "Cheap watches from a bot." }).waitFor();

  const stored = await (await fetch(`${server.origin}/api/threads/honeypot-thread`)).json();
  assert.deepEqual(stored.comments.map((c) => c.body_html.trim()), ["<p>A person wrote this.</p>"]);
  assert.deepEqual(errors, []);
  await page.close();
});
