// Voting and replying against the real server, in a host page on another origin: what a
// reader does, and that it is all still there after a reload.
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
  return { page, errors };
}

test("vote, un-vote, reply at depth 3; everything is still there after a reload", async () => {
  const context = await browser.newContext();
  const { page, errors } = await open(context);

  // jwa13's comment (depth 2) has 0 votes.
  const jwa = page.locator("#thread article", { hasText: "Although not so deadly serious" }).first();
  const vote = jwa.locator("[data-caucus-vote]").first();
  const tally = jwa.locator("[data-caucus-tally]").first();
  assert.equal(await tally.innerText(), "0 users have voted.");
  await vote.click();
  await page.waitForFunction(
    (el) => el.textContent.trim() === "1 user has voted.",
    await tally.elementHandle(),
  );
  assert.equal(await vote.getAttribute("aria-pressed"), "true");

  // The page's own vote works the same way.
  const pageVote = page.locator("#thread [data-caucus-thread-vote]");
  await pageVote.click();
  await page.locator("#thread [data-caucus-thread-tally]", { hasText: "1 user has voted." }).waitFor();

  // Reply to jwa13 (depth 2), so the reply sits at depth 3.
  await jwa.locator("[data-caucus-reply]").first().click();
  const form = jwa.locator("form");
  await form.getByLabel("Name").fill("e2e reader");
  await form.getByLabel("Comment (Markdown)").fill("A reply with **bold** text.");
  await form.getByLabel("Signature (optional, remembered here)").fill("Sent by a robot");
  await form.getByRole("button", { name: "Send reply" }).click();
  const mine = page.locator("#thread article", { hasText: "A reply with bold text." });
  await mine.waitFor();
  assert.equal(await mine.getAttribute("data-depth"), "3");
  assert.equal(await mine.locator("strong").innerText(), "bold");
  // Focus moved to the new comment.
  assert.equal(
    await page.evaluate(() => document.querySelector("#thread").shadowRoot.activeElement?.innerText.includes("A reply with bold")),
    true,
  );

  // Un-vote jwa13 again and reload: the tallies, the reply and the viewer's vote are stored.
  await vote.click();
  await page.waitForFunction((el) => el.textContent.trim() === "0 users have voted.", await tally.elementHandle());
  await page.waitForTimeout(0);
  await page.reload();
  await comment(page, 0).waitFor();
  const reloaded = page.locator("#thread article", { hasText: "A reply with bold text." });
  await reloaded.waitFor();
  assert.equal(await reloaded.getAttribute("data-depth"), "3");
  assert.ok((await reloaded.innerText()).includes("Sent by a robot"));
  assert.ok((await reloaded.innerText()).includes("e2e reader"));
  assert.equal(await page.locator("#thread [data-caucus-thread-tally]").innerText(), "1 user has voted.");
  assert.equal(await page.locator("#thread [data-caucus-thread-vote]").getAttribute("aria-pressed"), "true");
  const jwaAgain = page.locator("#thread article", { hasText: "Although not so deadly serious" }).first();
  assert.equal(await jwaAgain.locator("[data-caucus-tally]").first().innerText(), "0 users have voted.");
  assert.equal(await jwaAgain.locator("[data-caucus-vote]").first().getAttribute("aria-pressed"), "false");
  // The author can still edit it: the edit button is there, for this browser only.
  await reloaded.locator("[data-caucus-edit]").waitFor();
  // The name and signature are remembered for the next comment.
  const top = page.locator("#thread form").first();
  assert.equal(await top.getByLabel("Name").inputValue(), "e2e reader");
  assert.equal(await top.getByLabel("Signature (optional, remembered here)").inputValue(), "Sent by a robot");

  const other = await browser.newContext();
  const { page: stranger } = await open(other);
  const theirs = stranger.locator("#thread article", { hasText: "A reply with bold text." });
  await theirs.waitFor();
  assert.equal(await theirs.locator("[data-caucus-edit]").count(), 0);
  await other.close();

  assert.deepEqual(errors, []);
  await context.close();
});

test("an author edits and then deletes their comment", async () => {
  const context = await browser.newContext();
  const { page } = await open(context);
  const top = page.locator("#thread form").first();
  await top.getByLabel("Comment (Markdown)").fill("First words.");
  await top.getByRole("button", { name: "Send" }).click();
  await page.locator("#thread article", { hasText: "First words." }).waitFor();
  // By id from here: while the edit form is open, the text is in a field, not in the article.
  const id = await page.locator("#thread article", { hasText: "First words." }).getAttribute("data-caucus-comment");
  const mine = page.locator(`#thread [data-caucus-comment="${id}"]`);

  await mine.locator("[data-caucus-edit]").click();
  const edit = mine.locator("form");
  assert.equal(await edit.getByLabel("Comment (Markdown)").inputValue(), "First words.");
  await edit.getByLabel("Comment (Markdown)").fill("Better words.");
  await edit.getByRole("button", { name: "Save" }).click();
  const edited = page.locator("#thread article", { hasText: "Better words." });
  await edited.waitFor();
  assert.ok((await edited.innerText()).includes("(edited)"));

  page.once("dialog", (dialog) => dialog.accept());
  await edited.locator("[data-caucus-delete]").click();
  await page.locator("#thread article", { hasText: "Better words." }).waitFor({ state: "detached" });
  await page.reload();
  await comment(page, 0).waitFor();
  assert.equal(await page.locator("#thread article", { hasText: "Better words." }).count(), 0);
  await context.close();
});

test("a draft survives a reload, and a send to a stopped server keeps the text", async () => {
  const own = await startServer();
  const ownHost = await startHostPage(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>h</title>
<link rel="icon" href="data:,"></head><body>
<div id="thread" data-caucus-thread="our-man-in-libya"></div>
<script src="${own.origin}/widget/embed.js" defer></script></body></html>`);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(ownHost.origin);
  await comment(page, 0).waitFor();

  const first = comment(page, 0);
  await first.locator("[data-caucus-reply]").first().click();
  const body = first.locator("form").getByLabel("Comment (Markdown)");
  await body.fill("Half a thought, kept across a reload");
  await page.reload();
  await comment(page, 0).waitFor();
  await comment(page, 0).locator("[data-caucus-reply]").first().click();
  const restored = comment(page, 0).locator("form").getByLabel("Comment (Markdown)");
  assert.equal(await restored.inputValue(), "Half a thought, kept across a reload");

  await own.stop();
  await comment(page, 0).locator("form").getByRole("button", { name: "Send reply" }).click();
  const error = comment(page, 0).locator("[data-caucus-form-error]");
  await error.waitFor();
  assert.match(await error.innerText(), /Could not reach the comment server/);
  assert.equal(await restored.inputValue(), "Half a thought, kept across a reload");
  await context.close();
  await ownHost.stop();
});

/** What has focus, through the shadow root: its test hook and text. */
function focused(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return null;
    const hooks = [...el.attributes].map((a) => a.name).filter((n) => n.startsWith("data-caucus"));
    const article = el.closest("[data-caucus-comment]");
    return { tag: el.tagName, hooks, text: el.innerText || "", comment: article?.dataset.caucusComment ?? null };
  });
}

async function tabTo(page, wanted, limit = 80) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const now = await focused(page);
    if (now && wanted(now)) return now;
  }
  throw new Error("never reached by Tab");
}

test("keyboard only: vote, open a reply form, send it, open another and close it", async () => {
  const context = await browser.newContext();
  const { page, errors } = await open(context);
  // The last comment of the seed thread, riverlover's "The $hill".
  const last = comment(page, -1);
  const id = await page.locator("#thread [data-caucus-comment]").last().getAttribute("data-caucus-comment");
  const tally = page.locator(`#thread [data-caucus-comment="${id}"] [data-caucus-tally]`).first();
  const before = await tally.innerText();

  await tabTo(page, (f) => f.comment === id && f.hooks.includes("data-caucus-vote"));
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    ([el, b]) => el.textContent.trim() !== b,
    [await tally.elementHandle(), before],
  );
  // Focus stays on the vote button.
  const after = await focused(page);
  assert.ok(after.hooks.includes("data-caucus-vote") && after.comment === id, JSON.stringify(after));

  await tabTo(page, (f) => f.comment === id && f.hooks.includes("data-caucus-reply"));
  await page.keyboard.press("Enter");
  // The form opened with focus in its comment field.
  await page.waitForFunction(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el && el.tagName === "TEXTAREA";
  });
  await page.keyboard.type("Typed without a mouse.");
  await page.keyboard.press("Control+Enter");
  const sent = page.locator("#thread article", { hasText: "Typed without a mouse." });
  await sent.waitFor();
  const focus = await focused(page);
  assert.equal(focus.comment, await sent.getAttribute("data-caucus-comment"));

  // Open a reply form on the new comment and close it with Escape: focus returns.
  await tabTo(page, (f) => f.comment === focus.comment && f.hooks.includes("data-caucus-reply"));
  await page.keyboard.press("Enter");
  await sent.locator("form").waitFor();
  await page.keyboard.press("Escape");
  await sent.locator("form").waitFor({ state: "detached" });
  const back = await focused(page);
  assert.ok(back.hooks.includes("data-caucus-reply") && back.comment === focus.comment, JSON.stringify(back));
  assert.equal(await last.count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});
