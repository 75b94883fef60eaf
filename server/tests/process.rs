//! The real binary over a real socket: a comment acknowledged with 201 survives `kill -9`, so
//! does every acknowledged write of a sustained load killed midway (and the file stays
//! intact), and concurrent votes over TCP count each voter once. Also a small throughput measurement,
//! ignored by default:
//!
//! ```text
//! cargo test --release -p caucus-server --test process -- --ignored --nocapture
//! ```
//!
//! The process and its HTTP client are in `common/process.rs`. With `CAUCUS_TEST_POSTGRES`, the
//! server runs on a fresh PostgreSQL database; the checks of the SQLite file itself are skipped.

mod common;

use std::time::{Duration, Instant};

use caucus_model::{CreatedComment, ThreadResponse, VoteState};
use common::process::{new_voter, Process};
use common::{skip_on_postgres, TestDatabase};
use tokio::process::Command;

#[tokio::test]
async fn an_acknowledged_comment_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path()).await;
    let server = Process::start(&db.url, dir.path(), &[]).await;
    let mut connection = server.connect().await;
    let answer = connection
        .send(
            "POST",
            "/api/threads/durable/comments",
            None,
            Some(&serde_json::json!({"body": "still here?", "author": "riverlover"})),
        )
        .await;
    assert_eq!(answer.status, 201);
    let created: CreatedComment = answer.json();
    // Killed right after the 201: nothing else runs in between.
    server.kill_9().await;
    drop(connection);

    let server = Process::start(&db.url, dir.path(), &[]).await;
    let mut connection = server.connect().await;
    let answer = connection
        .send("GET", "/api/threads/durable", None, None)
        .await;
    assert_eq!(answer.status, 200);
    let thread: ThreadResponse = answer.json();
    assert_eq!(thread.comments, vec![created.comment]);
}

/// `kill -9` in the middle of a sustained write load (comments and votes on several
/// connections at once): after a restart every write that was acknowledged is there, and the
/// database passes `PRAGMA integrity_check`. Writes in flight at the kill may or may not be
/// there (they were never acknowledged), but nothing is half there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_kill_9_under_load() {
    const WRITERS: usize = 6;
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path()).await;
    let server = Process::start(&db.url, dir.path(), &["--rate-limits", "off"]).await;
    let mut setup = server.connect().await;
    let target = setup
        .send(
            "POST",
            "/api/threads/load/comments",
            None,
            Some(&serde_json::json!({"body": "vote for me"})),
        )
        .await
        .json::<CreatedComment>()
        .comment;
    let mut voters = Vec::new();
    for _ in 0..WRITERS * 500 {
        voters.push(new_voter(&mut setup).await);
    }
    let voters = std::sync::Arc::new(voters);

    // Each writer alternates a comment and a vote from a fresh voter until its connection
    // breaks, and reports what was acknowledged.
    let acknowledged = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..WRITERS {
        let mut connection = server.connect().await;
        let (voters, acknowledged) = (voters.clone(), acknowledged.clone());
        let vote_path = format!("/api/comments/{}/vote", target.id);
        writers.spawn(async move {
            let mut comments = Vec::new();
            let mut votes = 0;
            for n in 0..500 {
                let body = serde_json::json!({"body": format!("writer {w} comment {n}")});
                let Ok(answer) = connection
                    .try_send("POST", "/api/threads/load/comments", None, Some(&body))
                    .await
                else {
                    break;
                };
                assert_eq!(answer.status, 201);
                comments.push(answer.json::<CreatedComment>().comment);
                acknowledged.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let voter = &voters[w * 500 + n];
                let Ok(answer) = connection
                    .try_send("PUT", &vote_path, Some(voter), None)
                    .await
                else {
                    break;
                };
                assert_eq!(answer.status, 200);
                votes += 1;
            }
            (comments, votes)
        });
    }
    // Kill once the load is well under way (a count, not a timer).
    while acknowledged.load(std::sync::atomic::Ordering::SeqCst) < 300 {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill_9().await;
    let mut comments = Vec::new();
    let mut votes = 0;
    while let Some(done) = writers.join_next().await {
        let (mine, my_votes) = done.unwrap();
        comments.extend(mine);
        votes += my_votes;
    }
    assert!(comments.len() >= 300, "{} comments", comments.len());

    // PostgreSQL keeps its own files whole; SQLite's are the server's to keep.
    if !skip_on_postgres("PRAGMA integrity_check of the SQLite file") {
        let pool = db.open().await;
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(check, "ok");
        pool.close().await;
    }

    let server = Process::start(&db.url, dir.path(), &[]).await;
    let mut connection = server.connect().await;
    let thread: ThreadResponse = connection
        .send("GET", "/api/threads/load", None, None)
        .await
        .json();
    let stored: std::collections::HashMap<_, _> =
        thread.comments.iter().map(|c| (c.id, c)).collect();
    for comment in &comments {
        let found = stored
            .get(&comment.id)
            .unwrap_or_else(|| panic!("acknowledged comment {} is missing", comment.id));
        assert_eq!(found.body_html, comment.body_html);
    }
    let tally = stored[&target.id].votes;
    assert!(tally >= votes, "{votes} acknowledged votes, {tally} stored");
    // At most one vote per writer was in flight when the kill came.
    assert!(
        tally <= votes + WRITERS as u64,
        "{votes} acknowledged, {tally} stored"
    );
    println!(
        "kill -9 under load: {} comments and {votes} votes acknowledged, all present; \
         {tally} votes stored; integrity_check ok",
        comments.len()
    );
}

/// What makes the test above pass for the right reason: the WAL, fsynced at every commit
/// (`synchronous=FULL`; in WAL mode `NORMAL` would survive `kill -9` too, but not a power cut).
#[tokio::test]
async fn the_database_is_wal_and_syncs_every_commit() {
    if skip_on_postgres("SQLite's journal mode and synchronous setting") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pool = caucus_server::open_db(&dir.path().join("caucus.db"))
        .await
        .unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(synchronous, 2, "FULL");
}

/// The issue's test, over TCP: 1,000 requests at once, each on its own connection, from 250
/// voters (four each) on one comment: exactly 250 votes; then the same to take them back: 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_votes_over_tcp_count_each_voter_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path()).await;
    let server = Process::start(&db.url, dir.path(), &["--rate-limits", "off"]).await;
    let mut connection = server.connect().await;
    let answer = connection
        .send(
            "POST",
            "/api/threads/t/comments",
            None,
            Some(&serde_json::json!({"body": "vote for me"})),
        )
        .await;
    let id = answer.json::<CreatedComment>().comment.id;
    let mut voters = Vec::new();
    for _ in 0..250 {
        voters.push(new_voter(&mut connection).await);
    }
    let path = format!("/api/comments/{id}/vote");

    for (method, expected) in [("PUT", 250), ("DELETE", 0)] {
        // Connect all first, so the requests really are in flight together.
        let mut connections = Vec::new();
        for _ in 0..1_000 {
            connections.push(server.connect().await);
        }
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(1_000));
        let mut tasks = tokio::task::JoinSet::new();
        for (n, mut connection) in connections.into_iter().enumerate() {
            let voter = voters[n % voters.len()].clone();
            let (path, start) = (path.clone(), start.clone());
            tasks.spawn(async move {
                start.wait().await;
                let answer = connection.send(method, &path, Some(&voter), None).await;
                assert_eq!(answer.status, 200);
                answer.json::<VoteState>()
            });
        }
        while let Some(answer) = tasks.join_next().await {
            assert_eq!(answer.unwrap().viewer_voted, method == "PUT");
        }
        let answer = connection.send("GET", "/api/threads/t", None, None).await;
        let thread: ThreadResponse = answer.json();
        assert_eq!(thread.comments[0].votes, expected, "after {method}");
    }
}

/// Not a test: how many votes and comments a second the release server takes, limits off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn throughput() {
    const CONNECTIONS: usize = 16;
    const PER_CONNECTION: usize = 250;
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path()).await;
    let server = Process::start(&db.url, dir.path(), &["--rate-limits", "off"]).await;
    let mut setup = server.connect().await;
    let mut ids = Vec::new();
    for _ in 0..10 {
        let answer = setup
            .send(
                "POST",
                "/api/threads/bench/comments",
                None,
                Some(&serde_json::json!({"body": "x"})),
            )
            .await;
        ids.push(answer.json::<CreatedComment>().comment.id);
    }
    let mut voters = Vec::new();
    for _ in 0..CONNECTIONS * PER_CONNECTION {
        voters.push(new_voter(&mut setup).await);
    }
    let voters = std::sync::Arc::new(voters);
    let ids = std::sync::Arc::new(ids);
    let total = CONNECTIONS * PER_CONNECTION;

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..CONNECTIONS {
        let mut connection = server.connect().await;
        let (voters, ids) = (voters.clone(), ids.clone());
        tasks.spawn(async move {
            for n in 0..PER_CONNECTION {
                let voter = &voters[c * PER_CONNECTION + n];
                let path = format!("/api/comments/{}/vote", ids[n % ids.len()]);
                let answer = connection.send("PUT", &path, Some(voter), None).await;
                assert_eq!(answer.status, 200);
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let votes_per_second = total as f64 / started.elapsed().as_secs_f64();

    let body = serde_json::json!({
        "author": "bench",
        "body": "A comment of ordinary length, with *some* Markdown and a [link](https://example.org).",
    });
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CONNECTIONS {
        let mut connection = server.connect().await;
        let body = body.clone();
        tasks.spawn(async move {
            for _ in 0..PER_CONNECTION {
                let answer = connection
                    .send("POST", "/api/threads/bench/comments", None, Some(&body))
                    .await;
                assert_eq!(answer.status, 201);
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let comments_per_second = total as f64 / started.elapsed().as_secs_f64();
    println!(
        "{total} votes: {votes_per_second:.0}/s; {total} comments: {comments_per_second:.0}/s \
         ({CONNECTIONS} keep-alive connections, WAL, synchronous=FULL)"
    );
}

/// The admin secret has no default, and one too short to be safe stops the start with one
/// readable line, before anything is created.
#[tokio::test]
async fn a_short_admin_secret_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("admin-token");
    std::fs::write(&file, "hunter2\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_caucus-server"))
        .arg("--addr")
        .arg("127.0.0.1:0")
        .arg("--db")
        .arg(dir.path().join("caucus.db"))
        .arg("--admin-token-file")
        .arg(&file)
        .env_remove("CAUCUS_ADMIN_TOKEN")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("at least 16 characters"), "{stderr}");
    assert!(!dir.path().join("caucus.db").exists());
}

/// A PostgreSQL that cannot be reached stops the start at once with one readable line that
/// names the database, without its password.
#[tokio::test]
async fn an_unreachable_postgres_stops_the_start_naming_it_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1 of this machine.
    let output = Command::new(env!("CARGO_BIN_EXE_caucus-server"))
        .arg("--addr")
        .arg("127.0.0.1:0")
        .arg("--db")
        .arg("postgres://caucus:hunter2@127.0.0.1:1/comments")
        .arg("--assets")
        .arg(dir.path())
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let line = stderr.lines().last().unwrap_or_default();
    assert!(
        line.starts_with(
            "caucus-server: cannot connect to the database postgres://caucus:***@127.0.0.1:1/comments: "
        ),
        "{stderr}"
    );
    assert!(line.contains("refused"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}
