//! The widget in a real browser (headless Chromium through wasm-bindgen-test-runner): mounted
//! as `embed.js` mounts it, into a Shadow DOM, with `window.fetch` answering from a fixture so
//! each test decides what the server says, and `window.EventSource` replaced by a fake whose
//! events each test sends.
//!
//! Run with `cargo test --target wasm32-unknown-unknown -p caucus --test widget`.
#![cfg(target_arch = "wasm32")]

use caucus_model::{Comment, Thread, ThreadEvent, ThreadResponse};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
// A fake event stream: records what was opened; the test opens, sends and breaks it.
class FakeEventSource extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.readyState = 0;
    window.__caucusStreams.push(this);
  }
  close() {
    this.readyState = 2;
  }
}
function fakeStreams() {
  window.__caucusStreams = [];
  window.EventSource = FakeEventSource;
}
// Every stream opened whose URL contains `part`: "open <url>" or "closed <url>".
export function streams(part) {
  return window.__caucusStreams
    .filter((s) => s.url.includes(part))
    .map((s) => `${s.readyState === 2 ? "closed" : "open"} ${s.url}`);
}
function latest(part) {
  return window.__caucusStreams.filter((s) => s.url.includes(part)).pop();
}
export function streamOpens(part) {
  const s = latest(part);
  s.readyState = 1;
  s.dispatchEvent(new Event("open"));
}
export function streamSends(part, id, data) {
  latest(part).dispatchEvent(new MessageEvent("change", { data, lastEventId: id }));
}
export function streamBreaks(part) {
  latest(part).dispatchEvent(new Event("error"));
}
// A fake server: a reading answers with `body`; writes answer from routes set by `route`.
export function answerWith(status, contentType, body) {
  fakeStreams();
  window.__caucusRequests = [];
  window.__caucusRoutes = {};
  window.__caucusSent = [];
  window.fetch = async (request) => {
    const method = request.method || "GET";
    if (method === "GET") {
      window.__caucusRequests.push(typeof request === "string" ? request : request.url);
      return new Response(body, { status, headers: { "content-type": contentType } });
    }
    const path = new URL(request.url).pathname;
    const sent = await request.text();
    window.__caucusSent.push(`${method} ${path} ${request.headers.get("x-caucus-voter") || ""} ${sent}`);
    const answer = window.__caucusRoutes[`${method} ${path}`];
    if (!answer) throw new TypeError("Failed to fetch");
    return new Response(answer.body, { status: answer.status, headers: { "content-type": "application/json" } });
  };
}
export function route(method, path, status, body) {
  window.__caucusRoutes[`${method} ${path}`] = { status, body };
}
export function unroute(method, path) {
  delete window.__caucusRoutes[`${method} ${path}`];
}
export function sent() {
  return window.__caucusSent.slice();
}
export function type(element, value) {
  element.value = value;
  element.dispatchEvent(new InputEvent("input", { bubbles: true }));
}
export function press(element, key, ctrl) {
  element.dispatchEvent(new KeyboardEvent("keydown", { key, ctrlKey: !!ctrl, bubbles: true }));
}
export function refuseConnections() {
  fakeStreams();
  window.fetch = async () => { throw new TypeError("Failed to fetch"); };
}
export function requests() {
  return (window.__caucusRequests || []).slice();
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = answerWith)]
    fn answer_with(status: u16, content_type: &str, body: &str);
    #[wasm_bindgen(js_name = refuseConnections)]
    fn refuse_connections();
    fn requests() -> Vec<String>;
    fn route(method: &str, path: &str, status: u16, body: &str);
    fn unroute(method: &str, path: &str);
    fn sent() -> Vec<String>;
    #[wasm_bindgen(js_name = type)]
    fn type_into(element: &Element, value: &str);
    fn press(element: &Element, key: &str, ctrl: bool);
    fn streams(part: &str) -> Vec<String>;
    #[wasm_bindgen(js_name = streamOpens)]
    fn stream_opens(part: &str);
    #[wasm_bindgen(js_name = streamSends)]
    fn stream_sends(part: &str, id: &str, data: &str);
    #[wasm_bindgen(js_name = streamBreaks)]
    fn stream_breaks(part: &str);
}

const SERVER: &str = "http://caucus.test";

fn comment(id: i64, parent_id: Option<i64>, author: &str, votes: u64) -> Comment {
    Comment {
        id,
        parent_id,
        author: author.into(),
        avatar: None,
        subject: None,
        body_html: format!("<p>body of <em>{id}</em></p>"),
        created_at: format!("2016-07-20T14:0{id}:00Z"),
        edited_at: None,
        votes,
        viewer_voted: false,
        signature: None,
        deleted: false,
        held: false,
    }
}

/// 1 ─ 2 ─ 3, and 4 at the top level. Comment 2's author is HTML-looking text.
fn fixture() -> String {
    let mut first = comment(1, None, "riverlover", 1);
    first.subject = Some("From the halls of Montezuma".into());
    first.signature = Some("Hey! my dear friends".into());
    let mut tricky = comment(2, Some(1), "<b>bold</b> & co", 0);
    tricky.signature = Some("<script>window.__pwned = 1</script>".into());
    let response = ThreadResponse {
        thread: Thread {
            slug: "libya".into(),
            title: Some("Our Man in Libya".into()),
            url: None,
            votes: 0,
            viewer_voted: false,
        },
        comments: vec![
            first,
            tricky,
            comment(3, Some(2), "Lookout", 2),
            comment(4, None, "jwa13", 0),
        ],
        version: 0,
    };
    serde_json::to_string(&response).expect("the fixture serializes")
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

/// A fresh thread element in the page, mounted the way `embed.js` does it.
fn mount_thread(slug: &str) -> (Element, ShadowRoot) {
    let host = document().create_element("div").expect("a div");
    host.set_attribute("data-caucus-thread", slug).expect("set");
    document()
        .body()
        .expect("a body")
        .append_child(&host)
        .expect("append");
    caucus::mount(&host, SERVER).expect("mounts");
    let shadow = host.shadow_root().expect("an open shadow root");
    (host, shadow)
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("a timer");
    });
    JsFuture::from(promise).await.expect("the timer fires");
}

/// Lets Yew render and the fake fetch answer, until `done` holds (or fails the test).
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..300 {
        yew::scheduler::flush().await;
        if done() {
            return;
        }
        sleep(10).await;
    }
    panic!("timed out waiting for {what}");
}

fn all(root: &ShadowRoot, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).expect("a valid selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .collect()
}

fn one(root: &ShadowRoot, selector: &str) -> Element {
    root.query_selector(selector)
        .expect("a valid selector")
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
}

fn text(element: &Element) -> String {
    element
        .dyn_ref::<HtmlElement>()
        .map(|e| e.inner_text())
        .unwrap_or_default()
}

fn click(element: &Element) {
    element
        .dyn_ref::<HtmlElement>()
        .expect("an HTML element")
        .click();
}

#[wasm_bindgen_test]
async fn renders_the_thread_with_every_part_of_a_comment() {
    answer_with(200, "application/json", &fixture());
    let (host, root) = mount_thread("libya");
    until("the comments", || {
        all(&root, "[data-caucus-comment]").len() == 4
    })
    .await;

    let comments = all(&root, "[data-caucus-comment]");
    let depths: Vec<String> = comments
        .iter()
        .filter_map(|c| c.get_attribute("data-depth"))
        .collect();
    assert_eq!(depths, ["0", "1", "2", "0"]);

    let tallies: Vec<String> = all(&root, "[data-caucus-tally]").iter().map(text).collect();
    assert_eq!(
        tallies,
        [
            "1 user has voted.",
            "0 users have voted.",
            "2 users have voted.",
            "0 users have voted."
        ]
    );
    assert_eq!(
        text(&one(&root, "[data-caucus-thread-tally]")),
        "0 users have voted."
    );
    assert_eq!(text(&one(&root, "h2")), "4 comments");

    let first = &comments[0];
    let first_text = text(first);
    for part in [
        "riverlover",
        "From the halls of Montezuma",
        "body of 1",
        "Hey! my dear friends",
        "years ago",
    ] {
        assert!(
            first_text.contains(part),
            "{part:?} missing from {first_text:?}"
        );
    }
    // How long ago is shown; the exact date is the <time>'s title and machine-readable value.
    let time = first
        .query_selector("time")
        .expect("selector")
        .expect("a time");
    assert_eq!(
        time.get_attribute("title").as_deref(),
        Some("20 Jul 2016, 14:01 UTC")
    );
    assert_eq!(
        time.get_attribute("datetime").as_deref(),
        Some("2016-07-20T14:01:00Z")
    );
    // The body is the server's sanitized HTML; everything else is text.
    assert!(first
        .query_selector(".caucus-body em")
        .expect("selector")
        .is_some());
    assert!(first
        .query_selector("svg.caucus-avatar")
        .expect("selector")
        .is_some());
    let vote = one(&root, "[data-caucus-comment='1'] [data-caucus-vote]");
    assert_eq!(vote.get_attribute("aria-pressed").as_deref(), Some("false"));
    assert_eq!(vote.tag_name(), "BUTTON");

    let tricky = &comments[1];
    assert_eq!(text(&one(&root, "#caucus-by-2")), "<b>bold</b> & co");
    assert!(tricky
        .query_selector(".caucus-author b")
        .expect("selector")
        .is_none());
    assert!(tricky.query_selector("script").expect("selector").is_none());
    assert!(
        js_sys::Reflect::get(&web_sys::window().expect("window"), &"__pwned".into())
            .expect("get")
            .is_undefined()
    );

    assert_eq!(
        requests(),
        ["http://caucus.test/api/threads/libya?sort=oldest"]
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn collapsing_hides_every_reply_below_and_expanding_brings_them_back() {
    answer_with(200, "application/json", &fixture());
    let (host, root) = mount_thread("libya");
    until("the comments", || {
        all(&root, "[data-caucus-comment]").len() == 4
    })
    .await;

    // Only comments with replies have the control.
    assert_eq!(all(&root, "[data-caucus-collapse]").len(), 2);
    let collapse = one(&root, "[data-caucus-comment='1'] [data-caucus-collapse]");
    assert_eq!(
        collapse.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    click(&collapse);
    until("the collapse", || {
        all(&root, "[data-caucus-comment]").len() == 2
    })
    .await;
    let collapse = one(&root, "[data-caucus-comment='1'] [data-caucus-collapse]");
    assert_eq!(
        collapse.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert_eq!(
        text(&one(&root, "[data-caucus-comment='1'] .caucus-hidden")),
        "2 replies hidden"
    );

    click(&collapse);
    until("the expansion", || {
        all(&root, "[data-caucus-comment]").len() == 4
    })
    .await;
    assert!(root
        .query_selector(".caucus-hidden")
        .expect("selector")
        .is_none());
    host.remove();
}

#[wasm_bindgen_test]
async fn a_failed_load_says_why_and_retry_recovers() {
    answer_with(
        500,
        "text/html",
        "<html><body><h1>Internal Server Error</h1></body></html>",
    );
    let (host, root) = mount_thread("libya");
    until("the error", || {
        root.query_selector("[data-caucus-error]")
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    let error = one(&root, "[data-caucus-error]");
    assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));
    assert!(text(&error).contains("HTTP 500"), "{}", text(&error));

    answer_with(200, "application/json", &fixture());
    let retry = one(&root, "[data-caucus-error] button");
    assert_eq!(text(&retry), "Retry");
    click(&retry);
    until("the comments", || {
        all(&root, "[data-caucus-comment]").len() == 4
    })
    .await;
    host.remove();
}

#[wasm_bindgen_test]
async fn an_unreachable_server_and_a_bad_slug_each_get_a_message() {
    refuse_connections();
    let (host, root) = mount_thread("libya");
    until("the error", || {
        root.query_selector("[data-caucus-error]")
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    assert!(text(&one(&root, "[data-caucus-error]")).contains("Could not reach the comment server"));
    host.remove();

    answer_with(200, "application/json", &fixture());
    let (host, root) = mount_thread("../admin");
    until("the error", || {
        root.query_selector("[data-caucus-error]")
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    assert!(text(&one(&root, "[data-caucus-error]")).contains("not a valid thread name"));
    assert!(requests().is_empty(), "an invalid slug is never requested");
    host.remove();
}

#[wasm_bindgen_test]
async fn two_threads_on_one_page_live_side_by_side() {
    answer_with(200, "application/json", &fixture());
    let (first_host, first) = mount_thread("libya");
    let (second_host, second) = mount_thread("libya");
    until("both threads", || {
        all(&first, "[data-caucus-comment]").len() == 4
            && all(&second, "[data-caucus-comment]").len() == 4
    })
    .await;
    click(&one(
        &first,
        "[data-caucus-comment='1'] [data-caucus-collapse]",
    ));
    until("the collapse", || {
        all(&first, "[data-caucus-comment]").len() == 2
    })
    .await;
    assert_eq!(
        all(&second, "[data-caucus-comment]").len(),
        4,
        "the other widget is untouched"
    );
    // Mounting again skips elements that already hold a widget.
    assert_eq!(caucus::mount_all(SERVER).expect("mount_all"), 0);
    first_host.remove();
    second_host.remove();
}

fn value_of(root: &ShadowRoot, selector: &str) -> String {
    let element = one(root, selector);
    js_sys::Reflect::get(&element, &"value".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

fn clear_storage() {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.clear();
    }
}

#[wasm_bindgen_test]
async fn a_vote_shows_at_once_and_a_refusal_rolls_back_with_the_reason() {
    clear_storage();
    answer_with(200, "application/json", &fixture());
    route("POST", "/api/voters", 201, r#"{"voter":"v-1"}"#);
    route(
        "PUT",
        "/api/comments/4/vote",
        200,
        r#"{"votes":1,"viewer_voted":true}"#,
    );
    let (host, root) = mount_thread("libya");
    until("the comments", || {
        all(&root, "[data-caucus-comment]").len() == 4
    })
    .await;

    let vote = one(&root, "[data-caucus-comment='4'] [data-caucus-vote]");
    click(&vote);
    until("the vote", || {
        text(&one(&root, "[data-caucus-comment='4'] [data-caucus-tally]")) == "1 user has voted."
    })
    .await;
    assert_eq!(vote.get_attribute("aria-pressed").as_deref(), Some("true"));
    // Answered: a press while a vote is on its way would be ignored.
    until("the answer", || vote.get_attribute("aria-busy").is_none()).await;
    assert_eq!(
        sent(),
        ["POST /api/voters  ", "PUT /api/comments/4/vote v-1 "],
        "a voter token first, then the vote with it"
    );

    // Taking it back is refused: the tally returns and the reason shows.
    route(
        "DELETE",
        "/api/comments/4/vote",
        429,
        r#"{"error":"rate_limited","message":"Too many votes from your network. Try again in 40 seconds."}"#,
    );
    click(&vote);
    until("the refusal", || {
        root.query_selector("[data-caucus-comment='4'] .caucus-problem")
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    assert_eq!(
        text(&one(&root, "[data-caucus-comment='4'] .caucus-problem")),
        "Too many votes from your network. Try again in 40 seconds."
    );
    assert_eq!(
        text(&one(&root, "[data-caucus-comment='4'] [data-caucus-tally]")),
        "1 user has voted."
    );
    assert_eq!(vote.get_attribute("aria-pressed").as_deref(), Some("true"));
    host.remove();
}

fn created(id: i64, parent: Option<i64>, body: &str) -> String {
    let mut new = comment(id, parent, "Anonymous", 0);
    new.body_html = format!("<p>{body}</p>");
    new.created_at = "2016-07-20T15:00:00Z".into();
    serde_json::to_string(&caucus_model::CreatedComment {
        comment: new,
        edit_token: "edit-secret".into(),
    })
    .expect("serializes")
}

#[wasm_bindgen_test]
async fn a_reply_keeps_its_draft_survives_a_failed_send_and_lands_in_its_place() {
    clear_storage();
    answer_with(200, "application/json", &fixture());
    let (host, root) = mount_thread("libya");
    until("the comments", || {
        all(&root, "[data-caucus-comment]").len() == 4
    })
    .await;

    let reply = one(&root, "[data-caucus-comment='2'] [data-caucus-reply]");
    click(&reply);
    until("the reply form", || {
        root.query_selector("[data-caucus-comment='2'] form")
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    assert_eq!(
        reply.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    let body = "[data-caucus-comment='2'] form textarea";
    type_into(&one(&root, body), "to the *shores* of Tripoli");
    yew::scheduler::flush().await;

    // Another mount of the same thread (a reload) finds the draft.
    let (other_host, other) = mount_thread("libya");
    until("the comments", || {
        all(&other, "[data-caucus-comment]").len() == 4
    })
    .await;
    click(&one(
        &other,
        "[data-caucus-comment='2'] [data-caucus-reply]",
    ));
    until("the draft", || {
        other.query_selector(body).ok().flatten().is_some()
            && value_of(&other, body) == "to the *shores* of Tripoli"
    })
    .await;
    other_host.remove();

    // The server is unreachable: the text stays, and the reason shows.
    click(&one(
        &root,
        "[data-caucus-comment='2'] form [data-caucus-send]",
    ));
    until("the error", || {
        root.query_selector("[data-caucus-form-error]")
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    assert!(text(&one(&root, "[data-caucus-form-error]")).contains("Could not reach"));
    assert_eq!(value_of(&root, body), "to the *shores* of Tripoli");

    // Now it works: the reply appears under its parent, takes focus, and the draft is gone.
    route(
        "POST",
        "/api/threads/libya/comments",
        201,
        &created(9, Some(2), "to the shores"),
    );
    press(&one(&root, body), "Enter", true);
    until("the new reply", || {
        root.query_selector("[data-caucus-comment='9']")
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    let order: Vec<String> = all(&root, "[data-caucus-comment]")
        .iter()
        .filter_map(|c| c.get_attribute("data-caucus-comment"))
        .collect();
    assert_eq!(order, ["1", "2", "3", "9", "4"]);
    assert_eq!(
        one(&root, "[data-caucus-comment='9']")
            .get_attribute("data-depth")
            .as_deref(),
        Some("2")
    );
    until("the focus", || {
        root.active_element()
            .and_then(|e| e.get_attribute("data-caucus-comment"))
            .as_deref()
            == Some("9")
    })
    .await;
    assert!(root
        .query_selector("[data-caucus-comment='2'] form")
        .expect("selector")
        .is_none());
    let posted = sent().pop().unwrap_or_default();
    assert!(
        posted.contains(r#""parent_id":2"#) && posted.contains("to the *shores* of Tripoli"),
        "{posted}"
    );
    // The author may edit it now.
    assert!(root
        .query_selector("[data-caucus-comment='9'] [data-caucus-edit]")
        .expect("selector")
        .is_some());
    host.remove();

    let (host, root) = mount_thread("libya");
    until("the comments", || {
        all(&root, "[data-caucus-comment]").len() == 4
    })
    .await;
    click(&one(&root, "[data-caucus-comment='2'] [data-caucus-reply]"));
    until("the empty form", || {
        root.query_selector(body).ok().flatten().is_some()
    })
    .await;
    assert_eq!(value_of(&root, body), "", "the sent draft is cleared");
    // Escape closes the form and gives focus back to the reply button.
    press(&one(&root, body), "Escape", false);
    until("the form to close", || {
        root.query_selector(body).ok().flatten().is_none()
    })
    .await;
    assert_eq!(
        root.active_element()
            .and_then(|e| e.get_attribute("data-caucus-reply")),
        Some(String::new())
    );
    unroute("POST", "/api/threads/libya/comments");
    host.remove();
}

#[wasm_bindgen_test]
async fn speaks_the_language_asked_for_with_its_plurals_and_direction() {
    answer_with(200, "application/json", &fixture());
    let lang = |asked: Option<&str>| {
        let host = document().create_element("div").expect("a div");
        host.set_attribute("data-caucus-thread", "libya")
            .expect("set");
        if let Some(asked) = asked {
            host.set_attribute("data-caucus-lang", asked).expect("set");
        }
        document()
            .body()
            .expect("a body")
            .append_child(&host)
            .expect("append");
        caucus::mount(&host, SERVER).expect("mounts");
        host.shadow_root().expect("an open shadow root")
    };
    // The test page's <html> has no lang: English unless the element asks.
    let (en, ru, ar, de) = (
        lang(None),
        lang(Some("ru")),
        lang(Some("ar-EG")),
        lang(Some("de")),
    );
    until("four threads", || {
        [&en, &ru, &ar, &de]
            .iter()
            .all(|root| all(root, "[data-caucus-comment]").len() == 4)
    })
    .await;
    let tallies = |root: &ShadowRoot| -> Vec<String> {
        all(root, "[data-caucus-tally]").iter().map(text).collect()
    };
    assert_eq!(tallies(&en)[0], "1 user has voted.");
    assert_eq!(
        tallies(&ru)[..3],
        [
            "1 пользователь проголосовал.",
            "0 пользователей проголосовали.",
            "2 пользователя проголосовали."
        ]
    );
    assert_eq!(
        tallies(&ar)[..3],
        ["صوّت مستخدم واحد.", "لم يصوّت أي مستخدم.", "صوّت مستخدمان."]
    );
    assert_eq!(text(&one(&de, "h2")), "4 Kommentare");
    assert_eq!(text(&one(&ru, "h2")), "4 комментария");
    let root = |shadow: &ShadowRoot| one(shadow, ".caucus-root");
    assert_eq!(root(&ar).get_attribute("dir").as_deref(), Some("rtl"));
    assert_eq!(root(&ar).get_attribute("lang").as_deref(), Some("ar"));
    assert_eq!(root(&de).get_attribute("dir").as_deref(), Some("ltr"));
    // Forms and buttons too.
    assert!(text(&one(&de, "form")).contains("Kommentar (Markdown)"));
    assert_eq!(text(&one(&ru, "[data-caucus-reply]")), "ответить");
}

#[wasm_bindgen_test]
async fn a_held_comment_is_marked_for_its_author_who_posts_as_their_voter() {
    clear_storage();
    let mut response: ThreadResponse = serde_json::from_str(&fixture()).expect("parses");
    let mut held = comment(5, None, "me", 0);
    held.held = true;
    response.comments.push(held);
    answer_with(
        200,
        "application/json",
        &serde_json::to_string(&response).expect("serializes"),
    );
    route("POST", "/api/voters", 201, r#"{"voter":"v-7"}"#);
    let mut new = comment(9, None, "Anonymous", 0);
    new.held = true;
    route(
        "POST",
        "/api/threads/libya/comments",
        201,
        &serde_json::to_string(&caucus_model::CreatedComment {
            comment: new,
            edit_token: "edit-secret".into(),
        })
        .expect("serializes"),
    );
    let (host, root) = mount_thread("libya");
    until("the comments", || {
        all(&root, "[data-caucus-comment]").len() == 5
    })
    .await;
    assert_eq!(
        text(&one(&root, "[data-caucus-comment='5'] [data-caucus-held]")),
        "awaiting approval"
    );
    assert!(all(&root, "[data-caucus-comment='4'] [data-caucus-held]").is_empty());
    // Nobody can vote for it or answer it yet, its author included.
    assert!(all(&root, "[data-caucus-comment='5'] [data-caucus-vote]").is_empty());
    assert!(all(&root, "[data-caucus-comment='5'] [data-caucus-reply]").is_empty());

    let form = all(&root, "form[data-caucus-form]")
        .into_iter()
        .next()
        .expect("the thread's form");
    let textarea = form
        .query_selector("textarea")
        .ok()
        .flatten()
        .expect("a textarea");
    type_into(&textarea, "first words");
    yew::scheduler::flush().await;
    press(&textarea, "Enter", true);
    until("the new comment", || {
        root.query_selector("[data-caucus-comment='9'] [data-caucus-held]")
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    let sent = sent();
    assert_eq!(sent[0], "POST /api/voters  ");
    assert!(
        sent[1].starts_with("POST /api/threads/libya/comments v-7 "),
        "the comment is posted as this browser's voter: {sent:?}"
    );
    host.remove();
}

/// A thread of `n` top-level comments, ids 1..=n, in order.
fn big_thread(n: i64) -> String {
    let comments = (1..=n)
        .map(|id| {
            let mut c = comment(id, None, &format!("reader {}", id % 7), 0);
            c.created_at = format!("2016-07-20T{:02}:{:02}:00Z", id / 60, id % 60);
            c
        })
        .collect();
    let mut response: ThreadResponse = serde_json::from_str(&fixture()).expect("the fixture");
    response.comments = comments;
    serde_json::to_string(&response).expect("serializes")
}

fn ids_of(root: &ShadowRoot) -> Vec<String> {
    all(root, "[data-caucus-comment]")
        .iter()
        .filter_map(|c| c.get_attribute("data-caucus-comment"))
        .collect()
}

/// Every comment in the DOM, in order: live, or as text in a dormant block.
fn ids_in_dom(root: &ShadowRoot) -> Vec<String> {
    all(root, "[data-caucus-comment], [data-caucus-dormant]")
        .iter()
        .filter_map(|c| {
            c.get_attribute("data-caucus-comment")
                .or_else(|| c.get_attribute("data-caucus-dormant"))
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_long_thread_is_all_in_the_dom_and_turns_live_where_the_reader_scrolls() {
    // Several blocks (components::thread::BLOCK); the test page is one screen high.
    let n = (caucus::components::thread::BLOCK * 9 + 3) as i64;
    let mut response: ThreadResponse = serde_json::from_str(&big_thread(n)).expect("parses");
    // Far down the list, a name and a subject that are markup, and must stay text.
    response.comments[n as usize - 2].author = "<img src=x data-evil=1>".into();
    response.comments[n as usize - 2].subject = Some("<b data-evil=1>bold</b>".into());
    answer_with(
        200,
        "application/json",
        &serde_json::to_string(&response).expect("serializes"),
    );
    // At the top of the page, whatever an earlier test scrolled to.
    web_sys::window()
        .expect("a window")
        .scroll_to_with_x_and_y(0.0, 0.0);
    let (host, root) = mount_thread("big");
    until("every comment", || ids_in_dom(&root).len() == n as usize).await;
    let expected: Vec<String> = (1..=n).map(|id| id.to_string()).collect();
    assert_eq!(ids_in_dom(&root), expected);
    // The first block is live, the last is not: it is text, until the reader gets there.
    assert!(ids_of(&root).contains(&"1".to_owned()));
    let far = format!("[data-caucus-dormant='{}']", n - 1);
    let dormant = one(&root, &far);
    // (Its text through `textContent`: the browser may skip rendering it, off screen.)
    let content = |selector: &str| one(&root, selector).text_content().unwrap_or_default();
    assert_eq!(
        content(&format!("{far} .caucus-author")),
        "<img src=x data-evil=1>"
    );
    assert_eq!(
        content(&format!("{far} .caucus-subject")),
        "<b data-evil=1>bold</b>"
    );
    assert!(all(&root, "[data-evil]").is_empty(), "names are text");
    assert!(content(&far).contains(&format!("body of {}", n - 1)));

    // Scrolled to, it turns live, and a vote there changes its own tally.
    dormant.scroll_into_view();
    let selector = format!("[data-caucus-comment='{}']", n - 1);
    until("the block live", || {
        root.query_selector(&selector).ok().flatten().is_some()
    })
    .await;
    assert_eq!(
        text(&one(&root, &format!("{selector} .caucus-author"))),
        "<img src=x data-evil=1>"
    );
    assert!(all(&root, "[data-evil]").is_empty(), "names are text");
    route("POST", "/api/voters", 201, r#"{"voter":"v-1"}"#);
    let path = format!("/api/comments/{}/vote", n - 1);
    route("PUT", &path, 200, r#"{"votes":1,"viewer_voted":true}"#);
    let vote = one(&root, &format!("{selector} [data-caucus-vote]"));
    click(&vote);
    until("the vote", || {
        text(&one(&root, &format!("{selector} [data-caucus-tally]"))) == "1 user has voted."
    })
    .await;
    // Answered, so no request of this test is still on its way when the next one starts.
    until("the answer", || vote.get_attribute("aria-busy").is_none()).await;
    assert_eq!(ids_in_dom(&root), expected);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_permalink_to_the_end_of_a_long_thread_renders_focuses_and_marks_it() {
    let n = (caucus::components::thread::BLOCK * 9 + 3) as i64;
    answer_with(200, "application/json", &big_thread(n));
    set_fragment(&format!("#caucus-c{n}"));
    let (host, root) = mount_thread("big");
    let target = n.to_string();
    until("the focus on the last comment", || {
        root.active_element()
            .and_then(|e| e.get_attribute("data-caucus-comment"))
            .as_deref()
            == Some(target.as_str())
    })
    .await;
    let marked = one(&root, ".caucus-highlighted");
    assert_eq!(marked.get_attribute("data-caucus-comment"), Some(target));
    set_fragment("#");
    host.remove();
}

/// Puts a fragment into the page's address without a `hashchange` (as when a page opens).
fn set_fragment(fragment: &str) {
    let window = web_sys::window().expect("window");
    let history = js_sys::Reflect::get(&window, &"history".into()).expect("history");
    let replace: js_sys::Function = js_sys::Reflect::get(&history, &"replaceState".into())
        .expect("replaceState")
        .dyn_into()
        .expect("a function");
    replace
        .call3(&history, &JsValue::NULL, &"".into(), &fragment.into())
        .expect("replaced");
}

/// The fixture as read at thread version 7.
fn fixture_at_version_7() -> String {
    let mut response: ThreadResponse =
        serde_json::from_str(&fixture()).expect("the fixture parses");
    response.version = 7;
    serde_json::to_string(&response).expect("serializes")
}

fn change(event: &ThreadEvent) -> String {
    serde_json::to_string(event).expect("serializes")
}

#[wasm_bindgen_test]
async fn live_changes_land_in_place_and_new_comments_wait_for_the_reader() {
    clear_storage();
    answer_with(200, "application/json", &fixture_at_version_7());
    let (host, root) = mount_thread("live");
    until("the comments", || {
        all(&root, "[data-caucus-comment]").len() == 4
    })
    .await;
    // On screen (other tests may have left threads above it): the stream opens from the
    // version the thread was read at.
    host.scroll_into_view();
    until("the stream", || !streams("/threads/live/").is_empty()).await;
    assert_eq!(
        streams("/threads/live/"),
        ["open http://caucus.test/api/threads/live/events?since=7"]
    );
    stream_opens("/threads/live/");

    // Someone votes for Lookout's comment: its tally changes in place.
    let mut voted = comment(3, Some(2), "Lookout", 5);
    voted.body_html = "<p>edited elsewhere</p>".into();
    stream_sends(
        "/threads/live/",
        "8",
        &change(&ThreadEvent::Comment { comment: voted }),
    );
    until("the new tally", || {
        text(&one(&root, "[data-caucus-comment='3'] [data-caucus-tally]")) == "5 users have voted."
    })
    .await;
    assert!(text(&one(&root, "[data-caucus-comment='3']")).contains("edited elsewhere"));

    // Someone replies to riverlover: a button says so, and nothing is inserted yet.
    let live = one(&root, ".caucus-live");
    assert_eq!(live.get_attribute("aria-live").as_deref(), Some("polite"));
    assert!(root
        .query_selector("[data-caucus-show-new]")
        .expect("selector")
        .is_none());
    stream_sends(
        "/threads/live/",
        "9",
        &change(&ThreadEvent::Comment {
            comment: comment(5, Some(1), "newcomer", 0),
        }),
    );
    until("the button", || {
        root.query_selector("[data-caucus-show-new]")
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    let button = one(&root, "[data-caucus-show-new]");
    assert_eq!(button.tag_name(), "BUTTON");
    assert_eq!(text(&button), "1 new comment");
    assert_eq!(all(&root, "[data-caucus-comment]").len(), 4);
    assert_eq!(text(&one(&root, "h2")), "4 comments");

    // Pressed: the reply takes its place under riverlover's comment, and the focus.
    click(&button);
    until("the new comment, focused", || {
        root.active_element()
            .and_then(|e| e.get_attribute("data-caucus-comment"))
            .as_deref()
            == Some("5")
    })
    .await;
    let order: Vec<String> = all(&root, "[data-caucus-comment]")
        .iter()
        .filter_map(|c| c.get_attribute("data-caucus-comment"))
        .collect();
    assert_eq!(order, ["1", "2", "3", "5", "4"]);
    assert!(root
        .query_selector("[data-caucus-show-new]")
        .expect("selector")
        .is_none());

    // The page's own tally.
    stream_sends(
        "/threads/live/",
        "10",
        &change(&ThreadEvent::ThreadVotes { votes: 3 }),
    );
    until("the page's tally", || {
        text(&one(&root, "[data-caucus-thread-tally]")) == "3 users have voted."
    })
    .await;

    // The stream fails: it is closed, and opened again a second later from the last event.
    stream_breaks("/threads/live/");
    assert_eq!(
        streams("/threads/live/"),
        ["closed http://caucus.test/api/threads/live/events?since=7"]
    );
    until("the second stream", || streams("/threads/live/").len() == 2).await;
    assert_eq!(
        streams("/threads/live/")[1],
        "open http://caucus.test/api/threads/live/events?since=10"
    );

    // Gone from the page: the stream is closed.
    host.remove();
    until("the stream closed", || {
        streams("/threads/live/")
            .iter()
            .all(|s| s.starts_with("closed"))
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_thread_off_screen_holds_no_stream_until_it_scrolls_into_view() {
    answer_with(200, "application/json", &fixture());
    let spacer = document().create_element("div").expect("a div");
    spacer
        .set_attribute("style", "height: 5000px")
        .expect("style");
    document()
        .body()
        .expect("a body")
        .append_child(&spacer)
        .expect("append");
    let (host, root) = mount_thread("below");
    until("the comments", || {
        all(&root, "[data-caucus-comment]").len() == 4
    })
    .await;
    // Several frames, in which an observer on screen would have reported.
    for _ in 0..10 {
        sleep(20).await;
        yew::scheduler::flush().await;
    }
    assert!(streams("/threads/below/").is_empty());

    host.scroll_into_view();
    until("the stream", || !streams("/threads/below/").is_empty()).await;
    assert_eq!(
        streams("/threads/below/"),
        ["open http://caucus.test/api/threads/below/events?since=0"]
    );
    web_sys::window()
        .expect("window")
        .scroll_to_with_x_and_y(0.0, 0.0);
    until("the stream closed", || {
        streams("/threads/below/") == ["closed http://caucus.test/api/threads/below/events?since=0"]
    })
    .await;
    host.remove();
    spacer.remove();
}
