//! Voters and votes: `POST /api/voters`, and the votes for comments and for pages.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use caucus_model::{CommentId, ErrorBody, NewVoter, VoteState};

use super::client::Client;
use super::comments::comment_id;
use super::{limit, refuse_blocked, VOTER_HEADER};
use crate::abuse::{Action, Network};
use crate::ballots::{OwnedBallot, Vote};
use crate::error::AppError;
use crate::tokens::VoterId;
use crate::{store, AppState};

/// `POST /api/voters`: an anonymous voter identity. Nothing is stored: the token is signed.
#[utoipa::path(post, path = "/api/voters", tag = "votes",
    responses((status = 201, description = "A new anonymous voter token.", body = NewVoter), (status = "4XX", description = "Refused; the body says why.", body = ErrorBody)))]
pub(super) async fn new_voter(
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
pub(super) fn optional_voter(state: &AppState, headers: &HeaderMap) -> Option<VoterId> {
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
pub(super) async fn vote_for_comment(
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
pub(super) async fn unvote_comment(
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
pub(super) async fn vote_for_thread(
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
pub(super) async fn unvote_thread(
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
