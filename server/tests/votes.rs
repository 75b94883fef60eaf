//! Voter tokens and votes over HTTP: idempotence, what the viewer sees, honest tallies under
//! concurrency.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use caucus_model::{NewVoter, ThreadResponse, VoteState};
use caucus_server::AppState;
use common::{assert_error, TestServer};
use serde_json::json;

async fn vote(server: &TestServer, method: Method, uri: &str, voter: &str) -> VoteState {
    let response = server.call(method, uri).voter(voter).send().await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{uri}: {}",
        response.text()
    );
    response.json()
}

async fn read_as(server: &TestServer, slug: &str, voter: Option<&str>) -> ThreadResponse {
    let call = server.call(Method::GET, &format!("/api/threads/{slug}"));
    let call = match voter {
        Some(voter) => call.voter(voter),
        None => call,
    };
    let response = call.send().await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

#[tokio::test]
async fn voters_are_minted_and_signed() {
    let server = TestServer::new().await;
    let response = server.call(Method::POST, "/api/voters").send().await;
    assert_eq!(response.status, StatusCode::CREATED);
    assert_eq!(response.header("access-control-allow-origin"), "*");
    let first = response.json::<NewVoter>().voter;
    let second = server.new_voter().await;
    assert_ne!(first, second);
    assert!(first.is_ascii() && !first.contains([' ', '"', ',']));
    // Minting stores nothing.
    assert_eq!(server.count("SELECT COUNT(*) FROM comment_votes").await, 0);

    // Another server (another database, so another key) does not take this one's tokens.
    let other = TestServer::new().await;
    other.post_comment("t", json!({"body": "x"})).await;
    let response = other
        .call(Method::PUT, "/api/comments/1/vote")
        .voter(&first)
        .send()
        .await;
    assert_error(&response, StatusCode::UNAUTHORIZED, "invalid_voter");
}

#[tokio::test]
async fn the_key_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::TestDatabase::new(dir.path()).await;
    let token = {
        let pool = db.open().await;
        let server = AppState::new(pool.clone(), dir.path().into())
            .await
            .unwrap();
        let token = server_voter(server).await;
        pool.close().await;
        token
    };
    let pool = db.open().await;
    let state = AppState::new(pool, dir.path().into()).await.unwrap();
    let response = tower::ServiceExt::oneshot(
        caucus_server::app(state),
        axum::http::Request::put("/api/threads/t/vote")
            .header("x-caucus-voter", token)
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

async fn server_voter(state: AppState) -> String {
    let response = tower::ServiceExt::oneshot(
        caucus_server::app(state),
        axum::http::Request::post("/api/voters")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    serde_json::from_slice::<NewVoter>(&body).unwrap().voter
}

#[tokio::test]
async fn a_comment_vote_counts_once_and_can_be_taken_back() {
    let server = TestServer::new().await;
    let voted = server.post_comment("t", json!({"body": "a"})).await.comment;
    let other = server.post_comment("t", json!({"body": "b"})).await.comment;
    let uri = format!("/api/comments/{}/vote", voted.id);
    let alice = server.new_voter().await;
    let bob = server.new_voter().await;

    let once = VoteState {
        votes: 1,
        viewer_voted: true,
    };
    assert_eq!(vote(&server, Method::PUT, &uri, &alice).await, once);
    assert_eq!(vote(&server, Method::PUT, &uri, &alice).await, once);
    let twice = vote(&server, Method::PUT, &uri, &bob).await;
    assert_eq!(twice.votes, 2);

    // Each reader sees their own vote.
    let seen = read_as(&server, "t", Some(&alice)).await;
    let find = |id| seen.comments.iter().find(|c| c.id == id).unwrap();
    assert!(find(voted.id).viewer_voted);
    assert_eq!(find(voted.id).votes, 2);
    assert!(!find(other.id).viewer_voted);
    assert!(!seen.thread.viewer_voted);
    let anonymous = read_as(&server, "t", None).await;
    assert!(anonymous.comments.iter().all(|c| !c.viewer_voted));
    // A token that is not valid is ignored when reading, not refused.
    let garbled = read_as(&server, "t", Some("garbage")).await;
    assert!(garbled.comments.iter().all(|c| !c.viewer_voted));

    let taken_back = VoteState {
        votes: 1,
        viewer_voted: false,
    };
    assert_eq!(
        vote(&server, Method::DELETE, &uri, &alice).await,
        taken_back
    );
    assert_eq!(
        vote(&server, Method::DELETE, &uri, &alice).await,
        taken_back
    );
    assert_eq!(
        server
            .count("SELECT votes FROM comments WHERE id = 1")
            .await,
        server
            .count("SELECT COUNT(*) FROM comment_votes WHERE comment_id = 1")
            .await
    );
}

#[tokio::test]
async fn votes_need_a_valid_voter_and_a_live_comment() {
    let server = TestServer::new().await;
    let created = server.post_comment("t", json!({"body": "x"})).await;
    let reply = server
        .post_comment("t", json!({"body": "r", "parent_id": created.comment.id}))
        .await;
    let uri = format!("/api/comments/{}/vote", created.comment.id);
    let voter = server.new_voter().await;

    let response = server.call(Method::PUT, &uri).send().await;
    assert_error(&response, StatusCode::UNAUTHORIZED, "missing_voter");
    let (id, mac) = voter.split_once('.').unwrap();
    for forged in [
        "garbage".to_owned(),
        format!("{id}.{}", mac.chars().rev().collect::<String>()),
        format!("AAAAAAAAAAAAAAAAAAAAAA.{mac}"),
        id.to_owned(),
    ] {
        for method in [Method::PUT, Method::DELETE] {
            let response = server.call(method, &uri).voter(&forged).send().await;
            assert_error(&response, StatusCode::UNAUTHORIZED, "invalid_voter");
        }
    }
    for method in [Method::PUT, Method::DELETE] {
        let response = server
            .call(method.clone(), "/api/comments/999/vote")
            .voter(&voter)
            .send()
            .await;
        assert_error(&response, StatusCode::NOT_FOUND, "comment_not_found");
        let response = server
            .call(method, "/api/comments/x/vote")
            .voter(&voter)
            .send()
            .await;
        assert_error(&response, StatusCode::NOT_FOUND, "comment_not_found");
    }

    // A placeholder cannot be voted for; a vote it had can still be taken back.
    vote(&server, Method::PUT, &uri, &voter).await;
    let response = server
        .call(
            Method::DELETE,
            &format!("/api/comments/{}", created.comment.id),
        )
        .edit_token(&created.edit_token)
        .send()
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let late = server.new_voter().await;
    let response = server.call(Method::PUT, &uri).voter(&late).send().await;
    assert_error(&response, StatusCode::CONFLICT, "comment_deleted");
    assert_eq!(
        vote(&server, Method::DELETE, &uri, &voter).await,
        VoteState {
            votes: 0,
            viewer_voted: false
        }
    );
    assert_eq!(reply.comment.votes, 0);
}

#[tokio::test]
async fn the_page_itself_takes_votes_even_before_its_first_comment() {
    let server = TestServer::new().await;
    let voter = server.new_voter().await;
    let uri = "/api/threads/blog/2016/libya/vote";

    // Taking back a vote nobody cast creates nothing.
    assert_eq!(
        vote(&server, Method::DELETE, uri, &voter).await,
        VoteState {
            votes: 0,
            viewer_voted: false
        }
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM threads").await, 0);

    let once = VoteState {
        votes: 1,
        viewer_voted: true,
    };
    assert_eq!(vote(&server, Method::PUT, uri, &voter).await, once);
    assert_eq!(
        vote(
            &server,
            Method::PUT,
            "/api/threads/blog%2F2016%2Flibya/vote",
            &voter
        )
        .await,
        once
    );
    let seen = read_as(&server, "blog/2016/libya", Some(&voter)).await;
    assert_eq!(seen.thread.votes, 1);
    assert!(seen.thread.viewer_voted);
    assert!(seen.comments.is_empty());
    assert!(
        !read_as(&server, "blog/2016/libya", None)
            .await
            .thread
            .viewer_voted
    );

    // Its first comment goes into the thread the vote created.
    server
        .post_comment("blog/2016/libya", json!({"body": "x"}))
        .await;
    assert_eq!(server.count("SELECT COUNT(*) FROM threads").await, 1);

    assert_eq!(
        vote(&server, Method::DELETE, uri, &voter).await,
        VoteState {
            votes: 0,
            viewer_voted: false
        }
    );
    let response = server
        .call(Method::PUT, "/api/threads/a%20b/vote")
        .voter(&voter)
        .send()
        .await;
    assert_error(&response, StatusCode::BAD_REQUEST, "invalid_slug");
    let response = server.call(Method::PUT, uri).voter("forged.x").send().await;
    assert_error(&response, StatusCode::UNAUTHORIZED, "invalid_voter");
}

#[tokio::test]
async fn demo_voters_and_real_ones_add_up() {
    let server = TestServer::demo().await;
    let before = read_as(&server, "our-man-in-libya", None).await;
    let voter = server.new_voter().await;
    let after = vote(
        &server,
        Method::PUT,
        "/api/threads/our-man-in-libya/vote",
        &voter,
    )
    .await;
    assert_eq!(after.votes, before.thread.votes + 1);
    let comment = &before.comments[0];
    let after = vote(
        &server,
        Method::PUT,
        &format!("/api/comments/{}/vote", comment.id),
        &voter,
    )
    .await;
    assert_eq!(after.votes, comment.votes + 1);
}

/// The issue's test: 1,000 concurrent requests from 250 voters (each voting four times) leave
/// exactly 250 votes; the same for taking them back leaves none.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_votes_count_each_voter_once() {
    let server = Arc::new(TestServer::unlimited().await);
    let id = server
        .post_comment("t", json!({"body": "x"}))
        .await
        .comment
        .id;
    let mut voters = Vec::new();
    for _ in 0..250 {
        voters.push(server.new_voter().await);
    }
    let uri = format!("/api/comments/{id}/vote");

    for (method, expected) in [(Method::PUT, 250), (Method::DELETE, 0)] {
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..1_000 {
            let server = Arc::clone(&server);
            let voter = voters[n % voters.len()].clone();
            let (method, uri) = (method.clone(), uri.clone());
            tasks.spawn(async move {
                let response = server.call(method, &uri).voter(&voter).send().await;
                assert_eq!(response.status, StatusCode::OK, "{}", response.text());
                response.json::<VoteState>()
            });
        }
        while let Some(answer) = tasks.join_next().await {
            let answer = answer.unwrap();
            assert_eq!(answer.viewer_voted, method == Method::PUT);
        }
        let tally = server
            .count(&format!("SELECT votes FROM comments WHERE id = {id}"))
            .await;
        assert_eq!(tally, expected, "after {method}");
        let rows = server
            .count(&format!(
                "SELECT COUNT(*) FROM comment_votes WHERE comment_id = {id}"
            ))
            .await;
        assert_eq!(rows, expected);
    }
}
