//! Abuse limits and allowed origins over HTTP: rates per network, the cap on one network's
//! votes per target (the policy against inflated tallies), proxies, and which pages may write.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use caucus_model::VoteState;
use caucus_server::abuse::{AbuseLimits, Policy, Rate};
use caucus_server::origin::{normalize, AllowedOrigins};
use common::{assert_error, TestResponse, TestServer};
use serde_json::json;

fn with_policy(server: &mut TestServer, policy: Policy) {
    server.state.abuse = Arc::new(AbuseLimits::new(policy));
}

async fn post_from(server: &TestServer, ip: &str) -> TestResponse {
    server
        .call(Method::POST, "/api/threads/t/comments")
        .from(ip)
        .json(json!({"body": "x"}))
        .send()
        .await
}

async fn vote_from(server: &TestServer, method: Method, uri: &str, ip: &str) -> TestResponse {
    let voter = server.new_voter().await;
    server.call(method, uri).voter(&voter).from(ip).send().await
}

fn retry_after(response: &TestResponse) -> u64 {
    response.header("retry-after").parse().unwrap()
}

#[tokio::test]
async fn comments_over_the_rate_are_refused_with_retry_after() {
    let server = TestServer::new().await;
    let default = Policy::default().comments;
    assert_eq!(default, Rate::per_minute(20));
    for _ in 0..20 {
        assert_eq!(
            post_from(&server, "192.0.2.1").await.status,
            StatusCode::CREATED
        );
    }
    let response = server
        .call(Method::POST, "/api/threads/t/comments")
        .from("192.0.2.1")
        .header("origin", "http://127.0.0.1:3000")
        .json(json!({"body": "x"}))
        .send()
        .await;
    let error = assert_error(&response, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // One comment every 3 s once the burst of 20 is spent.
    assert_eq!(retry_after(&response), 3);
    assert_eq!(
        error.message,
        "Too many comments from your network. Please try again in 3 seconds."
    );
    // The widget, on another origin, may read the header.
    assert!(response
        .header("access-control-expose-headers")
        .to_lowercase()
        .contains("retry-after"));
    assert_eq!(response.header("access-control-allow-origin"), "*");

    // Other networks are not held back; a whole IPv6 /64 is one network.
    assert_eq!(
        post_from(&server, "192.0.2.2").await.status,
        StatusCode::CREATED
    );
    for n in 1..=20 {
        let ip = format!("2001:db8:1:2::{n:x}");
        assert_eq!(post_from(&server, &ip).await.status, StatusCode::CREATED);
    }
    let response = post_from(&server, "2001:db8:1:2:abcd::1").await;
    assert_error(&response, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(
        post_from(&server, "2001:db8:1:3::1").await.status,
        StatusCode::CREATED
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM comments").await, 42);
}

#[tokio::test]
async fn new_voters_are_limited_per_hour() {
    let server = TestServer::new().await;
    for _ in 0..60 {
        let response = server
            .call(Method::POST, "/api/voters")
            .from("192.0.2.1")
            .send()
            .await;
        assert_eq!(response.status, StatusCode::CREATED);
    }
    let response = server
        .call(Method::POST, "/api/voters")
        .from("192.0.2.1")
        .send()
        .await;
    let error = assert_error(&response, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(retry_after(&response), 60);
    assert_eq!(
        error.message,
        "Too many new voters from your network. Please try again in 60 seconds."
    );
    let response = server
        .call(Method::POST, "/api/voters")
        .from("192.0.2.2")
        .send()
        .await;
    assert_eq!(response.status, StatusCode::CREATED);
}

#[tokio::test]
async fn votes_are_limited_per_minute() {
    let mut server = TestServer::new().await;
    with_policy(
        &mut server,
        Policy {
            votes: Rate::per_minute(4),
            ..Policy::default()
        },
    );
    let id = server
        .post_comment("t", json!({"body": "x"}))
        .await
        .comment
        .id;
    let uri = format!("/api/comments/{id}/vote");
    let voter = server.new_voter().await;
    for method in [Method::PUT, Method::DELETE, Method::PUT, Method::DELETE] {
        let response = server.call(method, &uri).voter(&voter).send().await;
        assert_eq!(response.status, StatusCode::OK);
    }
    for (method, uri) in [
        (Method::PUT, uri.as_str()),
        (Method::DELETE, uri.as_str()),
        (Method::PUT, "/api/threads/t/vote"),
    ] {
        let response = server.call(method, uri).voter(&voter).send().await;
        assert_error(&response, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        assert_eq!(retry_after(&response), 15);
    }
}

#[tokio::test]
async fn limits_round_waits_up_and_speak_in_minutes_when_long() {
    let mut server = TestServer::new().await;
    with_policy(
        &mut server,
        Policy {
            new_voters: Rate {
                requests: 1,
                per: Duration::from_secs(3600),
            },
            ..Policy::default()
        },
    );
    server.new_voter().await;
    let response = server.call(Method::POST, "/api/voters").send().await;
    let error = assert_error(&response, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait = retry_after(&response);
    assert!((3599..=3600).contains(&wait), "{wait}");
    assert!(
        error.message.ends_with("in about 60 minutes."),
        "{}",
        error.message
    );
}

/// The policy against inflated tallies: tokens are free, so one network has at most 10 votes
/// counted on one target, however many tokens it mints.
#[tokio::test]
async fn one_network_counts_at_most_ten_votes_per_target() {
    let server = TestServer::new().await;
    let id = server
        .post_comment("t", json!({"body": "x"}))
        .await
        .comment
        .id;
    let comment = format!("/api/comments/{id}/vote");
    let other_id = server
        .post_comment("t", json!({"body": "y"}))
        .await
        .comment
        .id;
    let other_comment = format!("/api/comments/{other_id}/vote");
    let thread = "/api/threads/t/vote";

    for uri in [comment.as_str(), thread] {
        let mut first = None;
        for n in 1..=10 {
            let voter = server.new_voter().await;
            let response = server
                .call(Method::PUT, uri)
                .voter(&voter)
                .from("192.0.2.1")
                .send()
                .await;
            assert_eq!(response.status, StatusCode::OK, "{}", response.text());
            assert_eq!(response.json::<VoteState>().votes, n);
            first.get_or_insert(voter);
        }
        let eleventh = server.new_voter().await;
        let response = server
            .call(Method::PUT, uri)
            .voter(&eleventh)
            .from("192.0.2.1")
            .send()
            .await;
        let error = assert_error(&response, StatusCode::FORBIDDEN, "network_vote_limit");
        assert!(error.message.contains("your network"), "{}", error.message);

        // Another network still counts, and so does the same voter on another target.
        let response = vote_from(&server, Method::PUT, uri, "198.51.100.7").await;
        assert_eq!(response.json::<VoteState>().votes, 11);
        let response = server
            .call(Method::PUT, &other_comment)
            .voter(&eleventh)
            .from("192.0.2.1")
            .send()
            .await;
        assert_eq!(response.status, StatusCode::OK);

        // Taking a vote back frees its place.
        let first = first.unwrap();
        let response = server
            .call(Method::DELETE, uri)
            .voter(&first)
            .from("192.0.2.1")
            .send()
            .await;
        assert_eq!(response.json::<VoteState>().votes, 10);
        let response = server
            .call(Method::PUT, uri)
            .voter(&eleventh)
            .from("192.0.2.1")
            .send()
            .await;
        assert_eq!(response.json::<VoteState>().votes, 11);
    }
    assert_eq!(
        server
            .count("SELECT votes FROM comments WHERE id = 1")
            .await,
        11
    );
    assert_eq!(server.count("SELECT votes FROM threads").await, 11);

    // No address is stored: only 16-byte salted hashes.
    let networks: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT network FROM comment_votes UNION ALL SELECT network FROM thread_votes",
    )
    .fetch_all(&server.state.pool)
    .await
    .unwrap();
    assert_eq!(networks.len(), 11 + 2 + 11);
    for network in &networks {
        assert_eq!(network.len(), 16);
        assert!(!network.windows(4).any(|w| w == [192, 0, 2, 1]));
    }
}

#[tokio::test]
async fn the_cap_counts_an_ipv6_64_as_one_network() {
    let server = TestServer::new().await;
    for n in 1..=10 {
        let response = vote_from(
            &server,
            Method::PUT,
            "/api/threads/t/vote",
            &format!("2001:db8:5:6::{n:x}"),
        )
        .await;
        assert_eq!(response.status, StatusCode::OK);
    }
    let response = vote_from(
        &server,
        Method::PUT,
        "/api/threads/t/vote",
        "2001:db8:5:6:7::1",
    )
    .await;
    assert_error(&response, StatusCode::FORBIDDEN, "network_vote_limit");
}

#[tokio::test]
async fn rate_limits_off_means_no_cap_either() {
    let server = TestServer::unlimited().await;
    for n in 1..=30 {
        let response = vote_from(&server, Method::PUT, "/api/threads/t/vote", "192.0.2.1").await;
        assert_eq!(response.json::<VoteState>().votes, n);
    }
    for _ in 0..100 {
        assert_eq!(
            post_from(&server, "192.0.2.1").await.status,
            StatusCode::CREATED
        );
    }
}

async fn post(server: &TestServer, peer: &str, forwarded: &str) -> StatusCode {
    server
        .call(Method::POST, "/api/threads/t/comments")
        .from(peer)
        .header("x-forwarded-for", forwarded)
        .json(json!({"body": "x"}))
        .send()
        .await
        .status
}

#[tokio::test]
async fn behind_a_proxy_the_client_is_the_rightmost_forwarded_address() {
    let one_comment = Policy {
        comments: Rate::per_minute(1),
        ..Policy::default()
    };
    let mut proxied = TestServer::new().await;
    with_policy(&mut proxied, one_comment);
    proxied.state.trust_forwarded_for = true;
    assert_eq!(
        post(&proxied, "10.0.0.1", "203.0.113.5, 192.0.2.1").await,
        StatusCode::CREATED
    );
    // What the client put on the left changes nothing, nor does the proxy's own address.
    assert_eq!(
        post(&proxied, "10.0.0.2", "198.51.100.9, 192.0.2.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        post(&proxied, "10.0.0.1", "192.0.2.1, 192.0.2.2").await,
        StatusCode::CREATED
    );
    assert_eq!(
        post(&proxied, "10.0.0.1", "[2001:db8::1]").await,
        StatusCode::CREATED
    );
    // An entry that is not an address falls back to the peer.
    assert_eq!(
        post(&proxied, "10.0.0.3", "unknown").await,
        StatusCode::CREATED
    );
    assert_eq!(
        post(&proxied, "10.0.0.3", "garbage").await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Without --trust-forwarded-for the header is anyone's to write, so it is ignored.
    let mut direct = TestServer::new().await;
    with_policy(&mut direct, one_comment);
    assert_eq!(
        post(&direct, "10.0.0.1", "192.0.2.1").await,
        StatusCode::CREATED
    );
    assert_eq!(
        post(&direct, "10.0.0.1", "192.0.2.2").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn without_an_address_every_request_is_one_unknown_client() {
    let mut server = TestServer::new().await;
    with_policy(
        &mut server,
        Policy {
            comments: Rate::per_minute(2),
            ..Policy::default()
        },
    );
    for expected in [
        StatusCode::CREATED,
        StatusCode::CREATED,
        StatusCode::TOO_MANY_REQUESTS,
    ] {
        let response = server
            .call(Method::POST, "/api/threads/t/comments")
            .json(json!({"body": "x"}))
            .send()
            .await;
        assert_eq!(response.status, expected);
    }
}

async fn write_from(server: &TestServer, origin: &str, host: Option<&str>) -> TestResponse {
    let call = server
        .call(Method::POST, "/api/threads/t/comments")
        .header("origin", origin)
        .json(json!({"body": "x"}));
    let call = match host {
        Some(host) => call.header("host", host),
        None => call,
    };
    call.send().await
}

#[tokio::test]
async fn by_default_loopback_pages_and_our_own_may_write() {
    let server = TestServer::new().await;
    for origin in [
        "http://127.0.0.1:5173",
        "http://localhost:3000",
        "http://[::1]:8000",
    ] {
        assert_eq!(
            write_from(&server, origin, None).await.status,
            StatusCode::CREATED,
            "{origin}"
        );
    }
    assert_eq!(
        write_from(
            &server,
            "https://comments.example.org",
            Some("comments.example.org")
        )
        .await
        .status,
        StatusCode::CREATED
    );
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example",
        "null",
        "https://comments.example.org",
    ] {
        let response = write_from(&server, origin, Some("127.0.0.1:8080")).await;
        let error = assert_error(&response, StatusCode::FORBIDDEN, "origin_not_allowed");
        assert!(
            error.message.contains("--allow-origin"),
            "{}",
            error.message
        );
        // The widget can read why.
        assert_eq!(response.header("access-control-allow-origin"), "*");
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM comments").await, 4);

    // Every write is checked, reads never are.
    let voter = server.new_voter().await;
    for (method, uri) in [
        (Method::PUT, "/api/threads/t/vote"),
        (Method::DELETE, "/api/threads/t/vote"),
        (Method::PUT, "/api/comments/1/vote"),
        (Method::PATCH, "/api/comments/1"),
        (Method::DELETE, "/api/comments/1"),
        (Method::POST, "/api/voters"),
    ] {
        let response = server
            .call(method, uri)
            .voter(&voter)
            .header("origin", "https://evil.example")
            .send()
            .await;
        assert_error(&response, StatusCode::FORBIDDEN, "origin_not_allowed");
    }
    let response = server
        .call(Method::GET, "/api/threads/t")
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn allow_origin_lists_exactly_the_pages_that_may_write() {
    let mut server = TestServer::new().await;
    server.state.origins = AllowedOrigins::listed(vec![
        normalize("https://blog.example.org").unwrap(),
        normalize("http://staging.example.org:8080/").unwrap(),
    ]);
    for (origin, expected) in [
        ("https://blog.example.org", StatusCode::CREATED),
        ("http://staging.example.org:8080", StatusCode::CREATED),
        ("http://blog.example.org", StatusCode::FORBIDDEN),
        ("https://staging.example.org", StatusCode::FORBIDDEN),
        ("http://127.0.0.1:5173", StatusCode::FORBIDDEN),
    ] {
        let response = write_from(&server, origin, Some("comments.example.org")).await;
        assert_eq!(response.status, expected, "{origin}");
    }
    // The server's own pages (the demo) still may.
    let response = write_from(
        &server,
        "https://comments.example.org",
        Some("comments.example.org"),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED);
}

#[tokio::test]
async fn preflight_still_answers_any_origin() {
    let server = TestServer::new().await;
    let response = server
        .call(Method::OPTIONS, "/api/comments/1/vote")
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "x-caucus-voter")
        .send()
        .await;
    assert!(response.status.is_success(), "{}", response.status);
    assert!(response
        .header("access-control-allow-headers")
        .contains("x-caucus-voter"));
}

/// Votes are written in groups (one transaction for all those waiting), each in its own
/// savepoint: in one burst, the votes over a network's cap and those for a comment that does
/// not exist are refused alone, and every other vote of the same group stands.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refusals_in_a_burst_of_votes_leave_the_others_standing() {
    let server = Arc::new(TestServer::new().await);
    let id = server
        .post_comment("t", json!({"body": "x"}))
        .await
        .comment
        .id;
    let mut voters = Vec::new();
    for _ in 0..40 {
        voters.push(server.new_voter().await);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (n, voter) in voters.into_iter().enumerate() {
        let server = Arc::clone(&server);
        // 25 voters on one network (10 may count), 15 on networks of their own; every fifth
        // also votes for a comment that is not there.
        let network = if n < 25 {
            "192.0.2.1".to_owned()
        } else {
            format!("198.51.100.{n}")
        };
        tasks.spawn(async move {
            let mut statuses = Vec::new();
            if n % 5 == 0 {
                let missing = server
                    .call(Method::PUT, "/api/comments/999999/vote")
                    .voter(&voter)
                    .from(&network)
                    .send()
                    .await;
                statuses.push(("missing", missing.status));
            }
            let response = server
                .call(Method::PUT, &format!("/api/comments/{id}/vote"))
                .voter(&voter)
                .from(&network)
                .send()
                .await;
            statuses.push(("real", response.status));
            statuses
        });
    }
    let (mut counted, mut capped, mut missing) = (0, 0, 0);
    while let Some(statuses) = tasks.join_next().await {
        for (what, status) in statuses.unwrap() {
            match (what, status) {
                ("real", StatusCode::OK) => counted += 1,
                ("real", StatusCode::FORBIDDEN) => capped += 1,
                ("missing", StatusCode::NOT_FOUND) => missing += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert_eq!((counted, capped, missing), (25, 15, 8));
    assert_eq!(
        server
            .count(&format!("SELECT votes FROM comments WHERE id = {id}"))
            .await,
        25
    );
    assert_eq!(
        server
            .count(&format!(
                "SELECT COUNT(*) FROM comment_votes WHERE comment_id = {id}"
            ))
            .await,
        25
    );
}
