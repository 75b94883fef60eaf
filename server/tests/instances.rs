//! Several server processes on one PostgreSQL database, as behind a load balancer: they share
//! nothing but the database. Votes stay exact whichever process takes them (and so does the
//! per-network cap), and a live reader on one process sees what was written on another
//! (LISTEN/NOTIFY).
//!
//! PostgreSQL only: without `CAUCUS_TEST_POSTGRES` each test says so and passes. (SQLite is one
//! file for one server; `process.rs` runs the same kind of load against one process.)

mod common;

use std::time::{Duration, Instant};

use caucus_model::{CreatedComment, ThreadResponse, VoteState};
use common::process::{new_voter, Connection, Process};
use common::{postgres, TestDatabase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Two processes on a fresh PostgreSQL database; `None` (and a line saying why) without one.
async fn two_instances(extra: &[&str]) -> Option<(TestDatabase, tempfile::TempDir, [Process; 2])> {
    if postgres().is_none() {
        eprintln!("skipped: needs CAUCUS_TEST_POSTGRES (several processes share PostgreSQL only)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(dir.path()).await;
    // One after the other: the first creates the schema, the second finds it.
    let a = Process::start(&db.url, dir.path(), extra).await;
    let b = Process::start(&db.url, dir.path(), extra).await;
    // A process answers before its listener has connected: the tests start once both listen,
    // so a write made right away is announced to both (a condition, polled, not a fixed wait).
    let pool = db.open().await;
    tokio::time::timeout(Duration::from_secs(10), async {
        while listening(&pool).await < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the two processes did not both LISTEN within 10 s");
    Some((db, dir, [a, b]))
}

/// How many connections to the test's database are listening for live updates.
async fn listening(pool: &sqlx::AnyPool) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN %'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn tally(connection: &mut Connection, slug: &str) -> u64 {
    let answer = connection
        .send("GET", &format!("/api/threads/{slug}"), None, None)
        .await;
    assert_eq!(answer.status, 200);
    answer.json::<ThreadResponse>().comments[0].votes
}

async fn post(connection: &mut Connection, slug: &str, body: &str) -> CreatedComment {
    let answer = connection
        .send(
            "POST",
            &format!("/api/threads/{slug}/comments"),
            None,
            Some(&serde_json::json!({ "body": body })),
        )
        .await;
    assert_eq!(answer.status, 201);
    answer.json()
}

/// Issue 8's test: 1,000 votes at once from 250 voters (four each), half through each
/// process: exactly 250 on both; the same to take them back: 0 on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_votes_across_two_processes_count_each_voter_once() {
    let Some((_db, _dir, servers)) = two_instances(&["--rate-limits", "off"]).await else {
        return;
    };
    let mut setup = [servers[0].connect().await, servers[1].connect().await];
    let id = post(&mut setup[0], "t", "vote for me").await.comment.id;
    // Tokens from both: the processes share the key through the database.
    let mut voters = Vec::new();
    for n in 0..250 {
        voters.push(new_voter(&mut setup[n % 2]).await);
    }
    let path = format!("/api/comments/{id}/vote");
    for (method, expected) in [("PUT", 250), ("DELETE", 0)] {
        let mut connections = Vec::new();
        for n in 0..1_000 {
            connections.push(servers[n % 2].connect().await);
        }
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(1_000));
        let mut tasks = tokio::task::JoinSet::new();
        for (n, mut connection) in connections.into_iter().enumerate() {
            // Each voter's four requests go to both processes.
            let voter = voters[(n / 2) % voters.len()].clone();
            let (path, start) = (path.clone(), start.clone());
            tasks.spawn(async move {
                start.wait().await;
                let answer = connection.send(method, &path, Some(&voter), None).await;
                assert_eq!(
                    answer.status,
                    200,
                    "{}",
                    String::from_utf8_lossy(&answer.body)
                );
                answer.json::<VoteState>()
            });
        }
        while let Some(answer) = tasks.join_next().await {
            assert_eq!(answer.unwrap().viewer_voted, method == "PUT");
        }
        for connection in &mut setup {
            assert_eq!(tally(connection, "t").await, expected, "after {method}");
        }
    }
}

/// The per-network cap (10 votes per target) holds across processes: 40 voters of one network
/// vote at once for one comment, half through each process: 10 are counted, 30 refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_network_cap_holds_across_two_processes() {
    let Some((_db, _dir, servers)) = two_instances(&[]).await else {
        return;
    };
    let mut setup = [servers[0].connect().await, servers[1].connect().await];
    let id = post(&mut setup[0], "capped", "vote for me")
        .await
        .comment
        .id;
    let mut voters = Vec::new();
    for n in 0..40 {
        // Within each process's own rate of new voters (60 an hour).
        voters.push((n % 2, new_voter(&mut setup[n % 2]).await));
    }
    let path = format!("/api/comments/{id}/vote");
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(voters.len()));
    let mut tasks = tokio::task::JoinSet::new();
    for (server, voter) in voters {
        let mut connection = servers[server].connect().await;
        let (path, start) = (path.clone(), start.clone());
        tasks.spawn(async move {
            start.wait().await;
            connection
                .send("PUT", &path, Some(&voter), None)
                .await
                .status
        });
    }
    let (mut counted, mut refused) = (0, 0);
    while let Some(status) = tasks.join_next().await {
        match status.unwrap() {
            200 => counted += 1,
            403 => refused += 1,
            other => panic!("a vote was answered {other}"),
        }
    }
    assert_eq!((counted, refused), (10, 30));
    for connection in &mut setup {
        assert_eq!(tally(connection, "capped").await, 10);
    }
}

/// A reader of the live updates on one process sees a comment posted on the other, woken by
/// PostgreSQL's NOTIFY rather than the feeds' look every five seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_reader_on_one_process_sees_a_comment_posted_on_the_other() {
    let Some((_db, _dir, servers)) = two_instances(&[]).await else {
        return;
    };
    let mut a = servers[0].connect().await;
    post(&mut a, "live", "before").await;

    let mut events = TcpStream::connect(servers[1].addr).await.unwrap();
    let request = format!(
        "GET /api/threads/live/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
        servers[1].addr
    );
    events.write_all(request.as_bytes()).await.unwrap();
    // The answer's head comes once the reader is subscribed.
    let mut seen = Vec::new();
    read_until(&mut events, &mut seen, "\r\n\r\n", Duration::from_secs(10)).await;
    assert!(
        seen.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&seen)
    );

    let posted = Instant::now();
    post(&mut a, "live", "written on the other process").await;
    read_until(
        &mut events,
        &mut seen,
        "written on the other process",
        Duration::from_secs(10),
    )
    .await;
    let waited = posted.elapsed();
    println!("the other process's reader had it after {waited:?}");
    assert!(
        waited < Duration::from_secs(3),
        "{waited:?}: woken by the periodic look, not by NOTIFY"
    );
}

/// The listening connection of each process is cut (as by a restart of PostgreSQL or a
/// proxy's idle timeout): it connects again by itself, and live updates keep crossing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_updates_cross_again_after_the_listening_connection_is_cut() {
    let Some((db, _dir, servers)) = two_instances(&[]).await else {
        return;
    };
    let mut a = servers[0].connect().await;
    post(&mut a, "cut", "before").await;
    let pool = db.open().await;
    let listening = "SELECT COUNT(*) FROM pg_stat_activity \
        WHERE datname = current_database() AND query LIKE 'LISTEN %'";
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(count(listening).await, 2);
    let cut = count(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN %'",
    )
    .await;
    assert_eq!(cut, 2);
    // Both listen again (a condition, polled, not a fixed wait).
    tokio::time::timeout(Duration::from_secs(10), async {
        while count(listening).await < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the listeners did not connect again within 10 s");

    let mut events = TcpStream::connect(servers[1].addr).await.unwrap();
    let request = format!(
        "GET /api/threads/cut/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
        servers[1].addr
    );
    events.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    read_until(&mut events, &mut seen, "\r\n\r\n", Duration::from_secs(10)).await;
    let posted = Instant::now();
    post(&mut a, "cut", "after the cut").await;
    read_until(
        &mut events,
        &mut seen,
        "after the cut",
        Duration::from_secs(10),
    )
    .await;
    assert!(
        posted.elapsed() < Duration::from_secs(3),
        "{:?}",
        posted.elapsed()
    );
}

/// Reads from `stream` into `seen` until it holds `wanted`, for at most `limit`.
async fn read_until(stream: &mut TcpStream, seen: &mut Vec<u8>, wanted: &str, limit: Duration) {
    let found = |seen: &[u8]| {
        seen.windows(wanted.len())
            .any(|window| window == wanted.as_bytes())
    };
    tokio::time::timeout(limit, async {
        let mut buffer = [0; 4096];
        while !found(seen) {
            let read = stream.read(&mut buffer).await.unwrap();
            assert!(
                read > 0,
                "the stream ended: {}",
                String::from_utf8_lossy(seen)
            );
            seen.extend_from_slice(&buffer[..read]);
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "no {wanted:?} within {limit:?}: {}",
            String::from_utf8_lossy(seen)
        )
    });
}
