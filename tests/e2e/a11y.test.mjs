// Accessibility, checked by a machine and by keyboard: axe-core (run inside the page, where it
// walks into the widget's open shadow root) finds no violations on the demo thread, with a
// reply form open, and after errors; and a keyboard alone reaches every control, sees where it
// is, and moves between comments with j and k.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { ROOT, freePort, startServer, startHostPage, launchBrowser, watchErrors } from "./harness.mjs";

const AXE = path.join(ROOT, ".tools", "node_modules", "axe-core", "axe.min.js");
let server, host, browser;

before(async () => {
  server = await startServer();
  // A second thread points at a port nobody listens on: the widget's load error.
  const dead = `http://127.0.0.1:${await freePort()}`;
  host = await startHostPage(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host page</title><link rel="icon" href="data:,"></head>
<body>
  <main>
    <h1>Somebody else's blog</h1>
    <div id="thread" data-caucus-thread="our-man-in-libya"></div>
    <div id="broken" data-caucus-thread="our-man-in-libya" data-caucus-server="${dead}"></div>
  </main>
  <script src="${server.origin}/widget/embed.js" defer></script>
</body></html>`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

const comment = (page, n) => page.locator("#thread [data-caucus-comment]").nth(n);

async function open(context) {
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(host.origin);
  await comment(page, 0).waitFor();
  await page.locator("#broken [data-caucus-error]").waitFor();
  return { page, errors };
}

/** axe-core's violations inside one widget (its host element and its shadow root). */
async function violations(page, selector) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    await page.addScriptTag({ path: AXE });
  }
  const found = await page.evaluate(async (selector) => {
    const result = await window.axe.run(
      { include: [[selector]] },
      { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } },
    );
    return {
      // A node in a shadow root is named by a path: [host, inner selector].
      inShadow: result.passes.flatMap((p) => p.nodes).filter((n) => Array.isArray(n.target[0])).length,
      violations: result.violations.map((v) => ({
        id: v.id,
        help: v.help,
        nodes: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary}`),
      })),
    };
  }, selector);
  // Without this, a change that hid the widget from axe would pass every check.
  assert.ok(found.inShadow > 0, "axe looked inside the shadow root");
  // Rules about the whole page (one main landmark, a top-level heading) judge the host page,
  // which is not ours to fix; everything inside the widget counts.
  const pageLevel = new Set(["page-has-heading-one", "landmark-one-main", "region"]);
  return found.violations.filter((v) => !pageLevel.has(v.id));
}

for (const scheme of ["light", "dark"]) {
  test(`axe: no violations on the demo thread, with a reply form open, new comments waiting, after errors (${scheme})`, async () => {
    const context = await browser.newContext({ colorScheme: scheme });
    const { page, errors } = await open(context);
    assert.deepEqual(await violations(page, "#thread"), [], "the thread as loaded");

    // A reply form open under a comment, and the top form.
    await comment(page, 1).locator("[data-caucus-reply]").first().click();
    await comment(page, 1).locator("form").waitFor();
    assert.deepEqual(await violations(page, "#thread"), [], "with a reply form open");

    // A send the form refuses (empty body): the error is shown next to the fields.
    await comment(page, 1).locator("form").getByRole("button", { name: "Send reply" }).click();
    await comment(page, 1).locator("[data-caucus-form-error]").waitFor();
    assert.deepEqual(await violations(page, "#thread"), [], "after a refused send");

    // Somebody else writes: the "1 new comment" button, over the list.
    const posted = await fetch(`${server.origin}/api/threads/our-man-in-libya/comments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ body: `Written elsewhere (${scheme}).` }),
    });
    assert.equal(posted.status, 201);
    await page.locator("#thread [data-caucus-show-new]").waitFor({ timeout: 10_000 });
    assert.deepEqual(await violations(page, "#thread"), [], "with the new-comments button");

    // A widget that could not load: the reason and Retry.
    assert.deepEqual(await violations(page, "#broken"), [], "after a failed load");
    assert.ok(errors.every((e) => e.includes("Failed to load resource")), errors.join("\n"));
    await context.close();
  });
}

/** What has focus, through the shadow root. */
function focused(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return null;
    const style = getComputedStyle(el);
    const hooks = [...el.attributes].map((a) => a.name).filter((n) => n.startsWith("data-caucus"));
    const article = el.closest("[data-caucus-comment]");
    return {
      tag: el.tagName,
      hooks,
      comment: article?.dataset.caucusComment ?? null,
      ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
      inWidget: el.getRootNode() !== document,
    };
  });
}

test("keyboard: every control is reached by Tab with a visible focus ring", async () => {
  const context = await browser.newContext();
  const { page } = await open(context);
  // The controls a person can Tab to: not the honeypot a bot is meant to fill (tabindex -1,
  // aria-hidden), which the honeypot test checks Tab never reaches.
  const TABBABLE = 'button, select, input, textarea, a[href]';
  const controls = await page.evaluate(
    (tabbable) =>
      [...document.querySelector("#thread").shadowRoot.querySelectorAll(tabbable)].filter(
        (el) => el.tabIndex >= 0 && !el.closest('[aria-hidden="true"]'),
      ).length,
    TABBABLE,
  );
  const seen = new Set();
  for (let i = 0; i < 200 && seen.size < controls; i++) {
    await page.keyboard.press("Tab");
    const f = await focused(page);
    if (!f?.inWidget) continue;
    assert.ok(f.ring, `no focus ring on ${JSON.stringify(f)}`);
    const index = await page.evaluate((tabbable) => {
      let el = document.activeElement;
      while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
      const root = document.querySelector("#thread").shadowRoot;
      return el && el.getRootNode() === root ? [...root.querySelectorAll(tabbable)].indexOf(el) : null;
    }, TABBABLE);
    if (index !== null) seen.add(index);
  }
  assert.equal(seen.size, controls, "every control of the thread was reached by Tab");
  await context.close();
});

test("keyboard: j and k move between comments; not while typing; focus stays after collapse", async () => {
  const context = await browser.newContext();
  const { page, errors } = await open(context);
  const ids = await page.locator("#thread [data-caucus-comment]").evaluateAll((els) => els.map((e) => e.dataset.caucusComment));

  // From the page's vote button (before the first comment), j goes to the first comment.
  await page.locator("#thread [data-caucus-thread-vote]").focus();
  await page.keyboard.press("j");
  assert.equal((await focused(page)).comment, ids[0]);
  assert.equal((await focused(page)).tag, "ARTICLE");
  assert.ok((await focused(page)).ring, "a focused comment shows a ring");
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  assert.equal((await focused(page)).comment, ids[2]);
  await page.keyboard.press("k");
  assert.equal((await focused(page)).comment, ids[1]);
  // From a control inside a comment, j goes to the next comment.
  await comment(page, 3).locator("[data-caucus-vote]").first().focus();
  await page.keyboard.press("j");
  assert.equal((await focused(page)).comment, ids[4]);
  // At the ends, focus stays put.
  await comment(page, ids.length - 1).focus();
  await page.keyboard.press("j");
  assert.equal((await focused(page)).comment, ids[ids.length - 1]);

  // Typing a j into a field types it.
  const field = page.locator("#thread form").first().getByLabel("Comment (Markdown)");
  await field.focus();
  await page.keyboard.type("jk");
  assert.equal(await field.inputValue(), "jk");
  assert.equal((await focused(page)).tag, "TEXTAREA");

  // Collapse and expand by keyboard: the button keeps focus.
  const collapse = comment(page, 0).locator("[data-caucus-collapse]");
  await collapse.focus();
  await page.keyboard.press("Enter");
  assert.equal(await collapse.getAttribute("aria-expanded"), "false");
  assert.ok((await focused(page)).hooks.includes("data-caucus-collapse"));
  // j skips the hidden replies (ids[1] and ids[2] are under the first comment).
  await page.keyboard.press("j");
  assert.equal((await focused(page)).comment, ids[3]);
  await collapse.focus();
  await page.keyboard.press("Space");
  assert.equal(await collapse.getAttribute("aria-expanded"), "true");
  assert.ok((await focused(page)).hooks.includes("data-caucus-collapse"));
  assert.deepEqual(errors.filter((e) => !e.includes("Failed to load resource")), []);
  await context.close();
});

test("reduced motion: no transitions or smooth scrolling", async () => {
  for (const [reducedMotion, moving] of [["no-preference", true], ["reduce", false]]) {
    const context = await browser.newContext({ reducedMotion });
    const { page } = await open(context);
    const durations = await comment(page, 0)
      .locator("[data-caucus-vote]")
      .first()
      .evaluate((el) => getComputedStyle(el).transitionDuration);
    assert.equal(durations.split(",").some((d) => parseFloat(d) > 0), moving, `${reducedMotion}: ${durations}`);
    await context.close();
  }
});
