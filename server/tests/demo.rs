//! The demo thread: seeded from the fixture, faithfully, once.

mod common;

use std::collections::HashMap;

use caucus_model::{CommentId, ThreadResponse};
use common::TestServer;
use serde_json::Value;

const FIXTURE: &str = include_str!("../fixtures/our-man-in-libya.json");

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).unwrap()
}

async fn count(server: &TestServer, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&server.state.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_demo_thread_is_the_fixture() {
    let server = TestServer::demo().await;
    let fixture = fixture();
    let slug = fixture["thread"]["slug"].as_str().unwrap();
    let response = server.get(&format!("/api/threads/{slug}")).await;
    let body: ThreadResponse = response.json();

    assert_eq!(body.thread.slug, "our-man-in-libya");
    assert_eq!(
        body.thread.title.as_deref(),
        fixture["thread"]["title"].as_str()
    );
    assert_eq!(
        body.thread.url.as_deref(),
        fixture["thread"]["url"].as_str()
    );
    assert_eq!(
        body.thread.votes,
        fixture["thread"]["votes"].as_u64().unwrap()
    );

    let expected = fixture["comments"].as_array().unwrap();
    assert_eq!(body.comments.len(), expected.len());

    // Ids are assigned in fixture order, which gives each key its id.
    let mut by_id = body.comments.clone();
    by_id.sort_by_key(|c| c.id);
    let id_of: HashMap<&str, CommentId> = expected
        .iter()
        .zip(&by_id)
        .map(|(e, c)| (e["key"].as_str().unwrap(), c.id))
        .collect();

    for (e, c) in expected.iter().zip(&by_id) {
        let key = e["key"].as_str().unwrap();
        let parent = e["parent"].as_str().map(|p| id_of[p]);
        assert_eq!(c.parent_id, parent, "{key}: the tree is the fixture's");
        assert_eq!(c.author, e["author"].as_str().unwrap(), "{key}");
        assert_eq!(c.subject.as_deref(), e["subject"].as_str(), "{key}");
        assert_eq!(c.signature.as_deref(), e["signature"].as_str(), "{key}");
        assert_eq!(c.created_at, e["created_at"].as_str().unwrap(), "{key}");
        assert_eq!(c.votes, e["votes"].as_u64().unwrap(), "{key}");
        assert!(!c.viewer_voted);
        assert!(!c.deleted);
        assert!(c.body_html.starts_with('<'), "{key}: {}", c.body_html);
        assert!(c.body_html.contains("</p>"), "{key}: {}", c.body_html);
    }
    assert!(
        body.comments.iter().any(|c| c.signature.is_some()),
        "the fixture has signatures"
    );

    // Tallies agree with one vote row per voter.
    let total: u64 = expected.iter().map(|e| e["votes"].as_u64().unwrap()).sum();
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM comment_votes").await,
        total as i64
    );
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM comments c WHERE votes != \
             (SELECT COUNT(*) FROM comment_votes v WHERE v.comment_id = c.id)"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM threads t WHERE votes != \
             (SELECT COUNT(*) FROM thread_votes v WHERE v.thread_id = t.id)"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let server = TestServer::demo().await;
    let before = count(&server, "SELECT COUNT(*) FROM comments").await;
    let votes_before = count(&server, "SELECT COUNT(*) FROM comment_votes").await;
    assert!(!caucus_server::demo::seed(&server.state.pool).await.unwrap());
    assert_eq!(count(&server, "SELECT COUNT(*) FROM threads").await, 1);
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM comments").await,
        before
    );
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM comment_votes").await,
        votes_before
    );
}

#[tokio::test]
async fn reopening_the_database_keeps_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::TestDatabase::new(dir.path()).await;
    let pool = db.open().await;
    assert!(caucus_server::demo::seed(&pool).await.unwrap());
    pool.close().await;
    // Migrations run again on a database that has them: nothing happens.
    let pool = db.open().await;
    assert!(!caucus_server::demo::seed(&pool).await.unwrap());
    let threads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM threads")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(threads, 1);
}
