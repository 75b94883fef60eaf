// The /admin page: the site owner's view of every thread. It asks for the admin secret (kept
// in sessionStorage, so it is gone when the tab closes), lists recent or held comments newest
// first, and calls /api/admin/ for approve, edit, delete and block. Everything shown is set as
// text, never as HTML, and the page runs under a CSP without inline script.
"use strict";

const SECRET_KEY = "caucus.admin-secret";
const $ = (selector) => document.querySelector(selector);

let secret = sessionStorage.getItem(SECRET_KEY);
let view = "held";
let before = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(child);
  }
  return node;
}

function say(message, isError = false) {
  const status = $("#status");
  status.textContent = message;
  status.className = isError ? "problem" : "";
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${secret}`, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`/api/admin/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    throw new Error(`The server answered ${response.status} without JSON.`);
  }
  if (!response.ok) {
    if (response.status === 401 || (response.status === 403 && answer.error === "wrong_admin_token")) {
      signOut();
    }
    throw new Error(answer.message || `The server answered ${response.status}.`);
  }
  return answer;
}

function signOut() {
  secret = null;
  sessionStorage.removeItem(SECRET_KEY);
  $("#signin").hidden = false;
  $("#console").hidden = true;
}

async function signIn(event) {
  event.preventDefault();
  secret = $("#secret").value.trim();
  $("#secret").value = "";
  try {
    await api("GET", "comments?limit=1");
  } catch (error) {
    say(error.message, true);
    signOut();
    return;
  }
  sessionStorage.setItem(SECRET_KEY, secret);
  say("");
  show();
}

function show() {
  $("#signin").hidden = true;
  $("#console").hidden = false;
  reload();
}

async function reload() {
  before = null;
  $("#comments").replaceChildren();
  await Promise.all([more(), loadBlocks(), loadLog()]);
}

async function more() {
  const query = new URLSearchParams({ limit: "50" });
  if (view === "held") query.set("held", "true");
  if (before !== null) query.set("before", String(before));
  try {
    const page = await api("GET", `comments?${query}`);
    for (const comment of page.comments) $("#comments").append(commentItem(comment));
    before = page.next_before;
    $("#more").hidden = before === null;
    if (!$("#comments").children.length) {
      $("#comments").append(el("li", { class: "empty" }, view === "held" ? "No comment is waiting for approval." : "No comments yet."));
    }
  } catch (error) {
    say(error.message, true);
  }
}

/** Runs an action; on success, says so and refreshes everything it may have changed. */
async function act(description, action) {
  try {
    await action();
    say(description);
    await reload();
  } catch (error) {
    say(error.message, true);
  }
}

function button(label, data, onclick) {
  const node = el("button", { type: "button", [data]: "" }, label);
  node.addEventListener("click", onclick);
  return node;
}

function commentItem(comment) {
  const meta = el(
    "p",
    { class: "meta" },
    el("strong", {}, comment.author || "(deleted)"),
    ` in ${comment.slug}, ${comment.created_at}`,
    comment.edited_at ? " (edited)" : "",
    " ",
    el("span", { class: `badge ${comment.status}` }, comment.deleted ? "deleted" : comment.status),
  );
  const body = el("div", { class: "body" });
  if (comment.subject) body.append(el("p", { class: "subject" }, comment.subject));
  body.append(el("p", { class: "text" }, comment.body));
  const who = el(
    "p",
    { class: "who" },
    `voter ${comment.voter || "unknown"} · network ${comment.network || "unknown"}`,
  );
  const actions = el("p", { class: "actions" });
  if (comment.status === "held" && !comment.deleted) {
    actions.append(button("Approve", "data-admin-approve", () =>
      act(`Approved comment ${comment.id}.`, () => api("POST", `comments/${comment.id}/approve`))));
  }
  if (!comment.deleted) {
    actions.append(button("Edit", "data-admin-edit", () => edit(item, comment)));
    actions.append(button("Delete", "data-admin-delete", () => {
      if (confirm(`Delete comment ${comment.id} by ${comment.author}?`)) {
        act(`Deleted comment ${comment.id}.`, () => api("DELETE", `comments/${comment.id}`));
      }
    }));
  }
  if (comment.voter) {
    actions.append(button("Block browser", "data-admin-block-voter", () => {
      if (confirm(`Block every write from the browser that wrote comment ${comment.id}?`)) {
        act("Blocked that browser.", () => api("POST", "blocks", { kind: "voter", target: comment.voter }));
      }
    }));
  }
  if (comment.network) {
    actions.append(button("Block network", "data-admin-block-network", () => {
      if (confirm(`Block every write from the network comment ${comment.id} came from?`)) {
        act("Blocked that network.", () => api("POST", "blocks", { kind: "network", target: comment.network }));
      }
    }));
  }
  const item = el("li", { "data-admin-comment": String(comment.id) }, meta, body, who, actions);
  return item;
}

function edit(item, comment) {
  if (item.querySelector("form")) return;
  const subject = el("input", { type: "text", "aria-label": "Subject", value: comment.subject || "" });
  const text = el("textarea", { rows: "5", "aria-label": "Comment (Markdown)" });
  text.value = comment.body;
  const form = el(
    "form",
    { class: "edit", "data-admin-edit-form": "" },
    subject,
    text,
    el("button", { type: "submit", "data-admin-save": "" }, "Save"),
  );
  const cancel = button("Cancel", "data-admin-cancel", () => form.remove());
  form.append(cancel);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const change = { body: text.value };
    if (subject.value.trim()) change.subject = subject.value;
    act(`Edited comment ${comment.id}.`, () => api("PATCH", `comments/${comment.id}`, change));
  });
  item.append(form);
  text.focus();
}

async function loadBlocks() {
  try {
    const blocks = await api("GET", "blocks");
    $("#blocks").replaceChildren(
      ...blocks.map((block) =>
        el(
          "li",
          { "data-admin-block": `${block.kind} ${block.target}` },
          `${block.kind} ${block.target} (since ${block.created_at}) `,
          button("Unblock", "data-admin-unblock", () =>
            act("Unblocked.", () => api("DELETE", `blocks/${block.kind}/${encodeURIComponent(block.target)}`))),
        )),
    );
  } catch (error) {
    say(error.message, true);
  }
}

async function loadLog() {
  try {
    const log = await api("GET", "log?limit=20");
    $("#log").replaceChildren(
      ...log.actions.map((entry) =>
        el("li", {}, `${entry.created_at} ${entry.actor} ${entry.action} ${entry.target}`)),
    );
  } catch (error) {
    say(error.message, true);
  }
}

$("#signin").addEventListener("submit", signIn);
$("#signout").addEventListener("click", () => { signOut(); say("Signed out."); });
$("#more").addEventListener("click", more);
for (const radio of document.querySelectorAll("input[name=view]")) {
  radio.addEventListener("change", () => {
    view = radio.value;
    reload();
  });
}
if (secret) show();
