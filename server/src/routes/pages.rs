//! The pages and files outside `/api`: the demo, the theme gallery, the health check, and the
//! headers of the widget's files.

use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::error::AppError;
use crate::{demo, AppState};

/// The widget is loaded by pages on other origins with `<script type=module>` and `import()`,
/// both of which are CORS requests; `Cross-Origin-Resource-Policy` lets pages that isolate
/// themselves (COEP) load it too. File names carry no hash, so caching stays short; and a 404
/// is not cached at all, so building the widget after starting the server just works.
pub(super) fn widget_headers<B>(mut response: axum::http::Response<B>) -> axum::http::Response<B> {
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

#[utoipa::path(get, path = "/", tag = "pages",
    responses((status = 200, description = "The demo article (`--demo`) or a short notice.", content_type = "text/html", body = String)))]
pub(super) async fn home(State(state): State<AppState>) -> Result<Response, AppError> {
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
pub(super) async fn themes(State(state): State<AppState>) -> Result<Html<String>, AppError> {
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
pub(super) async fn healthz() -> impl IntoResponse {
    "ok"
}
