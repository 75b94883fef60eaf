//! Moderation: held comments (`--moderation first-post | all`), the admin secret, and every
//! admin action under `/api/admin/` (approve, edit, delete, block, the log).

mod common;

use axum::http::{Method, StatusCode};
use caucus_model::admin::{AdminComment, AdminCommentPage, AdminLogPage, Block};
use caucus_model::{CommentCounts, CreatedComment, ThreadResponse};
use caucus_server::moderation::{AdminSecret, Moderation};
use common::{assert_error, TestResponse, TestServer};
use serde_json::json;

const SECRET: &str = "a long enough admin secret";

async fn moderated(mode: Moderation) -> TestServer {
    let mut server = TestServer::unlimited().await;
    server.state.moderation = mode;
    server.state.admin = Some(AdminSecret::new(SECRET).unwrap());
    server
}

/// Posts as the browser holding `voter` (if any), from `ip`.
async fn post(
    server: &TestServer,
    voter: Option<&str>,
    ip: &str,
    body: serde_json::Value,
) -> CreatedComment {
    let mut call = server
        .call(Method::POST, "/api/threads/t/comments")
        .from(ip)
        .json(body);
    if let Some(voter) = voter {
        call = call.voter(voter);
    }
    let response = call.send().await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()
}

async fn thread(server: &TestServer, voter: Option<&str>) -> ThreadResponse {
    let mut call = server.call(Method::GET, "/api/threads/t");
    if let Some(voter) = voter {
        call = call.voter(voter);
    }
    let response = call.send().await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

async fn admin(
    server: &TestServer,
    method: Method,
    uri: &str,
    body: Option<serde_json::Value>,
) -> TestResponse {
    let mut call = server
        .call(method, uri)
        .header("authorization", &format!("Bearer {SECRET}"));
    if let Some(body) = body {
        call = call.json(body);
    }
    call.send().await
}

async fn counts(server: &TestServer) -> u64 {
    let counts: CommentCounts = server.get("/api/counts?slug=t").await.json();
    counts["t"]
}

#[tokio::test]
async fn without_moderation_comments_are_published_at_once() {
    let server = moderated(Moderation::Off).await;
    let created = post(&server, None, "192.0.2.1", json!({"body": "hi"})).await;
    assert!(!created.comment.held);
    assert_eq!(thread(&server, None).await.comments.len(), 1);
    assert_eq!(counts(&server).await, 1);
}

#[tokio::test]
async fn a_held_comment_is_seen_only_by_its_author_until_approved() {
    let server = moderated(Moderation::All).await;
    let author = server.new_voter().await;
    let reader = server.new_voter().await;
    let created = post(
        &server,
        Some(&author),
        "192.0.2.1",
        json!({"body": "wait *for* me"}),
    )
    .await;
    assert!(created.comment.held);
    // The wire says so, and only when true.
    assert!(serde_json::to_string(&created.comment)
        .unwrap()
        .contains("\"held\":true"));

    let mine = thread(&server, Some(&author)).await;
    assert_eq!(mine.comments.len(), 1);
    assert!(mine.comments[0].held);
    assert!(thread(&server, Some(&reader)).await.comments.is_empty());
    assert!(thread(&server, None).await.comments.is_empty());
    assert_eq!(counts(&server).await, 0);
    // Nobody can vote for it or answer it yet.
    let vote = server
        .call(
            Method::PUT,
            &format!("/api/comments/{}/vote", created.comment.id),
        )
        .voter(&reader)
        .send()
        .await;
    assert_error(&vote, StatusCode::NOT_FOUND, "comment_not_found");
    let reply = server
        .call(Method::POST, "/api/threads/t/comments")
        .voter(&reader)
        .json(json!({"body": "re", "parent_id": created.comment.id}))
        .send()
        .await;
    assert_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, "parent_not_found");
    // Nor is it exported.
    let mut out = Vec::new();
    caucus_server::export::export(&server.state.pool, &mut out)
        .await
        .unwrap();
    assert!(!String::from_utf8(out).unwrap().contains("wait"));

    let held: AdminCommentPage = admin(&server, Method::GET, "/api/admin/comments?held=true", None)
        .await
        .json();
    assert_eq!(held.comments.len(), 1);
    assert_eq!(held.comments[0].status, "held");
    assert_eq!(held.comments[0].body, "wait *for* me");
    assert_eq!(held.comments[0].voter.as_ref().map(String::len), Some(22));

    let approve = admin(
        &server,
        Method::POST,
        &format!("/api/admin/comments/{}/approve", created.comment.id),
        None,
    )
    .await;
    assert_eq!(approve.status, StatusCode::OK, "{}", approve.text());
    assert_eq!(approve.json::<AdminComment>().status, "published");
    let seen = thread(&server, Some(&reader)).await;
    assert_eq!(seen.comments.len(), 1);
    assert!(!seen.comments[0].held);
    assert_eq!(counts(&server).await, 1);
    let held: AdminCommentPage = admin(&server, Method::GET, "/api/admin/comments?held=true", None)
        .await
        .json();
    assert!(held.comments.is_empty());
}

#[tokio::test]
async fn first_post_holds_only_authors_not_yet_approved() {
    let server = moderated(Moderation::FirstPost).await;
    let author = server.new_voter().await;
    let first = post(&server, Some(&author), "192.0.2.1", json!({"body": "one"})).await;
    assert!(first.comment.held);
    let second = post(&server, Some(&author), "192.0.2.1", json!({"body": "two"})).await;
    assert!(second.comment.held, "not approved yet");
    admin(
        &server,
        Method::POST,
        &format!("/api/admin/comments/{}/approve", first.comment.id),
        None,
    )
    .await;
    // Known now, by the browser even from elsewhere, and by the network even without it.
    let third = post(
        &server,
        Some(&author),
        "198.51.100.7",
        json!({"body": "three"}),
    )
    .await;
    assert!(!third.comment.held);
    let fourth = post(&server, None, "192.0.2.1", json!({"body": "four"})).await;
    assert!(!fourth.comment.held);
    // A stranger is held.
    let stranger = server.new_voter().await;
    let fifth = post(
        &server,
        Some(&stranger),
        "203.0.113.9",
        json!({"body": "five"}),
    )
    .await;
    assert!(fifth.comment.held);
}

#[tokio::test]
async fn the_admin_api_is_off_without_a_secret_and_needs_the_right_one() {
    let mut server = moderated(Moderation::Off).await;
    let wrong = server
        .call(Method::GET, "/api/admin/comments")
        .header("authorization", "Bearer a long enough admin secreT")
        .send()
        .await;
    assert_error(&wrong, StatusCode::FORBIDDEN, "wrong_admin_token");
    let missing = server.call(Method::GET, "/api/admin/log").send().await;
    assert_error(&missing, StatusCode::UNAUTHORIZED, "missing_admin_token");
    let basic = server
        .call(Method::DELETE, "/api/admin/comments/1")
        .header("authorization", &format!("Basic {SECRET}"))
        .send()
        .await;
    assert_error(&basic, StatusCode::UNAUTHORIZED, "missing_admin_token");

    server.state.admin = None;
    for (method, uri) in [
        (Method::GET, "/api/admin/comments"),
        (Method::POST, "/api/admin/comments/1/approve"),
        (Method::PATCH, "/api/admin/comments/1"),
        (Method::DELETE, "/api/admin/comments/1"),
        (Method::GET, "/api/admin/blocks"),
        (Method::POST, "/api/admin/blocks"),
        (Method::DELETE, "/api/admin/blocks/voter/x"),
        (Method::GET, "/api/admin/log"),
    ] {
        let response = admin(&server, method.clone(), uri, None).await;
        let error = assert_error(&response, StatusCode::NOT_FOUND, "admin_off");
        assert!(
            error.message.contains("--admin-token-file"),
            "{method} {uri}"
        );
    }
    assert!(AdminSecret::new("").is_err());
}

#[tokio::test]
async fn the_admin_edits_and_deletes_any_comment_at_any_time() {
    let server = moderated(Moderation::Off).await;
    let parent = post(&server, None, "192.0.2.1", json!({"body": "parent"})).await;
    let reply = post(
        &server,
        None,
        "192.0.2.1",
        json!({"body": "reply", "parent_id": parent.comment.id}),
    )
    .await;
    // Long after the author's edit window.
    sqlx::query("UPDATE comments SET created_at = '2016-07-20T14:03:00Z'")
        .execute(&server.state.pool)
        .await
        .unwrap();

    let edited = admin(
        &server,
        Method::PATCH,
        &format!("/api/admin/comments/{}", parent.comment.id),
        Some(json!({"subject": "Re", "body": "**tidy** <script>x</script>"})),
    )
    .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text());
    let edited: AdminComment = edited.json();
    assert_eq!(edited.body_html, "<p><strong>tidy</strong> </p>\n");
    assert_eq!(edited.subject.as_deref(), Some("Re"));
    assert!(edited.edited_at.is_some());
    let empty = admin(
        &server,
        Method::PATCH,
        &format!("/api/admin/comments/{}", parent.comment.id),
        Some(json!({"body": " "})),
    )
    .await;
    assert_error(&empty, StatusCode::UNPROCESSABLE_ENTITY, "body_empty");

    // A comment with a reply stays as a placeholder; the reply keeps its place.
    let deleted = admin(
        &server,
        Method::DELETE,
        &format!("/api/admin/comments/{}", parent.comment.id),
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text());
    assert!(deleted.json::<AdminComment>().deleted);
    let seen = thread(&server, None).await;
    assert_eq!(seen.comments.len(), 2);
    assert!(seen.comments[0].deleted && seen.comments[0].body_html.is_empty());
    assert_eq!(seen.comments[1].parent_id, Some(parent.comment.id));
    let again = admin(
        &server,
        Method::DELETE,
        &format!("/api/admin/comments/{}", parent.comment.id),
        None,
    )
    .await;
    assert_error(&again, StatusCode::CONFLICT, "comment_deleted");
    // Deleting the reply takes the placeholder it alone kept.
    let gone = admin(
        &server,
        Method::DELETE,
        &format!("/api/admin/comments/{}", reply.comment.id),
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text());
    assert!(thread(&server, None).await.comments.is_empty());
    let missing = admin(&server, Method::DELETE, "/api/admin/comments/999", None).await;
    assert_error(&missing, StatusCode::NOT_FOUND, "comment_not_found");

    let log: AdminLogPage = admin(&server, Method::GET, "/api/admin/log", None)
        .await
        .json();
    let what: Vec<(&str, &str)> = log
        .actions
        .iter()
        .map(|a| (a.action.as_str(), a.target.as_str()))
        .collect();
    let parent_target = format!("comment {}", parent.comment.id);
    let reply_target = format!("comment {}", reply.comment.id);
    assert_eq!(
        what,
        [
            ("delete", reply_target.as_str()),
            ("delete", parent_target.as_str()),
            ("edit", parent_target.as_str()),
        ]
    );
    assert!(log.actions.iter().all(|a| a.actor == "admin"));
}

#[tokio::test]
async fn blocked_voters_and_networks_cannot_write() {
    let server = moderated(Moderation::Off).await;
    let spammer = server.new_voter().await;
    let created = post(
        &server,
        Some(&spammer),
        "192.0.2.1",
        json!({"body": "spam"}),
    )
    .await;
    let listed: AdminCommentPage = admin(&server, Method::GET, "/api/admin/comments", None)
        .await
        .json();
    let voter = listed.comments[0].voter.clone().unwrap();
    let network = listed.comments[0].network.clone().unwrap();
    assert_eq!(network.len(), 32);
    assert!(!network.contains("192"));

    let block = admin(
        &server,
        Method::POST,
        "/api/admin/blocks",
        Some(json!({"kind": "voter", "target": voter})),
    )
    .await;
    assert_eq!(block.status, StatusCode::CREATED, "{}", block.text());
    let twice = admin(
        &server,
        Method::POST,
        "/api/admin/blocks",
        Some(json!({"kind": "voter", "target": voter})),
    )
    .await;
    assert_eq!(twice.status, StatusCode::OK, "{}", twice.text());

    // From another network, the browser is still blocked: comment, vote, edit.
    let refused = server
        .call(Method::POST, "/api/threads/t/comments")
        .from("198.51.100.7")
        .voter(&spammer)
        .json(json!({"body": "more spam"}))
        .send()
        .await;
    let error = assert_error(&refused, StatusCode::FORBIDDEN, "blocked");
    assert!(error.message.contains("blocked"));
    let vote = server
        .call(Method::PUT, "/api/threads/t/vote")
        .from("198.51.100.7")
        .voter(&spammer)
        .send()
        .await;
    assert_error(&vote, StatusCode::FORBIDDEN, "blocked");
    let edit = server
        .call(
            Method::PATCH,
            &format!("/api/comments/{}", created.comment.id),
        )
        .from("198.51.100.7")
        .voter(&spammer)
        .edit_token(&created.edit_token)
        .json(json!({"body": "edited"}))
        .send()
        .await;
    assert_error(&edit, StatusCode::FORBIDDEN, "blocked");
    // Another browser on the first network may still write, until the network is blocked.
    post(&server, None, "192.0.2.1", json!({"body": "neighbour"})).await;
    let block = admin(
        &server,
        Method::POST,
        "/api/admin/blocks",
        Some(json!({"kind": "network", "target": network})),
    )
    .await;
    assert_eq!(block.status, StatusCode::CREATED, "{}", block.text());
    let refused = server
        .call(Method::POST, "/api/threads/t/comments")
        .from("192.0.2.1")
        .json(json!({"body": "neighbour again"}))
        .send()
        .await;
    assert_error(&refused, StatusCode::FORBIDDEN, "blocked");
    let delete = server
        .call(
            Method::DELETE,
            &format!("/api/comments/{}", created.comment.id),
        )
        .from("192.0.2.1")
        .edit_token(&created.edit_token)
        .send()
        .await;
    assert_error(&delete, StatusCode::FORBIDDEN, "blocked");
    // Reading is never blocked.
    assert_eq!(thread(&server, Some(&spammer)).await.comments.len(), 2);

    let blocks: Vec<Block> = admin(&server, Method::GET, "/api/admin/blocks", None)
        .await
        .json();
    assert_eq!(blocks.len(), 2);
    let bad = admin(
        &server,
        Method::POST,
        "/api/admin/blocks",
        Some(json!({"kind": "network", "target": "192.0.2.1"})),
    )
    .await;
    assert_error(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_block_target",
    );

    let lifted = admin(
        &server,
        Method::DELETE,
        &format!("/api/admin/blocks/network/{network}"),
        None,
    )
    .await;
    assert_eq!(lifted.status, StatusCode::NO_CONTENT, "{}", lifted.text());
    post(
        &server,
        None,
        "192.0.2.1",
        json!({"body": "neighbour again"}),
    )
    .await;
    let again = admin(
        &server,
        Method::DELETE,
        &format!("/api/admin/blocks/network/{network}"),
        None,
    )
    .await;
    assert_error(&again, StatusCode::NOT_FOUND, "block_not_found");

    let log: AdminLogPage = admin(&server, Method::GET, "/api/admin/log", None)
        .await
        .json();
    let what: Vec<&str> = log.actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(what, ["unblock", "block", "block"]);
    assert_eq!(log.actions[2].target, format!("voter {voter}"));
}

#[tokio::test]
async fn the_list_pages_newest_first_across_threads() {
    let server = moderated(Moderation::Off).await;
    for n in 0..5 {
        server
            .post_comment(&format!("t{}", n % 2), json!({"body": format!("c{n}")}))
            .await;
    }
    let first: AdminCommentPage = admin(&server, Method::GET, "/api/admin/comments?limit=2", None)
        .await
        .json();
    let bodies: Vec<&str> = first.comments.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(bodies, ["c4", "c3"]);
    assert_eq!(first.comments[0].slug, "t0");
    let before = first.next_before.unwrap();
    let rest: AdminCommentPage = admin(
        &server,
        Method::GET,
        &format!("/api/admin/comments?limit=2&before={before}"),
        None,
    )
    .await
    .json();
    let bodies: Vec<&str> = rest.comments.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(bodies, ["c2", "c1"]);
    let last: AdminCommentPage = admin(
        &server,
        Method::GET,
        &format!(
            "/api/admin/comments?limit=2&before={}",
            rest.next_before.unwrap()
        ),
        None,
    )
    .await
    .json();
    assert_eq!(last.comments.len(), 1);
    assert_eq!(last.next_before, None);
    let bad = admin(&server, Method::GET, "/api/admin/comments?limit=0", None).await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "invalid_limit");
    let unknown = admin(&server, Method::GET, "/api/admin/comments?sort=x", None).await;
    assert_error(&unknown, StatusCode::BAD_REQUEST, "invalid_query");
}

#[tokio::test]
async fn admin_writes_from_other_origins_are_refused() {
    let server = moderated(Moderation::Off).await;
    let response = server
        .call(Method::POST, "/api/admin/blocks")
        .header("origin", "https://evil.example")
        .header("authorization", &format!("Bearer {SECRET}"))
        .json(json!({"kind": "voter", "target": "abc"}))
        .send()
        .await;
    assert_error(&response, StatusCode::FORBIDDEN, "origin_not_allowed");
}

#[tokio::test]
async fn the_admin_page_is_strict_and_off_without_a_secret() {
    let mut server = moderated(Moderation::Off).await;
    let page = server.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.header("content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(page.header("cache-control"), "no-store");
    let html = page.text();
    assert!(html.contains(r#"<script src="/admin/admin.js" defer></script>"#));
    // No inline script or style: the CSP would refuse them.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(!html.contains("<style") && !html.contains("style="));
    let script = server.get("/admin/admin.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.header("content-type").starts_with("text/javascript"));
    assert!(script.text().contains("/api/admin/"));
    let css = server.get("/admin/admin.css").await;
    assert!(css.header("content-type").starts_with("text/css"));

    server.state.admin = None;
    let off = server.get("/admin").await;
    assert_eq!(off.status, StatusCode::NOT_FOUND);
    assert!(off.text().contains("--admin-token-file"));
}
