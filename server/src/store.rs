//! Every SQL statement of the server, and the row types they read and write.
//!
//! Rows mirror the tables (`migrations/`), not the JSON: the conversions to the wire types of
//! [`caucus_model`] live here, so a column can change without the API changing and the other
//! way round. Queries are checked at run time (`sqlx::query_as`), so building needs no database.
//!
//! Writes take a `&mut SqliteConnection`, so the caller decides what one transaction holds.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use caucus_model::{Comment, CommentId, SortOrder, Thread};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, SqliteConnection, SqlitePool};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Opens (creating it if missing) the database at `path` and brings its schema up to date.
pub async fn open_db(path: &Path) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        // WAL: readers never wait for the writer, which is what a comment system mostly does.
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a comment that was answered 201 survives a power cut.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        // Writers queue for the single write lock instead of failing at once.
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .with_context(|| format!("cannot migrate the database {}", path.display()))?;
    Ok(pool)
}

/// The one timestamp format: RFC 3339, UTC, whole seconds. Fixed width, so it sorts as text.
const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// Formats `at` (converted to UTC) as stored.
pub fn timestamp(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    // Only years outside 0..=9999 fail to format, and `now` is not one of them.
    utc.format(TIMESTAMP)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

/// Now, as stored.
pub fn now() -> String {
    timestamp(OffsetDateTime::now_utc())
}

/// Whether `text` is a timestamp in exactly the stored format (so it sorts with the others).
pub fn is_timestamp(text: &str) -> bool {
    PrimitiveDateTime::parse(text, TIMESTAMP).is_ok() && text.len() == "2016-07-20T14:03:00Z".len()
}

#[derive(Debug, FromRow)]
pub struct ThreadRow {
    pub id: i64,
    pub slug: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub votes: i64,
}

impl ThreadRow {
    pub fn into_wire(self) -> Thread {
        Thread {
            slug: self.slug,
            title: self.title,
            url: self.url,
            votes: count(self.votes),
            // Voter tokens are not read yet: nobody is counted as having voted.
            viewer_voted: false,
        }
    }
}

#[derive(Debug, FromRow)]
pub struct CommentRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub author: String,
    pub avatar: Option<String>,
    pub subject: Option<String>,
    pub body_html: String,
    pub signature: Option<String>,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub deleted: bool,
    pub votes: i64,
}

impl CommentRow {
    pub fn into_wire(self) -> Comment {
        let mut comment = Comment {
            id: self.id,
            parent_id: self.parent_id,
            author: self.author,
            avatar: self.avatar,
            subject: self.subject,
            body_html: self.body_html,
            created_at: self.created_at,
            edited_at: self.edited_at,
            votes: count(self.votes),
            viewer_voted: false,
            signature: self.signature,
            deleted: self.deleted,
        };
        if comment.deleted {
            // The row keeps what was written (for moderation); the wire keeps only the place
            // in the tree, so the replies still make sense.
            comment.author = String::new();
            comment.avatar = None;
            comment.subject = None;
            comment.body_html = String::new();
            comment.signature = None;
        }
        comment
    }
}

/// Counters are never negative (a CHECK constraint says so); this only keeps the types honest.
fn count(votes: i64) -> u64 {
    u64::try_from(votes).unwrap_or(0)
}

/// A thread by its slug, with all its comments in `order`; `None` if nobody has written in it.
/// Both are read in one transaction, so the comments belong to the thread row returned.
pub async fn load_thread(
    pool: &SqlitePool,
    slug: &str,
    order: SortOrder,
) -> sqlx::Result<Option<(ThreadRow, Vec<CommentRow>)>> {
    let mut tx = pool.begin().await?;
    let thread: Option<ThreadRow> =
        sqlx::query_as("SELECT id, slug, title, url, votes FROM threads WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(thread) = thread else {
        return Ok(None);
    };
    // One static statement per order: nothing from the request is spliced into SQL.
    let sql = match order {
        SortOrder::Oldest => {
            "SELECT id, parent_id, author, avatar, subject, body_html, signature, created_at, \
             edited_at, deleted, votes FROM comments WHERE thread_id = ? \
             ORDER BY created_at ASC, id ASC"
        }
        SortOrder::Newest => {
            "SELECT id, parent_id, author, avatar, subject, body_html, signature, created_at, \
             edited_at, deleted, votes FROM comments WHERE thread_id = ? \
             ORDER BY created_at DESC, id DESC"
        }
        SortOrder::Top => {
            "SELECT id, parent_id, author, avatar, subject, body_html, signature, created_at, \
             edited_at, deleted, votes FROM comments WHERE thread_id = ? \
             ORDER BY votes DESC, created_at ASC, id ASC"
        }
    };
    let comments = sqlx::query_as(sql)
        .bind(thread.id)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some((thread, comments)))
}

/// A thread to create.
pub struct NewThreadRow<'a> {
    pub slug: &'a str,
    pub title: Option<&'a str>,
    pub url: Option<&'a str>,
    pub created_at: &'a str,
}

/// Creates the thread unless one with that slug exists; returns the new thread's id, or `None`
/// if it already existed. Starting with the write (rather than a read, then a write) means two
/// servers racing on the same slug cannot both create it, and the transaction takes the write
/// lock at once instead of failing to upgrade a read lock.
pub async fn insert_thread_if_absent(
    conn: &mut SqliteConnection,
    thread: &NewThreadRow<'_>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO threads (slug, title, url, created_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (slug) DO NOTHING RETURNING id",
    )
    .bind(thread.slug)
    .bind(thread.title)
    .bind(thread.url)
    .bind(thread.created_at)
    .fetch_optional(conn)
    .await
}

/// A comment to store; `body_html` is `body_md` already rendered by [`crate::render`].
pub struct NewCommentRow<'a> {
    pub thread_id: i64,
    pub parent_id: Option<CommentId>,
    pub author: &'a str,
    pub avatar: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub body_md: &'a str,
    pub body_html: &'a str,
    pub signature: Option<&'a str>,
    pub created_at: &'a str,
}

pub async fn insert_comment(
    conn: &mut SqliteConnection,
    comment: &NewCommentRow<'_>,
) -> sqlx::Result<CommentId> {
    sqlx::query_scalar(
        "INSERT INTO comments (thread_id, parent_id, author, avatar, subject, body_md, \
         body_html, signature, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(comment.thread_id)
    .bind(comment.parent_id)
    .bind(comment.author)
    .bind(comment.avatar)
    .bind(comment.subject)
    .bind(comment.body_md)
    .bind(comment.body_html)
    .bind(comment.signature)
    .bind(comment.created_at)
    .fetch_one(conn)
    .await
}

/// Records `voter`'s vote for a comment and bumps its counter; a second vote by the same voter
/// changes nothing. Returns whether the vote was new. Run it inside a transaction.
pub async fn add_comment_vote(
    conn: &mut SqliteConnection,
    comment_id: CommentId,
    voter: &str,
    at: &str,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO comment_votes (comment_id, voter, created_at) VALUES (?, ?, ?) \
         ON CONFLICT DO NOTHING",
    )
    .bind(comment_id)
    .bind(voter)
    .bind(at)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        sqlx::query("UPDATE comments SET votes = votes + 1 WHERE id = ?")
            .bind(comment_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(inserted)
}

/// Records `voter`'s vote for a thread (the page itself), as [`add_comment_vote`] does.
pub async fn add_thread_vote(
    conn: &mut SqliteConnection,
    thread_id: i64,
    voter: &str,
    at: &str,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO thread_votes (thread_id, voter, created_at) VALUES (?, ?, ?) \
         ON CONFLICT DO NOTHING",
    )
    .bind(thread_id)
    .bind(voter)
    .bind(at)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        sqlx::query("UPDATE threads SET votes = votes + 1 WHERE id = ?")
            .bind(thread_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_one_fixed_format() {
        let at = OffsetDateTime::from_unix_timestamp(1_469_023_380).unwrap();
        assert_eq!(timestamp(at), "2016-07-20T14:03:00Z");
        assert!(is_timestamp("2016-07-20T14:03:00Z"));
        assert!(is_timestamp(&now()));
        for bad in [
            "2016-07-20T14:03:00+00:00",
            "2016-07-20T14:03:00.5Z",
            "2016-07-20 14:03:00Z",
            "2016-7-20T14:03:00Z",
            "",
        ] {
            assert!(!is_timestamp(bad), "{bad}");
        }
    }
}
