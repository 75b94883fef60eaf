// Live updates between two readers of one thread, against the real server, in a host page on
// another origin: a reply from one shows as a "1 new comment" button for the other (inserted
// only when pressed), a vote changes the other's tally in place, the stream is closed while
// the thread is off screen, and after the server restarts the widget reconnects and keeps
// receiving changes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, startHostPage, launchBrowser, watchErrors } from "./harness.mjs";

let server, host, browser;

before(async () => {
  server = await startServer();
  host = await startHostPage(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host page</title><link rel="icon" href="data:,"></head>
<body>
  <h1>Somebody else's blog</h1>
  <div id="thread" data-caucus-thread="our-man-in-libya"></div>
  <div id="below" style="height: 6000px">The rest of the page.</div>
  <script src="${server.origin}/widget/embed.js" defer></script>
</body></html>`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

/** A reader in a browser context of their own. Every EventSource the page opens is recorded
 * (`window.__streams`), so the test can see when the widget opens and closes its stream. */
async function reader() {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const Real = window.EventSource;
    window.__streams = [];
    window.EventSource = class extends Real {
      constructor(...args) {
        super(...args);
        window.__streams.push(this);
      }
    };
  });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(host.origin);
  await page.locator("#thread [data-caucus-comment]").first().waitFor();
  return { context, page, errors };
}

/** The page's streams: their URLs and whether each is open (1), connecting (0) or closed (2). */
const streams = (page) =>
  page.evaluate(() => window.__streams.map((s) => ({ url: s.url, state: s.readyState })));

/** Waits until the page's newest stream is open; returns it. */
async function openStream(page, timeout = 15_000) {
  await page.waitForFunction(
    () => window.__streams.length > 0 && window.__streams[window.__streams.length - 1].readyState === 1,
    null,
    { timeout },
  );
  return (await streams(page)).at(-1);
}

const article = (page, text) => page.locator("#thread article", { hasText: text });
const showNew = (page) => page.locator("#thread [data-caucus-show-new]");
const jwaTally = (page) =>
  article(page, "Although not so deadly serious").first().locator("[data-caucus-tally]").first();

/** What has focus, through the shadow root: the comment it is or is in. */
const focusedComment = (page) =>
  page.evaluate(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el?.closest("[data-caucus-comment]")?.dataset.caucusComment ?? null;
  });

test("two readers: a new reply waits behind a button, votes land in place, reconnects after a restart", async () => {
  const a = await reader();
  const b = await reader();
  const first = await openStream(a.page);
  assert.match(first.url, /\/api\/threads\/our-man-in-libya\/events\?since=\d+$/);
  await openStream(b.page);
  const countBefore = await a.page.locator("#thread [data-caucus-comment]").count();
  // Nothing shows while all is well.
  assert.equal(await showNew(a.page).count(), 0);

  // B replies to the first comment.
  const firstComment = b.page.locator("#thread [data-caucus-comment]").first();
  await firstComment.locator("[data-caucus-reply]").first().click();
  const form = firstComment.locator("form");
  await form.getByLabel("Comment (Markdown)").fill("A live reply from the other reader.");
  await form.getByRole("button", { name: "Send reply" }).click();
  await article(b.page, "A live reply from the other reader.").waitFor();

  // A is told, and nothing moves until A asks.
  await showNew(a.page).waitFor({ timeout: 10_000 });
  assert.equal(await showNew(a.page).innerText(), "1 new comment");
  assert.equal(await showNew(a.page).evaluate((el) => el.tagName), "BUTTON");
  assert.equal(
    await showNew(a.page).evaluate((el) => el.parentElement.getAttribute("aria-live")),
    "polite",
  );
  assert.equal(await article(a.page, "A live reply from the other reader.").count(), 0);
  assert.equal(await a.page.locator("#thread [data-caucus-comment]").count(), countBefore);

  await showNew(a.page).click();
  const arrived = article(a.page, "A live reply from the other reader.");
  await arrived.waitFor();
  assert.equal(await arrived.getAttribute("data-depth"), "1");
  assert.equal(await focusedComment(a.page), await arrived.getAttribute("data-caucus-comment"));
  assert.equal(await showNew(a.page).count(), 0);

  // B votes for jwa13's comment: A's tally changes in place.
  assert.equal(await jwaTally(a.page).innerText(), "0 users have voted.");
  await article(b.page, "Although not so deadly serious").first().locator("[data-caucus-vote]").first().click();
  await a.page.waitForFunction(
    (el) => el.textContent.trim() === "1 user has voted.",
    await jwaTally(a.page).elementHandle(),
    { timeout: 10_000 },
  );
  // A's view of that button is A's own: not pressed.
  assert.equal(
    await article(a.page, "Although not so deadly serious").first().locator("[data-caucus-vote]").first().getAttribute("aria-pressed"),
    "false",
  );

  // A votes on the page: B's page tally follows, so B has read every event up to here, its
  // own reply's included, and counted none of them as new.
  const bPageTally = b.page.locator("#thread [data-caucus-thread-tally]");
  const pageTallyBefore = await bPageTally.innerText();
  await a.page.locator("#thread [data-caucus-thread-vote]").click();
  await b.page.waitForFunction(
    ([el, before]) => el.textContent.trim() !== before,
    [await bPageTally.elementHandle(), pageTallyBefore],
    { timeout: 10_000 },
  );
  assert.equal(await showNew(b.page).count(), 0, "the reader's own reply is not new to them");
  assert.equal(await article(b.page, "A live reply from the other reader.").count(), 1);

  // Off screen, the stream is closed; back on screen, a new one starts from the last event.
  const opened = (await streams(a.page)).length;
  await a.page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await a.page.waitForFunction(() => window.__streams.every((s) => s.readyState === 2), null, { timeout: 5_000 });
  await a.page.evaluate(() => window.scrollTo(0, 0));
  const again = await openStream(a.page, 5_000);
  assert.equal((await streams(a.page)).length, opened + 1);
  const since = (url) => Number(new URL(url).searchParams.get("since"));
  assert.ok(since(again.url) > since(first.url), `${again.url} resumes after ${first.url}`);
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);

  // The server restarts: the stream breaks, the widget opens a new one once the server is
  // back, and later changes still arrive.
  const beforeRestart = (await streams(a.page)).length;
  await server.restart();
  await a.page.waitForFunction((n) => window.__streams.length > n, beforeRestart, { timeout: 20_000 });
  await openStream(a.page, 20_000);
  const created = await fetch(`${server.origin}/api/threads/our-man-in-libya/comments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ body: "Written after the restart." }),
  });
  assert.equal(created.status, 201);
  await showNew(a.page).waitFor({ timeout: 10_000 });
  assert.equal(await showNew(a.page).innerText(), "1 new comment");
  await showNew(a.page).click();
  await article(a.page, "Written after the restart.").waitFor();

  // While the server was away the browser may log the refused connections; the widget
  // itself logs nothing.
  const own = (errors) => errors.filter((e) => !/net::ERR_|Failed to load resource/.test(e));
  assert.deepEqual(own(a.errors), []);
  assert.deepEqual(own(b.errors), []);
  await a.context.close();
  await b.context.close();
});
