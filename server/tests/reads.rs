//! Thread reads: the version, `ETag` and `304 Not Modified`, the cache headers, and the cache
//! of each thread's JSON (`caucus_server::reads`), which must never show a reader a stale
//! thread or another voter's view.

mod common;

use axum::http::{Method, StatusCode};
use caucus_model::{SortOrder, ThreadResponse};
use caucus_server::moderation::Moderation;
use caucus_server::reads::{Accepts, ThreadCache, ThreadRead};
use common::{TestResponse, TestServer};
use serde_json::json;

async fn read(server: &TestServer, uri: &str, voter: Option<&str>) -> TestResponse {
    let mut call = server.call(Method::GET, uri);
    if let Some(voter) = voter {
        call = call.voter(voter);
    }
    call.send().await
}

async fn read_if_none_match(server: &TestServer, uri: &str, etag: &str) -> TestResponse {
    server
        .call(Method::GET, uri)
        .header("if-none-match", etag)
        .send()
        .await
}

#[tokio::test]
async fn a_current_copy_is_answered_304_and_every_change_moves_the_etag() {
    let server = TestServer::unlimited().await;
    let first = server.post_comment("t", json!({"body": "one"})).await;

    let fresh = read(&server, "/api/threads/t", None).await;
    assert_eq!(fresh.status, StatusCode::OK);
    let etag = fresh.header("etag").to_owned();
    let version = fresh.json::<ThreadResponse>().version;
    assert!(version > 0);

    let same = read_if_none_match(&server, "/api/threads/t", &etag).await;
    assert_eq!(same.status, StatusCode::NOT_MODIFIED);
    assert!(same.body.is_empty());
    assert_eq!(same.header("etag"), etag);
    // A weak comparison and a list both find it; another tag does not.
    let weak = format!("\"x\", W/{etag}");
    assert_eq!(
        read_if_none_match(&server, "/api/threads/t", &weak)
            .await
            .status,
        StatusCode::NOT_MODIFIED
    );
    assert_eq!(
        read_if_none_match(&server, "/api/threads/t", "\"other\"")
            .await
            .status,
        StatusCode::OK
    );

    // A reply, a vote, an edit: each is a new version and a new tag.
    let mut seen = vec![(etag, version)];
    server
        .post_comment("t", json!({"body": "two", "parent_id": first.comment.id}))
        .await;
    let voter = server.new_voter().await;
    let vote = server
        .call(
            Method::PUT,
            &format!("/api/comments/{}/vote", first.comment.id),
        )
        .voter(&voter)
        .send()
        .await;
    assert_eq!(vote.status, StatusCode::OK, "{}", vote.text());
    let after_vote = read(&server, "/api/threads/t", None).await;
    let edit = server
        .call(
            Method::PATCH,
            &format!("/api/comments/{}", first.comment.id),
        )
        .edit_token(&first.edit_token)
        .json(json!({"body": "one, edited"}))
        .send()
        .await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.text());
    for response in [after_vote, read(&server, "/api/threads/t", None).await] {
        assert_eq!(response.status, StatusCode::OK);
        let etag = response.header("etag").to_owned();
        let version = response.json::<ThreadResponse>().version;
        let (last_etag, last_version) = seen.last().unwrap();
        assert!(version > *last_version, "{version} after {last_version}");
        assert_ne!(&etag, last_etag);
        // The old tag no longer matches.
        assert_eq!(
            read_if_none_match(&server, "/api/threads/t", last_etag)
                .await
                .status,
            StatusCode::OK
        );
        seen.push((etag, version));
    }
    let last = read(&server, "/api/threads/t", None)
        .await
        .json::<ThreadResponse>();
    assert_eq!(last.comments[0].votes, 1);
    assert!(last.comments[0].body_html.contains("edited"));
}

#[tokio::test]
async fn a_change_made_behind_the_api_is_read_at_once() {
    // The admin, an import or another server process on the same file write without going
    // through this process's handlers: the triggers still move the version.
    let server = TestServer::unlimited().await;
    let created = server.post_comment("t", json!({"body": "before"})).await;
    let before = read(&server, "/api/threads/t", None).await;
    assert!(before.text().contains("before"));

    sqlx::query("UPDATE comments SET body_html = '<p>after</p>' WHERE id = $1")
        .bind(created.comment.id)
        .execute(&server.state.pool)
        .await
        .unwrap();
    let after = read(&server, "/api/threads/t", None).await;
    assert!(after.text().contains("after"), "{}", after.text());
    assert_ne!(after.header("etag"), before.header("etag"));

    sqlx::query("UPDATE threads SET title = 'A title' WHERE slug = 't'")
        .execute(&server.state.pool)
        .await
        .unwrap();
    let titled = read(&server, "/api/threads/t", None).await;
    assert_eq!(
        titled.json::<ThreadResponse>().thread.title.as_deref(),
        Some("A title")
    );
}

#[tokio::test]
async fn each_voter_sees_their_own_votes_and_nobody_elses() {
    let server = TestServer::unlimited().await;
    let a = server
        .post_comment("t", json!({"body": "a"}))
        .await
        .comment
        .id;
    let b = server
        .post_comment("t", json!({"body": "b"}))
        .await
        .comment
        .id;
    let alice = server.new_voter().await;
    let bob = server.new_voter().await;
    for (voter, id) in [(&alice, a), (&bob, b)] {
        let vote = server
            .call(Method::PUT, &format!("/api/comments/{id}/vote"))
            .voter(voter)
            .send()
            .await;
        assert_eq!(vote.status, StatusCode::OK);
    }
    let page_vote = server
        .call(Method::PUT, "/api/threads/t/vote")
        .voter(&alice)
        .send()
        .await;
    assert_eq!(page_vote.status, StatusCode::OK);

    let voted = |response: &TestResponse| {
        let thread: ThreadResponse = response.json();
        let comments: Vec<(i64, bool, u64)> = thread
            .comments
            .iter()
            .map(|c| (c.id, c.viewer_voted, c.votes))
            .collect();
        (thread.thread.viewer_voted, comments)
    };
    // Read in turns, so each read after the first comes from the cache.
    for _ in 0..2 {
        let anonymous = read(&server, "/api/threads/t", None).await;
        assert_eq!(
            voted(&anonymous),
            (false, vec![(a, false, 1), (b, false, 1)])
        );
        assert_eq!(anonymous.header("cache-control"), "public, no-cache");
        let by_alice = read(&server, "/api/threads/t", Some(&alice)).await;
        assert_eq!(voted(&by_alice), (true, vec![(a, true, 1), (b, false, 1)]));
        assert_eq!(by_alice.header("cache-control"), "private, no-cache");
        let by_bob = read(&server, "/api/threads/t", Some(&bob)).await;
        assert_eq!(voted(&by_bob), (false, vec![(a, false, 1), (b, true, 1)]));
        assert!(by_bob.header("vary").contains("x-caucus-voter"));

        // Same version, different readers: different tags, so no cache mixes them up.
        let tags = [&anonymous, &by_alice, &by_bob].map(|r| r.header("etag").to_owned());
        assert_ne!(tags[0], tags[1]);
        assert_ne!(tags[1], tags[2]);
        let bob_with_alices_tag = server
            .call(Method::GET, "/api/threads/t")
            .voter(&bob)
            .header("if-none-match", &tags[1])
            .send()
            .await;
        assert_eq!(bob_with_alices_tag.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_held_comment_is_in_its_authors_read_only_in_its_place() {
    let mut server = TestServer::unlimited().await;
    let author = server.new_voter().await;
    let first = server
        .post_comment("t", json!({"body": "first"}))
        .await
        .comment
        .id;
    server.state.moderation = Moderation::All;
    let held = server
        .call(Method::POST, "/api/threads/t/comments")
        .voter(&author)
        .json(json!({"body": "held reply", "parent_id": first}))
        .send()
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.text());
    server.state.moderation = Moderation::Off;
    let later = server
        .post_comment("t", json!({"body": "later"}))
        .await
        .comment
        .id;
    let held: caucus_model::CreatedComment = held.json();

    for order in ["oldest", "newest"] {
        let uri = format!("/api/threads/t?sort={order}");
        let public = read(&server, &uri, None).await.json::<ThreadResponse>();
        let ids: Vec<i64> = public.comments.iter().map(|c| c.id).collect();
        let own = read(&server, &uri, Some(&author))
            .await
            .json::<ThreadResponse>();
        let own_ids: Vec<i64> = own.comments.iter().map(|c| c.id).collect();
        let (mut expect_public, mut expect_own) =
            (vec![first, later], vec![first, held.comment.id, later]);
        if order == "newest" {
            expect_public.reverse();
            expect_own.reverse();
        }
        assert_eq!(ids, expect_public);
        assert_eq!(own_ids, expect_own);
        assert!(own.comments.iter().any(|c| c.held));
    }
}

#[tokio::test]
async fn orders_are_cached_apart_and_an_unknown_thread_has_a_tag_too() {
    let server = TestServer::unlimited().await;
    let empty = read(&server, "/api/threads/nobody-here", None).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.json::<ThreadResponse>().version, 0);
    let again = read_if_none_match(&server, "/api/threads/nobody-here", empty.header("etag")).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(server.count("SELECT COUNT(*) FROM threads").await, 0);

    let one = server
        .post_comment("t", json!({"body": "one"}))
        .await
        .comment
        .id;
    let two = server
        .post_comment("t", json!({"body": "two"}))
        .await
        .comment
        .id;
    let oldest = read(&server, "/api/threads/t?sort=oldest", None).await;
    let newest = read(&server, "/api/threads/t?sort=newest", None).await;
    assert_ne!(oldest.header("etag"), newest.header("etag"));
    let ids = |r: &TestResponse| -> Vec<i64> {
        r.json::<ThreadResponse>()
            .comments
            .iter()
            .map(|c| c.id)
            .collect()
    };
    assert_eq!(ids(&oldest), vec![one, two]);
    assert_eq!(ids(&newest), vec![two, one]);
    // The empty thread's tag does not match once somebody wrote.
    server
        .post_comment("nobody-here", json!({"body": "hi"}))
        .await;
    let written =
        read_if_none_match(&server, "/api/threads/nobody-here", empty.header("etag")).await;
    assert_eq!(written.status, StatusCode::OK);
    assert_eq!(written.json::<ThreadResponse>().comments.len(), 1);
}

#[tokio::test]
async fn the_public_view_goes_out_compressed_as_the_reader_accepts() {
    use std::io::Read;
    let server = TestServer::demo().await;
    let plain = read(&server, "/api/threads/our-man-in-libya", None).await;
    assert!(plain.headers.get("content-encoding").is_none());
    for (accept, coding) in [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
    ] {
        for _ in 0..2 {
            let response = server
                .call(Method::GET, "/api/threads/our-man-in-libya")
                .header("accept-encoding", accept)
                .send()
                .await;
            assert_eq!(response.status, StatusCode::OK);
            assert_eq!(response.header("content-encoding"), coding);
            assert!(response.body.len() * 2 < plain.body.len());
            let mut json = Vec::new();
            match coding {
                "br" => brotli::Decompressor::new(&response.body[..], 4096)
                    .read_to_end(&mut json)
                    .unwrap(),
                _ => flate2::read::GzDecoder::new(&response.body[..])
                    .read_to_end(&mut json)
                    .unwrap(),
            };
            assert_eq!(json, plain.body);
            assert_eq!(response.header("etag"), plain.header("etag"));
            assert!(response.header("vary").contains("accept-encoding"));
        }
    }
}

/// The versions move by the same steps on every backend (the triggers of
/// `migrations/sqlite/0006_versions.sql` and their PostgreSQL twins): the read cache, `ETag`s
/// and live catch-up count on them, and a reader's `since` means the same everywhere.
#[tokio::test]
async fn versions_move_by_the_same_steps_on_every_backend() {
    let server = TestServer::unlimited().await;
    let voter = server.new_voter().await;
    let versions = || async {
        let thread = server
            .count("SELECT version * 1000 + votes_version FROM threads WHERE slug = 'v'")
            .await;
        let comments = sqlx::query_scalar::<_, i64>("SELECT version FROM comments ORDER BY id")
            .fetch_all(&server.state.pool)
            .await
            .unwrap();
        (thread / 1000, thread % 1000, comments)
    };
    let root = server.post_comment("v", json!({"body": "root"})).await;
    assert_eq!(versions().await, (1, 0, vec![1]));
    let reply = server
        .call(Method::POST, "/api/threads/v/comments")
        .json(json!({"body": "reply", "parent_id": root.comment.id}))
        .send()
        .await
        .json::<caucus_model::CreatedComment>();
    assert_eq!(versions().await, (2, 0, vec![1, 2]));
    let vote = |uri: String, method: Method| {
        let call = server.call(method, &uri).voter(&voter);
        async move { assert_eq!(call.send().await.status, StatusCode::OK) }
    };
    vote(
        format!("/api/comments/{}/vote", root.comment.id),
        Method::PUT,
    )
    .await;
    assert_eq!(versions().await, (3, 0, vec![3, 2]));
    vote(String::from("/api/threads/v/vote"), Method::PUT).await;
    assert_eq!(versions().await, (4, 4, vec![3, 2]));
    // Writes that change nothing a reader sees move nothing.
    for unchanged in [
        "UPDATE comments SET author = author, votes = votes",
        "UPDATE threads SET title = title, votes = votes",
        "UPDATE comments SET origin_parent = NULL",
    ] {
        sqlx::query(unchanged)
            .execute(&server.state.pool)
            .await
            .unwrap();
    }
    assert_eq!(versions().await, (4, 4, vec![3, 2]));
    let edited = server
        .call(
            Method::PATCH,
            &format!("/api/comments/{}", reply.comment.id),
        )
        .edit_token(&reply.edit_token)
        .json(json!({"body": "reply, edited"}))
        .send()
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text());
    assert_eq!(versions().await, (5, 4, vec![3, 5]));
    // The root has a reply: it stays, as a placeholder.
    let deleted = server
        .call(
            Method::DELETE,
            &format!("/api/comments/{}", root.comment.id),
        )
        .edit_token(&root.edit_token)
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text());
    assert_eq!(versions().await, (6, 4, vec![6, 5]));
    vote(String::from("/api/threads/v/vote"), Method::DELETE).await;
    assert_eq!(versions().await, (7, 7, vec![6, 5]));
    // The reply goes, and with it the placeholder it held in place: each a change.
    let deleted = server
        .call(
            Method::DELETE,
            &format!("/api/comments/{}", reply.comment.id),
        )
        .edit_token(&reply.edit_token)
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
    assert_eq!(versions().await, (10, 7, vec![]));
}

/// What a reader with no voter token is sent for `slug` in `order`, read whole by a cache that
/// has never seen the thread.
async fn read_whole(server: &TestServer, slug: &str, order: SortOrder) -> ThreadResponse {
    let read = ThreadCache::new("whole".to_owned())
        .read(
            &server.state.pool,
            slug,
            order,
            None,
            |_| false,
            Accepts::default(),
        )
        .await
        .unwrap();
    match read {
        ThreadRead::Fresh { body, .. } => serde_json::from_slice(&body).unwrap(),
        ThreadRead::NotModified { .. } => panic!("nothing was current"),
    }
}

/// The body of a read in `order`, gunzipped when it came as gzip.
async fn read_as(server: &TestServer, order: SortOrder, voter: Option<&str>) -> ThreadResponse {
    use std::io::Read;
    let mut call = server
        .call(Method::GET, &format!("/api/threads/big?sort={order}"))
        .header("accept-encoding", "gzip, deflate, br");
    if let Some(voter) = voter {
        call = call.voter(voter);
    }
    let response = call.send().await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let mut json = Vec::new();
    match response
        .headers
        .get("content-encoding")
        .map(|v| v.to_str().unwrap())
    {
        Some("gzip") => {
            flate2::read::GzDecoder::new(&response.body[..])
                .read_to_end(&mut json)
                .unwrap();
        }
        Some("br") => {
            brotli::Decompressor::new(&response.body[..], 4096)
                .read_to_end(&mut json)
                .unwrap();
        }
        None => json = response.body.to_vec(),
        Some(other) => panic!("content-encoding {other}"),
    }
    serde_json::from_slice(&json).unwrap()
}

/// A cached view is brought up to date from the version before it (only the comments written
/// since are read): after every kind of write it must be what reading the thread whole gives,
/// in every order, in a thread large enough (over 1 MiB of JSON) to go out as chunked gzip in many chunks.
#[tokio::test]
async fn a_view_brought_up_to_date_is_the_thread_read_whole() {
    let server = TestServer::unlimited().await;
    let pool = &server.state.pool;
    let first = server.post_comment("big", json!({"body": "first"})).await;
    let thread_id: i64 = sqlx::query_scalar("SELECT id FROM threads WHERE slug = 'big'")
        .fetch_one(pool)
        .await
        .unwrap();
    let filler = "word ".repeat(180);
    let mut tx = pool.begin().await.unwrap();
    for n in 0..1_300i64 {
        sqlx::query(
            "INSERT INTO comments (thread_id, parent_id, author, body_md, body_html, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(thread_id)
        .bind((n % 3 == 1).then_some(first.comment.id))
        .bind(format!("reader {n}"))
        .bind(&filler)
        .bind(format!("<p>{filler} {n}</p>"))
        // Some share a second, so the order falls back to the id.
        .bind(format!(
            "2026-01-01T{:02}:{:02}:{:02}Z",
            n / 3600,
            n / 60 % 60,
            n / 2 % 60
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    let check = |what: &'static str| {
        let server = &server;
        async move {
            for order in SortOrder::ALL {
                let cached = read_as(server, order, None).await;
                let whole = read_whole(server, "big", order).await;
                assert!(
                    cached == whole,
                    "after {what}, in {order}: the cached view differs"
                );
            }
        }
    };
    check("the first read").await;
    let body = read(&server, "/api/threads/big", None).await.body.len();
    assert!(body > 1 << 20, "{body} bytes is not large");

    let ids: Vec<i64> = read_whole(&server, "big", SortOrder::Oldest)
        .await
        .comments
        .iter()
        .map(|c| c.id)
        .collect();
    let voter = server.new_voter().await;
    for id in [ids[700], ids[701], ids[1_200]] {
        let vote = server
            .call(Method::PUT, &format!("/api/comments/{id}/vote"))
            .voter(&voter)
            .send()
            .await;
        assert_eq!(vote.status, StatusCode::OK, "{}", vote.text());
    }
    check("votes that move comments in top").await;

    let mine = read_as(&server, SortOrder::Top, Some(&voter)).await;
    let voted: Vec<i64> = mine
        .comments
        .iter()
        .filter(|c| c.viewer_voted)
        .map(|c| c.id)
        .collect();
    assert_eq!(voted.len(), 3);
    assert!([ids[700], ids[701], ids[1_200]]
        .iter()
        .all(|id| voted.contains(id)));
    let mut unmarked = mine.clone();
    unmarked
        .comments
        .iter_mut()
        .for_each(|c| c.viewer_voted = false);
    assert!(unmarked == read_whole(&server, "big", SortOrder::Top).await);

    let reply = server
        .post_comment("big", json!({"body": "a reply", "parent_id": ids[5]}))
        .await;
    check("a reply").await;
    let edit = server
        .call(
            Method::PATCH,
            &format!("/api/comments/{}", reply.comment.id),
        )
        .edit_token(&reply.edit_token)
        .json(json!({"body": "a reply, edited"}))
        .send()
        .await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.text());
    check("an edit").await;
    let delete = server
        .call(
            Method::DELETE,
            &format!("/api/comments/{}", first.comment.id),
        )
        .edit_token(&first.edit_token)
        .send()
        .await;
    assert!(delete.status.is_success(), "{}", delete.text());
    check("a delete that leaves a placeholder").await;
    // Behind the API, on one comment each.
    let on_comment = |sql: &'static str, id: i64| async move {
        sqlx::query(sql).bind(id).execute(pool).await.unwrap();
    };
    // Gone from the table, as pruning does: no version says so, the count does.
    on_comment("DELETE FROM comments WHERE id = $1", ids[1_299]).await;
    check("a comment deleted from the table").await;
    on_comment("UPDATE comments SET status = 'held' WHERE id = $1", ids[10]).await;
    check("a comment held back").await;
    on_comment(
        "UPDATE comments SET status = 'published' WHERE id = $1",
        ids[10],
    )
    .await;
    check("a comment approved").await;
    sqlx::query("UPDATE threads SET title = 'Now with a title' WHERE slug = 'big'")
        .execute(pool)
        .await
        .unwrap();
    check("a new title").await;
}
