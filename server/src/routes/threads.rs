//! `/api/threads/...` and `/api/counts`: reading a thread, and telling a write to a thread
//! apart from a read of a slug that ends like one (see the module docs of [`super`]).

use axum::body::Body;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use caucus_model::limits::{is_valid_slug, MAX_COUNT_SLUGS};
use caucus_model::ErrorBody;
use caucus_model::{
    CommentCounts, CreatedComment, NewComment, SortOrder, ThreadResponse, VoteState,
};
use serde::Deserialize;

use super::client::Client;
use super::comments::post_comment;
use super::events::{thread_events, wants_event_stream};
use super::votes::{optional_voter, unvote_thread, vote_for_thread};
use super::{invalid_slug, shorten, undecodable_slug};
use crate::error::AppError;
use crate::reads::{Accepts, Encoding, ThreadRead};
use crate::{store, AppState};

#[derive(Debug, Deserialize)]
pub(super) struct ThreadQuery {
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
pub(super) async fn read_thread(
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

pub(super) async fn post_to_thread(
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

pub(super) async fn put_to_thread(
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

pub(super) async fn delete_from_thread(
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

/// `GET /api/counts?slug=a&slug=b`: one request answers a whole blog index page. The query is
/// read by hand because the same key repeats; any other key is refused, like an unknown field.
#[utoipa::path(get, path = "/api/counts", tag = "threads",
    params(("slug" = Vec<String>, Query, description = "A thread; repeat for more, at most 100.")),
    responses((status = 200, description = "Comments per slug; 0 for a thread nobody wrote in.", body = CommentCounts), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
pub(super) async fn comment_counts(
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
