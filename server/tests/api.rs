//! The read path over HTTP: threads, sort orders, errors, CORS, the widget's files, the pages.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use caucus_model::{Comment, ThreadResponse};
use common::{assert_error, TestServer};

#[tokio::test]
async fn an_unknown_thread_is_empty_not_an_error() {
    let server = TestServer::new().await;
    let response = server.get("/api/threads/nobody-wrote-here").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("access-control-allow-origin"), "*");
    let body: ThreadResponse = response.json();
    assert_eq!(body.thread.slug, "nobody-wrote-here");
    assert_eq!(body.thread.title, None);
    assert_eq!(body.thread.url, None);
    assert_eq!(body.thread.votes, 0);
    assert!(!body.thread.viewer_voted);
    assert!(body.comments.is_empty());
    // The JSON has every field, null where empty.
    let json: serde_json::Value = response.json();
    assert!(json["thread"]["title"].is_null());
    assert_eq!(json["comments"], serde_json::json!([]));

    // Reading did not create the thread.
    let threads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM threads")
        .fetch_one(&server.state.pool)
        .await
        .unwrap();
    assert_eq!(threads, 0);
}

#[tokio::test]
async fn slugs_may_contain_slashes_encoded_or_not() {
    let server = TestServer::new().await;
    for (uri, slug) in [
        ("/api/threads/blog/2016/07/libya", "blog/2016/07/libya"),
        (
            "/api/threads/blog%2F2016%2F07%2Flibya",
            "blog/2016/07/libya",
        ),
        ("/api/threads/a/comments", "a/comments"),
        ("/api/threads/v1.2_x~y", "v1.2_x~y"),
    ] {
        let response = server.get(uri).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{uri}: {}",
            response.text()
        );
        assert_eq!(response.json::<ThreadResponse>().thread.slug, slug);
    }
}

#[tokio::test]
async fn invalid_slugs_are_refused() {
    let server = TestServer::new().await;
    for uri in [
        "/api/threads/..%2Fetc%2Fpasswd",
        "/api/threads/../etc",
        "/api/threads/a/../b",
        "/api/threads/a%00b",
        "/api/threads/%FF",
        "/api/threads/a//b",
        "/api/threads/a/",
        "/api/threads/a%20b",
        "/api/threads/a%25b",
        "/api/threads/%C3%A4",
    ] {
        let response = server.get(uri).await;
        let body = assert_error(&response, StatusCode::BAD_REQUEST, "invalid_slug");
        assert!(
            body.message.contains("thread name"),
            "{uri}: {}",
            body.message
        );
    }
    let long = format!("/api/threads/{}", "a".repeat(201));
    assert_error(
        &server.get(&long).await,
        StatusCode::BAD_REQUEST,
        "invalid_slug",
    );
}

#[tokio::test]
async fn an_unknown_sort_is_refused() {
    let server = TestServer::new().await;
    let response = server.get("/api/threads/x?sort=best").await;
    let body = assert_error(&response, StatusCode::BAD_REQUEST, "invalid_sort");
    assert_eq!(
        body.message,
        r#"Unknown sort order "best": use oldest, newest or top."#
    );
    for sort in ["oldest", "newest", "top"] {
        let response = server.get(&format!("/api/threads/x?sort={sort}")).await;
        assert_eq!(response.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn sort_orders_follow_time_and_votes() {
    let server = TestServer::demo().await;
    let all = server
        .get("/api/threads/our-man-in-libya")
        .await
        .json::<ThreadResponse>()
        .comments;
    assert!(all.len() > 1);

    let mut oldest = all.clone();
    oldest.sort_by(|a, b| (&a.created_at, a.id).cmp(&(&b.created_at, b.id)));
    let mut newest = oldest.clone();
    newest.reverse();
    let mut top = oldest.clone();
    top.sort_by_key(|c| std::cmp::Reverse(c.votes)); // stable: ties stay oldest first

    let ids = |comments: &[Comment]| comments.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(ids(&all), ids(&oldest), "oldest is the default");
    for (sort, expected) in [("oldest", &oldest), ("newest", &newest), ("top", &top)] {
        let got = server
            .get(&format!("/api/threads/our-man-in-libya?sort={sort}"))
            .await
            .json::<ThreadResponse>()
            .comments;
        assert_eq!(ids(&got), ids(expected), "sort={sort}");
    }
}

/// Ties in time are broken by id, and ties in votes by time, in the order SQL returns.
#[tokio::test]
async fn ties_and_deleted_comments() {
    let server = TestServer::new().await;
    let pool = &server.state.pool;
    sqlx::query(
        "INSERT INTO threads (id, slug, created_at) VALUES (1, 't', '2020-01-01T00:00:00Z')",
    )
    .execute(pool)
    .await
    .unwrap();
    for (id, at, votes, deleted) in [
        (1, "2020-01-01T00:00:02Z", 1, 0),
        (2, "2020-01-01T00:00:01Z", 1, 0),
        (3, "2020-01-01T00:00:01Z", 5, 1),
        (4, "2020-01-01T00:00:03Z", 0, 0),
    ] {
        sqlx::query(
            "INSERT INTO comments (id, thread_id, author, subject, body_md, body_html, \
             signature, created_at, votes, deleted) \
             VALUES ($1, 1, 'someone', 'subject', 'x', '<p>x</p>', 'sig', $2, $3, $4)",
        )
        .bind(id)
        .bind(at)
        .bind(votes)
        .bind(deleted)
        .execute(pool)
        .await
        .unwrap();
    }
    let order = |sort: &'static str| {
        let server = &server;
        async move {
            server
                .get(&format!("/api/threads/t?sort={sort}"))
                .await
                .json::<ThreadResponse>()
                .comments
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(order("oldest").await, [2, 3, 1, 4]);
    assert_eq!(order("newest").await, [4, 1, 3, 2]);
    assert_eq!(order("top").await, [3, 2, 1, 4]);

    let comments = server
        .get("/api/threads/t")
        .await
        .json::<ThreadResponse>()
        .comments;
    let deleted = comments.iter().find(|c| c.id == 3).unwrap();
    assert!(deleted.deleted);
    assert_eq!(deleted.author, "");
    assert_eq!(deleted.body_html, "");
    assert_eq!(deleted.subject, None);
    assert_eq!(deleted.signature, None);
    let kept = comments.iter().find(|c| c.id == 2).unwrap();
    assert!(!kept.deleted);
    assert_eq!(kept.author, "someone");
    assert_eq!(kept.signature.as_deref(), Some("sig"));
}

#[tokio::test]
async fn unknown_api_paths_are_json_404() {
    let server = TestServer::new().await;
    for uri in [
        "/api/nothing",
        "/api",
        "/api/",
        "/api/threads",
        "/api/threads/",
    ] {
        let response = server.get(uri).await;
        assert_error(&response, StatusCode::NOT_FOUND, "not_found");
        assert_eq!(response.header("access-control-allow-origin"), "*");
    }
    let elsewhere = server.get("/nothing").await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    assert!(elsewhere
        .headers
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn wrong_methods_are_json_405() {
    let server = TestServer::new().await;
    let response = server.send(Method::POST, "/api/threads/x").await;
    assert_error(
        &response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    assert!(response.header("allow").contains("GET"));
    for (uri, allow) in [
        ("/api/comments/1", "PATCH,DELETE"),
        ("/api/comments/1/vote", "PUT,DELETE"),
        ("/api/voters", "POST"),
    ] {
        let response = server.get(uri).await;
        assert_error(
            &response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        );
        assert_eq!(response.header("allow").replace(' ', ""), allow, "{uri}");
    }
    let response = server.send(Method::DELETE, "/healthz").await;
    assert_error(
        &response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
}

#[tokio::test]
async fn a_database_failure_is_a_generic_500() {
    let server = TestServer::new().await;
    sqlx::query("DROP TABLE thread_votes")
        .execute(&server.state.pool)
        .await
        .unwrap();
    sqlx::query("DROP TABLE comment_votes")
        .execute(&server.state.pool)
        .await
        .unwrap();
    sqlx::query("DROP TABLE comments")
        .execute(&server.state.pool)
        .await
        .unwrap();
    sqlx::query("DROP TABLE threads")
        .execute(&server.state.pool)
        .await
        .unwrap();
    let response = server.get("/api/threads/x").await;
    let body = assert_error(&response, StatusCode::INTERNAL_SERVER_ERROR, "internal");
    assert!(!body.message.contains("threads"), "{}", body.message);
}

#[tokio::test]
async fn cors_preflight_is_answered() {
    let server = TestServer::new().await;
    let response = server
        .request(
            Request::builder()
                .method(Method::OPTIONS)
                .uri("/api/threads/x/comments")
                .header("origin", "https://blog.example")
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "content-type,x-caucus-voter,x-caucus-edit-token",
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(response.status.is_success(), "{}", response.status);
    assert_eq!(response.header("access-control-allow-origin"), "*");
    let methods = response
        .header("access-control-allow-methods")
        .to_lowercase();
    for method in ["get", "post", "put", "patch", "delete"] {
        assert!(methods.contains(method), "{methods}");
    }
    let headers = response
        .header("access-control-allow-headers")
        .to_lowercase();
    for header in ["content-type", "x-caucus-voter", "x-caucus-edit-token"] {
        assert!(headers.contains(header), "{headers}");
    }
}

#[tokio::test]
async fn widget_files_load_from_any_origin() {
    let server = TestServer::new().await;
    for (file, mime) in [
        ("caucus_bg.wasm", "application/wasm"),
        ("embed.js", "text/javascript"),
        ("caucus.css", "text/css"),
    ] {
        let response = server.get(&format!("/widget/{file}")).await;
        assert_eq!(response.status, StatusCode::OK, "{file}");
        assert!(response.header("content-type").starts_with(mime), "{file}");
        assert_eq!(response.header("access-control-allow-origin"), "*");
        assert_eq!(
            response.header("cross-origin-resource-policy"),
            "cross-origin"
        );
        assert_eq!(response.header("cache-control"), "public, max-age=300");
    }
    let wasm = server.get("/widget/caucus_bg.wasm").await;
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");

    // Precompressed variants are served to browsers that take them, with the file's own type.
    let request = |encoding: &str| {
        axum::http::Request::builder()
            .uri("/widget/caucus_bg.wasm")
            .header("accept-encoding", encoding)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let br = server.request(request("gzip, deflate, br")).await;
    assert_eq!(br.header("content-encoding"), "br");
    assert_eq!(br.header("content-type"), "application/wasm");
    assert_eq!(br.body, b"brotli bytes");
    let gz = server.request(request("gzip")).await;
    assert_eq!(gz.header("content-encoding"), "gzip");
    assert_eq!(gz.body, b"gzip bytes");

    let missing = server.get("/widget/nope.js").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header("cache-control"), "no-store");
    let escape = server.get("/widget/..%2Fcaucus.db").await;
    assert!(escape.status.is_client_error(), "{}", escape.status);
    assert!(escape.body.is_empty() || !escape.text().contains("SQLite"));
}

#[tokio::test]
async fn thread_json_is_compressed_for_clients_that_accept_it() {
    let server = TestServer::demo().await;
    let plain = server.get("/api/threads/our-man-in-libya").await;
    assert!(plain.headers.get("content-encoding").is_none());
    let request = axum::http::Request::builder()
        .uri("/api/threads/our-man-in-libya")
        .header("accept-encoding", "gzip")
        .body(axum::body::Body::empty())
        .unwrap();
    let gzipped = server.request(request).await;
    assert_eq!(gzipped.status, StatusCode::OK);
    assert_eq!(gzipped.header("content-encoding"), "gzip");
    assert!(
        gzipped.body.len() * 2 < plain.body.len(),
        "{} vs {}",
        gzipped.body.len(),
        plain.body.len()
    );
    assert_eq!(gzipped.header("access-control-allow-origin"), "*");
}

#[tokio::test]
async fn the_demo_page_embeds_the_widget() {
    let server = TestServer::demo().await;
    let response = server.get("/").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("content-type").starts_with("text/html"));
    let page = response.text();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(
        page.contains("<title>Our Man in Libya — Caucus demo</title>"),
        "{page}"
    );
    assert!(page.contains("<h1>Our Man in Libya</h1>"));
    assert!(
        page.contains("<blockquote>"),
        "the article is rendered Markdown"
    );
    assert!(page.contains(r#"<div data-caucus-thread="our-man-in-libya"></div>"#));
    assert!(page.contains(r#"<script src="/widget/embed.js" defer></script>"#));
}

#[tokio::test]
async fn the_theme_gallery_shows_four_themes_of_the_demo_thread() {
    let server = TestServer::demo().await;
    let response = server.get("/themes").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("content-type").starts_with("text/html"));
    let page = response.text();
    assert_eq!(
        page.matches(r#"data-caucus-thread="our-man-in-libya""#)
            .count(),
        4
    );
    assert!(page.contains(r#"data-caucus-theme="light""#));
    assert!(page.contains(r#"data-caucus-theme="dark""#));
    assert!(
        page.contains("--caucus-background"),
        "custom themes set properties"
    );
    // Without --demo there is no gallery.
    let plain = TestServer::new().await;
    assert_eq!(plain.get("/themes").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_demo_the_home_page_is_a_notice() {
    let server = TestServer::new().await;
    let response = server.get("/").await;
    assert_eq!(response.status, StatusCode::OK);
    let page = response.text();
    assert!(page.contains("Caucus"));
    assert!(page.contains("README"));
    assert!(!page.contains("data-caucus-thread"));
}

#[tokio::test]
async fn health_check() {
    let server = TestServer::new().await;
    let response = server.get("/healthz").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "ok");
}
