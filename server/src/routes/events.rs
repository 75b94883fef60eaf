//! `GET /api/threads/{slug}/events`: a thread's changes as Server-Sent Events.

use std::convert::Infallible;
use std::time::Duration;

use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use caucus_model::limits::is_valid_slug;
use caucus_model::{ErrorBody, ThreadEvent};

use super::{invalid_slug, shorten};
use crate::error::AppError;
use crate::AppState;

/// Whether the client asked for Server-Sent Events, as `EventSource` always does.
pub(super) fn wants_event_stream(headers: &HeaderMap) -> bool {
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
pub(super) async fn thread_events(
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
