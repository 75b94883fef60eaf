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
use caucus_model::admin::{AdminAction, AdminComment, BlockKind};
use caucus_model::{Comment, CommentId, SortOrder, Thread, VoteState};
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

/// A stored timestamp as a time; `None` if it is not in the stored format.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(text, TIMESTAMP)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
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
    /// Whether the voter who asked voted for it; false when nobody in particular asked.
    pub viewer_voted: bool,
    /// How many changes the thread has seen (`migrations/0006_versions.sql`).
    pub version: i64,
}

impl ThreadRow {
    pub fn into_wire(self) -> Thread {
        Thread {
            slug: self.slug,
            title: self.title,
            url: self.url,
            votes: count(self.votes),
            viewer_voted: self.viewer_voted,
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
    /// Whether the voter who asked voted for it; false when nobody in particular asked.
    pub viewer_voted: bool,
    /// Waiting for approval (`status = 'held'`).
    pub held: bool,
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
            viewer_voted: self.viewer_voted,
            signature: self.signature,
            deleted: self.deleted,
            held: self.held,
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

/// The columns of a [`CommentRow`]; `viewer_voted` needs the voter (or NULL) bound first.
const COMMENT_COLUMNS: &str = "id, parent_id, author, avatar, subject, body_html, signature, \
     created_at, edited_at, deleted, votes, EXISTS (SELECT 1 FROM comment_votes v \
     WHERE v.comment_id = comments.id AND v.voter = ?) AS viewer_voted, status = 'held' AS held";

/// A thread by its slug, with all its comments in `order`; `None` if nobody has written in it.
/// `viewer_voted` is filled for `voter`, and the held comments are those `voter` wrote (nobody
/// else sees them). Both are read in one transaction, so the comments
/// belong to the thread row returned.
pub async fn load_thread(
    pool: &SqlitePool,
    slug: &str,
    order: SortOrder,
    voter: Option<&str>,
) -> sqlx::Result<Option<(ThreadRow, Vec<CommentRow>)>> {
    let mut tx = pool.begin().await?;
    let thread = thread_with_comments(&mut tx, slug, order, voter).await?;
    tx.commit().await?;
    Ok(thread)
}

/// [`load_thread`], in the caller's transaction.
pub async fn thread_with_comments(
    conn: &mut SqliteConnection,
    slug: &str,
    order: SortOrder,
    voter: Option<&str>,
) -> sqlx::Result<Option<(ThreadRow, Vec<CommentRow>)>> {
    let thread: Option<ThreadRow> = sqlx::query_as(
        "SELECT id, slug, title, url, votes, EXISTS (SELECT 1 FROM thread_votes v \
         WHERE v.thread_id = threads.id AND v.voter = ?) AS viewer_voted, version \
         FROM threads WHERE slug = ?",
    )
    .bind(voter)
    .bind(slug)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(thread) = thread else {
        return Ok(None);
    };
    // One static ordering per sort order: nothing from the request is spliced into SQL.
    let order_by = match order {
        SortOrder::Oldest => "created_at ASC, id ASC",
        SortOrder::Newest => "created_at DESC, id DESC",
        SortOrder::Top => "votes DESC, created_at ASC, id ASC",
    };
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} FROM comments WHERE thread_id = ? \
         AND (status = 'published' OR voter = ?) ORDER BY {order_by}"
    );
    let comments = sqlx::query_as(&sql)
        .bind(voter)
        .bind(thread.id)
        .bind(voter)
        .fetch_all(&mut *conn)
        .await?;
    Ok(Some((thread, comments)))
}

/// The id, version and own tally of the thread `slug`, and the version at which that tally
/// last moved; `None` if nobody has written in it.
pub async fn thread_tally(
    conn: &mut SqliteConnection,
    slug: &str,
) -> sqlx::Result<Option<(i64, i64, i64, i64)>> {
    sqlx::query_as("SELECT id, version, votes, votes_version FROM threads WHERE slug = ?")
        .bind(slug)
        .fetch_optional(conn)
        .await
}

/// The published comments of a thread that changed after its version `after`, each with the
/// version of its last change, in the order they changed. As everyone sees them: no voter.
pub async fn comments_changed_since(
    conn: &mut SqliteConnection,
    thread_id: i64,
    after: i64,
) -> sqlx::Result<Vec<(i64, CommentRow)>> {
    let rows: Vec<ChangedCommentRow> = sqlx::query_as(&format!(
        "SELECT {COMMENT_COLUMNS}, version FROM comments \
         WHERE thread_id = ? AND version > ? AND status = 'published' ORDER BY version"
    ))
    .bind(None::<&str>)
    .bind(thread_id)
    .bind(after)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.version, row.comment))
        .collect())
}

#[derive(Debug, FromRow)]
struct ChangedCommentRow {
    #[sqlx(flatten)]
    comment: CommentRow,
    version: i64,
}

/// What one voter sees of a thread that others do not: their votes, and their comments that
/// wait for approval.
#[derive(Debug, Default)]
pub struct VoterView {
    pub thread_voted: bool,
    pub voted: Vec<CommentId>,
    pub held: Vec<CommentRow>,
}

impl VoterView {
    /// Whether the voter sees the thread as everyone does.
    pub fn is_empty(&self) -> bool {
        !self.thread_voted && self.voted.is_empty() && self.held.is_empty()
    }
}

pub async fn voter_view(
    conn: &mut SqliteConnection,
    thread_id: i64,
    voter: &str,
) -> sqlx::Result<VoterView> {
    let thread_voted: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM thread_votes WHERE thread_id = ? AND voter = ?)",
    )
    .bind(thread_id)
    .bind(voter)
    .fetch_one(&mut *conn)
    .await?;
    let voted = sqlx::query_scalar(
        "SELECT v.comment_id FROM comment_votes v JOIN comments c ON c.id = v.comment_id \
         WHERE v.voter = ? AND c.thread_id = ?",
    )
    .bind(voter)
    .bind(thread_id)
    .fetch_all(&mut *conn)
    .await?;
    let held = sqlx::query_as(&format!(
        "SELECT {COMMENT_COLUMNS} FROM comments \
         WHERE voter = ? AND status = 'held' AND thread_id = ?"
    ))
    .bind(voter)
    .bind(voter)
    .bind(thread_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(VoterView {
        thread_voted,
        voted,
        held,
    })
}

/// One comment, as `voter` sees it.
pub async fn fetch_comment(
    conn: &mut SqliteConnection,
    id: CommentId,
    voter: Option<&str>,
) -> sqlx::Result<Option<CommentRow>> {
    sqlx::query_as(&format!(
        "SELECT {COMMENT_COLUMNS} FROM comments WHERE id = ?"
    ))
    .bind(voter)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// A secret of the server (see `migrations/0002_writes.sql`): `fresh` is stored unless the
/// secret exists already, and whichever is stored is returned.
pub async fn secret(pool: &SqlitePool, name: &str, fresh: &[u8]) -> sqlx::Result<Vec<u8>> {
    sqlx::query(
        "INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh)
    .execute(pool)
    .await?;
    sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = ?")
        .bind(name)
        .fetch_one(pool)
        .await
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

/// The id of the thread `slug`, created (with no title or URL) if absent. Starts with the
/// write, like [`insert_thread_if_absent`].
pub async fn ensure_thread(conn: &mut SqliteConnection, slug: &str, at: &str) -> sqlx::Result<i64> {
    let new_thread = NewThreadRow {
        slug,
        title: None,
        url: None,
        created_at: at,
    };
    if let Some(id) = insert_thread_if_absent(&mut *conn, &new_thread).await? {
        return Ok(id);
    }
    sqlx::query_scalar("SELECT id FROM threads WHERE slug = ?")
        .bind(slug)
        .fetch_one(conn)
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
    /// SHA-256 of the author's edit token; `None`: nobody may edit it.
    pub edit_token_hash: Option<&'a [u8]>,
    /// Waits for approval.
    pub held: bool,
    /// The author's voter id, if their browser sent a voter token.
    pub voter: Option<&'a str>,
    /// The salted hash of the author's network.
    pub network: Option<&'a [u8]>,
}

pub async fn insert_comment(
    conn: &mut SqliteConnection,
    comment: &NewCommentRow<'_>,
) -> sqlx::Result<CommentId> {
    sqlx::query_scalar(
        "INSERT INTO comments (thread_id, parent_id, author, avatar, subject, body_md, \
         body_html, signature, created_at, edit_token_hash, status, voter, network) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
    .bind(comment.edit_token_hash)
    .bind(if comment.held { "held" } else { "published" })
    .bind(comment.voter)
    .bind(comment.network)
    .fetch_one(conn)
    .await
}

/// Where a comment answered, as a new reply needs to know.
#[derive(Debug, FromRow)]
pub struct ParentRow {
    pub thread_id: i64,
    pub deleted: bool,
    pub held: bool,
    pub voter: Option<String>,
}

pub async fn parent(conn: &mut SqliteConnection, id: CommentId) -> sqlx::Result<Option<ParentRow>> {
    sqlx::query_as(
        "SELECT thread_id, deleted, status = 'held' AS held, voter FROM comments WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// What an edit or a delete checks before it writes.
#[derive(Debug, FromRow)]
pub struct EditableRow {
    pub created_at: String,
    pub deleted: bool,
    pub edit_token_hash: Option<Vec<u8>>,
}

pub async fn editable(pool: &SqlitePool, id: CommentId) -> sqlx::Result<Option<EditableRow>> {
    sqlx::query_as("SELECT created_at, deleted, edit_token_hash FROM comments WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// A comment's new subject and body.
pub struct CommentEditRow<'a> {
    pub subject: Option<&'a str>,
    pub body_md: &'a str,
    pub body_html: &'a str,
    pub edited_at: &'a str,
}

/// Applies an edit the caller has authorized against [`editable`]. The conditions are checked
/// again in the statement, so a comment deleted in between stays deleted. Returns whether it
/// was edited.
pub async fn edit_comment(
    conn: &mut SqliteConnection,
    id: CommentId,
    edit_token_hash: &[u8],
    edit: &CommentEditRow<'_>,
) -> sqlx::Result<bool> {
    let edited = sqlx::query(
        "UPDATE comments SET subject = ?, body_md = ?, body_html = ?, edited_at = ? \
         WHERE id = ? AND edit_token_hash = ? AND deleted = 0",
    )
    .bind(edit.subject)
    .bind(edit.body_md)
    .bind(edit.body_html)
    .bind(edit.edited_at)
    .bind(id)
    .bind(edit_token_hash)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(edited == 1)
}

/// Marks a comment deleted, as [`edit_comment`] edits it. Returns whether it was marked.
pub async fn mark_deleted(
    conn: &mut SqliteConnection,
    id: CommentId,
    edit_token_hash: &[u8],
) -> sqlx::Result<bool> {
    let marked = sqlx::query(
        "UPDATE comments SET deleted = 1 WHERE id = ? AND edit_token_hash = ? AND deleted = 0",
    )
    .bind(id)
    .bind(edit_token_hash)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(marked == 1)
}

/// Removes the deleted comment `id` if nothing answers it, with its votes; then, the same way,
/// each deleted ancestor that this leaves without replies, so no placeholder stays that holds
/// no reply in place. Returns whether `id` itself was removed (otherwise it stays a
/// placeholder). Run it in the transaction that marked `id` deleted.
pub async fn prune_deleted(conn: &mut SqliteConnection, id: CommentId) -> sqlx::Result<bool> {
    let mut current = id;
    loop {
        let prunable: bool = sqlx::query_scalar(
            "SELECT deleted = 1 AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = c.id) \
             FROM comments c WHERE c.id = ?",
        )
        .bind(current)
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or(false);
        if !prunable {
            return Ok(current != id);
        }
        sqlx::query("DELETE FROM comment_votes WHERE comment_id = ?")
            .bind(current)
            .execute(&mut *conn)
            .await?;
        let parent: Option<CommentId> =
            sqlx::query_scalar("DELETE FROM comments WHERE id = ? RETURNING parent_id")
                .bind(current)
                .fetch_one(&mut *conn)
                .await?;
        match parent {
            Some(parent) => current = parent,
            None => return Ok(true),
        }
    }
}

/// One vote to record: who, from which network (a salted hash), and the most votes that
/// network may have counted on the target (`None`: no cap).
#[derive(Debug, Clone, Copy)]
pub struct Ballot<'a> {
    pub voter: &'a str,
    pub network: Option<&'a [u8]>,
    pub network_cap: Option<u32>,
}

/// A target's tally and what it means for one voter.
#[derive(Debug, FromRow)]
pub struct VoteRow {
    pub votes: i64,
    pub viewer_voted: bool,
    /// Always false for a thread.
    pub deleted: bool,
}

impl VoteRow {
    pub fn into_wire(self) -> VoteState {
        VoteState {
            votes: count(self.votes),
            viewer_voted: self.viewer_voted,
        }
    }
}

/// Records a vote for a comment and bumps its counter, in the caller's transaction. Nothing
/// changes if the voter already voted for it, if it is deleted or absent, or if the ballot's
/// network has reached its cap: the cap is checked in the insert itself, so concurrent votes
/// cannot overshoot it. Returns whether the vote was new; [`comment_vote`] tells why not.
pub async fn add_comment_vote(
    conn: &mut SqliteConnection,
    comment_id: CommentId,
    ballot: &Ballot<'_>,
    at: &str,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO comment_votes (comment_id, voter, network, created_at) \
         SELECT ?1, ?2, ?3, ?4 \
         WHERE EXISTS (SELECT 1 FROM comments WHERE id = ?1 AND deleted = 0 \
              AND status = 'published') \
         AND (?5 IS NULL OR ?3 IS NULL OR (SELECT COUNT(*) FROM comment_votes \
              WHERE comment_id = ?1 AND network = ?3) < ?5) \
         ON CONFLICT DO NOTHING",
    )
    .bind(comment_id)
    .bind(ballot.voter)
    .bind(ballot.network)
    .bind(at)
    .bind(ballot.network_cap)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    // The counter moves by the rows the statement changed, in the same transaction: never a
    // value read, incremented elsewhere and written back.
    if inserted {
        sqlx::query("UPDATE comments SET votes = votes + 1 WHERE id = ?")
            .bind(comment_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(inserted)
}

/// Takes a voter's vote for a comment back, if there was one. Returns whether there was.
pub async fn remove_comment_vote(
    conn: &mut SqliteConnection,
    comment_id: CommentId,
    voter: &str,
) -> sqlx::Result<bool> {
    let removed = sqlx::query("DELETE FROM comment_votes WHERE comment_id = ? AND voter = ?")
        .bind(comment_id)
        .bind(voter)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1;
    if removed {
        sqlx::query("UPDATE comments SET votes = votes - 1 WHERE id = ?")
            .bind(comment_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(removed)
}

/// A comment's tally, as `voter` sees it; `None` if there is no such comment (a held one is
/// not there yet for voting).
pub async fn comment_vote(
    conn: &mut SqliteConnection,
    comment_id: CommentId,
    voter: &str,
) -> sqlx::Result<Option<VoteRow>> {
    sqlx::query_as(
        "SELECT votes, deleted, EXISTS (SELECT 1 FROM comment_votes v \
         WHERE v.comment_id = c.id AND v.voter = ?) AS viewer_voted FROM comments c \
         WHERE id = ? AND status = 'published'",
    )
    .bind(voter)
    .bind(comment_id)
    .fetch_optional(conn)
    .await
}

/// Records a vote for a thread (the page itself), as [`add_comment_vote`] does.
pub async fn add_thread_vote(
    conn: &mut SqliteConnection,
    thread_id: i64,
    ballot: &Ballot<'_>,
    at: &str,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO thread_votes (thread_id, voter, network, created_at) \
         SELECT ?1, ?2, ?3, ?4 \
         WHERE ?5 IS NULL OR ?3 IS NULL OR (SELECT COUNT(*) FROM thread_votes \
               WHERE thread_id = ?1 AND network = ?3) < ?5 \
         ON CONFLICT DO NOTHING",
    )
    .bind(thread_id)
    .bind(ballot.voter)
    .bind(ballot.network)
    .bind(at)
    .bind(ballot.network_cap)
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

/// Takes a voter's vote for the thread `slug` back, if there was one. Starts with the write
/// (an absent thread simply matches no vote), so it never creates the thread.
pub async fn remove_thread_vote(
    conn: &mut SqliteConnection,
    slug: &str,
    voter: &str,
) -> sqlx::Result<bool> {
    let removed = sqlx::query(
        "DELETE FROM thread_votes WHERE voter = ? \
         AND thread_id = (SELECT id FROM threads WHERE slug = ?)",
    )
    .bind(voter)
    .bind(slug)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if removed {
        sqlx::query("UPDATE threads SET votes = votes - 1 WHERE slug = ?")
            .bind(slug)
            .execute(&mut *conn)
            .await?;
    }
    Ok(removed)
}

/// The thread `slug`'s tally, as `voter` sees it; `None` if there is no such thread.
pub async fn thread_vote(
    conn: &mut SqliteConnection,
    slug: &str,
    voter: &str,
) -> sqlx::Result<Option<VoteRow>> {
    sqlx::query_as(
        "SELECT votes, FALSE AS deleted, EXISTS (SELECT 1 FROM thread_votes v \
         WHERE v.thread_id = t.id AND v.voter = ?) AS viewer_voted FROM threads t WHERE slug = ?",
    )
    .bind(voter)
    .bind(slug)
    .fetch_optional(conn)
    .await
}

/// How many comments each of `slugs` shows (placeholders of deleted comments and held comments
/// do not count),
/// for the threads that exist; the caller fills in 0 for the others. Only the number of `?`
/// depends on the request, never its text.
pub async fn comment_counts(
    pool: &SqlitePool,
    slugs: &[String],
) -> sqlx::Result<Vec<(String, i64)>> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; slugs.len()].join(", ");
    let sql = format!(
        "SELECT t.slug, COUNT(c.id) FROM threads t \
         LEFT JOIN comments c ON c.thread_id = t.id AND c.deleted = 0 \
         AND c.status = 'published' \
         WHERE t.slug IN ({marks}) GROUP BY t.id"
    );
    let mut query = sqlx::query_as(&sql);
    for slug in slugs {
        query = query.bind(slug);
    }
    query.fetch_all(pool).await
}

/// Up to `limit` threads (id and slug) with an id above `after`, in id order: a whole
/// database, a page at a time.
pub async fn threads_after(
    pool: &SqlitePool,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, slug FROM threads WHERE id > ? ORDER BY id LIMIT ?")
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// The thread an import puts comments in: created if absent; if it exists, a title or URL it
/// lacks is filled in from the export. Returns its id and whether it was created.
pub async fn import_thread(
    conn: &mut SqliteConnection,
    thread: &NewThreadRow<'_>,
) -> sqlx::Result<(i64, bool)> {
    if let Some(id) = insert_thread_if_absent(&mut *conn, thread).await? {
        return Ok((id, true));
    }
    let id = sqlx::query_scalar(
        "UPDATE threads SET title = COALESCE(title, ?), url = COALESCE(url, ?) \
         WHERE slug = ? RETURNING id",
    )
    .bind(thread.title)
    .bind(thread.url)
    .bind(thread.slug)
    .fetch_one(conn)
    .await?;
    Ok((id, false))
}

/// A comment brought over from another system (see `migrations/0003_owner.sql`).
pub struct ImportedCommentRow<'a> {
    pub origin: &'a str,
    pub origin_parent: Option<&'a str>,
    pub thread_id: i64,
    pub author: &'a str,
    pub body_md: &'a str,
    pub body_html: &'a str,
    pub created_at: &'a str,
    pub votes: i64,
    pub deleted: bool,
}

/// Stores an imported comment unless one from the same origin is there already; returns
/// whether it was stored. Nobody may edit it (no edit token), and its votes have no voters
/// behind them: un-voting only ever takes back a vote recorded here.
pub async fn insert_imported_comment(
    conn: &mut SqliteConnection,
    comment: &ImportedCommentRow<'_>,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO comments (thread_id, author, body_md, body_html, created_at, votes, \
         deleted, origin, origin_parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (origin) DO NOTHING",
    )
    .bind(comment.thread_id)
    .bind(comment.author)
    .bind(comment.body_md)
    .bind(comment.body_html)
    .bind(comment.created_at)
    .bind(comment.votes)
    .bind(comment.deleted)
    .bind(comment.origin)
    .bind(comment.origin_parent)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Links every imported reply to its parent, now that all of them are stored. A reply whose
/// parent is not in the same thread (or not in the export at all) stays at the top level.
/// Returns how many replies were linked and how many stayed at the top level.
pub async fn link_imported_replies(conn: &mut SqliteConnection) -> sqlx::Result<(u64, u64)> {
    let linked = sqlx::query(
        "UPDATE comments SET origin_parent = NULL, parent_id = (SELECT p.id FROM comments p \
         WHERE p.origin = comments.origin_parent AND p.thread_id = comments.thread_id) \
         WHERE origin_parent IS NOT NULL AND EXISTS (SELECT 1 FROM comments p \
         WHERE p.origin = comments.origin_parent AND p.thread_id = comments.thread_id)",
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let orphans =
        sqlx::query("UPDATE comments SET origin_parent = NULL WHERE origin_parent IS NOT NULL")
            .execute(&mut *conn)
            .await?
            .rows_affected();
    Ok((linked, orphans))
}

/// Removes imported comments that were deleted (or spam) in the source and hold no reply in
/// place, then the placeholders that this leaves without replies, and so on up. Returns how
/// many it removed.
pub async fn prune_imported_deleted(conn: &mut SqliteConnection) -> sqlx::Result<u64> {
    let mut removed = 0;
    loop {
        let round = sqlx::query(
            "DELETE FROM comments WHERE deleted = 1 AND origin IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = comments.id) \
             AND NOT EXISTS (SELECT 1 FROM comment_votes v WHERE v.comment_id = comments.id)",
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if round == 0 {
            return Ok(removed);
        }
        removed += round;
    }
}

/// Whether the author of a new comment is known: a published comment came from the same
/// voter or the same network (`--moderation first-post`).
pub async fn is_known_author(
    conn: &mut SqliteConnection,
    voter: Option<&str>,
    network: &[u8],
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM comments WHERE voter = ? AND status = 'published') \
         OR EXISTS (SELECT 1 FROM comments WHERE network = ? AND status = 'published')",
    )
    .bind(voter)
    .bind(network)
    .fetch_one(conn)
    .await
}

/// Whether the admin blocked this voter or this network (hex of its hash).
pub async fn is_blocked(
    pool: &SqlitePool,
    voter: Option<&str>,
    network_hex: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM blocks WHERE (kind = 'voter' AND target = ?) \
         OR (kind = 'network' AND target = ?))",
    )
    .bind(voter)
    .bind(network_hex)
    .fetch_one(pool)
    .await
}

/// A comment as the admin sees it (`caucus_model::admin::AdminComment`).
#[derive(Debug, FromRow)]
pub struct AdminCommentRow {
    pub id: i64,
    pub slug: String,
    pub parent_id: Option<i64>,
    pub author: String,
    pub subject: Option<String>,
    pub body_md: String,
    pub body_html: String,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub status: String,
    pub deleted: bool,
    pub votes: i64,
    pub voter: Option<String>,
    pub network: Option<Vec<u8>>,
}

impl AdminCommentRow {
    pub fn into_wire(self) -> AdminComment {
        AdminComment {
            id: self.id,
            slug: self.slug,
            parent_id: self.parent_id,
            author: self.author,
            subject: self.subject,
            body: self.body_md,
            body_html: self.body_html,
            created_at: self.created_at,
            edited_at: self.edited_at,
            status: self.status,
            deleted: self.deleted,
            votes: count(self.votes),
            voter: self.voter,
            network: self.network.as_deref().map(hex),
        }
    }
}

/// Lower-case hex, how a network hash is shown to the admin and stored in a block.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

const ADMIN_COLUMNS: &str = "c.id, t.slug, c.parent_id, c.author, c.subject, c.body_md, \
     c.body_html, c.created_at, c.edited_at, c.status, c.deleted, c.votes, c.voter, c.network \
     FROM comments c JOIN threads t ON t.id = c.thread_id";

/// Up to `limit` comments of every thread with an id below `before` (all if `None`), newest
/// first; only the held ones if `held_only`. Ids grow with time, so they page in time order.
pub async fn admin_comments(
    pool: &SqlitePool,
    held_only: bool,
    before: Option<CommentId>,
    limit: i64,
) -> sqlx::Result<Vec<AdminCommentRow>> {
    sqlx::query_as(&format!(
        "SELECT {ADMIN_COLUMNS} WHERE (? = 0 OR c.status = 'held') AND (? IS NULL OR c.id < ?) \
         ORDER BY c.id DESC LIMIT ?"
    ))
    .bind(held_only)
    .bind(before)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn admin_comment(
    conn: &mut SqliteConnection,
    id: CommentId,
) -> sqlx::Result<Option<AdminCommentRow>> {
    sqlx::query_as(&format!("SELECT {ADMIN_COLUMNS} WHERE c.id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Publishes a held comment. Returns whether it was held.
pub async fn approve(conn: &mut SqliteConnection, id: CommentId) -> sqlx::Result<bool> {
    let approved =
        sqlx::query("UPDATE comments SET status = 'published' WHERE id = ? AND status = 'held'")
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected();
    Ok(approved == 1)
}

/// The admin's edit: any comment not deleted, at any time. Returns whether it was edited.
pub async fn admin_edit(
    conn: &mut SqliteConnection,
    id: CommentId,
    edit: &CommentEditRow<'_>,
) -> sqlx::Result<bool> {
    let edited = sqlx::query(
        "UPDATE comments SET subject = ?, body_md = ?, body_html = ?, edited_at = ? \
         WHERE id = ? AND deleted = 0",
    )
    .bind(edit.subject)
    .bind(edit.body_md)
    .bind(edit.body_html)
    .bind(edit.edited_at)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(edited == 1)
}

/// The admin's delete: marks any comment deleted, like [`mark_deleted`]; the caller prunes.
pub async fn admin_mark_deleted(conn: &mut SqliteConnection, id: CommentId) -> sqlx::Result<bool> {
    let marked = sqlx::query("UPDATE comments SET deleted = 1 WHERE id = ? AND deleted = 0")
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(marked == 1)
}

/// Blocks `target`; blocking it again changes nothing. Returns whether it was new.
pub async fn add_block(
    conn: &mut SqliteConnection,
    kind: BlockKind,
    target: &str,
    at: &str,
) -> sqlx::Result<bool> {
    let added = sqlx::query(
        "INSERT INTO blocks (kind, target, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(kind.as_str())
    .bind(target)
    .bind(at)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(added == 1)
}

/// Lifts a block. Returns whether there was one.
pub async fn remove_block(
    conn: &mut SqliteConnection,
    kind: BlockKind,
    target: &str,
) -> sqlx::Result<bool> {
    let removed = sqlx::query("DELETE FROM blocks WHERE kind = ? AND target = ?")
        .bind(kind.as_str())
        .bind(target)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(removed == 1)
}

/// Every block, newest first.
pub async fn blocks(pool: &SqlitePool) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as("SELECT kind, target, created_at FROM blocks ORDER BY created_at DESC, target")
        .fetch_all(pool)
        .await
}

/// Writes one entry of the admin log, in the transaction of the action it records.
pub async fn log_admin_action(
    conn: &mut SqliteConnection,
    action: &str,
    target: &str,
    at: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO admin_log (actor, action, target, created_at) VALUES ('admin', ?, ?, ?)",
    )
    .bind(action)
    .bind(target)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Up to `limit` entries of the admin log with an id below `before`, newest first.
pub async fn admin_log(
    pool: &SqlitePool,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<AdminAction>> {
    let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT id, actor, action, target, created_at FROM admin_log \
         WHERE (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?",
    )
    .bind(before)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, actor, action, target, created_at)| AdminAction {
            id,
            actor,
            action,
            target,
            created_at,
        })
        .collect())
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
