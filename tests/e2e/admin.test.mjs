// Moderation end to end: the real server with --moderation all and an admin secret, the widget
// on a page of another origin in two browser contexts (the author's and a reader's), and the
// /admin page approving, deleting and blocking.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer, startHostPage, launchBrowser, watchErrors } from "./harness.mjs";

const SECRET = "an admin secret for the e2e test";
let dir, server, host, browser;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "caucus-admin-"));
  const file = path.join(dir, "admin-token");
  writeFileSync(file, `${SECRET}\n`);
  server = await startServer({ args: ["--moderation", "all", "--admin-token-file", file] });
  host = await startHostPage(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host page</title><link rel="icon" href="data:,"></head>
<body><div id="thread" data-caucus-thread="moderated"></div>
<script src="${server.origin}/widget/embed.js" defer></script></body></html>`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function post(page, text) {
  const form = page.locator("#thread form").first();
  await form.getByLabel("Comment (Markdown)").fill(text);
  await form.getByRole("button", { name: /Send/ }).click();
}

/** The thread as a reader with no voter sees it, straight from the API. */
async function publicBodies() {
  const thread = await (await fetch(`${server.origin}/api/threads/moderated`)).json();
  return thread.comments.map((c) => c.body_html.trim());
}

async function openThread(context) {
  const page = await context.newPage();
  await page.goto(host.origin);
  await page.locator("#thread form").first().getByLabel("Comment (Markdown)").waitFor();
  return page;
}

test("a held comment is seen by its author only, until approved in /admin; delete and block work", async () => {
  const authorContext = await browser.newContext();
  const readerContext = await browser.newContext();
  const adminContext = await browser.newContext();

  // The author posts: it shows, awaiting approval, to them alone.
  const author = await openThread(authorContext);
  const authorErrors = watchErrors(author);
  await post(author, "Held for the owner.");
  const mine = author.locator("#thread article", { hasText: "Held for the owner." });
  await mine.getByText("awaiting approval").waitFor();
  await author.reload();
  await mine.getByText("awaiting approval").waitFor();
  assert.deepEqual(await publicBodies(), []);
  const reader = await openThread(readerContext);
  const readerErrors = watchErrors(reader);
  await reader.getByText("No comments yet").waitFor();
  assert.equal(await reader.locator("#thread article").count(), 0);

  // The admin signs in and approves it.
  const admin = await adminContext.newPage();
  const adminErrors = watchErrors(admin);
  admin.on("dialog", (dialog) => dialog.accept());
  await admin.goto(`${server.origin}/admin`);
  await admin.getByLabel("Admin secret").fill("not the secret at all");
  await admin.getByRole("button", { name: "Sign in" }).click();
  await admin.getByText("That is not the admin secret").waitFor();
  await admin.getByLabel("Admin secret").fill(SECRET);
  await admin.getByRole("button", { name: "Sign in" }).click();
  const held = admin.locator("[data-admin-comment]", { hasText: "Held for the owner." });
  await held.waitFor();
  await held.getByRole("button", { name: "Approve" }).click();
  await admin.getByText(/Approved comment \d+/).waitFor();
  await admin.getByText("No comment is waiting for approval.").waitFor();

  await reader.reload();
  const approved = reader.locator("#thread article", { hasText: "Held for the owner." });
  await approved.waitFor();
  assert.equal(await approved.getByText("awaiting approval").count(), 0);
  assert.deepEqual(await publicBodies(), ["<p>Held for the owner.</p>"]);
  await author.reload();
  await mine.waitFor();
  assert.equal(await mine.getByText("awaiting approval").count(), 0);

  // The admin deletes it (from the list of all recent comments): gone for everyone.
  await admin.getByLabel("all recent comments").check();
  const listed = admin.locator("[data-admin-comment]", { hasText: "Held for the owner." });
  await listed.getByRole("button", { name: "Delete" }).click();
  await admin.getByText(/Deleted comment \d+/).waitFor();
  assert.deepEqual(await publicBodies(), []);
  await reader.reload();
  await reader.getByText("No comments yet").waitFor();

  // The author posts again; the admin blocks their browser; their next comment is refused.
  await post(author, "Buy cheap watches.");
  await author.locator("#thread article", { hasText: "Buy cheap watches." }).waitFor();
  await admin.getByLabel("held for approval").check();
  const spam = admin.locator("[data-admin-comment]", { hasText: "Buy cheap watches." });
  await spam.getByRole("button", { name: "Block browser" }).click();
  await admin.getByText("Blocked that browser.").waitFor();
  await admin.locator("[data-admin-block^='voter ']").waitFor();
  await post(author, "And more watches.");
  await author.locator("#thread [data-caucus-form-error]", { hasText: "blocked" }).waitFor();
  // The reader, on another browser, still may write.
  await post(reader, "A reader's comment.");
  await reader.locator("#thread article", { hasText: "A reader's comment." }).getByText("awaiting approval").waitFor();

  // The log has it all, newest first.
  // The page fills the log after it loads: wait for the three entries, not for the reload.
  await admin.reload();
  await admin.locator("#log li").nth(2).waitFor();
  const log = await admin.locator("#log li").allTextContents();
  assert.deepEqual(
    log.map((line) => line.split(" ").slice(1, 3).join(" ")),
    ["admin block", "admin delete", "admin approve"],
  );
  assert.deepEqual(adminErrors.filter((e) => !e.includes("403")), []);
  assert.deepEqual(readerErrors, []);
  // The refused comment is a 403 the browser reports in the console; nothing else went wrong.
  assert.deepEqual(authorErrors.filter((e) => !e.includes("403")), []);
  await Promise.all([authorContext.close(), readerContext.close(), adminContext.close()]);
});
