//! Posting, editing and deleting comments over HTTP: what is stored, what is refused and how.

mod common;

use axum::http::{Method, StatusCode};
use caucus_model::limits::{MAX_BODY_CHARS, MAX_REQUEST_BYTES};
use caucus_model::{Comment, CreatedComment, ThreadResponse};
use common::{assert_error, TestServer};
use serde_json::json;

async fn thread(server: &TestServer, slug: &str) -> ThreadResponse {
    let response = server.get(&format!("/api/threads/{slug}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

/// Makes comment `id` older than the edit window.
async fn age(server: &TestServer, id: i64) {
    sqlx::query("UPDATE comments SET created_at = '2020-01-01T00:00:00Z' WHERE id = $1")
        .bind(id)
        .execute(&server.state.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_first_comment_creates_the_thread() {
    let server = TestServer::new().await;
    let created = server
        .post_comment("fresh", json!({"body": "Hello *world*"}))
        .await;
    let comment = &created.comment;
    assert_eq!(comment.author, "Anonymous");
    assert_eq!(comment.subject, None);
    assert_eq!(comment.signature, None);
    assert_eq!(comment.parent_id, None);
    assert_eq!(comment.votes, 0);
    assert!(!comment.viewer_voted && !comment.deleted);
    assert_eq!(comment.edited_at, None);
    assert!(comment.body_html.contains("<em>world</em>"));
    assert!(created.edit_token.len() >= 40);

    let read = thread(&server, "fresh").await;
    assert_eq!(read.thread.slug, "fresh");
    assert_eq!(read.comments, vec![comment.clone()]);
    // Only a hash of the edit token is stored.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT edit_token_hash FROM comments")
        .fetch_one(&server.state.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 32);
    assert_ne!(stored, created.edit_token.as_bytes());

    // The second comment goes to the same thread.
    server.post_comment("fresh", json!({"body": "again"})).await;
    assert_eq!(server.count("SELECT COUNT(*) FROM threads").await, 1);
    assert_eq!(thread(&server, "fresh").await.comments.len(), 2);
}

#[tokio::test]
async fn every_field_is_kept_cleaned_and_sanitized() {
    let server = TestServer::new().await;
    let created = server
        .post_comment(
            "t",
            json!({
                "author": "  riverlover\u{0} ",
                "subject": "On\tLibya",
                "body": "Quote:\r\n\r\n> this <script>alert(1)</script>",
                "signature": "bygorry\n",
            }),
        )
        .await;
    let comment = created.comment;
    // Text fields come back as sent (only the whitespace around them goes, and NUL); the body is
    // cleaned, rendered and sanitized.
    // NUL goes (PostgreSQL's text cannot hold it), on every backend alike.
    assert_eq!(comment.author, "riverlover");
    assert_eq!(comment.subject.as_deref(), Some("On\tLibya"));
    assert_eq!(comment.signature.as_deref(), Some("bygorry"));
    assert!(
        comment.body_html.contains("<blockquote>"),
        "{}",
        comment.body_html
    );
    assert!(
        !comment.body_html.contains("script"),
        "{}",
        comment.body_html
    );
    let body_md: String = sqlx::query_scalar("SELECT body_md FROM comments")
        .fetch_one(&server.state.pool)
        .await
        .unwrap();
    assert_eq!(body_md, "Quote:\n\n> this <script>alert(1)</script>");

    let blank = server
        .post_comment(
            "t",
            json!({"author": " ", "subject": "", "body": "x", "signature": null}),
        )
        .await;
    assert_eq!(blank.comment.author, "Anonymous");
    assert_eq!(blank.comment.subject, None);
    let json: serde_json::Value = serde_json::to_value(&blank.comment).unwrap();
    assert!(json["subject"].is_null() && json["signature"].is_null());
}

#[tokio::test]
async fn slugs_with_slashes_take_comments() {
    let server = TestServer::new().await;
    for uri in [
        "/api/threads/blog/2016/07/libya/comments",
        "/api/threads/blog%2F2016%2F07%2Flibya/comments",
        "/api/threads/blog%2F2016%2F07%2Flibya%2Fcomments",
    ] {
        let response = server
            .call(Method::POST, uri)
            .json(json!({"body": "x"}))
            .send()
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{uri}");
    }
    assert_eq!(
        thread(&server, "blog/2016/07/libya").await.comments.len(),
        3
    );
    // A thread may itself be called `.../comments`: reading it is reading that thread.
    assert!(thread(&server, "blog/2016/07/libya/comments")
        .await
        .comments
        .is_empty());
    for uri in [
        "/api/threads/a%2F..%2Fb/comments",
        "/api/threads/a%20b/comments",
        "/api/threads//comments",
    ] {
        let response = server
            .call(Method::POST, uri)
            .json(json!({"body": "x"}))
            .send()
            .await;
        assert_error(&response, StatusCode::BAD_REQUEST, "invalid_slug");
    }
}

#[tokio::test]
async fn writes_to_a_thread_name_their_sub_resource() {
    let server = TestServer::new().await;
    for (method, uri, allow) in [
        (Method::POST, "/api/threads/x", "GET"),
        (Method::POST, "/api/threads/x/replies", "GET"),
        (Method::PUT, "/api/threads/x/comments", "GET, POST"),
        (Method::DELETE, "/api/threads/x/comments", "GET, POST"),
        (Method::POST, "/api/threads/x/vote", "GET, PUT, DELETE"),
    ] {
        let response = server.call(method.clone(), uri).send().await;
        assert_error(
            &response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        );
        assert_eq!(response.header("allow"), allow, "{method} {uri}");
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM threads").await, 0);
}

#[tokio::test]
async fn replies_need_a_live_parent_in_the_same_thread() {
    let server = TestServer::new().await;
    let root = server.post_comment("a", json!({"body": "root"})).await;
    let id = root.comment.id;
    let reply = server
        .post_comment("a", json!({"body": "reply", "parent_id": id}))
        .await;
    assert_eq!(reply.comment.parent_id, Some(id));
    let deeper = server
        .post_comment(
            "a",
            json!({"body": "deeper", "parent_id": reply.comment.id}),
        )
        .await;
    assert_eq!(deeper.comment.parent_id, Some(reply.comment.id));

    for (slug, parent) in [("b", id), ("a", 999)] {
        let response = server
            .call(Method::POST, &format!("/api/threads/{slug}/comments"))
            .json(json!({"body": "x", "parent_id": parent}))
            .send()
            .await;
        let error = assert_error(
            &response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "parent_not_found",
        );
        assert!(error.message.contains(&parent.to_string()));
    }
    // The refused reply did not leave an empty thread `b` behind.
    assert_eq!(server.count("SELECT COUNT(*) FROM threads").await, 1);

    // A deleted comment kept as a placeholder takes no new replies.
    let response = server
        .call(Method::DELETE, &format!("/api/comments/{id}"))
        .edit_token(&root.edit_token)
        .send()
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let response = server
        .call(Method::POST, "/api/threads/a/comments")
        .json(json!({"body": "x", "parent_id": id}))
        .send()
        .await;
    assert_error(
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "parent_deleted",
    );
}

#[tokio::test]
async fn each_invalid_field_has_its_own_error() {
    let server = TestServer::new().await;
    let long_body = "b".repeat(MAX_BODY_CHARS + 1);
    for (body, code) in [
        (json!({"body": ""}), "body_empty"),
        (json!({"body": " \n\t\u{0} "}), "body_empty"),
        (json!({"body": long_body}), "body_too_long"),
        (
            json!({"body": "x", "author": "a".repeat(65)}),
            "author_too_long",
        ),
        (
            json!({"body": "x", "subject": "s".repeat(129)}),
            "subject_too_long",
        ),
        (
            json!({"body": "x", "signature": "s".repeat(257)}),
            "signature_too_long",
        ),
    ] {
        let response = server
            .call(Method::POST, "/api/threads/t/comments")
            .json(body)
            .send()
            .await;
        let error = assert_error(&response, StatusCode::UNPROCESSABLE_ENTITY, code);
        assert!(error.message.ends_with('.'), "{}", error.message);
    }
    // Exactly at the limits is fine, and limits count characters, not bytes.
    server
        .post_comment(
            "t",
            json!({
                "body": "é".repeat(MAX_BODY_CHARS),
                "author": "é".repeat(64),
                "subject": "é".repeat(128),
                "signature": "é".repeat(256),
            }),
        )
        .await;
    assert_eq!(server.count("SELECT COUNT(*) FROM comments").await, 1);
}

#[tokio::test]
async fn bodies_that_are_not_json_comments_are_refused_as_json() {
    let server = TestServer::new().await;
    let post = |content_type: Option<&'static str>, body: String| {
        let server = &server;
        async move {
            let call = server.call(Method::POST, "/api/threads/t/comments");
            let call = match content_type {
                Some(content_type) => call.raw(content_type, body),
                None => call,
            };
            call.send().await
        }
    };
    let ok = r#"{"body": "x"}"#.to_owned();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        assert_error(
            &post(content_type, ok.clone()).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        );
    }
    assert_eq!(
        post(Some("application/json; charset=utf-8"), ok.clone())
            .await
            .status,
        StatusCode::CREATED
    );

    let error = assert_error(
        &post(Some("application/json"), r#"{"body": "x""#.into()).await,
        StatusCode::BAD_REQUEST,
        "invalid_json",
    );
    assert!(error.message.contains("line 1"), "{}", error.message);
    for (body, detail) in [
        (r#"{"body": "x", "admin": true}"#, "unknown field `admin`"),
        (r#"{"body": 5}"#, "invalid type"),
        (r#"{"author": "me"}"#, "missing field `body`"),
        (r#"{"body": "x", "parent_id": "7"}"#, "invalid type"),
        (r#"[]"#, "expected struct NewComment"),
    ] {
        let error = assert_error(
            &post(Some("application/json"), body.into()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_fields",
        );
        assert!(error.message.contains(detail), "{body}: {}", error.message);
    }

    let huge = json!({"body": "x".repeat(MAX_REQUEST_BYTES)}).to_string();
    let error = assert_error(
        &post(Some("application/json"), huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "request_too_large",
    );
    assert!(error.message.contains("64 KB"), "{}", error.message);
    assert_eq!(server.count("SELECT COUNT(*) FROM comments").await, 1);
}

#[tokio::test]
async fn the_author_may_edit_within_the_window() {
    let server = TestServer::new().await;
    let created = server
        .post_comment(
            "t",
            json!({"body": "first", "subject": "S", "author": "me"}),
        )
        .await;
    let uri = format!("/api/comments/{}", created.comment.id);
    let response = server
        .call(Method::PATCH, &uri)
        .edit_token(&created.edit_token)
        .json(json!({"body": "second *take*"}))
        .send()
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let edited: Comment = response.json();
    assert!(edited.body_html.contains("<em>take</em>"));
    assert_eq!(edited.subject, None, "an edit replaces the subject too");
    assert_eq!(edited.author, "me");
    assert_eq!(edited.created_at, created.comment.created_at);
    assert!(edited.edited_at.is_some());
    assert_eq!(thread(&server, "t").await.comments, vec![edited]);

    let response = server
        .call(Method::PATCH, &uri)
        .json(json!({"body": "x"}))
        .send()
        .await;
    assert_error(&response, StatusCode::UNAUTHORIZED, "missing_edit_token");
    let other = server.post_comment("t", json!({"body": "other"})).await;
    for token in [other.edit_token.as_str(), "", "garbage"] {
        let response = server
            .call(Method::PATCH, &uri)
            .edit_token(token)
            .json(json!({"body": "x"}))
            .send()
            .await;
        assert_error(&response, StatusCode::FORBIDDEN, "wrong_edit_token");
    }
    let response = server
        .call(Method::PATCH, &uri)
        .edit_token(&created.edit_token)
        .json(json!({"body": " "}))
        .send()
        .await;
    assert_error(&response, StatusCode::UNPROCESSABLE_ENTITY, "body_empty");
    for missing in ["/api/comments/999", "/api/comments/abc"] {
        let response = server
            .call(Method::PATCH, missing)
            .edit_token(&created.edit_token)
            .json(json!({"body": "x"}))
            .send()
            .await;
        assert_error(&response, StatusCode::NOT_FOUND, "comment_not_found");
    }

    age(&server, created.comment.id).await;
    let response = server
        .call(Method::PATCH, &uri)
        .edit_token(&created.edit_token)
        .json(json!({"body": "too late"}))
        .send()
        .await;
    let error = assert_error(&response, StatusCode::FORBIDDEN, "edit_window_closed");
    assert!(error.message.contains("15 minutes"), "{}", error.message);
    let response = server
        .call(Method::DELETE, &uri)
        .edit_token(&created.edit_token)
        .send()
        .await;
    assert_error(&response, StatusCode::FORBIDDEN, "edit_window_closed");
}

#[tokio::test]
async fn demo_comments_have_no_author_to_edit_them() {
    let server = TestServer::demo().await;
    let id: i64 = server.count("SELECT MIN(id) FROM comments").await;
    let response = server
        .call(Method::DELETE, &format!("/api/comments/{id}"))
        .edit_token("anything")
        .send()
        .await;
    assert_error(&response, StatusCode::FORBIDDEN, "wrong_edit_token");
}

#[tokio::test]
async fn deleting_keeps_a_placeholder_only_where_replies_need_one() {
    let server = TestServer::new().await;
    let root = server
        .post_comment(
            "t",
            json!({"body": "root", "author": "a", "signature": "sig"}),
        )
        .await;
    let reply = server
        .post_comment("t", json!({"body": "reply", "parent_id": root.comment.id}))
        .await;
    let leaf = server.post_comment("t", json!({"body": "leaf"})).await;

    // A leaf goes entirely.
    let response = server
        .call(
            Method::DELETE,
            &format!("/api/comments/{}", leaf.comment.id),
        )
        .edit_token(&leaf.edit_token)
        .send()
        .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert!(response.body.is_empty());

    // A comment with a reply stays, blanked, and answers no second delete.
    let root_uri = format!("/api/comments/{}", root.comment.id);
    let response = server
        .call(Method::DELETE, &root_uri)
        .edit_token(&root.edit_token)
        .send()
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let placeholder: Comment = response.json();
    assert!(placeholder.deleted);
    assert_eq!(placeholder.author, "");
    assert_eq!(placeholder.body_html, "");
    assert_eq!(placeholder.subject, None);
    assert_eq!(placeholder.signature, None);
    let comments = thread(&server, "t").await.comments;
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[0], placeholder);
    for method in [Method::DELETE, Method::PATCH] {
        let response = server
            .call(method, &root_uri)
            .edit_token(&root.edit_token)
            .json(json!({"body": "back"}))
            .send()
            .await;
        assert_error(&response, StatusCode::CONFLICT, "comment_deleted");
    }

    // Deleting the last reply also removes the placeholder it was keeping.
    let response = server
        .call(
            Method::DELETE,
            &format!("/api/comments/{}", reply.comment.id),
        )
        .edit_token(&reply.edit_token)
        .send()
        .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert!(thread(&server, "t").await.comments.is_empty());
    assert_eq!(server.count("SELECT COUNT(*) FROM comments").await, 0);
}

#[tokio::test]
async fn a_deleted_comment_takes_its_votes_with_it() {
    let server = TestServer::new().await;
    let created: CreatedComment = server.post_comment("t", json!({"body": "x"})).await;
    let voter = server.new_voter().await;
    let uri = format!("/api/comments/{}", created.comment.id);
    let response = server
        .call(Method::PUT, &format!("{uri}/vote"))
        .voter(&voter)
        .send()
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let response = server
        .call(Method::DELETE, &uri)
        .edit_token(&created.edit_token)
        .send()
        .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert_eq!(server.count("SELECT COUNT(*) FROM comment_votes").await, 0);
}
