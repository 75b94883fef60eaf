//! Writing comments: `POST /api/threads/{slug}/comments`, and `PATCH` and `DELETE` of
//! `/api/comments/{id}` with the edit token.

use std::time::Duration;

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use caucus_model::limits::EDIT_WINDOW_SECONDS;
use caucus_model::{Comment, CommentEdit, CommentId, CreatedComment, ErrorBody, NewComment};
use time::OffsetDateTime;

use super::client::Client;
use super::votes::optional_voter;
use super::{json_error, limit, refuse_blocked, EDIT_TOKEN_HEADER};
use crate::abuse::{Action, Network};
use crate::ballots::{comment_deleted, comment_not_found};
use crate::error::AppError;
use crate::moderation::Moderation;
use crate::store::{CommentEditRow, NewCommentRow};
use crate::submission::{check_edit, check_new_comment, CheckedComment};
use crate::tokens::{edit_token_matches, new_edit_token, VoterId};
use crate::{store, AppState};

/// `POST /api/threads/{slug}/comments`. The thread is created with its first comment, in the
/// same transaction: a comment refused (say, for its parent) leaves no empty thread behind.
///
/// The author's voter token (`X-Caucus-Voter`, optional) is stored with the comment as the
/// author's identity: it shows them their own held comment, and the admin can block it. With
/// `--moderation`, the comment may be held ([`crate::moderation`]).
#[utoipa::path(post, path = "/api/threads/{slug}/comments", tag = "threads",
    params(("slug" = String, Path, description = "The thread; may contain `/`."), ("X-Caucus-Voter" = Option<String>, Header, description = "The voter token from POST /api/voters.")), request_body = NewComment,
    responses((status = 201, description = "Stored (or held for moderation: `comment.held`).", body = CreatedComment), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
pub(super) async fn post_comment(
    state: AppState,
    network: Network,
    slug: String,
    headers: &HeaderMap,
    body: Result<Json<NewComment>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedComment>), AppError> {
    let Json(new) = body.map_err(json_error)?;
    let honeypot = new.website.as_deref().is_some_and(|w| !w.trim().is_empty());
    // The cheap checks first (lengths, the network's blocks and rate), then the render, which
    // can cost a thousand times more, then the write.
    let checked = check_new_comment(new)?;
    let voter = optional_voter(&state, headers);
    let network_hash = refuse_blocked(&state, voter.as_ref(), network).await?;
    limit(&state, Action::Comment, network, "comments")?;
    let body_html = state.render.body_html(&checked.body_md).await?;
    let edit = new_edit_token()?;
    let now = store::now();
    if honeypot {
        tracing::info!(slug, "dropped a comment that filled in the honeypot field");
        return Ok((
            StatusCode::CREATED,
            Json(decoy(checked, body_html, now, edit.token)),
        ));
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
            body_html: &body_html,
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
fn decoy(
    checked: CheckedComment,
    body_html: String,
    created_at: String,
    edit_token: String,
) -> CreatedComment {
    CreatedComment {
        comment: Comment {
            id: 0,
            parent_id: checked.parent_id,
            author: checked.author,
            avatar: None,
            subject: checked.subject,
            body_html,
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
pub(super) async fn edit_comment(
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
    // Only the author's own edit, in its window, is worth a render.
    let body_html = state.render.body_html(&checked.body_md).await?;

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
            body_html: &body_html,
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
pub(super) async fn delete_comment(
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

pub(super) fn comment_id(
    path: Result<Path<CommentId>, PathRejection>,
) -> Result<CommentId, AppError> {
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
