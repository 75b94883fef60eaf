// Themes against the real server: the gallery page (/themes) shows light, dark and two custom
// themes made of CSS custom properties set from outside the widget; data-caucus-theme fixes
// a theme whatever the system prefers, and without it the widget follows the system.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { ROOT, startServer, launchBrowser, watchErrors } from "./harness.mjs";

let server, browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The computed colours and font of one widget's root. */
function look(page, section) {
  return page.locator(`#${section} .caucus-root`).evaluate((el) => {
    const s = getComputedStyle(el);
    return { background: s.backgroundColor, color: s.color, font: s.fontFamily, radius: s.borderRadius };
  });
}

for (const scheme of ["light", "dark"]) {
  test(`the theme gallery on a ${scheme} system`, async () => {
    const context = await browser.newContext({ colorScheme: scheme });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.origin}/themes`);
    for (const id of ["light", "dark", "sepia", "terminal"]) {
      await page.locator(`#${id} [data-caucus-comment]`).first().waitFor();
    }
    // Fixed themes ignore what the system prefers.
    assert.equal((await look(page, "light")).background, "rgb(255, 255, 255)");
    assert.equal((await look(page, "dark")).background, "rgb(22, 27, 34)");
    // The custom themes are the page's custom properties.
    const sepia = await look(page, "sepia");
    assert.equal(sepia.background, "rgb(248, 241, 227)");
    assert.match(sepia.font, /Georgia/);
    assert.equal(sepia.radius, "2px");
    const terminal = await look(page, "terminal");
    assert.equal(terminal.background, "rgb(11, 15, 11)");
    assert.equal(terminal.color, "rgb(200, 247, 197)");
    assert.match(terminal.font, /monospace/);

    // Every theme passes axe, colour contrast included.
    await page.addScriptTag({ path: path.join(ROOT, ".tools", "node_modules", "axe-core", "axe.min.js") });
    for (const id of ["light", "dark", "sepia", "terminal"]) {
      const violations = await page.evaluate(
        async (id) =>
          (await window.axe.run({ include: [[`#${id} [data-caucus-thread]`]] }, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } })).violations.map(
            (v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`,
          ),
        id,
      );
      assert.deepEqual(violations, [], id);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test("without data-caucus-theme the widget follows the system", async () => {
  for (const [scheme, background] of [["light", "rgb(255, 255, 255)"], ["dark", "rgb(22, 27, 34)"]]) {
    const context = await browser.newContext({ colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(`${server.origin}/`);
    await page.locator("[data-caucus-comment]").first().waitFor();
    const root = page.locator(".caucus-root");
    assert.equal(await root.evaluate((el) => getComputedStyle(el).backgroundColor), background, scheme);
    await context.close();
  }
});
