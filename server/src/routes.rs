//! The HTTP surface of the server, and the only code that speaks HTTP.
//!
//! | method | path                  | what                                                   |
//! |--------|-----------------------|--------------------------------------------------------|
//! | GET    | `/api/threads/{slug}` | a thread and its comments; `?sort=oldest`, `newest`, `top` |
//! | any    | any other `/api/...`  | 404 `not_found`, JSON                                  |
//! | OPTIONS| `/api/...`            | CORS preflight                                         |
//! | GET    | `/widget/{file}`      | the widget's files from `--assets`, loadable cross-origin |
//! | GET    | `/`                   | the demo page (`--demo`) or a short notice             |
//! | GET    | `/healthz`            | `ok`                                                   |
//!
//! Every error under `/api` is JSON ([`AppError`]); a known path with the wrong method is 405.
//!
//! ## Slugs with `/`
//!
//! A slug may contain `/` (it usually comes from a page path: `blog/2016/07/libya`), and the
//! widget may also percent-encode it (`blog%2F2016`), which axum decodes. So the thread route
//! is a catch-all, `/api/threads/{*rest}`, and the method tells what `rest` is:
//!
//! - `GET`: all of `rest` is the slug. `GET /api/threads/a/comments` is the thread `a/comments`.
//! - writes (`POST`, `PUT`, `DELETE`, added with the write path): the last segment of `rest`
//!   names the sub-resource (`comments`, `vote`) and what comes before it is the slug.
//!
//! That way every slug [`caucus_model::limits::is_valid_slug`] accepts stays readable and
//! writable, and no segment name has to be reserved. Resources that are not per-thread live
//! elsewhere (`/api/comments/{id}`, `/api/voters`), so they never collide with a slug.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::{any, get};
use axum::{Json, Router};
use caucus_model::limits::{is_valid_slug, MAX_SLUG_CHARS};
use caucus_model::{SortOrder, Thread, ThreadResponse};
use serde::Deserialize;
use tower::ServiceBuilder;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::{demo, store, AppState};

/// Builds the whole server: the API, the widget files, the pages.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/threads/{*rest}", get(read_thread))
        // Must come after the routes it is for: axum applies it to the routes that exist now.
        .method_not_allowed_fallback(method_not_allowed)
        // Everything else under /api is a JSON 404 with CORS headers, so the widget can read it.
        // (A catch-all does not match an empty rest, hence the two exact paths.)
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        // `route_layer`, not `layer`: the latter would also wrap this router's default
        // fallback, which `merge` makes the fallback of the whole app.
        .route_layer(api_cors());

    let widget = ServiceBuilder::new()
        .map_response(widget_headers)
        .service(ServeDir::new(&state.assets));

    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .method_not_allowed_fallback(method_not_allowed)
        .merge(api)
        .nest_service("/widget", widget)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Reads are public, so any origin may make them. Preflight is answered for every method and
/// header the API uses, so the widget's writes (next to come) already pass it; which origins
/// may write is checked by the write handlers themselves.
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
        ])
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
}

/// `GET /api/threads/{slug}`. A thread nobody has written in yet is not an error: the widget
/// shows it as empty and ready for the first comment. Reading never creates anything.
async fn read_thread(
    State(state): State<AppState>,
    slug: Result<Path<String>, PathRejection>,
    query: Result<Query<ThreadQuery>, QueryRejection>,
) -> Result<Json<ThreadResponse>, AppError> {
    let Path(slug) = slug.map_err(|_| {
        AppError::bad_request(
            "invalid_slug",
            "Invalid thread name: once percent-decoded, it is not valid UTF-8.",
        )
    })?;
    if !is_valid_slug(&slug) {
        return Err(invalid_slug(&slug));
    }
    let Query(query) = query.map_err(|err| {
        AppError::bad_request("invalid_query", format!("Invalid query string: {err}."))
    })?;
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

    let response = match store::load_thread(&state.pool, &slug, order).await? {
        Some((thread, comments)) => ThreadResponse {
            thread: thread.into_wire(),
            comments: comments.into_iter().map(|row| row.into_wire()).collect(),
        },
        None => ThreadResponse {
            thread: Thread {
                slug,
                title: None,
                url: None,
                votes: 0,
                viewer_voted: false,
            },
            comments: Vec::new(),
        },
    };
    Ok(Json(response))
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

async fn home(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    if !state.demo {
        return Ok(Html(NOTICE.to_owned()));
    }
    demo::page().map(Html).map_err(|err| {
        tracing::error!(error = %format!("{err:#}"), "cannot render the demo page");
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

async fn healthz() -> impl IntoResponse {
    "ok"
}
