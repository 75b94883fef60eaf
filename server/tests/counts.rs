//! `GET /api/counts`: comments per thread for a blog's index page, many threads in one request.

mod common;

use axum::http::{Method, StatusCode};
use caucus_model::limits::MAX_COUNT_SLUGS;
use caucus_model::CommentCounts;
use common::{assert_error, TestServer};
use serde_json::json;

#[tokio::test]
async fn counts_every_slug_asked_for_and_zero_for_unknown_threads() {
    let server = TestServer::unlimited().await;
    for _ in 0..3 {
        server.post_comment("blog/a", json!({"body": "hi"})).await;
    }
    let first = server.post_comment("b", json!({"body": "one"})).await;
    server
        .post_comment("b", json!({"body": "reply", "parent_id": first.comment.id}))
        .await;

    let response = server
        .get("/api/counts?slug=blog%2Fa&slug=b&slug=nobody-wrote-here&slug=b")
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let counts: CommentCounts = response.json();
    let expected: CommentCounts = [("blog/a", 3), ("b", 2), ("nobody-wrote-here", 0)]
        .into_iter()
        .map(|(slug, n)| (slug.to_owned(), n))
        .collect();
    assert_eq!(counts, expected);
    // Reading counts never creates a thread.
    assert_eq!(server.count("SELECT COUNT(*) FROM threads").await, 2);
}

#[tokio::test]
async fn a_deleted_placeholder_is_not_counted() {
    let server = TestServer::unlimited().await;
    let parent = server.post_comment("t", json!({"body": "parent"})).await;
    server
        .post_comment(
            "t",
            json!({"body": "reply", "parent_id": parent.comment.id}),
        )
        .await;
    let response = server
        .call(
            Method::DELETE,
            &format!("/api/comments/{}", parent.comment.id),
        )
        .edit_token(&parent.edit_token)
        .send()
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let counts: CommentCounts = server.get("/api/counts?slug=t").await.json();
    assert_eq!(counts["t"], 1);
}

#[tokio::test]
async fn bad_requests_are_refused() {
    let server = TestServer::new().await;
    assert_error(
        &server.get("/api/counts").await,
        StatusCode::BAD_REQUEST,
        "missing_slug",
    );
    assert_error(
        &server.get("/api/counts?slug=..%2Fetc").await,
        StatusCode::BAD_REQUEST,
        "invalid_slug",
    );
    assert_error(
        &server.get("/api/counts?slug=a&thread=b").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    );
    let many: Vec<String> = (0..=MAX_COUNT_SLUGS)
        .map(|i| format!("slug=t{i}"))
        .collect();
    assert_error(
        &server.get(&format!("/api/counts?{}", many.join("&"))).await,
        StatusCode::BAD_REQUEST,
        "too_many_slugs",
    );
    // Exactly the cap is fine, and the same slug twice counts once.
    let at_cap: Vec<String> = (0..MAX_COUNT_SLUGS)
        .map(|i| format!("slug=t{i}&slug=t{i}"))
        .collect();
    let response = server
        .get(&format!("/api/counts?{}", at_cap.join("&")))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.json::<CommentCounts>().len(), MAX_COUNT_SLUGS);
}

#[tokio::test]
async fn any_page_may_read_counts() {
    let server = TestServer::new().await;
    let response = server
        .call(Method::GET, "/api/counts?slug=a")
        .header("origin", "https://blog.example.org")
        .send()
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("access-control-allow-origin"), "*");
}
