// Languages against the real server: the page's <html lang> and data-caucus-lang pick the
// widget's language; Arabic is laid out right to left; "how long ago" follows the clock,
// with the exact date as the <time>'s title.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { ROOT, startServer, startHostPage, launchBrowser, watchErrors } from "./harness.mjs";

let server, host, browser;

before(async () => {
  server = await startServer();
  host = await startHostPage(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Une page</title><link rel="icon" href="data:,"></head>
<body>
  <main>
    <h1>Le blog de quelqu'un</h1>
    <div id="page" data-caucus-thread="our-man-in-libya"></div>
    <div id="ru" data-caucus-thread="our-man-in-libya" data-caucus-lang="ru"></div>
    <div id="ar" data-caucus-thread="our-man-in-libya" data-caucus-lang="ar"></div>
    <div id="de" data-caucus-thread="our-man-in-libya" data-caucus-lang="de-AT"></div>
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

test("each widget speaks its language; Arabic runs right to left; times are relative", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  // A day and a half after the seed thread was written.
  await page.clock.setFixedTime(new Date("2016-07-22T04:00:00Z"));
  await page.goto(host.origin);
  for (const id of ["page", "ru", "ar", "de"]) await page.locator(`#${id} [data-caucus-comment]`).first().waitFor();

  // No data-caucus-lang: the page's <html lang="fr">.
  assert.equal(await page.locator("#page h2").innerText(), "7 commentaires");
  assert.equal(await page.locator("#ru h2").innerText(), "7 комментариев");
  assert.equal(await page.locator("#ar h2").innerText(), "7 تعليقات");
  assert.equal(await page.locator("#de h2").innerText(), "7 Kommentare");
  const tallies = await page.locator("#ru [data-caucus-tally]").allInnerTexts();
  assert.ok(tallies.includes("2 пользователя проголосовали."), tallies.join(" | "));
  assert.ok(tallies.includes("1 пользователь проголосовал."), tallies.join(" | "));

  // Relative times, with the exact date on hover.
  const time = page.locator("#de [data-caucus-comment] time").first();
  assert.equal(await time.innerText(), "vor 1 Tag");
  assert.equal(await time.getAttribute("title"), "20 Juli 2016, 14:12 UTC");
  assert.equal(await page.locator("#ar [data-caucus-comment] time").first().innerText(), "منذ يوم واحد");
  assert.equal(await page.locator("#page [data-caucus-comment] time").first().innerText(), "il y a 1 jour");

  // Right to left: the root says so, and a reply is indented from the right.
  const layout = await page.locator("#ar [data-caucus-comment][data-depth='1']").first().evaluate((el) => {
    const s = getComputedStyle(el);
    return { direction: s.direction, left: parseFloat(s.marginLeft), right: parseFloat(s.marginRight) };
  });
  assert.equal(layout.direction, "rtl");
  assert.ok(layout.right > 0 && layout.left === 0, JSON.stringify(layout));
  assert.equal(await page.locator("#ar .caucus-root").getAttribute("dir"), "rtl");
  assert.equal(await page.locator("#ar .caucus-root").getAttribute("lang"), "ar");

  // The Arabic widget passes the same accessibility checks as the English one.
  await page.addScriptTag({ path: path.join(ROOT, ".tools", "node_modules", "axe-core", "axe.min.js") });
  const violations = await page.evaluate(async () =>
    (await window.axe.run({ include: [["#ar"]] }, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } })).violations.map(
      (v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`,
    ),
  );
  assert.deepEqual(violations, []);
  assert.deepEqual(errors, []);
  await context.close();
});
