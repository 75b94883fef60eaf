//! `caucus-server export`: every thread as wire JSON, the same as the API reads it.

mod common;

use std::process::Command;

use axum::http::Method;
use caucus_model::ThreadResponse;
use common::TestServer;
use serde_json::json;

/// A few threads: nested replies, a placeholder of a deleted comment, a vote, a thread with
/// nothing but a vote.
async fn populated() -> TestServer {
    let server = TestServer::unlimited().await;
    let root = server
        .post_comment(
            "blog/2016/libya",
            json!({"body": "Root, *emphasis*", "author": "Zoë"}),
        )
        .await;
    let reply = server
        .post_comment(
            "blog/2016/libya",
            json!({"body": "reply", "parent_id": root.comment.id}),
        )
        .await;
    server
        .post_comment(
            "blog/2016/libya",
            json!({"body": "deeper", "parent_id": reply.comment.id, "signature": "sig"}),
        )
        .await;
    let voter = server.new_voter().await;
    server
        .call(
            Method::PUT,
            &format!("/api/comments/{}/vote", root.comment.id),
        )
        .voter(&voter)
        .send()
        .await;
    server
        .call(
            Method::DELETE,
            &format!("/api/comments/{}", reply.comment.id),
        )
        .edit_token(&reply.edit_token)
        .send()
        .await;
    server
        .post_comment("other", json!({"body": "elsewhere"}))
        .await;
    server
        .call(Method::PUT, "/api/threads/only-a-vote/vote")
        .voter(&voter)
        .send()
        .await;
    server
}

#[tokio::test]
async fn every_thread_is_exported_as_the_api_reads_it() {
    let server = populated().await;
    let mut out = Vec::new();
    let (threads, comments) = caucus_server::export::export(&server.state.pool, &mut out)
        .await
        .unwrap();
    assert_eq!((threads, comments), (3, 4));
    let exported: Vec<ThreadResponse> = serde_json::from_slice(&out).unwrap();
    let slugs: Vec<&str> = exported.iter().map(|t| t.thread.slug.as_str()).collect();
    assert_eq!(slugs, ["blog/2016/libya", "other", "only-a-vote"]);
    for thread in &exported {
        let read: ThreadResponse = server
            .get(&format!("/api/threads/{}", thread.thread.slug))
            .await
            .json();
        assert_eq!(*thread, read);
    }
    let libya = &exported[0];
    assert_eq!(libya.comments[0].author, "Zoë");
    assert_eq!(libya.comments[0].votes, 1);
    assert!(libya.comments[1].deleted && libya.comments[1].body_html.is_empty());
    assert_eq!(libya.comments[2].parent_id, Some(libya.comments[1].id));
    assert_eq!(exported[2].thread.votes, 1);
}

#[tokio::test]
async fn an_empty_database_is_an_empty_array() {
    let server = TestServer::new().await;
    let mut out = Vec::new();
    caucus_server::export::export(&server.state.pool, &mut out)
        .await
        .unwrap();
    let exported: Vec<ThreadResponse> = serde_json::from_slice(&out).unwrap();
    assert!(exported.is_empty());
}

#[tokio::test]
async fn the_command_writes_json_to_stdout_and_counts_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::TestDatabase::new(dir.path()).await;
    {
        let pool = db.open().await;
        let mut server = TestServer::unlimited().await;
        server.state.use_pool(pool.clone());
        server.post_comment("a", json!({"body": "one"})).await;
        pool.close().await;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_caucus-server"))
        .args(["export", "--db"])
        .arg(&db.url)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let exported: Vec<ThreadResponse> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].comments[0].body_html, "<p>one</p>\n");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "exported 1 threads, 1 comments"
    );

    // A mistyped path is an error, not a new empty database.
    let missing = dir.path().join("nope.db");
    let output = Command::new(env!("CARGO_BIN_EXE_caucus-server"))
        .args(["export", "--db"])
        .arg(&missing)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(!missing.exists());
}
