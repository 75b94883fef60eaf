// The widget under a strict Content-Security-Policy on the host page (issue 6, SECURITY.md):
// scripts only from the Caucus server plus 'wasm-unsafe-eval', requests only to it, no inline
// script or style anywhere. The thread must render styled (the stylesheet is a constructed
// sheet, indentation an attribute), voting and replying must work, and the browser must
// report no violation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, startHostPage, launchBrowser, watchErrors } from "./harness.mjs";

let server, host, browser, policy;

before(async () => {
  server = await startServer();
  policy = [
    "default-src 'none'",
    `script-src ${server.origin} 'wasm-unsafe-eval'`,
    `connect-src ${server.origin}`,
    "img-src https:",
    "style-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  host = await startHostPage(
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A strict host page</title></head>
<body>
  <h1>Somebody else's strict blog</h1>
  <div id="thread" data-caucus-thread="our-man-in-libya"></div>
  <script src="${server.origin}/widget/embed.js" defer></script>
</body></html>`,
    { "content-security-policy": policy },
  );
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

test("the widget works under a strict host CSP, with no violation", async () => {
  const page = await (await browser.newContext()).newPage();
  const errors = watchErrors(page);
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener(
      "securitypolicyviolation",
      (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
      true,
    );
  });
  const response = await page.goto(host.origin);
  assert.equal(response.headers()["content-security-policy"], policy);
  const thread = page.locator("#thread");
  await thread.locator("[data-caucus-comment]").first().waitFor();

  // Styled: the stylesheet applies inside the shadow root, and replies are indented.
  const looks = await page.evaluate(() => {
    const root = document.querySelector("#thread").shadowRoot;
    const top = root.querySelector('[data-caucus-comment][data-depth="0"]');
    const reply = root.querySelector('[data-caucus-comment][data-depth="1"]');
    const margin = (el) => parseFloat(getComputedStyle(el).marginInlineStart);
    return {
      styleElements: root.querySelectorAll("style").length,
      adopted: root.adoptedStyleSheets.length,
      border: getComputedStyle(top).borderTopStyle,
      indent: margin(reply) - margin(top),
    };
  });
  assert.equal(looks.styleElements, 0);
  assert.equal(looks.adopted, 1);
  assert.equal(looks.border, "solid");
  assert.ok(looks.indent > 0, JSON.stringify(looks));

  // Vote and reply, which need the API (connect-src) and nothing else.
  const pageVote = thread.locator("[data-caucus-thread-vote]");
  await pageVote.click();
  await thread.locator("[data-caucus-thread-tally]", { hasText: "1 user has voted." }).waitFor();
  const first = thread.locator("[data-caucus-comment]").first();
  await first.locator("[data-caucus-reply]").first().click();
  await first.locator("form").getByLabel("Comment (Markdown)").fill("Written under a *strict* policy.");
  await first.locator("form").getByRole("button", { name: "Send reply" }).click();
  await thread.locator("article", { hasText: "Written under a strict policy." }).waitFor();

  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(errors, []);
});

test("the demo page is served under that policy and works under it", async () => {
  const page = await (await browser.newContext()).newPage();
  const errors = watchErrors(page);
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`), true);
  });
  const response = await page.goto(server.origin);
  const served = response.headers()["content-security-policy"];
  assert.match(served, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.doesNotMatch(served, /unsafe-inline/);
  const thread = page.locator("[data-caucus-thread]");
  await thread.locator("[data-caucus-comment]").first().waitFor();
  // The demo's own inline style block is allowed by its hash: the page is styled.
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(251, 250, 247)");
  await thread.locator("[data-caucus-thread-vote]").click();
  await thread.locator("[data-caucus-thread-tally]", { hasText: "user" }).waitFor();
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(errors, []);
});
