//! The admin API, `/api/admin/...`: what the site owner does to comments, behind the admin
//! secret ([`crate::moderation::AdminSecret`], header `Authorization: Bearer <secret>`).
//!
//! | method | path                                  | what                                        |
//! |--------|---------------------------------------|---------------------------------------------|
//! | GET    | `/api/admin/comments`                 | comments of every thread, newest first; `?held=true` only the held; `?before=ID&limit=N` pages |
//! | POST   | `/api/admin/comments/{id}/approve`    | publish a held comment → the comment        |
//! | PATCH  | `/api/admin/comments/{id}`            | edit subject and body (re-rendered), any time → the comment |
//! | DELETE | `/api/admin/comments/{id}`            | delete: 204 gone, or 200 and the placeholder that keeps its replies |
//! | GET    | `/api/admin/blocks`                   | every block                                 |
//! | POST   | `/api/admin/blocks`                   | block `{kind: voter or network, target}` → 201 (200 if it was already) |
//! | DELETE | `/api/admin/blocks/{kind}/{target}`   | lift a block → 204                          |
//! | GET    | `/api/admin/log`                      | what the admin did, newest first; `?before=ID&limit=N` |
//!
//! Without a configured secret every one of them is 404 `admin_off`; without the header 401,
//! with a wrong secret 403. Each action that changes something is logged, in the transaction
//! that makes the change, so the log never misses one that happened.
//!
//! The `/admin` page is server-rendered HTML with one script and one style sheet, both files
//! served from here (`server/admin/`, compiled in), so it works under a strict CSP: no inline
//! script or style, nothing from elsewhere, not framed. The script asks for the secret and
//! calls the API above.
//!
//! The browser cannot send the secret from another origin: `Authorization` is not among the
//! headers CORS allows, and writes pass the origin check like every other write.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use caucus_model::admin::{AdminComment, AdminCommentPage, AdminLogPage, Block, BlockKind};
use caucus_model::{CommentEdit, CommentId, ErrorBody};
use serde::Deserialize;

use super::comments::comment_id;
use super::{json_error, shorten};
use crate::ballots::{comment_deleted, comment_not_found};
use crate::error::AppError;
use crate::store::{self, CommentEditRow};
use crate::submission::check_edit;
use crate::AppState;

/// The most one page of a list may hold, and what a page holds unless asked.
const MAX_PAGE: i64 = 200;
const DEFAULT_PAGE: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/admin/comments", get(list_comments))
        .route(
            "/api/admin/comments/{id}",
            patch(edit_comment).delete(delete_comment),
        )
        .route("/api/admin/comments/{id}/approve", post(approve_comment))
        .route("/api/admin/blocks", get(list_blocks).post(add_block))
        .route("/api/admin/blocks/{kind}/{target}", delete(remove_block))
        .route("/api/admin/log", get(list_log))
}

/// The `/admin` page and its two files.
pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(page))
        .route("/admin/admin.js", get(script))
        .route("/admin/admin.css", get(style_sheet))
}

const SCRIPT: &str = include_str!("../../admin/admin.js");
const STYLE_SHEET: &str = include_str!("../../admin/admin.css");

/// The page itself never changes with the request: everything on it comes from the API.
#[utoipa::path(get, path = "/admin", tag = "pages",
    responses((status = 200, description = "The admin page.", content_type = "text/html", body = String),
        (status = 404, description = "No admin secret is configured: a page that says how to set one.", content_type = "text/html", body = String)))]
async fn page(State(state): State<AppState>) -> Response {
    let (status, html) = if state.admin.is_some() {
        (StatusCode::OK, PAGE)
    } else {
        (StatusCode::NOT_FOUND, PAGE_OFF)
    };
    with_page_headers((status, Html(html)).into_response())
}

#[utoipa::path(get, path = "/admin/admin.js", tag = "pages",
    responses((status = 200, description = "The admin page's script.", content_type = "text/javascript", body = String)))]
async fn script() -> Response {
    let content_type = [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")];
    with_page_headers((content_type, SCRIPT).into_response())
}

#[utoipa::path(get, path = "/admin/admin.css", tag = "pages",
    responses((status = 200, description = "The admin page's style sheet.", content_type = "text/css", body = String)))]
async fn style_sheet() -> Response {
    let content_type = [(header::CONTENT_TYPE, "text/css; charset=utf-8")];
    with_page_headers((content_type, STYLE_SHEET).into_response())
}

/// A strict policy: the page's own files only (and the empty `data:` icon that spares a
/// request for `/favicon.ico`), API calls to its own origin, never framed
/// (clickjacking an approve button), no referrer, nothing cached.
fn with_page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
             img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Caucus admin</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/admin.css">
<script src="/admin/admin.js" defer></script>
</head>
<body>
<h1>Caucus admin</h1>
<p id="status" role="status"></p>
<form id="signin">
<label for="secret">Admin secret</label>
<input id="secret" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
<p>The secret is the one the server was started with (<code>--admin-token-file</code> or
<code>CAUCUS_ADMIN_TOKEN</code>). It is kept in this tab only.</p>
</form>
<main id="console" hidden>
<p><button type="button" id="signout">Sign out</button></p>
<fieldset>
<legend>Show</legend>
<label><input type="radio" name="view" value="held" checked> held for approval</label>
<label><input type="radio" name="view" value="recent"> all recent comments</label>
</fieldset>
<h2>Comments, newest first</h2>
<ol id="comments"></ol>
<p><button type="button" id="more" hidden>Older comments</button></p>
<h2>Blocked</h2>
<ul id="blocks"></ul>
<h2>What the admin did</h2>
<ul id="log"></ul>
</main>
</body>
</html>
"#;

const PAGE_OFF: &str = r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Caucus admin</title></head>
<body>
<h1>Caucus admin is off</h1>
<p>This server was started without an admin secret. Start it with
<code>--admin-token-file PATH</code> (a file holding a secret of at least 16 characters) or the
environment variable <code>CAUCUS_ADMIN_TOKEN</code> to moderate comments here.</p>
</body>
</html>
"#;

/// A request that presented the admin secret. Extracting it is the check.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Some(secret) = &state.admin else {
            return Err(AppError::new(
                StatusCode::NOT_FOUND,
                "admin_off",
                "The admin API is off: start the server with --admin-token-file PATH or the \
                 environment variable CAUCUS_ADMIN_TOKEN to turn it on.",
            ));
        };
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(|| {
                AppError::unauthorized(
                    "missing_admin_token",
                    "The admin API needs the admin secret: header Authorization: Bearer <secret>.",
                )
            })?;
        if !secret.matches(presented.trim()) {
            return Err(AppError::forbidden(
                "wrong_admin_token",
                "That is not the admin secret this server was started with.",
            ));
        }
        Ok(Admin)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentsQuery {
    #[serde(default)]
    held: bool,
    before: Option<CommentId>,
    limit: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogQuery {
    before: Option<i64>,
    limit: Option<i64>,
}

fn page_size(limit: Option<i64>) -> Result<i64, AppError> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(AppError::bad_request(
            "invalid_limit",
            format!("limit must be between 1 and {MAX_PAGE}."),
        )),
    }
}

fn query_error(err: QueryRejection) -> AppError {
    AppError::bad_request("invalid_query", format!("Invalid query string: {err}."))
}

/// `GET /api/admin/comments`.
#[utoipa::path(get, path = "/api/admin/comments", tag = "admin", security(("admin_secret" = [])),
    params(("held" = Option<bool>, Query, description = "Only the comments held for approval."),
        ("before" = Option<i64>, Query, description = "Only comments older than this id: `next_before` of the previous page."),
        ("limit" = Option<i64>, Query, description = "At most this many, 1 to 200; 50 unless given.")),
    responses((status = 200, description = "A page of comments, newest first.", body = AdminCommentPage), (status = "4XX", description = "Refused: 404 `admin_off` without an admin secret, 401 without the header, 403 with a wrong secret; the body says why.", body = ErrorBody)))]
async fn list_comments(
    _: Admin,
    State(state): State<AppState>,
    query: Result<Query<CommentsQuery>, QueryRejection>,
) -> Result<Json<AdminCommentPage>, AppError> {
    let Query(query) = query.map_err(query_error)?;
    let size = page_size(query.limit)?;
    // One more than asked tells whether there is a next page.
    let mut rows = store::admin_comments(&state.pool, query.held, query.before, size + 1).await?;
    let more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    let next_before = if more {
        rows.last().map(|row| row.id)
    } else {
        None
    };
    Ok(Json(AdminCommentPage {
        comments: rows.into_iter().map(|row| row.into_wire()).collect(),
        next_before,
    }))
}

/// A comment the admin just changed, read back in the same transaction.
async fn admin_comment(
    conn: &mut sqlx::AnyConnection,
    id: CommentId,
) -> Result<AdminComment, AppError> {
    store::admin_comment(conn, id)
        .await?
        .map(|row| row.into_wire())
        .ok_or_else(|| comment_not_found(id))
}

/// `POST /api/admin/comments/{id}/approve`. Approving a published comment changes nothing
/// and is not an error: the answer is the state asked for.
#[utoipa::path(post, path = "/api/admin/comments/{id}/approve", tag = "admin", security(("admin_secret" = [])),
    params(("id" = i64, Path, description = "The comment.")),
    responses((status = 200, description = "The comment, published.", body = AdminComment), (status = "4XX", description = "Refused: 404 `admin_off` without an admin secret, 401 without the header, 403 with a wrong secret; the body says why.", body = ErrorBody)))]
async fn approve_comment(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<CommentId>, PathRejection>,
) -> Result<Json<AdminComment>, AppError> {
    let id = comment_id(id)?;
    let _turn = state.write_turn.lock().await;
    let mut tx = store::begin_write(&state.pool).await?;
    admin_comment(&mut tx, id).await?;
    if store::approve(&mut tx, id).await? {
        store::log_admin_action(&mut tx, "approve", &format!("comment {id}"), &store::now())
            .await?;
    }
    let comment = admin_comment(&mut tx, id).await?;
    tx.commit().await?;
    state.live.wrote();
    Ok(Json(comment))
}

/// `PATCH /api/admin/comments/{id}`: the same checks and rendering as the author's edit,
/// without the edit window.
#[utoipa::path(patch, path = "/api/admin/comments/{id}", tag = "admin", security(("admin_secret" = [])),
    params(("id" = i64, Path, description = "The comment.")), request_body = CommentEdit,
    responses((status = 200, description = "The comment as edited.", body = AdminComment), (status = "4XX", description = "Refused: 404 `admin_off` without an admin secret, 401 without the header, 403 with a wrong secret; the body says why.", body = ErrorBody)))]
async fn edit_comment(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<CommentId>, PathRejection>,
    body: Result<Json<CommentEdit>, JsonRejection>,
) -> Result<Json<AdminComment>, AppError> {
    let id = comment_id(id)?;
    let Json(edit) = body.map_err(json_error)?;
    let checked = check_edit(edit)?;
    let body_html = state.render.body_html(&checked.body_md).await?;
    let now = store::now();
    let _turn = state.write_turn.lock().await;
    let mut tx = store::begin_write(&state.pool).await?;
    let current = admin_comment(&mut tx, id).await?;
    if current.deleted {
        return Err(comment_deleted());
    }
    store::admin_edit(
        &mut tx,
        id,
        &CommentEditRow {
            subject: checked.subject.as_deref(),
            body_md: &checked.body_md,
            body_html: &body_html,
            edited_at: &now,
        },
    )
    .await?;
    store::log_admin_action(&mut tx, "edit", &format!("comment {id}"), &now).await?;
    let comment = admin_comment(&mut tx, id).await?;
    tx.commit().await?;
    state.live.wrote();
    Ok(Json(comment))
}

/// `DELETE /api/admin/comments/{id}`: like the author's delete, for any comment at any time.
#[utoipa::path(delete, path = "/api/admin/comments/{id}", tag = "admin", security(("admin_secret" = [])),
    params(("id" = i64, Path, description = "The comment.")),
    responses((status = 204, description = "Gone."), (status = 200, description = "The placeholder that keeps its replies.", body = AdminComment), (status = "4XX", description = "Refused: 404 `admin_off` without an admin secret, 401 without the header, 403 with a wrong secret; the body says why.", body = ErrorBody)))]
async fn delete_comment(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<CommentId>, PathRejection>,
) -> Result<Response, AppError> {
    let id = comment_id(id)?;
    let _turn = state.write_turn.lock().await;
    let mut tx = store::begin_write(&state.pool).await?;
    admin_comment(&mut tx, id).await?;
    if !store::admin_mark_deleted(&mut tx, id).await? {
        return Err(comment_deleted());
    }
    store::log_admin_action(&mut tx, "delete", &format!("comment {id}"), &store::now()).await?;
    if store::prune_deleted(&mut tx, id).await? {
        tx.commit().await?;
        state.live.wrote();
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let placeholder = admin_comment(&mut tx, id).await?;
    tx.commit().await?;
    state.live.wrote();
    Ok(Json(placeholder).into_response())
}

/// `GET /api/admin/blocks`.
#[utoipa::path(get, path = "/api/admin/blocks", tag = "admin", security(("admin_secret" = [])),
    responses((status = 200, description = "Every block, newest first.", body = Vec<Block>), (status = "4XX", description = "Refused: 404 `admin_off` without an admin secret, 401 without the header, 403 with a wrong secret; the body says why.", body = ErrorBody)))]
async fn list_blocks(
    _: Admin,
    State(state): State<AppState>,
) -> Result<Json<Vec<Block>>, AppError> {
    let blocks = store::blocks(&state.pool)
        .await?
        .into_iter()
        .filter_map(|(kind, target, created_at)| {
            Some(Block {
                kind: parse_kind(&kind)?,
                target,
                created_at: Some(created_at),
            })
        })
        .collect();
    Ok(Json(blocks))
}

fn parse_kind(kind: &str) -> Option<BlockKind> {
    match kind {
        "voter" => Some(BlockKind::Voter),
        "network" => Some(BlockKind::Network),
        _ => None,
    }
}

/// A voter id is base64url, a network hash hex: anything else could never match a client,
/// so it is refused rather than stored as a block that does nothing.
fn check_target(kind: BlockKind, target: &str) -> Result<(), AppError> {
    let valid = match kind {
        BlockKind::Voter => {
            (1..=64).contains(&target.len())
                && target
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        BlockKind::Network => {
            target.len() == 32
                && target
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        }
    };
    if valid {
        Ok(())
    } else {
        Err(AppError::unprocessable(
            "invalid_block_target",
            format!(
                "{:?} is not a {}: use the voter or network of a comment, as GET \
                 /api/admin/comments shows them.",
                shorten(target),
                match kind {
                    BlockKind::Voter => "voter id",
                    BlockKind::Network => "network hash",
                }
            ),
        ))
    }
}

/// `POST /api/admin/blocks`.
#[utoipa::path(post, path = "/api/admin/blocks", tag = "admin", security(("admin_secret" = [])),
    request_body = Block,
    responses((status = 201, description = "Blocked.", body = Block), (status = 200, description = "It was blocked already.", body = Block), (status = "4XX", description = "Refused: 404 `admin_off` without an admin secret, 401 without the header, 403 with a wrong secret; the body says why.", body = ErrorBody)))]
async fn add_block(
    _: Admin,
    State(state): State<AppState>,
    body: Result<Json<Block>, JsonRejection>,
) -> Result<(StatusCode, Json<Block>), AppError> {
    let Json(block) = body.map_err(json_error)?;
    check_target(block.kind, &block.target)?;
    let now = store::now();
    let _turn = state.write_turn.lock().await;
    let mut tx = store::begin_write(&state.pool).await?;
    let added = store::add_block(&mut tx, block.kind, &block.target, &now).await?;
    if added {
        let target = format!("{} {}", block.kind.as_str(), block.target);
        store::log_admin_action(&mut tx, "block", &target, &now).await?;
    }
    tx.commit().await?;
    state.live.wrote();
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(Block {
            created_at: Some(now),
            ..block
        }),
    ))
}

/// `DELETE /api/admin/blocks/{kind}/{target}`. Lifting a block that is not there is 404.
#[utoipa::path(delete, path = "/api/admin/blocks/{kind}/{target}", tag = "admin", security(("admin_secret" = [])),
    params(("kind" = BlockKind, Path, description = "voter or network."), ("target" = String, Path, description = "The voter id or network hash.")),
    responses((status = 204, description = "The block is lifted."), (status = "4XX", description = "Refused: 404 `admin_off` without an admin secret, 401 without the header, 403 with a wrong secret; the body says why.", body = ErrorBody)))]
async fn remove_block(
    _: Admin,
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, AppError> {
    let not_found = || {
        AppError::new(
            StatusCode::NOT_FOUND,
            "block_not_found",
            "There is no such block.",
        )
    };
    let Path((kind, target)) = path.map_err(|_| not_found())?;
    let kind = parse_kind(&kind).ok_or_else(not_found)?;
    let _turn = state.write_turn.lock().await;
    let mut tx = store::begin_write(&state.pool).await?;
    if !store::remove_block(&mut tx, kind, &target).await? {
        return Err(not_found());
    }
    let logged = format!("{} {target}", kind.as_str());
    store::log_admin_action(&mut tx, "unblock", &logged, &store::now()).await?;
    tx.commit().await?;
    state.live.wrote();
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/admin/log`.
#[utoipa::path(get, path = "/api/admin/log", tag = "admin", security(("admin_secret" = [])),
    params(("before" = Option<i64>, Query, description = "Only entries older than this id."),
        ("limit" = Option<i64>, Query, description = "At most this many, 1 to 200; 50 unless given.")),
    responses((status = 200, description = "What the admin did, newest first.", body = AdminLogPage), (status = "4XX", description = "Refused: 404 `admin_off` without an admin secret, 401 without the header, 403 with a wrong secret; the body says why.", body = ErrorBody)))]
async fn list_log(
    _: Admin,
    State(state): State<AppState>,
    query: Result<Query<LogQuery>, QueryRejection>,
) -> Result<Json<AdminLogPage>, AppError> {
    let Query(query) = query.map_err(query_error)?;
    let size = page_size(query.limit)?;
    let mut actions = store::admin_log(&state.pool, query.before, size + 1).await?;
    let more = actions.len() as i64 > size;
    actions.truncate(size as usize);
    let next_before = if more {
        actions.last().map(|a| a.id)
    } else {
        None
    };
    Ok(Json(AdminLogPage {
        actions,
        next_before,
    }))
}
