//! Live updates: `GET /api/threads/{slug}/events` (Server-Sent Events). A reader sees every
//! change made after the version it read, a reconnecting reader misses nothing, held comments
//! never leak, and many readers of one thread are all served.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use caucus_model::{ThreadEvent, ThreadResponse};
use caucus_server::app;
use caucus_server::moderation::Moderation;
use common::TestServer;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

/// An open event stream, read one event at a time.
struct Events {
    body: Body,
    buffer: String,
}

#[derive(Debug)]
struct Received {
    id: i64,
    event: ThreadEvent,
}

impl Events {
    async fn open(server: &TestServer, uri: &str, last_event_id: Option<i64>) -> Events {
        let mut request = Request::get(uri).header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = app(server.state.clone())
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        Events {
            body: response.into_body(),
            buffer: String::new(),
        }
    }

    /// The next `change` event; fails the test if none comes within 10 s.
    async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.next_event())
            .await
            .expect("an event within 10 s")
    }

    async fn next_event(&mut self) -> Received {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut kind, mut data) = (None, None, None);
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("id:") {
                        id = Some(value.trim().parse().unwrap());
                    } else if let Some(value) = line.strip_prefix("event:") {
                        kind = Some(value.trim().to_owned());
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data = Some(value.trim().to_owned());
                    }
                }
                if let (Some(id), Some(kind), Some(data)) = (id, kind, data) {
                    assert_eq!(kind, "change");
                    return Received {
                        id,
                        event: serde_json::from_str(&data).unwrap(),
                    };
                }
                continue; // a keep-alive comment
            }
            let frame = self
                .body
                .frame()
                .await
                .expect("the stream stays open")
                .unwrap();
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
    }
}

fn comment_of(received: &Received) -> &caucus_model::Comment {
    match &received.event {
        ThreadEvent::Comment { comment } => comment,
        other => panic!("expected a comment, got {other:?}"),
    }
}

async fn version(server: &TestServer, slug: &str) -> u64 {
    server
        .get(&format!("/api/threads/{slug}"))
        .await
        .json::<ThreadResponse>()
        .version
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_sees_new_comments_votes_edits_and_deletions() {
    let server = TestServer::unlimited().await;
    let first = server.post_comment("t", json!({"body": "first"})).await;
    let since = version(&server, "t").await;
    let mut events = Events::open(
        &server,
        &format!("/api/threads/t/events?since={since}"),
        None,
    )
    .await;

    let reply = server
        .post_comment(
            "t",
            json!({"body": "a reply", "parent_id": first.comment.id}),
        )
        .await;
    let received = events.next().await;
    assert_eq!(comment_of(&received).id, reply.comment.id);
    assert_eq!(comment_of(&received).parent_id, Some(first.comment.id));
    assert!(received.id > since as i64);

    let voter = server.new_voter().await;
    let vote = server
        .call(
            Method::PUT,
            &format!("/api/comments/{}/vote", first.comment.id),
        )
        .voter(&voter)
        .send()
        .await;
    assert_eq!(vote.status, StatusCode::OK);
    let received = events.next().await;
    assert_eq!(comment_of(&received).id, first.comment.id);
    assert_eq!(comment_of(&received).votes, 1);
    // Events are the same for everyone.
    assert!(!comment_of(&received).viewer_voted);

    let page_vote = server
        .call(Method::PUT, "/api/threads/t/vote")
        .voter(&voter)
        .send()
        .await;
    assert_eq!(page_vote.status, StatusCode::OK);
    assert_eq!(
        events.next().await.event,
        ThreadEvent::ThreadVotes { votes: 1 }
    );

    let edit = server
        .call(
            Method::PATCH,
            &format!("/api/comments/{}", reply.comment.id),
        )
        .edit_token(&reply.edit_token)
        .json(json!({"body": "a reply, edited"}))
        .send()
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    let received = events.next().await;
    assert!(comment_of(&received).body_html.contains("edited"));

    // The first comment has a reply, so deleting it leaves a placeholder.
    let delete = server
        .call(
            Method::DELETE,
            &format!("/api/comments/{}", first.comment.id),
        )
        .edit_token(&first.edit_token)
        .send()
        .await;
    assert_eq!(delete.status, StatusCode::OK);
    let received = events.next().await;
    assert!(comment_of(&received).deleted);
    assert_eq!(comment_of(&received).body_html, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_who_reconnects_misses_nothing() {
    let server = TestServer::unlimited().await;
    let first = server.post_comment("t", json!({"body": "one"})).await;
    let mut events = Events::open(&server, "/api/threads/t/events", None).await;
    let second = server.post_comment("t", json!({"body": "two"})).await;
    let last_seen = events.next().await;
    assert_eq!(comment_of(&last_seen).id, second.comment.id);
    drop(events);

    // While the reader is away: two comments and an edit of the first.
    let third = server.post_comment("t", json!({"body": "three"})).await;
    let fourth = server.post_comment("t", json!({"body": "four"})).await;
    let edit = server
        .call(
            Method::PATCH,
            &format!("/api/comments/{}", first.comment.id),
        )
        .edit_token(&first.edit_token)
        .json(json!({"body": "one, edited"}))
        .send()
        .await;
    assert_eq!(edit.status, StatusCode::OK);

    // `Last-Event-ID` (what EventSource sends) wins over the `since` in the URL.
    let mut events =
        Events::open(&server, "/api/threads/t/events?since=0", Some(last_seen.id)).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(comment_of(&events.next().await).id);
    }
    assert_eq!(
        ids,
        vec![third.comment.id, fourth.comment.id, first.comment.id]
    );
    // Nothing else was missed: the next event is the next change.
    let fifth = server.post_comment("t", json!({"body": "five"})).await;
    assert_eq!(comment_of(&events.next().await).id, fifth.comment.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_comments_are_never_sent_until_approved() {
    let mut server = TestServer::unlimited().await;
    server.post_comment("t", json!({"body": "open"})).await;
    let mut events = Events::open(&server, "/api/threads/t/events", None).await;
    server.state.moderation = Moderation::All;
    let held = server.post_comment("t", json!({"body": "held"})).await;
    assert!(held.comment.held);
    server.state.moderation = Moderation::Off;
    let open = server.post_comment("t", json!({"body": "after"})).await;
    // The first event is the published comment: the held one was skipped.
    let received = events.next().await;
    assert_eq!(comment_of(&received).id, open.comment.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_readers_of_one_thread_all_get_the_change() {
    let server = TestServer::unlimited().await;
    server.post_comment("t", json!({"body": "open"})).await;
    let mut readers = Vec::new();
    for _ in 0..200 {
        readers.push(Events::open(&server, "/api/threads/t/events", None).await);
    }
    let posted = server.post_comment("t", json!({"body": "news"})).await;
    for reader in &mut readers {
        assert_eq!(comment_of(&reader.next().await).id, posted.comment.id);
    }
}

#[tokio::test]
async fn without_the_event_stream_header_the_path_is_a_thread_and_bad_versions_are_refused() {
    let server = TestServer::unlimited().await;
    server
        .post_comment("a/events", json!({"body": "a thread named so"}))
        .await;
    let thread = server.get("/api/threads/a/events").await;
    assert_eq!(thread.status, StatusCode::OK);
    assert_eq!(thread.json::<ThreadResponse>().comments.len(), 1);

    let bad = server
        .call(Method::GET, "/api/threads/t/events?since=soon")
        .header("accept", "text/event-stream")
        .send()
        .await;
    common::assert_error(&bad, StatusCode::BAD_REQUEST, "invalid_since");
    let bad_slug = server
        .call(Method::GET, "/api/threads/a/../events")
        .header("accept", "text/event-stream")
        .send()
        .await;
    assert_eq!(bad_slug.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_page_on_another_origin_may_read_and_resume_the_stream() {
    let server = TestServer::new().await;
    // The stream itself: `Events::open` checks `Access-Control-Allow-Origin: *` on every one.
    let mut events = Events::open(&server, "/api/threads/t/events?since=0", None).await;
    server.post_comment("t", json!({"body": "hello"})).await;
    let _ = events.next().await;
    // A client that resumes through `fetch` with `Last-Event-ID` is preflighted first.
    let response = server
        .request(
            Request::builder()
                .method(Method::OPTIONS)
                .uri("/api/threads/t/events")
                .header("origin", "https://blog.example")
                .header("access-control-request-method", "GET")
                .header("access-control-request-headers", "last-event-id")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(response.status.is_success(), "{}", response.status);
    assert_eq!(response.header("access-control-allow-origin"), "*");
    assert!(response
        .header("access-control-allow-headers")
        .to_lowercase()
        .contains("last-event-id"));
}
