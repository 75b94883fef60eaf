//! The HTTP surface of the server, and the only code that speaks HTTP.
//!
//! | method | path                           | what                                          |
//! |--------|--------------------------------|-----------------------------------------------|
//! | GET    | `/api/threads/{slug}`          | a thread and its comments; `?sort=oldest`, `newest`, `top`; with `X-Caucus-Voter`, `viewer_voted` is filled and that voter's held comments are included; `ETag`, and 304 on a matching `If-None-Match` ([`crate::reads`]) |
//! | POST   | `/api/threads/{slug}/comments` | a new comment (the thread is created on its first) → 201 `{comment, edit_token}`; `X-Caucus-Voter` names its author; with `--moderation` it may be held |
//! | PUT    | `/api/threads/{slug}/vote`     | vote for the page itself (creates the thread if absent) → `{votes, viewer_voted}` |
//! | DELETE | `/api/threads/{slug}/vote`     | take that vote back (never creates the thread) |
//! | PATCH  | `/api/comments/{id}`           | edit: `X-Caucus-Edit-Token`, within 15 minutes → the comment |
//! | DELETE | `/api/comments/{id}`           | delete, the same way → 204 gone, or 200 and the placeholder left for its replies |
//! | PUT    | `/api/comments/{id}/vote`      | vote for a comment, `X-Caucus-Voter` → `{votes, viewer_voted}` |
//! | DELETE | `/api/comments/{id}/vote`      | take that vote back                           |
//! | POST   | `/api/voters`                  | a new anonymous voter token → 201 `{voter}`   |
//! | GET    | `/api/counts?slug=a&slug=b`    | comments per thread, `{"a": 12, "b": 0}`; at most 100 slugs |
//! | GET    | `/api/openapi.json`            | the OpenAPI document of all of this ([`openapi`]) |
//! | any    | `/api/admin/...`               | moderation, behind the admin secret: see [`admin`] |
//! | any    | any other `/api/...`           | 404 `not_found`, JSON                         |
//! | OPTIONS| `/api/...`                     | CORS preflight                                |
//! | GET    | `/widget/{file}`               | the widget's files from `--assets`, loadable cross-origin |
//! | GET    | `/`                            | the demo page (`--demo`) or a short notice    |
//! | GET    | `/themes`                      | the widget's theme gallery (`--demo`)         |
//! | GET    | `/healthz`                     | `ok`                                          |
//! | GET    | `/admin`                       | the admin page (and its `admin.js`, `admin.css`); 404 without an admin secret |
//!
//! Every error under `/api` is JSON ([`AppError`]); a known path with the wrong method is 405.
//!
//! ## Writes
//!
//! Every write under `/api` passes, in this order: the origin check ([`crate::origin`], 403
//! `origin_not_allowed`), then the request body (JSON only, at most 64 KB: 415, 413, and
//! 400/422 for JSON that is malformed or has unknown or mistyped fields), the fields
//! ([`crate::submission`], 422), the voter token (401) where one is needed, the rate limit of
//! the client's network ([`crate::abuse`], 429 with `Retry-After`) after the admin's blocks
//! (403 `blocked`), the edit token and window
//! (401/403) for edits and deletes, and finally the database, where each write is one
//! transaction. A write that fails a check changes nothing.
//! Votes are idempotent: `PUT` twice is one vote, `DELETE` twice is none.
//!
//! The client's network is the socket's peer address (`ConnectInfo`, so the server must be
//! served with `into_make_service_with_connect_info`), or with `--trust-forwarded-for` the
//! right-most `X-Forwarded-For` entry. Without either (a test calling [`app`] directly),
//! every request is the one client `unknown`; tests that need addresses insert
//! `ConnectInfo<SocketAddr>` into the request's extensions, as the server does.
//!
//! ## Slugs with `/`
//!
//! A slug may contain `/` (it usually comes from a page path: `blog/2016/07/libya`), and the
//! widget may also percent-encode it (`blog%2F2016`), which axum decodes. So the thread route
//! is a catch-all, `/api/threads/{*rest}`, and the method tells what `rest` is:
//!
//! - `GET`: all of `rest` is the slug. `GET /api/threads/a/comments` is the thread `a/comments`.
//! - writes (`POST`, `PUT`, `DELETE`): the last segment of `rest` names the sub-resource
//!   (`comments`, `vote`) and what comes before it is the slug. A write to any other last
//!   segment is to a thread itself, which is read-only: 405.
//!
//! That way every slug [`caucus_model::limits::is_valid_slug`] accepts stays readable and
//! writable, and no segment name has to be reserved. Resources that are not per-thread live
//! elsewhere (`/api/comments/{id}`, `/api/voters`), so they never collide with a slug.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRequestParts, Path, Query, RawQuery, Request, State,
};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get, patch, post, put};
use axum::{Json, Router};
use caucus_model::limits::{
    is_valid_slug, EDIT_WINDOW_SECONDS, MAX_COUNT_SLUGS, MAX_REQUEST_BYTES, MAX_SLUG_CHARS,
};
use caucus_model::{
    Comment, CommentCounts, CommentEdit, CommentId, CreatedComment, ErrorBody, NewComment,
    NewVoter, SortOrder, ThreadEvent, ThreadResponse, VoteState,
};
use serde::Deserialize;
use time::OffsetDateTime;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::abuse::{Action, Network};
use crate::ballots::{comment_deleted, comment_not_found, OwnedBallot, Vote};
use crate::error::AppError;
use crate::reads::{Accepts, Encoding, ThreadRead};
use crate::store::{CommentEditRow, NewCommentRow};
use crate::submission::{check_edit, check_new_comment, CheckedComment};
use crate::tokens::{edit_token_matches, new_edit_token, VoterId};
mod admin;
mod openapi;

use crate::moderation::Moderation;
use crate::{demo, store, AppState};

/// The anonymous voter a request speaks for (a token from `POST /api/voters`).
const VOTER_HEADER: &str = "x-caucus-voter";
/// The secret a comment's author got when posting it.
const EDIT_TOKEN_HEADER: &str = "x-caucus-edit-token";

/// Builds the whole server: the API, the widget files, the pages.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route(
            "/api/threads/{*rest}",
            get(read_thread)
                .post(post_to_thread)
                .put(put_to_thread)
                .delete(delete_from_thread),
        )
        .route(
            "/api/comments/{id}",
            patch(edit_comment).delete(delete_comment),
        )
        .route(
            "/api/comments/{id}/vote",
            put(vote_for_comment).delete(unvote_comment),
        )
        .route("/api/voters", post(new_voter))
        // The site owner's side: counts for index pages.
        .route("/api/counts", get(comment_counts))
        .route("/api/openapi.json", get(openapi::openapi_json))
        // The site owner's side: moderation (`routes::admin`).
        .merge(admin::routes())
        // Must come after the routes it is for: axum applies it to the routes that exist now.
        .method_not_allowed_fallback(method_not_allowed)
        // Everything else under /api is a JSON 404 with CORS headers, so the widget can read it.
        // (A catch-all does not match an empty rest, hence the two exact paths.)
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        // `route_layer`, not `layer`: the latter would also wrap this router's default
        // fallback, which `merge` makes the fallback of the whole app. The last added is the
        // outermost: CORS answers preflights before the origin check, and adds its headers to
        // the check's refusals so the widget can read them.
        // Thread JSON compresses about fivefold; small answers (errors, tallies) are left be.
        .route_layer(CompressionLayer::new())
        .route_layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .route_layer(middleware::from_fn_with_state(state.clone(), check_origin))
        .route_layer(api_cors());

    // `scripts/build-widget.sh` writes `.br` and `.gz` beside each file, compressed once at
    // the highest levels; a file without them (a `trunk` build) is compressed on the fly.
    let widget = ServiceBuilder::new()
        .map_response(widget_headers)
        .layer(CompressionLayer::new())
        .service(
            ServeDir::new(&state.assets)
                .precompressed_br()
                .precompressed_gzip(),
        );

    Router::new()
        .route("/", get(home))
        .route("/themes", get(themes))
        .route("/healthz", get(healthz))
        .merge(admin::page_routes())
        .method_not_allowed_fallback(method_not_allowed)
        .merge(api)
        .nest_service("/widget", widget)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Reads are public, so any origin may make them. Preflight is answered for every method and
/// header the API uses; which origins may write is decided by [`check_origin`], which answers
/// a refused write with an error the widget can read (a CORS failure it could not).
/// `Retry-After` is exposed so the widget can say how long to wait.
fn api_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static("x-caucus-voter"),
            HeaderName::from_static("x-caucus-edit-token"),
            // A browser's own EventSource sends it without asking; a client that reads the
            // event stream through `fetch` (to resume it) has to ask first.
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([header::RETRY_AFTER])
}

/// Refuses writes from pages that may not write ([`crate::origin`]). Reads and preflights pass.
async fn check_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        // HTTP/2 has no Host header: the authority is in the URI.
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .or_else(|| request.uri().authority().map(|a| a.as_str()));
        let origin = String::from_utf8_lossy(origin.as_bytes());
        if !state.origins.allows(&origin, host) {
            return AppError::forbidden(
                "origin_not_allowed",
                format!(
                    "This comment server does not accept comments or votes from pages on {:?}. \
                     If that is your site, start the server with --allow-origin for it.",
                    shorten(&origin)
                ),
            )
            .into_response();
        }
    }
    next.run(request).await
}

/// The network a request comes from, as the abuse limits count it. See the module docs.
struct Client(Network);

impl FromRequestParts<AppState> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let forwarded = if state.trust_forwarded_for {
            rightmost_forwarded_for(&parts.headers)
        } else {
            None
        };
        Ok(Client(Network::of(forwarded.or(peer))))
    }
}

/// The entry our own proxy appended: the last of the last `X-Forwarded-For` header. Entries
/// before it are whatever the client claimed. An entry that is not an address is ignored.
fn rightmost_forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?;
    let entry = last.to_str().ok()?.rsplit(',').next()?.trim();
    let entry = entry
        .strip_prefix('[')
        .and_then(|e| e.strip_suffix(']'))
        .unwrap_or(entry);
    entry.parse().ok()
}

/// The widget is loaded by pages on other origins with `<script type=module>` and `import()`,
/// both of which are CORS requests; `Cross-Origin-Resource-Policy` lets pages that isolate
/// themselves (COEP) load it too. File names carry no hash, so caching stays short; and a 404
/// is not cached at all, so building the widget after starting the server just works.
fn widget_headers<B>(mut response: axum::http::Response<B>) -> axum::http::Response<B> {
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let cache = if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        "public, max-age=300"
    } else {
        "no-store"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

#[derive(Debug, Deserialize)]
struct ThreadQuery {
    sort: Option<String>,
    /// Events only: the version of the thread the reader holds.
    since: Option<String>,
}

/// `GET /api/threads/{slug}`. A thread nobody has written in yet is not an error: the widget
/// shows it as empty and ready for the first comment. Reading never creates anything.
///
/// A voter token that is not valid is ignored here rather than refused: reading must not fail
/// for an identity problem. The widget learns its token is bad when it votes (401).
#[utoipa::path(get, path = "/api/threads/{slug}", tag = "threads",
    params(("slug" = String, Path, description = "The thread; may contain `/`."), ("sort" = Option<SortOrder>, Query, description = "oldest (default), newest or top."), ("If-None-Match" = Option<String>, Header, description = "The `ETag` of the copy the reader holds."), ("X-Caucus-Voter" = Option<String>, Header, description = "The voter token from POST /api/voters.")),
    responses((status = 200, description = "The thread and its comments; an empty one if nobody wrote in it yet. `ETag` names this version of the thread as this reader sees it; `Cache-Control` is `public, no-cache` (revalidate with the `ETag`) without a voter token and `private, no-cache` with one.", body = ThreadResponse), (status = 304, description = "Not modified: the `If-None-Match` sent names the current version."), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
async fn read_thread(
    State(state): State<AppState>,
    slug: Result<Path<String>, PathRejection>,
    query: Result<Query<ThreadQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let slug = thread_slug(slug)?;
    let Query(query) = query.map_err(|err| {
        AppError::bad_request("invalid_query", format!("Invalid query string: {err}."))
    })?;
    if wants_event_stream(&headers) {
        if let Some(thread) = slug.strip_suffix("/events") {
            return thread_events(&state, thread, query.since.as_deref(), &headers).await;
        }
    }
    let order = match query.sort.as_deref() {
        None => SortOrder::default(),
        Some(name) => name.parse().map_err(|_| {
            AppError::bad_request(
                "invalid_sort",
                format!(
                    "Unknown sort order {:?}: use oldest, newest or top.",
                    shorten(name)
                ),
            )
        })?,
    };

    let voter = optional_voter(&state, &headers);
    let voter = voter
        .as_ref()
        .map(|voter| (voter.as_str(), state.keys.voter_tag(voter.as_str())));
    let read = state
        .threads
        .read(
            &state.pool,
            &slug,
            order,
            voter.as_ref().map(|(id, tag)| (*id, tag.as_str())),
            |etag| if_none_match(&headers, etag),
            Accepts::parse(
                headers
                    .get_all(header::ACCEPT_ENCODING)
                    .iter()
                    .filter_map(|value| value.to_str().ok()),
            ),
        )
        .await?;
    // What only one voter sees is theirs: a shared cache may keep only the public view, and
    // must ask again before reusing it (a new comment should reach readers at once). Either
    // way the copy is revalidated with `If-None-Match`, which costs one indexed lookup.
    let cache = if voter.is_some() {
        "private, no-cache"
    } else {
        "public, no-cache"
    };
    let (status, etag, body, encoding) = match read {
        ThreadRead::NotModified { etag } => (
            StatusCode::NOT_MODIFIED,
            etag,
            Body::empty(),
            Encoding::Identity,
        ),
        ThreadRead::Fresh {
            etag,
            body,
            encoding,
        } => (StatusCode::OK, etag, Body::from(body), encoding),
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    if status == StatusCode::OK {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // An answer compressed here already passes the compression layer untouched.
    if let Some(coding) = encoding.header() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("x-caucus-voter, accept-encoding"),
    );
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}

/// Whether the client asked for Server-Sent Events, as `EventSource` always does.
fn wants_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("text/event-stream"))
}

/// `GET /api/threads/{slug}/events` with `Accept: text/event-stream`: the thread's changes as
/// Server-Sent Events ([`crate::live`]). Without that header the same path is the thread whose
/// slug ends in `/events`, so every slug stays readable (see the module docs). Starts after
/// `Last-Event-ID` (a reconnecting `EventSource` sends it), else after `?since=`, else now.
#[utoipa::path(get, path = "/api/threads/{slug}/events", tag = "threads",
    params(("slug" = String, Path, description = "The thread; may contain `/`."), ("since" = Option<u64>, Query, description = "The `version` of the thread the reader holds: every change after it is sent."), ("Last-Event-ID" = Option<String>, Header, description = "The id of the last event received; wins over `since`."), ("Accept" = String, Header, description = "Must name `text/event-stream`.")),
    responses((status = 200, description = "A stream of `change` events, each a ThreadEvent as JSON, with the thread's version as its id; a comment line every 15 s keeps it open.", body = ThreadEvent, content_type = "text/event-stream"), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
async fn thread_events(
    state: &AppState,
    slug: &str,
    since: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let thread = if slug.is_empty() || !is_valid_slug(slug) {
        return Err(invalid_slug(slug));
    } else {
        slug.to_owned()
    };
    let last_event = headers
        .get("last-event-id")
        .map(|value| (value.to_str().unwrap_or("?"), "Last-Event-ID"));
    let since = match last_event.or(since.map(|since| (since, "since"))) {
        None => None,
        Some((text, name)) => Some(text.trim().parse::<u32>().map(i64::from).map_err(|_| {
            AppError::bad_request(
                "invalid_since",
                format!(
                    "{name} must be a thread version (a whole number), not {:?}.",
                    shorten(text)
                ),
            )
        })?),
    };
    let events = state
        .live
        .subscribe(state.pool.clone(), thread, since)
        .await;
    let stream = futures_util::stream::unfold(events, |mut events| async move {
        events
            .recv()
            .await
            .map(|event| (Ok::<_, Infallible>(event), events))
    });
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    // Proxies that buffer (nginx) would hold the events back.
    response.headers_mut().insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    Ok(response)
}

/// Whether the request's `If-None-Match` names `etag` (or is `*`). Weak and strong tags are
/// the same here: a thread's bytes are what its version says, whatever the encoding.
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| {
            let tag = tag.trim();
            tag.strip_prefix("W/").unwrap_or(tag)
        })
        .any(|tag| tag == "*" || tag == etag)
}

/// The slug of a `GET`, checked.
fn thread_slug(path: Result<Path<String>, PathRejection>) -> Result<String, AppError> {
    let Path(slug) = path.map_err(|_| undecodable_slug())?;
    if !is_valid_slug(&slug) {
        return Err(invalid_slug(&slug));
    }
    Ok(slug)
}

/// What a write under `/api/threads/` is for: see the module docs.
enum ThreadWrite {
    Comments(String),
    Vote(String),
}

impl ThreadWrite {
    fn parse(path: Result<Path<String>, PathRejection>) -> Result<ThreadWrite, AppError> {
        let Path(rest) = path.map_err(|_| undecodable_slug())?;
        let Some((slug, sub)) = rest.rsplit_once('/') else {
            return Err(AppError::method_not_allowed_but("GET"));
        };
        let write: fn(String) -> ThreadWrite = match sub {
            "comments" => ThreadWrite::Comments,
            "vote" => ThreadWrite::Vote,
            _ => return Err(AppError::method_not_allowed_but("GET")),
        };
        if !is_valid_slug(slug) {
            return Err(invalid_slug(slug));
        }
        Ok(write(slug.to_owned()))
    }

    /// For the 405 of a method this path does not take (`GET` reads the thread of that name).
    fn wrong_method(&self) -> AppError {
        AppError::method_not_allowed_but(match self {
            ThreadWrite::Comments(_) => "GET, POST",
            ThreadWrite::Vote(_) => "GET, PUT, DELETE",
        })
    }
}

async fn post_to_thread(
    State(state): State<AppState>,
    Client(network): Client,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<NewComment>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedComment>), AppError> {
    match ThreadWrite::parse(path)? {
        ThreadWrite::Comments(slug) => post_comment(state, network, slug, &headers, body).await,
        other => Err(other.wrong_method()),
    }
}

async fn put_to_thread(
    State(state): State<AppState>,
    Client(network): Client,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Json<VoteState>, AppError> {
    match ThreadWrite::parse(path)? {
        ThreadWrite::Vote(slug) => vote_for_thread(state, network, slug, &headers).await,
        other => Err(other.wrong_method()),
    }
}

async fn delete_from_thread(
    State(state): State<AppState>,
    Client(network): Client,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Json<VoteState>, AppError> {
    match ThreadWrite::parse(path)? {
        ThreadWrite::Vote(slug) => unvote_thread(state, network, slug, &headers).await,
        other => Err(other.wrong_method()),
    }
}

/// `POST /api/threads/{slug}/comments`. The thread is created with its first comment, in the
/// same transaction: a comment refused (say, for its parent) leaves no empty thread behind.
///
/// The author's voter token (`X-Caucus-Voter`, optional) is stored with the comment as the
/// author's identity: it shows them their own held comment, and the admin can block it. With
/// `--moderation`, the comment may be held ([`crate::moderation`]).
#[utoipa::path(post, path = "/api/threads/{slug}/comments", tag = "threads",
    params(("slug" = String, Path, description = "The thread; may contain `/`."), ("X-Caucus-Voter" = Option<String>, Header, description = "The voter token from POST /api/voters.")), request_body = NewComment,
    responses((status = 201, description = "Stored (or held for moderation: `comment.held`).", body = CreatedComment), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
async fn post_comment(
    state: AppState,
    network: Network,
    slug: String,
    headers: &HeaderMap,
    body: Result<Json<NewComment>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedComment>), AppError> {
    let Json(new) = body.map_err(json_error)?;
    let honeypot = new.website.as_deref().is_some_and(|w| !w.trim().is_empty());
    let checked = check_new_comment(new)?;
    let voter = optional_voter(&state, headers);
    let network_hash = refuse_blocked(&state, voter.as_ref(), network).await?;
    limit(&state, Action::Comment, network, "comments")?;
    let edit = new_edit_token()?;
    let now = store::now();
    if honeypot {
        tracing::info!(slug, "dropped a comment that filled in the honeypot field");
        return Ok((StatusCode::CREATED, Json(decoy(checked, now, edit.token))));
    }

    let _turn = state.write_turn.lock().await;
    let mut tx = store::begin_write(&state.pool).await?;
    let thread_id = store::ensure_thread(&mut tx, &slug, &now).await?;
    let author_voter = voter.as_ref().map(VoterId::as_str);
    if let Some(parent_id) = checked.parent_id {
        match store::parent(&mut tx, parent_id).await? {
            // A held comment is not there for anyone but its author, so neither are replies
            // to it.
            Some(parent)
                if parent.held
                    && (author_voter.is_none() || parent.voter.as_deref() != author_voter) =>
            {
                return Err(AppError::unprocessable(
                    "parent_not_found",
                    format!(
                        "There is no comment {parent_id} in this thread to reply to. It may \
                         have been deleted."
                    ),
                ));
            }
            Some(parent) if parent.thread_id == thread_id && !parent.deleted => {}
            Some(parent) if parent.thread_id == thread_id => {
                return Err(AppError::unprocessable(
                    "parent_deleted",
                    "The comment you are replying to has been deleted, so it takes no new \
                     replies.",
                ));
            }
            _ => {
                return Err(AppError::unprocessable(
                    "parent_not_found",
                    format!(
                        "There is no comment {parent_id} in this thread to reply to. It may \
                         have been deleted."
                    ),
                ));
            }
        }
    }
    let held = match state.moderation {
        Moderation::Off => false,
        Moderation::All => true,
        Moderation::FirstPost => {
            !store::is_known_author(&mut tx, author_voter, &network_hash).await?
        }
    };
    let id = store::insert_comment(
        &mut tx,
        &NewCommentRow {
            thread_id,
            parent_id: checked.parent_id,
            author: &checked.author,
            avatar: None,
            subject: checked.subject.as_deref(),
            body_md: &checked.body_md,
            body_html: &checked.body_html,
            signature: checked.signature.as_deref(),
            created_at: &now,
            edit_token_hash: Some(&edit.hash),
            held,
            voter: author_voter,
            network: Some(&network_hash),
        },
    )
    .await?;
    let comment = stored_comment(&mut tx, id, None).await?;
    tx.commit().await?;
    state.live.wrote();
    Ok((
        StatusCode::CREATED,
        Json(CreatedComment {
            comment,
            edit_token: edit.token,
        }),
    ))
}

/// What a bot that filled in the honeypot is told: its comment as if stored, with id 0 (no
/// comment has it), so that it has no reason to try another way. Nothing is stored.
fn decoy(checked: CheckedComment, created_at: String, edit_token: String) -> CreatedComment {
    CreatedComment {
        comment: Comment {
            id: 0,
            parent_id: checked.parent_id,
            author: checked.author,
            avatar: None,
            subject: checked.subject,
            body_html: checked.body_html,
            created_at,
            edited_at: None,
            votes: 0,
            viewer_voted: false,
            signature: checked.signature,
            deleted: false,
            held: false,
        },
        edit_token,
    }
}

/// A comment just written, read back in the same transaction: it is there.
async fn stored_comment(
    conn: &mut sqlx::AnyConnection,
    id: CommentId,
    voter: Option<&VoterId>,
) -> Result<Comment, AppError> {
    match store::fetch_comment(conn, id, voter.map(VoterId::as_str)).await? {
        Some(row) => Ok(row.into_wire()),
        None => {
            tracing::error!(id, "a comment written in this transaction is not there");
            Err(AppError::internal())
        }
    }
}

/// `PATCH /api/comments/{id}`: replaces the subject and the body, within the edit window.
#[utoipa::path(patch, path = "/api/comments/{id}", tag = "comments",
    params(("id" = i64, Path, description = "The comment."), ("X-Caucus-Edit-Token" = String, Header, description = "The edit token the comment was posted with.")), request_body = CommentEdit,
    responses((status = 200, description = "The comment as edited.", body = Comment), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
async fn edit_comment(
    State(state): State<AppState>,
    Client(network): Client,
    id: Result<Path<CommentId>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<CommentEdit>, JsonRejection>,
) -> Result<Json<Comment>, AppError> {
    let id = comment_id(id)?;
    let token = edit_token(&headers)?;
    let Json(edit) = body.map_err(json_error)?;
    let checked = check_edit(edit)?;
    let voter = optional_voter(&state, &headers);
    refuse_blocked(&state, voter.as_ref(), network).await?;
    limit(&state, Action::Comment, network, "comments")?;
    let token_hash = authorize_edit(&state, id, token).await?;

    let _turn = state.write_turn.lock().await;
    let mut tx = store::begin_write(&state.pool).await?;
    let now = store::now();
    let edited = store::edit_comment(
        &mut tx,
        id,
        &token_hash,
        &CommentEditRow {
            subject: checked.subject.as_deref(),
            body_md: &checked.body_md,
            body_html: &checked.body_html,
            edited_at: &now,
        },
    )
    .await?;
    if !edited {
        // Deleted between the check and now.
        return Err(comment_deleted());
    }
    let comment = stored_comment(&mut tx, id, voter.as_ref()).await?;
    tx.commit().await?;
    state.live.wrote();
    Ok(Json(comment))
}

/// `DELETE /api/comments/{id}`, within the edit window. A comment nobody answered is removed
/// (204); one with replies stays as a placeholder that keeps them in place, returned with 200
/// (`deleted: true`, no author, subject, body or signature on the wire). Removing a comment
/// also removes the placeholders above it that it alone was keeping.
#[utoipa::path(delete, path = "/api/comments/{id}", tag = "comments",
    params(("id" = i64, Path, description = "The comment."), ("X-Caucus-Edit-Token" = String, Header, description = "The edit token the comment was posted with.")),
    responses((status = 204, description = "Gone."), (status = 200, description = "The placeholder that keeps its replies.", body = Comment), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
async fn delete_comment(
    State(state): State<AppState>,
    Client(network): Client,
    id: Result<Path<CommentId>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = comment_id(id)?;
    let token = edit_token(&headers)?;
    refuse_blocked(&state, optional_voter(&state, &headers).as_ref(), network).await?;
    let token_hash = authorize_edit(&state, id, token).await?;

    let _turn = state.write_turn.lock().await;
    let mut tx = store::begin_write(&state.pool).await?;
    if !store::mark_deleted(&mut tx, id, &token_hash).await? {
        return Err(comment_deleted());
    }
    if store::prune_deleted(&mut tx, id).await? {
        tx.commit().await?;
        state.live.wrote();
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let placeholder = stored_comment(&mut tx, id, None).await?;
    tx.commit().await?;
    state.live.wrote();
    Ok(Json(placeholder).into_response())
}

/// Checks that `token` may edit comment `id` now; returns the stored hash it matched, which
/// the write repeats in its `WHERE` so that it changes only what was checked.
async fn authorize_edit(state: &AppState, id: CommentId, token: &str) -> Result<Vec<u8>, AppError> {
    let Some(row) = store::editable(&state.pool, id).await? else {
        return Err(comment_not_found(id));
    };
    let Some(hash) = row
        .edit_token_hash
        .filter(|hash| edit_token_matches(token, hash))
    else {
        return Err(AppError::forbidden(
            "wrong_edit_token",
            "This comment can only be changed from the browser it was written in.",
        ));
    };
    let window = Duration::from_secs(EDIT_WINDOW_SECONDS);
    let open = store::parse_timestamp(&row.created_at)
        .is_some_and(|created| OffsetDateTime::now_utc() - created <= window);
    if !open {
        return Err(AppError::forbidden(
            "edit_window_closed",
            format!(
                "A comment can only be edited or deleted in the first {} minutes after it \
                 was posted, and that time is over.",
                EDIT_WINDOW_SECONDS / 60
            ),
        ));
    }
    if row.deleted {
        return Err(comment_deleted());
    }
    Ok(hash)
}

fn comment_id(path: Result<Path<CommentId>, PathRejection>) -> Result<CommentId, AppError> {
    path.map(|Path(id)| id).map_err(|_| {
        AppError::new(
            StatusCode::NOT_FOUND,
            "comment_not_found",
            "There is no such comment: comment ids are numbers.",
        )
    })
}

fn edit_token(headers: &HeaderMap) -> Result<&str, AppError> {
    headers
        .get(EDIT_TOKEN_HEADER)
        .and_then(|token| token.to_str().ok())
        .ok_or_else(|| {
            AppError::unauthorized(
                "missing_edit_token",
                "Only the author can change a comment: the request has no X-Caucus-Edit-Token.",
            )
        })
}

/// `POST /api/voters`: an anonymous voter identity. Nothing is stored: the token is signed.
#[utoipa::path(post, path = "/api/voters", tag = "votes",
    responses((status = 201, description = "A new anonymous voter token.", body = NewVoter), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
async fn new_voter(
    State(state): State<AppState>,
    Client(network): Client,
) -> Result<(StatusCode, Json<NewVoter>), AppError> {
    limit(&state, Action::NewVoter, network, "new voters")?;
    let voter = state.keys.mint_voter()?;
    Ok((StatusCode::CREATED, Json(NewVoter { voter })))
}

/// The voter a vote speaks for, once the checks every vote passes are done: a valid token
/// (401), not blocked (403), within the network's rate (429).
async fn admitted_voter(
    state: &AppState,
    headers: &HeaderMap,
    network: Network,
) -> Result<VoterId, AppError> {
    let voter = voter(state, headers)?;
    refuse_blocked(state, Some(&voter), network).await?;
    limit(state, Action::Vote, network, "votes")?;
    Ok(voter)
}

/// The voter a write speaks for: 401 without a valid token.
fn voter(state: &AppState, headers: &HeaderMap) -> Result<VoterId, AppError> {
    let token = headers.get(VOTER_HEADER).ok_or_else(|| {
        AppError::unauthorized(
            "missing_voter",
            "Voting needs a voter token (header X-Caucus-Voter, from POST /api/voters).",
        )
    })?;
    token
        .to_str()
        .ok()
        .and_then(|token| state.keys.verify_voter(token))
        .ok_or_else(|| {
            AppError::unauthorized(
                "invalid_voter",
                "This voter token was not issued by this server. Ask for a new one and vote \
                 again.",
            )
        })
}

/// The voter a request speaks for, if it names a valid one: for answers that only show more
/// with a voter.
fn optional_voter(state: &AppState, headers: &HeaderMap) -> Option<VoterId> {
    voter(state, headers).ok()
}

fn owned_ballot(state: &AppState, voter: &VoterId, network: &[u8]) -> OwnedBallot {
    OwnedBallot {
        voter: voter.as_str().to_owned(),
        network: Some(network.to_vec()),
        network_cap: state.abuse.votes_per_network_per_target(),
        at: store::now(),
    }
}

/// `PUT /api/comments/{id}/vote`.
#[utoipa::path(put, path = "/api/comments/{id}/vote", tag = "votes",
    params(("id" = i64, Path, description = "The comment."), ("X-Caucus-Voter" = String, Header, description = "The voter token from POST /api/voters.")),
    responses((status = 200, description = "The comment's tally with this vote.", body = VoteState), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
async fn vote_for_comment(
    State(state): State<AppState>,
    Client(network): Client,
    id: Result<Path<CommentId>, PathRejection>,
    headers: HeaderMap,
) -> Result<Json<VoteState>, AppError> {
    let id = comment_id(id)?;
    let voter = admitted_voter(&state, &headers, network).await?;
    let network = state.keys.network_hash(network);
    let vote = Vote::ForComment {
        id,
        ballot: owned_ballot(&state, &voter, &network),
    };
    Ok(Json(state.ballots.cast(vote).await?))
}

/// `DELETE /api/comments/{id}/vote`.
#[utoipa::path(delete, path = "/api/comments/{id}/vote", tag = "votes",
    params(("id" = i64, Path, description = "The comment."), ("X-Caucus-Voter" = String, Header, description = "The voter token from POST /api/voters.")),
    responses((status = 200, description = "The comment's tally without this vote.", body = VoteState), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
async fn unvote_comment(
    State(state): State<AppState>,
    Client(network): Client,
    id: Result<Path<CommentId>, PathRejection>,
    headers: HeaderMap,
) -> Result<Json<VoteState>, AppError> {
    let id = comment_id(id)?;
    let voter = admitted_voter(&state, &headers, network).await?;

    let vote = Vote::WithdrawFromComment {
        id,
        voter: voter.as_str().to_owned(),
    };
    Ok(Json(state.ballots.cast(vote).await?))
}

/// `PUT /api/threads/{slug}/vote`. A thread nobody has commented on yet is created by its
/// first vote: the page's vote button works before any comment exists, as the widget shows it.
#[utoipa::path(put, path = "/api/threads/{slug}/vote", tag = "votes",
    params(("slug" = String, Path, description = "The thread; may contain `/`."), ("X-Caucus-Voter" = String, Header, description = "The voter token from POST /api/voters.")),
    responses((status = 200, description = "The page's tally with this vote.", body = VoteState), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
async fn vote_for_thread(
    state: AppState,
    network: Network,
    slug: String,
    headers: &HeaderMap,
) -> Result<Json<VoteState>, AppError> {
    let voter = admitted_voter(&state, headers, network).await?;
    let network = state.keys.network_hash(network);
    let vote = Vote::ForThread {
        slug,
        ballot: owned_ballot(&state, &voter, &network),
    };
    Ok(Json(state.ballots.cast(vote).await?))
}

/// `DELETE /api/threads/{slug}/vote`. Taking back a vote from a thread that does not exist is
/// not an error: the answer is the state asked for, no vote, and nothing is created.
#[utoipa::path(delete, path = "/api/threads/{slug}/vote", tag = "votes",
    params(("slug" = String, Path, description = "The thread; may contain `/`."), ("X-Caucus-Voter" = String, Header, description = "The voter token from POST /api/voters.")),
    responses((status = 200, description = "The page's tally without this vote.", body = VoteState), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
async fn unvote_thread(
    state: AppState,
    network: Network,
    slug: String,
    headers: &HeaderMap,
) -> Result<Json<VoteState>, AppError> {
    let voter = admitted_voter(&state, headers, network).await?;

    let vote = Vote::WithdrawFromThread {
        slug,
        voter: voter.as_str().to_owned(),
    };
    Ok(Json(state.ballots.cast(vote).await?))
}

/// `GET /api/counts?slug=a&slug=b`: one request answers a whole blog index page. The query is
/// read by hand because the same key repeats; any other key is refused, like an unknown field.
#[utoipa::path(get, path = "/api/counts", tag = "threads",
    params(("slug" = Vec<String>, Query, description = "A thread; repeat for more, at most 100.")),
    responses((status = 200, description = "Comments per slug; 0 for a thread nobody wrote in.", body = CommentCounts), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
async fn comment_counts(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<CommentCounts>, AppError> {
    let mut slugs: Vec<String> = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        if key != "slug" {
            return Err(AppError::bad_request(
                "invalid_query",
                format!(
                    "Unknown query parameter {:?}: only slug is taken.",
                    shorten(&key)
                ),
            ));
        }
        if !is_valid_slug(&value) {
            return Err(invalid_slug(&value));
        }
        if !slugs.iter().any(|slug| *slug == value) {
            slugs.push(value.into_owned());
        }
        if slugs.len() > MAX_COUNT_SLUGS {
            return Err(AppError::bad_request(
                "too_many_slugs",
                format!("At most {MAX_COUNT_SLUGS} threads can be counted in one request."),
            ));
        }
    }
    if slugs.is_empty() {
        return Err(AppError::bad_request(
            "missing_slug",
            "Name the threads to count: /api/counts?slug=a&slug=b.",
        ));
    }
    let mut counts: CommentCounts = store::comment_counts(&state.pool, &slugs)
        .await?
        .into_iter()
        .map(|(slug, count)| (slug, u64::try_from(count).unwrap_or(0)))
        .collect();
    for slug in slugs {
        counts.entry(slug).or_insert(0);
    }
    Ok(Json(counts))
}

/// Refuses the writes of a client the admin blocked, by its voter or its network; returns the
/// network's hash, which the caller may store.
async fn refuse_blocked(
    state: &AppState,
    voter: Option<&VoterId>,
    network: Network,
) -> Result<[u8; 16], AppError> {
    let hash = state.keys.network_hash(network);
    if store::is_blocked(&state.pool, voter.map(VoterId::as_str), &store::hex(&hash)).await? {
        return Err(AppError::forbidden(
            "blocked",
            "The owner of this site has blocked comments and votes from this browser or \
             network.",
        ));
    }
    Ok(hash)
}

/// Counts one `action` against the network's rate limit; `what` names it in the message.
fn limit(state: &AppState, action: Action, network: Network, what: &str) -> Result<(), AppError> {
    state
        .abuse
        .check(action, network)
        .map_err(|wait| AppError::rate_limited(what, wait))
}

/// A JSON body that could not be taken, as one of our errors instead of axum's plain text.
fn json_error(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the request body as JSON, with the header Content-Type: application/json.",
        ),
        JsonRejection::JsonSyntaxError(err) => AppError::bad_request(
            "invalid_json",
            format!("The request body is not valid JSON: {}.", innermost(&err)),
        ),
        JsonRejection::JsonDataError(err) => AppError::unprocessable(
            "invalid_fields",
            format!(
                "The request body does not have the expected fields: {}.",
                innermost(&err)
            ),
        ),
        JsonRejection::BytesRejection(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request_too_large",
                format!(
                    "The request is too large: the most a request body may be is {} KB.",
                    MAX_REQUEST_BYTES / 1024
                ),
            )
        }
        other => {
            tracing::debug!(error = %other, "cannot read a request body");
            AppError::bad_request("invalid_body", "The request body could not be read.")
        }
    }
}

/// The most precise description of an error: serde's ("unknown field `x`, expected one of
/// ..."), without the wrappers axum puts around it.
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = err;
    while let Some(source) = inner.source() {
        inner = source;
    }
    shorten(&inner.to_string())
}

fn undecodable_slug() -> AppError {
    AppError::bad_request(
        "invalid_slug",
        "Invalid thread name: once percent-decoded, it is not valid UTF-8.",
    )
}

fn invalid_slug(slug: &str) -> AppError {
    AppError::bad_request(
        "invalid_slug",
        format!(
            "Invalid thread name {:?}: use 1 to {MAX_SLUG_CHARS} letters, digits and - _ . ~, \
             in segments separated by single slashes, none of them \".\" or \"..\".",
            shorten(slug)
        ),
    )
}

/// Echoing a whole megabyte-long parameter back in an error helps nobody.
fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MAX).collect();
        short.push('…');
        short
    }
}

async fn api_not_found() -> AppError {
    AppError::not_found()
}

async fn method_not_allowed() -> AppError {
    AppError::method_not_allowed()
}

#[utoipa::path(get, path = "/", tag = "pages",
    responses((status = 200, description = "The demo article (`--demo`) or a short notice.", content_type = "text/html", body = String)))]
async fn home(State(state): State<AppState>) -> Result<Response, AppError> {
    if !state.demo {
        return Ok(Html(NOTICE.to_owned()).into_response());
    }
    let page = demo::page().map_err(|err| {
        tracing::error!(error = %format!("{err:#}"), "cannot render the demo page");
        AppError::internal()
    })?;
    // The strict policy SECURITY.md gives host pages: the demo runs under it.
    let policy = HeaderValue::try_from(demo::page_policy()).map_err(|_| AppError::internal())?;
    Ok(([(header::CONTENT_SECURITY_POLICY, policy)], Html(page)).into_response())
}

#[utoipa::path(get, path = "/themes", tag = "pages",
    responses(
        (status = 200, description = "The theme gallery (`--demo`): the demo thread in light, dark and two custom themes.", content_type = "text/html", body = String),
        (status = 404, description = "Not a demo server.", body = caucus_model::ErrorBody)))]
async fn themes(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    if !state.demo {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            "demo_off",
            "The theme gallery is part of the demo: start the server with --demo.",
        ));
    }
    demo::themes_page().map(Html).map_err(|err| {
        tracing::error!(error = %format!("{err:#}"), "cannot render the theme gallery");
        AppError::internal()
    })
}

const NOTICE: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><title>Caucus</title></head>
<body>
<p>This is a Caucus comment server. It answers the comment widget embedded in other pages;
there is nothing to read here.</p>
<p>To embed comments in a page, or to see the demo (<code>caucus-server --demo</code>), see the
README of the Caucus repository.</p>
</body>
</html>
";

#[utoipa::path(get, path = "/healthz", tag = "pages",
    responses((status = 200, description = "`ok`", content_type = "text/plain", body = String)))]
async fn healthz() -> impl IntoResponse {
    "ok"
}
