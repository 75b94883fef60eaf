//! What a body may cost (issue 15, items 1, 2 and 9): a body that would render too large is
//! refused with a 422 and stores nothing; every cheaper check (the edit token, the block, the
//! rate) comes before the render, so a refused request renders nothing; and images follow
//! `--comment-images`.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use caucus_model::{Comment, CreatedComment};
use caucus_server::abuse::{AbuseLimits, Policy, Rate};
use caucus_server::moderation::AdminSecret;
use caucus_server::render::{CommentImages, Renderer};
use common::{assert_error, TestServer};
use serde_json::json;

/// The body of issue 15: three tables whose header has 362 columns and whose rows have one
/// cell, 10,000 characters; it rendered to 7.1 MB of HTML in about a second.
fn wide_tables() -> String {
    let header = format!("{}|\n{}|\n", "|a".repeat(362), "|-".repeat(362));
    let table = |len: usize| {
        let mut table = header.clone();
        while table.len() + 4 < len {
            table.push_str("|a|\n");
        }
        table + "\n"
    };
    table(3_333) + &table(3_333) + &table(3_333)
}

async fn post(server: &TestServer, ip: &str, body: &str) -> common::TestResponse {
    server
        .call(Method::POST, "/api/threads/t/comments")
        .from(ip)
        .json(json!({ "body": body }))
        .send()
        .await
}

#[tokio::test]
async fn a_body_that_would_render_too_large_is_refused_and_stores_nothing() {
    let server = TestServer::unlimited().await;
    let response = post(&server, "192.0.2.1", &wide_tables()).await;
    let error = assert_error(
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "table_too_wide",
    );
    assert!(
        error.message.contains("at most 32 columns"),
        "{}",
        error.message
    );
    assert!(error.message.contains("362"), "{}", error.message);
    assert_eq!(server.count("SELECT COUNT(*) FROM comments").await, 0);
    assert_eq!(server.count("SELECT COUNT(*) FROM threads").await, 0);

    let deep = post(&server, "192.0.2.1", &"> - ".repeat(2_500)).await;
    assert_error(&deep, StatusCode::UNPROCESSABLE_ENTITY, "body_too_deep");
    // Four columns of one-cell rows stay under the column cap, and pass the HTML bound.
    let long = format!("|a|a|a|a|a|\n|-|-|-|-|-|\n{}", "|a|\n".repeat(2_480));
    let big = post(&server, "192.0.2.1", &long).await;
    assert_error(&big, StatusCode::UNPROCESSABLE_ENTITY, "body_too_complex");

    // An ordinary table is fine.
    let fine = post(&server, "192.0.2.1", "|a|b|\n|-|-|\n|1|2|\n").await;
    assert_eq!(fine.status, StatusCode::CREATED, "{}", fine.text());
    let created: CreatedComment = fine.json();
    assert!(created.comment.body_html.contains("<table>"));
}

#[tokio::test]
async fn an_edit_with_a_wrong_token_renders_nothing() {
    let server = TestServer::unlimited().await;
    let created = server.post_comment("t", json!({"body": "mine"})).await;
    let before = server.state.render.renders();
    let response = server
        .call(
            Method::PATCH,
            &format!("/api/comments/{}", created.comment.id),
        )
        .edit_token("not the token")
        .json(json!({ "body": wide_tables() }))
        .send()
        .await;
    assert_error(&response, StatusCode::FORBIDDEN, "wrong_edit_token");
    assert_eq!(
        server.state.render.renders(),
        before,
        "rendered before the token check"
    );

    // The right token renders once, and the wide body is refused there.
    let response = server
        .call(
            Method::PATCH,
            &format!("/api/comments/{}", created.comment.id),
        )
        .edit_token(&created.edit_token)
        .json(json!({ "body": wide_tables() }))
        .send()
        .await;
    assert_error(
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "table_too_wide",
    );
    assert_eq!(server.state.render.renders(), before + 1);
    let thread: caucus_model::ThreadResponse = server.get("/api/threads/t").await.json();
    assert!(thread.comments[0].body_html.contains("mine"));
}

#[tokio::test]
async fn a_rate_limited_network_renders_nothing() {
    let mut server = TestServer::new().await;
    server.state.abuse = Arc::new(AbuseLimits::new(Policy {
        comments: Rate::per_minute(1),
        ..Policy::default()
    }));
    assert_eq!(
        post(&server, "192.0.2.1", "first").await.status,
        StatusCode::CREATED
    );
    let before = server.state.render.renders();
    let response = post(&server, "192.0.2.1", &wide_tables()).await;
    assert_error(&response, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(
        server.state.render.renders(),
        before,
        "rendered before the rate limit"
    );
}

#[tokio::test]
async fn a_blocked_network_renders_nothing() {
    let mut server = TestServer::unlimited().await;
    let secret = "a long enough admin secret";
    server.state.admin = Some(AdminSecret::new(secret).unwrap());
    let created = post(&server, "192.0.2.9", "spam").await;
    assert_eq!(created.status, StatusCode::CREATED);
    let listed: caucus_model::admin::AdminCommentPage = server
        .call(Method::GET, "/api/admin/comments")
        .header("authorization", &format!("Bearer {secret}"))
        .send()
        .await
        .json();
    let network = listed.comments[0].network.clone().unwrap();
    let block = server
        .call(Method::POST, "/api/admin/blocks")
        .header("authorization", &format!("Bearer {secret}"))
        .json(json!({"kind": "network", "target": network}))
        .send()
        .await;
    assert_eq!(block.status, StatusCode::CREATED, "{}", block.text());

    let before = server.state.render.renders();
    let response = post(&server, "192.0.2.9", &wide_tables()).await;
    assert_error(&response, StatusCode::FORBIDDEN, "blocked");
    assert_eq!(
        server.state.render.renders(),
        before,
        "rendered before the block check"
    );
}

async fn image_comment(images: CommentImages) -> Comment {
    let mut server = TestServer::unlimited().await;
    server.state.render = Renderer::new(images);
    server
        .post_comment("t", json!({"body": "![a cat](https://e.test/cat.png)"}))
        .await
        .comment
}

#[tokio::test]
async fn comment_images_follow_the_option() {
    let on = image_comment(CommentImages::On).await.body_html;
    assert!(on.contains(r#"<img src="https://e.test/cat.png""#), "{on}");
    assert!(on.contains(r#"referrerpolicy="no-referrer""#), "{on}");
    assert!(on.contains(r#"loading="lazy""#), "{on}");

    let click = image_comment(CommentImages::Click).await.body_html;
    assert!(!click.contains("<img"), "{click}");
    assert!(click.contains(r#"data-caucus-image="""#), "{click}");
    assert!(
        click.contains(r#"href="https://e.test/cat.png""#),
        "{click}"
    );

    let off = image_comment(CommentImages::Off).await.body_html;
    assert!(
        !off.contains("<img") && !off.contains("data-caucus-image"),
        "{off}"
    );
    assert!(off.contains(r#"href="https://e.test/cat.png""#), "{off}");
    assert!(off.contains(">a cat</a>"), "{off}");
}
