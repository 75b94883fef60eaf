//! The reply form's honeypot (`NewComment::website`): a comment with it filled in is answered
//! as if accepted, and nothing is stored.

mod common;

use axum::http::{Method, StatusCode};
use caucus_model::{CreatedComment, ThreadResponse};
use common::{assert_error, TestServer};
use serde_json::json;

#[tokio::test]
async fn a_filled_in_honeypot_is_answered_as_accepted_and_stores_nothing() {
    let server = TestServer::new().await;
    let response = server
        .call(Method::POST, "/api/threads/t/comments")
        .json(json!({"author": "bot", "body": "cheap *watches*", "website": "http://spam.example"}))
        .send()
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let created: CreatedComment = response.json();
    assert_eq!(created.comment.author, "bot");
    assert_eq!(created.comment.body_html, "<p>cheap <em>watches</em></p>\n");
    assert!(!created.edit_token.is_empty());
    assert_eq!(server.count("SELECT COUNT(*) FROM comments").await, 0);
    assert_eq!(server.count("SELECT COUNT(*) FROM threads").await, 0);
    let thread: ThreadResponse = server.get("/api/threads/t").await.json();
    assert!(thread.comments.is_empty());
    // The decoy's edit token edits nothing.
    let edit = server
        .call(
            Method::PATCH,
            &format!("/api/comments/{}", created.comment.id),
        )
        .edit_token(&created.edit_token)
        .json(json!({"body": "x"}))
        .send()
        .await;
    assert_error(&edit, StatusCode::NOT_FOUND, "comment_not_found");
}

#[tokio::test]
async fn an_empty_honeypot_is_a_person() {
    let server = TestServer::new().await;
    for website in [json!(""), json!("  "), json!(null)] {
        server
            .post_comment("t", json!({"body": "hello", "website": website}))
            .await;
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM comments").await, 3);
}

#[tokio::test]
async fn a_bot_still_meets_the_same_checks() {
    let server = TestServer::new().await;
    let response = server
        .call(Method::POST, "/api/threads/t/comments")
        .json(json!({"body": "", "website": "x"}))
        .send()
        .await;
    assert_error(&response, StatusCode::UNPROCESSABLE_ENTITY, "body_empty");
}
