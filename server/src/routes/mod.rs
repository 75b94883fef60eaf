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

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, patch, post, put};
use axum::Router;
use caucus_model::limits::{MAX_REQUEST_BYTES, MAX_SLUG_CHARS};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::abuse::{Action, Network};
use crate::error::AppError;
use crate::tokens::VoterId;
use crate::{store, AppState};

mod admin;
mod client;
mod comments;
mod events;
mod openapi;
mod pages;
mod threads;
mod votes;

use comments::{delete_comment, edit_comment};
use pages::{healthz, home, themes, widget_headers};
use threads::{comment_counts, delete_from_thread, post_to_thread, put_to_thread, read_thread};
use votes::{new_voter, unvote_comment, vote_for_comment};

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

/// Refuses the writes of a client the admin blocked, by its voter or its network; returns the
/// network's hash, which the caller may store.
pub(super) async fn refuse_blocked(
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
pub(super) fn limit(
    state: &AppState,
    action: Action,
    network: Network,
    what: &str,
) -> Result<(), AppError> {
    state
        .abuse
        .check(action, network)
        .map_err(|wait| AppError::rate_limited(what, wait))
}

/// A JSON body that could not be taken, as one of our errors instead of axum's plain text.
pub(super) fn json_error(rejection: JsonRejection) -> AppError {
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

pub(super) fn undecodable_slug() -> AppError {
    AppError::bad_request(
        "invalid_slug",
        "Invalid thread name: once percent-decoded, it is not valid UTF-8.",
    )
}

pub(super) fn invalid_slug(slug: &str) -> AppError {
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
pub(super) fn shorten(text: &str) -> String {
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
