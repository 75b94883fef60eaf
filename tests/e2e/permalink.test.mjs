// Links to one comment (`#caucus-c123`) and the remembered sort order, against the real
// server: on the demo thread, and on a generated thread of 5,000 comments.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, startHostPage, launchBrowser, watchErrors, untilInDom } from "./harness.mjs";

const BIG = "five-thousand";
const BIG_COUNT = 5000;
const CHAIN = 10; // the generated thread: 500 top-level comments, each above a chain of 9 replies
const CAP = 6; // replies below depth 6 wait behind "Continue this thread" (state::CONTINUE_DEPTH)
const SHOWN = (BIG_COUNT / CHAIN) * (CAP + 1); // what the big thread shows before anyone continues
let server, host, browser, bigIds;

/** Posts the generated thread through the API; returns the ids in posting order. */
async function generateThread(origin) {
  const ids = new Array(BIG_COUNT);
  const post = async (i, parent) => {
    const res = await fetch(`${origin}/api/threads/${BIG}/comments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ parent_id: parent, author: `reader ${i}`, body: `Comment number ${i}.` }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    ids[i] = (await res.json()).comment.id;
  };
  // The chains are independent, so several are written at once; each chain in order.
  const chains = [...Array(BIG_COUNT / CHAIN).keys()];
  const worker = async () => {
    for (let c = chains.shift(); c !== undefined; c = chains.shift()) {
      for (let k = 0; k < CHAIN; k++) {
        const i = c * CHAIN + k;
        await post(i, k === 0 ? null : ids[i - 1]);
      }
    }
  };
  await Promise.all([...Array(8)].map(worker));
  return ids;
}

before(async () => {
  server = await startServer({ args: ["--rate-limits", "off"] });
  bigIds = await generateThread(server.origin);
  host = await startHostPage(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host page</title><link rel="icon" href="data:,"></head>
<body>
  <h1>Somebody else's blog</h1>
  <div id="thread" data-caucus-thread="our-man-in-libya"></div>
  <div id="big" data-caucus-thread="${BIG}"></div>
  <script src="${server.origin}/widget/embed.js" defer></script>
</body></html>`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

/** The comment that has focus (through the shadow roots), and what is marked highlighted. */
function where(page, host) {
  return page.evaluate((host) => {
    const root = document.querySelector(host).shadowRoot;
    const focused = root.activeElement?.closest("[data-caucus-comment]")?.dataset.caucusComment ?? null;
    const highlighted = [...root.querySelectorAll(".caucus-highlighted")].map((e) => e.dataset.caucusComment);
    const el = highlighted.length ? root.querySelector(".caucus-highlighted") : null;
    const box = el?.getBoundingClientRect();
    const inView = !!box && box.top >= 0 && box.top < window.innerHeight;
    return { focused, highlighted, inView };
  }, host);
}

test("each comment links to itself; the link expands, scrolls to and highlights it", async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(host.origin);
  const comments = page.locator("#thread [data-caucus-comment]");
  await comments.first().waitFor();

  const ids = await comments.evaluateAll((els) => els.map((e) => e.dataset.caucusComment));
  for (const [n, id] of ids.entries()) {
    const link = comments.nth(n).locator("a[data-caucus-permalink]");
    assert.equal(await link.getAttribute("href"), `#caucus-c${id}`);
    // The absolute date stays in the <time> inside the link.
    assert.match(await link.locator("time").getAttribute("datetime"), /^\d{4}-\d\d-\d\dT/);
  }

  // Clicking a comment's date puts its link in the address and marks it.
  await comments.nth(1).locator("a[data-caucus-permalink]").click();
  assert.equal(new URL(page.url()).hash, `#caucus-c${ids[1]}`);
  await page.waitForFunction(() => document.querySelector("#thread").shadowRoot?.querySelector(".caucus-highlighted"));
  assert.deepEqual((await where(page, "#thread")).highlighted, [ids[1]]);

  // The deepest reply (depth 3), hidden under a collapsed comment: following its link
  // expands the way down, focuses it and marks it.
  await comments.nth(3).locator("[data-caucus-collapse]").click();
  assert.equal(await comments.count(), ids.length - 3);
  await page.evaluate((id) => (location.hash = `#caucus-c${id}`), ids[6]);
  await page.waitForFunction((n) => document.querySelector("#thread").shadowRoot.querySelectorAll("[data-caucus-comment]").length === n, ids.length);
  assert.deepEqual(await where(page, "#thread"), { focused: ids[6], highlighted: [ids[6]], inView: true });

  assert.deepEqual(errors, []);
  await context.close();
});

test("opening a link into a 5,000-comment thread scrolls to the comment and highlights it", async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  // The last comment of the last chain: depth 9, at the very end of the page.
  const target = String(bigIds[BIG_COUNT - 1]);
  await page.goto(`${host.origin}/#caucus-c${target}`);
  await page.waitForFunction(
    (id) => document.querySelector("#big").shadowRoot?.activeElement?.dataset.caucusComment === id,
    target,
    { timeout: 60_000 },
  );
  // Its chain is open all the way down (past the "continue" cap); the others stop at the cap.
  await untilInDom(page, "#big", SHOWN + (CHAIN - CAP - 1));
  assert.deepEqual(await where(page, "#big"), { focused: target, highlighted: [target], inView: true });
  assert.equal(await page.locator(`#big [data-caucus-comment="${target}"]`).getAttribute("data-depth"), String(CHAIN - 1));
  // The other widget on the page does not hold that comment and marks nothing.
  assert.deepEqual((await where(page, "#thread")).highlighted, []);

  // Collapse the chain's top, scroll away, and follow a link into the middle of the chain.
  const top = String(bigIds[BIG_COUNT - CHAIN]);
  await page.locator(`#big [data-caucus-comment="${top}"] [data-caucus-collapse]`).click();
  await untilInDom(page, "#big", SHOWN - CAP);
  await page.evaluate(() => window.scrollTo(0, 0));
  const middle = String(bigIds[BIG_COUNT - CHAIN + 4]);
  await page.evaluate((id) => (location.hash = `#caucus-c${id}`), middle);
  await page.waitForFunction(
    (id) => document.querySelector("#big").shadowRoot?.activeElement?.dataset.caucusComment === id,
    middle,
  );
  await untilInDom(page, "#big", SHOWN + (CHAIN - CAP - 1));
  assert.deepEqual(await where(page, "#big"), { focused: middle, highlighted: [middle], inView: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test("deep replies wait behind 'Continue this thread', which opens them in place", async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(host.origin);
  const comments = page.locator("#big [data-caucus-comment]");
  await comments.first().waitFor({ timeout: 60_000 });
  // The list arrives in blocks, live near the viewport, text further down: wait for all of it.
  await untilInDom(page, "#big", SHOWN);
  // The first chain in the list (eight writers posted the chains at once, so which chain's
  // top comment came first is theirs to say, not posting order's): its comment at depth 6
  // offers to continue, with how many wait.
  const start = bigIds.indexOf(Number(await comments.first().getAttribute("data-caucus-comment")));
  assert.equal(start % CHAIN, 0, "the list starts with a top-level comment");
  const chain = bigIds.slice(start, start + CHAIN);
  const deep = page.locator(`#big [data-caucus-comment="${chain[CAP]}"]`);
  assert.equal(await deep.getAttribute("data-depth"), String(CAP));
  const more = deep.locator("[data-caucus-continue]");
  assert.equal(await more.innerText(), "Continue this thread");
  assert.ok((await deep.innerText()).includes(`${CHAIN - CAP - 1} replies hidden`));
  await more.focus();
  await page.keyboard.press("Enter");
  // In place, right below, and the first of them has the focus.
  await page.waitForFunction(
    (id) => document.querySelector("#big").shadowRoot?.activeElement?.dataset.caucusComment === id,
    String(chain[CAP + 1]),
  );
  await untilInDom(page, "#big", SHOWN + (CHAIN - CAP - 1));
  const order = await comments.evaluateAll(
    (els, n) => els.slice(0, n).map((e) => [e.dataset.caucusComment, e.dataset.depth]),
    CHAIN,
  );
  assert.deepEqual(order, chain.map((id, depth) => [String(id), String(depth)]));
  // Indentation stopped growing at the cap.
  const indent = (n) => comments.nth(n).evaluate((e) => parseFloat(getComputedStyle(e).marginInlineStart));
  assert.equal(await indent(CAP + 2), await indent(CAP));
  assert.ok((await indent(CAP)) > (await indent(CAP - 1)));
  assert.equal(await deep.locator("[data-caucus-continue]").count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the sort order the reader picks is remembered on this site", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(host.origin);
  const comments = page.locator("#thread [data-caucus-comment]");
  await comments.first().waitFor();
  const oldest = await comments.evaluateAll((els) => els.map((e) => e.dataset.caucusComment));
  await page.locator("#thread select[data-caucus-sort]").selectOption("newest");
  const newest = await comments.evaluateAll((els) => els.map((e) => e.dataset.caucusComment));
  assert.notDeepEqual(newest, oldest);

  await page.reload();
  await comments.first().waitFor();
  assert.equal(await page.locator("#thread select[data-caucus-sort]").inputValue(), "newest");
  assert.deepEqual(await comments.evaluateAll((els) => els.map((e) => e.dataset.caucusComment)), newest);

  // Another browser (no stored choice) gets the host page's order.
  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await other.goto(host.origin);
  await other.locator("#thread [data-caucus-comment]").first().waitFor();
  assert.equal(await other.locator("#thread select[data-caucus-sort]").inputValue(), "oldest");
  await fresh.close();
  await context.close();
});
