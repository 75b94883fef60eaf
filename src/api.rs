//! The widget's only conversation with the Caucus server, and its one error type.
//!
//! Nothing else in the widget calls `fetch`. Every way a request can go wrong — no network,
//! an HTML error page from a proxy, a body cut off halfway, a JSON error from the server — ends
//! up as one [`ApiError`] whose `Display` is a sentence the views show as it is. Deciding what
//! an answer means ([`interpret`]) is pure, so it is tested natively.
//!
//! Live updates come through here too: [`Endpoint::subscribe`] opens the thread's event stream
//! (an `EventSource`); when to open and close it is [`crate::live`]'s business.

use std::fmt;

use caucus_model::{
    limits, Comment, CommentEdit, CommentId, CreatedComment, ErrorBody, NewComment, NewVoter,
    SortOrder, ThreadEvent, ThreadResponse, VoteState,
};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::storage;

/// Where the widget keeps the anonymous voter token it was given, one per server.
pub const VOTER_STORAGE_KEY: &str = "caucus.voter";
/// The header that tells the server which voter is asking, so it can fill `viewer_voted`.
pub const VOTER_HEADER: &str = "X-Caucus-Voter";
/// The header carrying the secret that lets an author edit or delete their comment.
pub const EDIT_TOKEN_HEADER: &str = "X-Caucus-Edit-Token";

/// How long a request may take, answer body included. A server that accepts the connection
/// and then says nothing would otherwise leave "Loading comments…" on screen for as long as
/// the browser keeps the connection open (minutes); after this the reader gets a message and
/// Retry instead.
pub const REQUEST_TIMEOUT_MS: i32 = 15_000;

/// Everything that can go wrong talking to the server, each with a message for the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The request never got an answer: offline, DNS, refused connection, CORS.
    Network,
    /// The host page named a thread the server could never accept; nothing was sent.
    InvalidSlug(String),
    /// The server answered with its JSON error body: its message is meant for people, its
    /// code for the widget (`invalid_voter` asks for a new voter token).
    Server {
        status: u16,
        code: String,
        message: String,
    },
    /// An error status without a JSON body (a proxy's error page, an empty 502).
    Status(u16),
    /// A success status, but the body is not JSON (a login wall, a misrouted HTML page).
    NotJson { status: u16 },
    /// The answer stopped partway (connection dropped, proxy limit).
    Truncated,
    /// No complete answer within [`REQUEST_TIMEOUT_MS`]: a stalled server or connection.
    Timeout,
    /// JSON, but not the shape this widget knows (a server of another version).
    Unexpected(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network => {
                f.write_str("Could not reach the comment server. Check your connection and retry.")
            }
            ApiError::InvalidSlug(slug) => write!(
                f,
                "This page names its comment thread {slug:?}, which is not a valid thread name \
                 (letters, digits, - _ . ~ and /)."
            ),
            ApiError::Server { message, .. } => f.write_str(message),
            ApiError::Status(status) if *status >= 500 => write!(
                f,
                "The comment server had a problem (HTTP {status}). Please retry in a moment."
            ),
            ApiError::Status(status) => {
                write!(f, "The comment server refused the request (HTTP {status}).")
            }
            ApiError::NotJson { status } => write!(
                f,
                "The comment server sent a web page instead of comments (HTTP {status}). \
                 It may be misconfigured; please retry later."
            ),
            ApiError::Truncated => {
                f.write_str("The comment server's answer was cut off before the end. Please retry.")
            }
            ApiError::Timeout => write!(
                f,
                "The comment server did not answer within {} seconds. Please retry.",
                REQUEST_TIMEOUT_MS / 1000
            ),
            ApiError::Unexpected(detail) => write!(
                f,
                "The comment server's answer was not understood ({detail}). \
                 The server and this page may be of different versions."
            ),
        }
    }
}

impl std::error::Error for ApiError {}

/// Percent-encodes one path segment: everything but RFC 3986's unreserved characters.
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `{server}/api/threads/{slug}`, each slug segment encoded on its own so `/` keeps
/// separating them. An invalid slug is refused here: a `..` segment would otherwise be
/// resolved away by the browser's URL parser and fetch another thread than the page named.
pub fn thread_url(server: &str, slug: &str) -> Result<String, ApiError> {
    if !limits::is_valid_slug(slug) {
        return Err(ApiError::InvalidSlug(slug.to_owned()));
    }
    let path: Vec<String> = slug.split('/').map(encode_segment).collect();
    Ok(format!(
        "{}/api/threads/{}",
        server.trim_end_matches('/'),
        path.join("/")
    ))
}

/// What an answer means: the parsed body on success, otherwise the right [`ApiError`].
/// Only the parsing is generic; the rest is shared by every type the widget reads, so it is in
/// the wasm once.
pub fn interpret<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiError> {
    refusal(status, body)?;
    serde_json::from_str(body).map_err(|e| unreadable(status, body, &e))
}

/// The error an answer with a status other than 2xx stands for.
fn refusal(status: u16, body: &str) -> Result<(), ApiError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(error) if !error.message.trim().is_empty() => Err(ApiError::Server {
            status,
            code: error.error,
            message: error.message,
        }),
        _ => Err(ApiError::Status(status)),
    }
}

/// Why a success's body could not be read as what was asked for.
fn unreadable(status: u16, body: &str, error: &serde_json::Error) -> ApiError {
    match error.classify() {
        serde_json::error::Category::Eof if !body.trim().is_empty() => ApiError::Truncated,
        serde_json::error::Category::Eof | serde_json::error::Category::Syntax => {
            ApiError::NotJson { status }
        }
        _ => ApiError::Unexpected(error.to_string()),
    }
}

/// Where one widget's thread lives: the server and the thread's name. Handed to the views as a
/// context, so any of them can send a vote or a comment without threading props through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub server: String,
    pub slug: String,
}

/// What a vote is for: the page itself, or one comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoteTarget {
    Thread,
    Comment(CommentId),
}

#[derive(Clone, Copy)]
enum Method {
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl Endpoint {
    pub fn new(server: &str, slug: &str) -> Self {
        Endpoint {
            server: server.trim_end_matches('/').to_owned(),
            slug: slug.to_owned(),
        }
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api/{path}", self.server)
    }

    /// The key under which this browser keeps its voter token for this server.
    fn voter_key(&self) -> String {
        format!("{VOTER_STORAGE_KEY}:{}", self.server)
    }

    /// `GET /api/threads/{slug}`: the thread and all of its comments. `abort` cancels the
    /// request when the widget no longer wants the answer (unmounted, or replaced by a newer one).
    pub async fn fetch_thread(
        &self,
        sort: SortOrder,
        abort: Option<&web_sys::AbortSignal>,
    ) -> Result<ThreadResponse, ApiError> {
        // A thread URL has no query of its own (`thread_url` encodes every `?`).
        let url = format!(
            "{}?sort={}",
            thread_url(&self.server, &self.slug)?,
            sort.as_str()
        );
        let token = storage::get(&self.voter_key());
        let headers: Vec<(&str, &str)> = token
            .as_deref()
            .map(|token| (VOTER_HEADER, token))
            .into_iter()
            .collect();
        let early = early_answer(&url, token.as_deref().unwrap_or("")).await;
        let (status, body) = match early {
            Some(answer) => answer?,
            None => send("GET", &url, &headers, None, abort).await?,
        };
        interpret(status, &body)
    }

    /// Votes (`wanted`) or takes the vote back, as this browser's anonymous voter: asks the server
    /// for a voter token first if this browser has none, and once more if the server no longer
    /// knows the one it has.
    pub async fn vote(&self, target: VoteTarget, wanted: bool) -> Result<VoteState, ApiError> {
        let url = match target {
            VoteTarget::Thread => format!("{}/vote", thread_url(&self.server, &self.slug)?),
            VoteTarget::Comment(id) => self.api(&format!("comments/{id}/vote")),
        };
        let method = if wanted { Method::Put } else { Method::Delete };
        let mut fresh = false;
        loop {
            let token = match storage::get(&self.voter_key()) {
                Some(token) => token,
                None => {
                    fresh = true;
                    self.new_voter().await?
                }
            };
            let result = self
                .call(method, &url, None, &[(VOTER_HEADER, &token)])
                .await
                .and_then(|(status, body)| interpret(status, &body));
            match result {
                Err(ApiError::Server { ref code, .. }) if !fresh && code == "invalid_voter" => {
                    storage::remove(&self.voter_key());
                }
                other => return other,
            }
        }
    }

    async fn new_voter(&self) -> Result<String, ApiError> {
        let (status, body) = self
            .call(Method::Post, &self.api("voters"), None, &[])
            .await?;
        let NewVoter { voter } = interpret(status, &body)?;
        // Without storage the vote still counts; only the next one needs another token.
        storage::set(&self.voter_key(), &voter);
        Ok(voter)
    }

    /// `POST /api/threads/{slug}/comments`, as this browser's voter (asking for a voter token
    /// first if it has none): the server stores it as the comment's author, so that a comment
    /// held for moderation is still shown to this browser. Without a token (the server would
    /// not give one), the comment is posted all the same.
    pub async fn post_comment(&self, comment: &NewComment) -> Result<CreatedComment, ApiError> {
        let url = format!("{}/comments", thread_url(&self.server, &self.slug)?);
        let body =
            serde_json::to_string(comment).map_err(|e| ApiError::Unexpected(e.to_string()))?;
        let voter = match storage::get(&self.voter_key()) {
            Some(token) => Some(token),
            None => self.new_voter().await.ok(),
        };
        let headers: Vec<(&str, &str)> = voter
            .as_deref()
            .map(|token| (VOTER_HEADER, token))
            .into_iter()
            .collect();
        let (status, text) = self.call(Method::Post, &url, Some(body), &headers).await?;
        interpret(status, &text)
    }

    /// `PATCH /api/comments/{id}` with the author's edit token: the comment as it is now.
    pub async fn edit_comment(
        &self,
        id: CommentId,
        token: &str,
        edit: &CommentEdit,
    ) -> Result<Comment, ApiError> {
        let body = serde_json::to_string(edit).map_err(|e| ApiError::Unexpected(e.to_string()))?;
        let url = self.api(&format!("comments/{id}"));
        let (status, text) = self
            .call(
                Method::Patch,
                &url,
                Some(body),
                &[(EDIT_TOKEN_HEADER, token)],
            )
            .await?;
        interpret(status, &text)
    }

    /// `DELETE /api/comments/{id}`: `None` when the comment is gone, or the placeholder that
    /// stays in its place because it has replies.
    pub async fn delete_comment(
        &self,
        id: CommentId,
        token: &str,
    ) -> Result<Option<Comment>, ApiError> {
        let url = self.api(&format!("comments/{id}"));
        let (status, text) = self
            .call(Method::Delete, &url, None, &[(EDIT_TOKEN_HEADER, token)])
            .await?;
        if status == 204 {
            return Ok(None);
        }
        interpret(status, &text).map(Some)
    }

    /// `GET /api/threads/{slug}/events?since=<version>` as Server-Sent Events: every change
    /// after `since` comes to `on` as [`Live::Change`], then each new one as it happens. The
    /// stream is closed when the [`Subscription`] is dropped. A failure of the stream is
    /// [`Live::Broken`] and the stream is left alone: the caller closes it and decides when to
    /// try again (the browser's own reconnect would ignore the reader's screen).
    pub fn subscribe(
        &self,
        since: u64,
        on: impl Fn(Live) + 'static,
    ) -> Result<Subscription, ApiError> {
        let url = format!(
            "{}/events?since={since}",
            thread_url(&self.server, &self.slug)?
        );
        let source =
            web_sys::EventSource::new(&url).map_err(|e| ApiError::Unexpected(js_error_text(&e)))?;
        let on = std::rc::Rc::new(on);
        let change = {
            let on = on.clone();
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
                if let Some(change) = read_change(&message.data(), &message.last_event_id()) {
                    on(change);
                }
            })
        };
        let opened = {
            let on = on.clone();
            Closure::<dyn Fn()>::new(move || on(Live::Opened))
        };
        let broken = Closure::<dyn Fn()>::new(move || on(Live::Broken));
        let subscription = Subscription {
            source,
            change,
            opened,
            broken,
        };
        subscription.listen(true);
        Ok(subscription)
    }

    async fn call(
        &self,
        method: Method,
        url: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Result<(u16, String), ApiError> {
        send(method.as_str(), url, headers, body, None).await
    }
}

/// What the live stream of a thread reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Live {
    /// The stream is open (first time, or again after a failure).
    Opened,
    /// One change; `version` is the event's id, where to resume after a failure. (Boxed: a
    /// comment is large beside the other variants.)
    Change {
        version: Option<u64>,
        event: Box<ThreadEvent>,
    },
    /// The stream failed (the server went away, refused, or sent something else than events).
    Broken,
}

/// One open event stream. Dropping it closes the stream.
pub struct Subscription {
    source: web_sys::EventSource,
    change: Closure<dyn Fn(web_sys::MessageEvent)>,
    opened: Closure<dyn Fn()>,
    broken: Closure<dyn Fn()>,
}

impl Subscription {
    /// Adds (or removes) the listeners.
    fn listen(&self, on: bool) {
        let listeners: [(&str, &JsValue); 3] = [
            ("change", self.change.as_ref()),
            ("open", self.opened.as_ref()),
            ("error", self.broken.as_ref()),
        ];
        for (name, listener) in listeners {
            let listener = listener.unchecked_ref();
            let _ = if on {
                self.source.add_event_listener_with_callback(name, listener)
            } else {
                self.source
                    .remove_event_listener_with_callback(name, listener)
            };
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        // Nothing may call the listeners once they are gone.
        self.listen(false);
        self.source.close();
    }
}

/// One `change` event: its data as a [`ThreadEvent`], its id as the thread's version. An event
/// this widget cannot read (a newer server's kind of change) is skipped, not an error: the
/// next reload shows it.
pub fn read_change(data: &JsValue, id: &str) -> Option<Live> {
    let event = serde_json::from_str::<ThreadEvent>(&data.as_string()?).ok()?;
    Some(Live::Change {
        version: id.trim().parse().ok(),
        event: Box::new(event),
    })
}

/// Sends a request (with `Accept: application/json`, and `Content-Type: application/json` when
/// it has a body) and reads the whole answer, or says which way it failed. Gives up after
/// [`REQUEST_TIMEOUT_MS`]; `cancel` (the caller's own abort) stops it sooner.
async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
    cancel: Option<&web_sys::AbortSignal>,
) -> Result<(u16, String), ApiError> {
    let deadline = Deadline::start(cancel);
    let request = build_request(method, url, headers, body, deadline.as_ref())
        .map_err(|e| ApiError::Unexpected(js_error_text(&e)))?;
    let timed_out = || deadline.as_ref().is_some_and(Deadline::passed);
    let response = match fetch(&request).await {
        Ok(response) => response,
        Err(_) if timed_out() => return Err(ApiError::Timeout),
        Err(_) => return Err(ApiError::Network),
    };
    let status = response.status();
    // The status line arrived but the body did not: the connection broke partway, or stalled.
    let body = match read_text(&response).await {
        Ok(body) => body,
        Err(_) if timed_out() => return Err(ApiError::Timeout),
        Err(_) => return Err(ApiError::Truncated),
    };
    Ok((status, body))
}

/// The request as `fetch` takes it. Fails (synchronously, as the browser's `Request` does) on a
/// URL it cannot parse or a header value it refuses.
fn build_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
    deadline: Option<&Deadline>,
) -> Result<web_sys::Request, JsValue> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let all = web_sys::Headers::new()?;
    all.set("Accept", "application/json")?;
    for (name, value) in headers {
        all.set(name, value)?;
    }
    if let Some(body) = body {
        all.set("Content-Type", "application/json")?;
        init.set_body(&JsValue::from_str(&body));
    }
    init.set_headers(&all);
    if let Some(deadline) = deadline {
        init.set_signal(Some(&deadline.signal));
    }
    web_sys::Request::new_with_str_and_init(url, &init)
}

/// The window's `fetch(request)`: the widget only ever runs in a page.
async fn fetch(request: &web_sys::Request) -> Result<web_sys::Response, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    JsFuture::from(window.fetch_with_request(request))
        .await?
        .dyn_into()
}

/// The answer to this very request (URL and voter) if `embed.js` started it while the widget
/// was loading (`window.caucus.take`), read whole. `None` if it did not, or if that request
/// could not reach the server (then the widget asks itself, and says what went wrong with its
/// own request); a timeout or a body cut off are the same errors as for the widget's own.
async fn early_answer(url: &str, voter: &str) -> Option<Result<(u16, String), ApiError>> {
    let window = web_sys::window()?;
    let caucus = js_sys::Reflect::get(&window, &JsValue::from_str("caucus")).ok()?;
    let take: js_sys::Function = js_sys::Reflect::get(&caucus, &JsValue::from_str("take"))
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: js_sys::Promise = take
        .call2(&caucus, &JsValue::from_str(url), &JsValue::from_str(voter))
        .ok()?
        .dyn_into()
        .ok()?;
    let answer = JsFuture::from(promise).await.ok()?;
    if answer.as_string().as_deref() == Some("timeout") {
        return Some(Err(ApiError::Timeout));
    }
    let response: web_sys::Response = answer.dyn_into().ok()?;
    Some(match read_text(&response).await {
        Ok(body) => Ok((response.status(), body)),
        Err(_) => Err(ApiError::Truncated),
    })
}

/// The body as text. Read as bytes and copied into the wasm's memory as they are: a thread of
/// thousands of comments is megabytes, and `text()` would decode it to a JavaScript string
/// only for wasm-bindgen to encode it back to UTF-8. Invalid UTF-8 becomes U+FFFD, as `text()`
/// would make it.
async fn read_text(response: &web_sys::Response) -> Result<String, JsValue> {
    let buffer = JsFuture::from(response.array_buffer()?).await?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned()))
}

/// What a JavaScript exception says, as `TypeError: message` (or its string form).
fn js_error_text(error: &JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) => format!(
            "{}: {}",
            String::from(error.name()),
            String::from(error.message())
        ),
        None => error
            .as_string()
            .unwrap_or_else(|| "unknown error".to_owned()),
    }
}

/// The abort signal of one request: fired by a timer after [`REQUEST_TIMEOUT_MS`], or by the
/// caller's signal. Dropping it stops the timer and stops listening to the caller.
struct Deadline {
    signal: web_sys::AbortSignal,
    window: web_sys::Window,
    timer: i32,
    cancel: Option<web_sys::AbortSignal>,
    // Kept alive for as long as the timer and the listener may call them.
    _on_time: Closure<dyn FnMut()>,
    on_cancel: Closure<dyn FnMut()>,
}

impl Deadline {
    /// `None` only where there is no window or no `AbortController` (then nothing times out).
    fn start(cancel: Option<&web_sys::AbortSignal>) -> Option<Deadline> {
        let window = web_sys::window()?;
        let controller = web_sys::AbortController::new().ok()?;
        let signal = controller.signal();
        let abort = controller.clone();
        let on_time = Closure::<dyn FnMut()>::new(move || abort.abort());
        let on_cancel = Closure::<dyn FnMut()>::new(move || controller.abort());
        let timer = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                on_time.as_ref().unchecked_ref(),
                REQUEST_TIMEOUT_MS,
            )
            .ok()?;
        if let Some(cancel) = cancel {
            if cancel.aborted() {
                on_cancel
                    .as_ref()
                    .unchecked_ref::<js_sys::Function>()
                    .call0(&JsValue::NULL)
                    .ok();
            }
            cancel
                .add_event_listener_with_callback("abort", on_cancel.as_ref().unchecked_ref())
                .ok();
        }
        Some(Deadline {
            signal,
            window,
            timer,
            cancel: cancel.cloned(),
            _on_time: on_time,
            on_cancel,
        })
    }

    /// Whether the request was stopped by the timer rather than by the caller.
    fn passed(&self) -> bool {
        self.signal.aborted() && !self.cancel.as_ref().is_some_and(|c| c.aborted())
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        self.window.clear_timeout_with_handle(self.timer);
        if let Some(cancel) = &self.cancel {
            cancel
                .remove_event_listener_with_callback(
                    "abort",
                    self.on_cancel.as_ref().unchecked_ref(),
                )
                .ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"thread":{"slug":"s","title":null,"url":null,"votes":0,"viewer_voted":false},"comments":[]}"#;

    #[test]
    fn urls_encode_each_segment() {
        assert_eq!(
            thread_url("https://c.example/", "blog/2016/our-man").as_deref(),
            Ok("https://c.example/api/threads/blog/2016/our-man")
        );
        assert_eq!(encode_segment("a b/ä%"), "a%20b%2F%C3%A4%25");
        assert_eq!(
            thread_url("http://x", "../admin"),
            Err(ApiError::InvalidSlug("../admin".into()))
        );
        assert!(thread_url("http://x", "").is_err());
    }

    #[test]
    fn a_good_answer_parses() {
        let ok: ThreadResponse = interpret(200, GOOD).unwrap();
        assert_eq!(ok.thread.slug, "s");
    }

    #[test]
    fn every_failure_has_a_readable_message() {
        let html = "<!doctype html><html><body>Bad gateway</body></html>";
        let cases: Vec<(u16, &str, ApiError)> = vec![
            (200, html, ApiError::NotJson { status: 200 }),
            (200, "", ApiError::NotJson { status: 200 }),
            (200, &GOOD[..40], ApiError::Truncated),
            (502, html, ApiError::Status(502)),
            (500, "", ApiError::Status(500)),
            (404, "not found", ApiError::Status(404)),
            (
                500,
                r#"{"error":"internal","message":"The database is busy."}"#,
                ApiError::Server {
                    status: 500,
                    code: "internal".into(),
                    message: "The database is busy.".into(),
                },
            ),
        ];
        for (status, body, expected) in cases {
            let got = interpret::<ThreadResponse>(status, body).unwrap_err();
            assert_eq!(got, expected, "{status} {body:?}");
            assert!(got.to_string().ends_with('.'), "{got}");
        }
        let wrong_shape = interpret::<ThreadResponse>(200, r#"{"thread":1}"#).unwrap_err();
        assert!(matches!(wrong_shape, ApiError::Unexpected(_)));
        assert_eq!(
            ApiError::Network.to_string(),
            "Could not reach the comment server. Check your connection and retry."
        );
        assert_eq!(
            interpret::<ThreadResponse>(500, r#"{"error":"x","message":"Shown as is."}"#)
                .unwrap_err()
                .to_string(),
            "Shown as is."
        );
    }
}
