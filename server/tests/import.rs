//! `caucus-server import` on hand-made exports (`tests/fixtures/`): threads, the nested tree,
//! authors, dates and votes come over; bodies are sanitized; broken records are skipped with a
//! reason; a second run adds nothing.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use caucus_model::{Comment, CommentCounts, ThreadResponse};
use caucus_server::import::{import, Format, Report};
use common::TestServer;
use serde_json::json;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn skipped(report: &Report) -> BTreeMap<&str, u64> {
    report
        .skipped
        .iter()
        .map(|(reason, n)| (reason.as_str(), *n))
        .collect()
}

async fn thread(server: &TestServer, slug: &str) -> ThreadResponse {
    server.get(&format!("/api/threads/{slug}")).await.json()
}

/// The comment by `author` (or the placeholder, for `""`).
fn by<'a>(thread: &'a ThreadResponse, author: &str) -> &'a Comment {
    thread
        .comments
        .iter()
        .find(|c| c.author == author)
        .unwrap_or_else(|| panic!("no comment by {author:?} in {thread:#?}"))
}

#[tokio::test]
async fn disqus_export() {
    let server = TestServer::new().await;
    let pool = &server.state.pool;
    let report = import(pool, Format::Disqus, &fixture("disqus.xml"))
        .await
        .unwrap();
    assert_eq!(report.stopped, None);
    assert_eq!((report.threads_created, report.threads_existing), (2, 0));
    assert_eq!(report.comments, 7, "{report}");
    assert_eq!((report.placeholders, report.orphans), (1, 1), "{report}");
    assert_eq!(
        skipped(&report),
        BTreeMap::from([
            ("comment without a valid date", 1),
            ("deleted or spam in the source, and nothing answers it", 2),
            ("post in a thread that was skipped", 1),
            ("post whose thread is not in the export", 1),
            ("record without a dsq:id", 1),
            (
                "thread without a usable slug (its link's path or identifier)",
                1
            ),
        ]),
        "{report}"
    );

    let libya = thread(&server, "2016/07/libya").await;
    assert_eq!(
        libya.thread.title.as_deref(),
        Some("Our Man in Libya & Elsewhere")
    );
    assert_eq!(
        libya.thread.url.as_deref(),
        Some("https://blog.example.org/2016/07/libya/")
    );
    assert_eq!(libya.comments.len(), 6);
    // The tree, with the reply whose parent came later in the file linked to it.
    let first = by(&libya, "riverlover");
    let second = by(&libya, "Björk Guðmundsdóttir");
    let third = by(&libya, "Tom & Jerry");
    assert_eq!(first.parent_id, None);
    assert_eq!(second.parent_id, Some(first.id));
    assert_eq!(third.parent_id, Some(second.id));
    assert_eq!(first.created_at, "2016-07-20T14:03:00Z");
    assert_eq!(third.created_at, "2016-07-20T14:00:00Z");
    // Sanitized like any comment: no script, no handler, links marked.
    assert!(!first.body_html.contains("script") && !first.body_html.contains("alert"));
    assert!(!first.body_html.contains("onclick"), "{}", first.body_html);
    assert!(first
        .body_html
        .contains(r#"rel="nofollow noopener noreferrer ugc""#));
    assert!(
        second.body_html.contains("<b>901</b>"),
        "{}",
        second.body_html
    );
    // Entities (escaped twice, as Disqus does), numeric references, non-ASCII.
    assert_eq!(third.body_html, "<p>Tom &amp; Jerry — café ☺ 日本語</p>");
    assert_eq!(by(&libya, "Anonymous").body_html, "<p>Who am I?</p>");
    // The deleted comment with an answer stays as a placeholder; the others are gone.
    let placeholder = libya.comments.iter().find(|c| c.deleted).unwrap();
    assert_eq!(by(&libya, "kept").parent_id, Some(placeholder.id));
    assert!(!libya
        .comments
        .iter()
        .any(|c| c.body_html.contains("watches")));

    // The identifier is the slug when the link's path is not one; the reply to a post that
    // is not in the export is at the top level.
    let cafe = thread(&server, "cafe-post").await;
    assert_eq!(cafe.thread.title.as_deref(), Some("Café <noscript>"));
    assert_eq!(cafe.comments.len(), 1);
    assert_eq!(cafe.comments[0].parent_id, None);
    assert_eq!(cafe.comments[0].author, "Zoë");

    let counts: CommentCounts = server
        .get("/api/counts?slug=2016%2F07%2Flibya&slug=cafe-post")
        .await
        .json();
    assert_eq!(counts["2016/07/libya"], 5);

    // Idempotent: the second run adds nothing and says so.
    let comments = server.count("SELECT COUNT(*) FROM comments").await;
    let again = import(pool, Format::Disqus, &fixture("disqus.xml"))
        .await
        .unwrap();
    assert_eq!((again.threads_created, again.threads_existing), (0, 2));
    assert_eq!((again.comments, again.already_imported), (0, 7), "{again}");
    assert_eq!(
        server.count("SELECT COUNT(*) FROM comments").await,
        comments
    );
    // The same thread; its version may have moved on (the comments deleted in the source
    // were stored and pruned again), which costs readers one fresh read.
    let after = thread(&server, "2016/07/libya").await;
    assert_eq!(
        (after.thread, after.comments),
        (libya.thread, libya.comments)
    );
}

#[tokio::test]
async fn comments_join_a_thread_the_widget_already_made() {
    let server = TestServer::new().await;
    server
        .post_comment("2016/07/libya", json!({"body": "written here"}))
        .await;
    let report = import(&server.state.pool, Format::Disqus, &fixture("disqus.xml"))
        .await
        .unwrap();
    assert_eq!((report.threads_created, report.threads_existing), (1, 1));
    let libya = thread(&server, "2016/07/libya").await;
    assert_eq!(libya.comments.len(), 7);
    // The thread had no title: the export's fills it in.
    assert_eq!(
        libya.thread.title.as_deref(),
        Some("Our Man in Libya & Elsewhere")
    );
}

#[tokio::test]
async fn wordpress_export() {
    let server = TestServer::new().await;
    let pool = &server.state.pool;
    let report = import(pool, Format::Wordpress, &fixture("wordpress.xml"))
        .await
        .unwrap();
    assert_eq!(report.stopped, None);
    assert_eq!(
        (report.threads_created, report.comments),
        (2, 6),
        "{report}"
    );
    assert_eq!((report.placeholders, report.orphans), (1, 0), "{report}");
    assert_eq!(
        skipped(&report),
        BTreeMap::from([
            ("awaiting moderation in WordPress", 1),
            ("comment without a valid date", 1),
            ("deleted or spam in the source, and nothing answers it", 1),
            ("pingback or trackback", 1),
        ]),
        "{report}"
    );

    let hello = thread(&server, "2016/07/hello-world").await;
    assert_eq!(
        hello.thread.title.as_deref(),
        Some("Hello, wörld & friends")
    );
    assert_eq!(hello.comments.len(), 5);
    let five = by(&hello, "Tom & Jerry");
    let six = by(&hello, "Zoë");
    let seven = by(&hello, "Anonymous");
    assert_eq!(six.parent_id, Some(five.id));
    assert_eq!(seven.parent_id, Some(six.id));
    assert_eq!(six.created_at, "2016-07-20T15:00:00Z");
    assert_eq!(
        six.body_html,
        "<p>Replying to <em>five</em>.</p>\n<p>Second paragraph.</p>\n"
    );
    for part in ["é", "<em>em</em>", "©", "日本語"] {
        assert!(five.body_html.contains(part), "{part}: {}", five.body_html);
    }
    assert!(!five.body_html.contains("script"), "{}", five.body_html);
    let placeholder = hello.comments.iter().find(|c| c.deleted).unwrap();
    assert_eq!(by(&hello, "kept").parent_id, Some(placeholder.id));
    assert_eq!(thread(&server, "second").await.comments.len(), 1);
    // A page nobody commented on is not made a thread.
    assert_eq!(server.count("SELECT COUNT(*) FROM threads").await, 2);

    let again = import(pool, Format::Wordpress, &fixture("wordpress.xml"))
        .await
        .unwrap();
    assert_eq!((again.comments, again.already_imported), (0, 6), "{again}");
    let after = thread(&server, "2016/07/hello-world").await;
    assert_eq!(
        (after.thread, after.comments),
        (hello.thread, hello.comments)
    );
}

/// An Isso database, made from `fixtures/isso.sql` with Isso's own schema.
async fn isso_database(dir: &Path) -> PathBuf {
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{Connection, Executor};
    let path = dir.join("comments.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    let sql = std::fs::read_to_string(fixture("isso.sql")).unwrap();
    conn.execute(sql.as_str()).await.unwrap();
    conn.close().await.unwrap();
    path
}

#[tokio::test]
async fn isso_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let isso = isso_database(dir.path()).await;
    let server = TestServer::new().await;
    let pool = &server.state.pool;
    let report = import(pool, Format::Isso, &isso).await.unwrap();
    assert_eq!(report.stopped, None);
    assert_eq!(
        (report.threads_created, report.comments),
        (2, 5),
        "{report}"
    );
    assert_eq!(report.placeholders, 1, "{report}");
    assert_eq!(
        skipped(&report),
        BTreeMap::from([
            ("awaiting moderation in Isso", 1),
            ("deleted or spam in the source, and nothing answers it", 1),
        ]),
        "{report}"
    );

    let posts = thread(&server, "posts/isso-thread").await;
    assert_eq!(posts.thread.title.as_deref(), Some("Isso & friends"));
    let one = by(&posts, "Zoë");
    assert_eq!(one.created_at, "2016-07-20T14:03:00Z");
    assert_eq!(one.votes, 3);
    assert_eq!(one.body_html, "<p>Hello <em>Isso</em>, Grüße</p>\n");
    let two = by(&posts, "Anonymous");
    assert_eq!(two.parent_id, Some(one.id));
    assert!(!two.body_html.contains("script"), "{}", two.body_html);
    let placeholder = posts.comments.iter().find(|c| c.deleted).unwrap();
    assert_eq!(placeholder.parent_id, Some(two.id));
    let late = by(&posts, "late");
    assert_eq!(late.parent_id, Some(placeholder.id));
    assert_eq!(late.votes, 1);
    let home = thread(&server, "index").await;
    assert_eq!(home.comments[0].author, "Tom & Jerry");

    let again = import(pool, Format::Isso, &isso).await.unwrap();
    assert_eq!((again.comments, again.already_imported), (0, 5), "{again}");
}

#[tokio::test]
async fn a_broken_file_keeps_what_was_read_before_the_break() {
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read_to_string(fixture("disqus.xml")).unwrap();
    // Cut in the middle of the fourth post: three whole posts before it.
    let cut = whole.match_indices("<post ").nth(3).unwrap().0 + 40;
    let broken = dir.path().join("broken.xml");
    std::fs::write(&broken, format!("{}<<<&&&", &whole[..cut])).unwrap();
    let server = TestServer::new().await;
    let report = import(&server.state.pool, Format::Disqus, &broken)
        .await
        .unwrap();
    assert!(report.stopped.is_some(), "{report}");
    assert_eq!(report.comments, 3, "{report}");
    assert_eq!(server.count("SELECT COUNT(*) FROM comments").await, 3);
}

#[tokio::test]
async fn the_command_prints_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::TestDatabase::new(dir.path()).await;
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_caucus-server"))
            .args(["import", "--format", "wordpress"])
            .arg(fixture("wordpress.xml"))
            .arg("--db")
            .arg(&db.url)
            .output()
            .unwrap()
    };
    let output = run();
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("threads: 2 created, 0 existing"),
        "{printed}"
    );
    assert!(printed.contains("comments: 6 imported"), "{printed}");
    assert!(printed.contains("skipped: 4"), "{printed}");
    let printed = String::from_utf8_lossy(&run().stdout).into_owned();
    assert!(printed.contains("0 imported"), "{printed}");
    assert!(printed.contains("6 already imported"), "{printed}");
}
