//! Every SQL statement of the server, and the row types they read and write.
//!
//! Rows mirror the tables (`migrations/sqlite/`, `migrations/postgres/`), not the JSON: the conversions to the wire types of
//! [`caucus_model`] live here, so a column can change without the API changing and the other
//! way round. Queries are checked at run time (`sqlx::query_as`), so building needs no database.
//!
//! Writes take a `&mut AnyConnection`, so the caller decides what one transaction holds.
//!
//! Every statement runs on SQLite and on PostgreSQL alike (sqlx's `Any` driver): `$1`
//! placeholders, `ON CONFLICT … DO NOTHING`, `RETURNING`, no function of one backend only;
//! truth values are read through [`Flag`], unsigned numbers bound as `i64`. The one thing
//! only one backend gets is `lock_vote_target`'s row lock (see there), on [`Backend`], and
//! the snapshot of [`begin_read`].

use std::ffi::OsStr;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Context;
use caucus_model::admin::{AdminAction, AdminComment, BlockKind};
use caucus_model::{Comment, CommentId, SortOrder, Thread, VoteState};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyTypeInfo, AnyTypeInfoKind};
use sqlx::error::BoxDynError;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor, FromRow, ValueRef};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Where the database is, as `--db` says: a PostgreSQL URL (`postgres://user@host/dbname`),
/// or a SQLite file (a path, or `sqlite://path`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbLocation {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbLocation {
    pub fn parse(db: impl AsRef<OsStr>) -> DbLocation {
        let db = db.as_ref();
        let Some(text) = db.to_str() else {
            // Not UTF-8, so not a URL: a file name.
            return DbLocation::Sqlite(PathBuf::from(db));
        };
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return DbLocation::Postgres(text.to_owned());
        }
        let path = match text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            // The file, without the URL's options: the server sets its own.
            Some(url) => url.split('?').next().unwrap_or_default(),
            None => text,
        };
        DbLocation::Sqlite(PathBuf::from(path))
    }

    /// How messages name it: the path, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            DbLocation::Sqlite(path) => path.display().to_string(),
            DbLocation::Postgres(url) => match AnyConnectOptions::from_str(url) {
                Ok(options) => {
                    let mut url = options.database_url;
                    if url.password().is_some() {
                        // Only fails for URLs that cannot have a password, which this has.
                        let _ = url.set_password(Some("***"));
                    }
                    url.to_string()
                }
                Err(_) => String::from("(a PostgreSQL URL that cannot be parsed)"),
            },
        }
    }
}

/// Which database a connection talks to. The SQL of this module is written once, in what both
/// accept; this is for the few things only one of them needs (see [`lock_vote_target`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(conn: &AnyConnection) -> Backend {
        if conn.backend_name() == "PostgreSQL" {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The backend of a pool, from its URL.
    pub fn of_pool(pool: &AnyPool) -> Backend {
        if pool
            .connect_options()
            .database_url
            .scheme()
            .starts_with("postgres")
        {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// How long the first connection to PostgreSQL may take before the start gives up.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Opens the database `db` (see [`DbLocation`]; a SQLite file is created if missing) and
/// brings its schema up to date: `migrations/sqlite/` or `migrations/postgres/`.
pub async fn open_db(db: impl AsRef<OsStr>) -> anyhow::Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let location = DbLocation::parse(db);
    let (options, migrator) = match &location {
        DbLocation::Sqlite(path) => {
            let url = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .to_url_lossy();
            (
                AnyConnectOptions::from_url(&url),
                sqlx::migrate!("./migrations/sqlite"),
            )
        }
        DbLocation::Postgres(url) => (
            AnyConnectOptions::from_str(url),
            sqlx::migrate!("./migrations/postgres"),
        ),
    };
    let what = location.describe();
    let options = options.with_context(|| format!("cannot open the database {what}"))?;
    if let DbLocation::Postgres(_) = location {
        // A pool retries a refused connection until its timeout, then says only that it timed
        // out: one connection first, for the reason (refused, unknown database, password).
        let first = match tokio::time::timeout(
            CONNECT_TIMEOUT,
            AnyConnection::connect_with(&options),
        )
        .await
        {
            Ok(connected) => connected.map_err(anyhow::Error::from),
            Err(_) => Err(anyhow::anyhow!("no answer within {CONNECT_TIMEOUT:?}")),
        }
        .with_context(|| format!("cannot connect to the database {what}"))?;
        let _ = first.close().await;
    }
    let pool = AnyPoolOptions::new()
        .after_connect(|conn, _| {
            Box::pin(async move {
                if Backend::of(conn) == Backend::Sqlite {
                    // Per connection, so on every one (a URL cannot carry them).
                    // WAL: readers never wait for the writer, which is what a comment system
                    // mostly does. FULL: a comment that was answered 201 survives a power
                    // cut. A busy timeout: writers queue for the single write lock instead of
                    // failing at once.
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = FULL",
                        "PRAGMA foreign_keys = ON",
                        "PRAGMA busy_timeout = 5000",
                    ] {
                        conn.execute(pragma).await?;
                    }
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .with_context(|| match location {
            DbLocation::Sqlite(_) => format!("cannot open the database {what}"),
            DbLocation::Postgres(_) => format!("cannot connect to the database {what}"),
        })?;
    migrator
        .run(&pool)
        .await
        .with_context(|| format!("cannot migrate the database {}", location.describe()))?;
    Ok(pool)
}

/// A truth value as either backend gives it: PostgreSQL a `boolean`, SQLite an integer 0 or
/// 1 (sqlx's `Any` decodes `bool` from the first only). Rows read it with
/// `#[sqlx(try_from = "Flag")]` into a `bool`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        ty.kind() == AnyTypeInfoKind::Bool || ty.kind().is_integer()
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.type_info().kind() == AnyTypeInfoKind::Bool {
            <bool as sqlx::Decode<sqlx::Any>>::decode(value).map(Flag)
        } else {
            <i64 as sqlx::Decode<sqlx::Any>>::decode(value).map(|number| Flag(number != 0))
        }
    }
}

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0
    }
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
    #[sqlx(try_from = "Flag")]
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
    #[sqlx(try_from = "Flag")]
    pub deleted: bool,
    pub votes: i64,
    /// Whether the voter who asked voted for it; false when nobody in particular asked.
    #[sqlx(try_from = "Flag")]
    pub viewer_voted: bool,
    /// Waiting for approval (`status = 'held'`).
    #[sqlx(try_from = "Flag")]
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
pub fn count(votes: i64) -> u64 {
    u64::try_from(votes).unwrap_or(0)
}

/// A transaction that writes. On SQLite it takes the write lock at its start (`BEGIN
/// IMMEDIATE`), waiting for it under the busy timeout: a deferred transaction that reads first
/// and writes later fails at once with "database is locked" when another connection wrote in
/// between (its snapshot is stale, and no wait can mend that), which is what a request that
/// follows another's rollback by a hair would meet. PostgreSQL's writers wait on row locks.
pub async fn begin_write(pool: &AnyPool) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
    match Backend::of_pool(pool) {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// A transaction for reads that must agree with each other (a thread's version and the
/// comments it counts). SQLite's transactions read one snapshot already; PostgreSQL's default
/// (READ COMMITTED) takes a new one at every statement, so there the transaction asks for
/// REPEATABLE READ, read only: it never waits for writers, and never fails for them.
pub async fn begin_read(pool: &AnyPool) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
    let mut tx = pool.begin().await?;
    if Backend::of(&tx) == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// The columns of a [`CommentRow`]; `viewer_voted` needs the voter (or NULL) bound first.
const COMMENT_COLUMNS: &str = "id, parent_id, author, avatar, subject, body_html, signature, \
     created_at, edited_at, deleted, votes, EXISTS (SELECT 1 FROM comment_votes v \
     WHERE v.comment_id = comments.id AND v.voter = $1) AS viewer_voted, status = 'held' AS held";

/// A thread by its slug, with all its comments in `order`; `None` if nobody has written in it.
/// `viewer_voted` is filled for `voter`, and the held comments are those `voter` wrote (nobody
/// else sees them). Both are read in one transaction, so the comments
/// belong to the thread row returned.
pub async fn load_thread(
    pool: &AnyPool,
    slug: &str,
    order: SortOrder,
    voter: Option<&str>,
) -> sqlx::Result<Option<(ThreadRow, Vec<CommentRow>)>> {
    let mut tx = begin_read(pool).await?;
    let thread = thread_with_comments(&mut tx, slug, order, voter).await?;
    tx.commit().await?;
    Ok(thread)
}

/// [`load_thread`], in the caller's transaction.
pub async fn thread_with_comments(
    conn: &mut AnyConnection,
    slug: &str,
    order: SortOrder,
    voter: Option<&str>,
) -> sqlx::Result<Option<(ThreadRow, Vec<CommentRow>)>> {
    let Some(thread) = thread_row(conn, slug, voter).await? else {
        return Ok(None);
    };
    // One static ordering per sort order: nothing from the request is spliced into SQL.
    let order_by = match order {
        SortOrder::Oldest => "created_at ASC, id ASC",
        SortOrder::Newest => "created_at DESC, id DESC",
        SortOrder::Top => "votes DESC, created_at ASC, id ASC",
    };
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} FROM comments WHERE thread_id = $2 \
         AND (status = 'published' OR voter = $3) ORDER BY {order_by}"
    );
    let comments = sqlx::query_as(&sql)
        .bind(voter)
        .bind(thread.id)
        .bind(voter)
        .fetch_all(&mut *conn)
        .await?;
    Ok(Some((thread, comments)))
}

/// The thread `slug` as `voter` sees it (or as everyone does); `None` if nobody has written in it.
pub async fn thread_row(
    conn: &mut AnyConnection,
    slug: &str,
    voter: Option<&str>,
) -> sqlx::Result<Option<ThreadRow>> {
    sqlx::query_as(
        "SELECT id, slug, title, url, votes, EXISTS (SELECT 1 FROM thread_votes v \
         WHERE v.thread_id = threads.id AND v.voter = $1) AS viewer_voted, version \
         FROM threads WHERE slug = $2",
    )
    .bind(voter)
    .bind(slug)
    .fetch_optional(conn)
    .await
}

/// How many comments of a thread everyone sees.
pub async fn published_count(conn: &mut AnyConnection, thread_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM comments WHERE thread_id = $1 AND status = 'published'",
    )
    .bind(thread_id)
    .fetch_one(conn)
    .await
}

/// The id, version and own tally of the thread `slug`, and the version at which that tally
/// last moved; `None` if nobody has written in it.
pub async fn thread_tally(
    conn: &mut AnyConnection,
    slug: &str,
) -> sqlx::Result<Option<(i64, i64, i64, i64)>> {
    sqlx::query_as("SELECT id, version, votes, votes_version FROM threads WHERE slug = $1")
        .bind(slug)
        .fetch_optional(conn)
        .await
}

/// Every comment of a thread that changed after its version `after`, whatever its status, in
/// the order they changed, as everyone sees them (no voter): for the live updates (which send
/// the published ones) and for bringing a cached view up to date (`reads`, which also drops
/// those nobody may see now). A comment deleted from the table is not among them:
/// [`published_count`] tells that one went.
pub async fn comments_changed_since(
    conn: &mut AnyConnection,
    thread_id: i64,
    after: i64,
) -> sqlx::Result<Vec<ChangedComment>> {
    sqlx::query_as(&format!(
        "SELECT {COMMENT_COLUMNS}, version, status = 'published' AS published FROM comments \
         WHERE thread_id = $2 AND version > $3 ORDER BY version"
    ))
    .bind(None::<&str>)
    .bind(thread_id)
    .bind(after)
    .fetch_all(conn)
    .await
}

/// A comment as [`comments_changed_since`] reads it.
#[derive(Debug, FromRow)]
pub struct ChangedComment {
    #[sqlx(flatten)]
    pub comment: CommentRow,
    /// The thread's version just after its last change.
    pub version: i64,
    /// Everyone sees it (not held).
    #[sqlx(try_from = "Flag")]
    pub published: bool,
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
    conn: &mut AnyConnection,
    thread_id: i64,
    voter: &str,
) -> sqlx::Result<VoterView> {
    let Flag(thread_voted) = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM thread_votes WHERE thread_id = $1 AND voter = $2)",
    )
    .bind(thread_id)
    .bind(voter)
    .fetch_one(&mut *conn)
    .await?;
    let voted = sqlx::query_scalar(
        "SELECT v.comment_id FROM comment_votes v JOIN comments c ON c.id = v.comment_id \
         WHERE v.voter = $1 AND c.thread_id = $2",
    )
    .bind(voter)
    .bind(thread_id)
    .fetch_all(&mut *conn)
    .await?;
    let held = sqlx::query_as(&format!(
        "SELECT {COMMENT_COLUMNS} FROM comments \
         WHERE voter = $2 AND status = 'held' AND thread_id = $3"
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
    conn: &mut AnyConnection,
    id: CommentId,
    voter: Option<&str>,
) -> sqlx::Result<Option<CommentRow>> {
    sqlx::query_as(&format!(
        "SELECT {COMMENT_COLUMNS} FROM comments WHERE id = $2"
    ))
    .bind(voter)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// A secret of the server (see `migrations/0002_writes.sql`): `fresh` is stored unless the
/// secret exists already, and whichever is stored is returned.
pub async fn secret(pool: &AnyPool, name: &str, fresh: &[u8]) -> sqlx::Result<Vec<u8>> {
    sqlx::query(
        "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh)
    .execute(pool)
    .await?;
    sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
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
    conn: &mut AnyConnection,
    thread: &NewThreadRow<'_>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO threads (slug, title, url, created_at) VALUES ($1, $2, $3, $4) \
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
pub async fn ensure_thread(conn: &mut AnyConnection, slug: &str, at: &str) -> sqlx::Result<i64> {
    let new_thread = NewThreadRow {
        slug,
        title: None,
        url: None,
        created_at: at,
    };
    if let Some(id) = insert_thread_if_absent(&mut *conn, &new_thread).await? {
        return Ok(id);
    }
    thread_id_of(conn, slug)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
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
    conn: &mut AnyConnection,
    comment: &NewCommentRow<'_>,
) -> sqlx::Result<CommentId> {
    sqlx::query_scalar(
        "INSERT INTO comments (thread_id, parent_id, author, avatar, subject, body_md, \
         body_html, signature, created_at, edit_token_hash, status, voter, network) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
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
    #[sqlx(try_from = "Flag")]
    pub deleted: bool,
    #[sqlx(try_from = "Flag")]
    pub held: bool,
    pub voter: Option<String>,
}

pub async fn parent(conn: &mut AnyConnection, id: CommentId) -> sqlx::Result<Option<ParentRow>> {
    sqlx::query_as(
        "SELECT thread_id, deleted, status = 'held' AS held, voter FROM comments WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// What an edit or a delete checks before it writes.
#[derive(Debug, FromRow)]
pub struct EditableRow {
    pub created_at: String,
    #[sqlx(try_from = "Flag")]
    pub deleted: bool,
    pub edit_token_hash: Option<Vec<u8>>,
}

pub async fn editable(pool: &AnyPool, id: CommentId) -> sqlx::Result<Option<EditableRow>> {
    sqlx::query_as("SELECT created_at, deleted, edit_token_hash FROM comments WHERE id = $1")
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
    conn: &mut AnyConnection,
    id: CommentId,
    edit_token_hash: &[u8],
    edit: &CommentEditRow<'_>,
) -> sqlx::Result<bool> {
    let edited = sqlx::query(
        "UPDATE comments SET subject = $1, body_md = $2, body_html = $3, edited_at = $4 \
         WHERE id = $5 AND edit_token_hash = $6 AND deleted = 0",
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
    conn: &mut AnyConnection,
    id: CommentId,
    edit_token_hash: &[u8],
) -> sqlx::Result<bool> {
    let marked = sqlx::query(
        "UPDATE comments SET deleted = 1 WHERE id = $1 AND edit_token_hash = $2 AND deleted = 0",
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
pub async fn prune_deleted(conn: &mut AnyConnection, id: CommentId) -> sqlx::Result<bool> {
    let mut current = id;
    loop {
        let Flag(prunable) = sqlx::query_scalar(
            "SELECT deleted = 1 AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = c.id) \
             FROM comments c WHERE c.id = $1",
        )
        .bind(current)
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or(Flag(false));
        if !prunable {
            return Ok(current != id);
        }
        sqlx::query("DELETE FROM comment_votes WHERE comment_id = $1")
            .bind(current)
            .execute(&mut *conn)
            .await?;
        let parent: Option<CommentId> =
            sqlx::query_scalar("DELETE FROM comments WHERE id = $1 RETURNING parent_id")
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
    #[sqlx(try_from = "Flag")]
    pub viewer_voted: bool,
    /// Always false for a thread.
    #[sqlx(try_from = "Flag")]
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

#[derive(Debug, Clone, Copy)]
enum VoteTarget<'a> {
    Comment(CommentId),
    Thread(i64),
    ThreadBySlug(&'a str),
}

/// On PostgreSQL, locks the row of the comment or thread a vote is for (or taken back from)
/// until the transaction ends, so votes for one target take turns across every server process.
/// The network cap in the insert then counts every vote committed before it: without the lock,
/// two transactions at READ COMMITTED could each count the other's vote as not there yet and
/// both pass the cap. And a vote's row and its target are always locked in that order (the
/// target first), so two processes taking back the same voter's vote cannot deadlock. (The
/// counter itself needs no lock: `votes = votes + 1` re-reads the row it waited for.)
/// `FOR NO KEY UPDATE`, the lock an `UPDATE` takes anyway, does not stop new replies, whose
/// foreign keys only take a key-share lock. SQLite needs none of it: a write transaction holds
/// the whole database, and it has no `FOR UPDATE` (the one statement per backend).
async fn lock_vote_target(conn: &mut AnyConnection, target: VoteTarget<'_>) -> sqlx::Result<()> {
    if Backend::of(conn) != Backend::Postgres {
        return Ok(());
    }
    let query = match target {
        VoteTarget::Comment(id) => {
            // The thread first, then the comment: the vote's counter update bumps the thread's
            // version (a trigger), so it locks the thread anyway, and taking the thread before
            // the comment keeps one order (thread, then comment) for every vote. Otherwise two
            // groups of votes on comments of one thread, on two processes, lock one comment
            // each and then wait for each other's thread row: a deadlock.
            sqlx::query(
                "SELECT id FROM threads WHERE id = (SELECT thread_id FROM comments WHERE id = $1) \
                 FOR NO KEY UPDATE",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
            sqlx::query("SELECT id FROM comments WHERE id = $1 FOR NO KEY UPDATE").bind(id)
        }
        VoteTarget::Thread(id) => {
            sqlx::query("SELECT id FROM threads WHERE id = $1 FOR NO KEY UPDATE").bind(id)
        }
        VoteTarget::ThreadBySlug(slug) => {
            sqlx::query("SELECT id FROM threads WHERE slug = $1 FOR NO KEY UPDATE").bind(slug)
        }
    };
    query.fetch_optional(conn).await?;
    Ok(())
}

/// The thread a vote's target belongs to, for ordering a group of votes (see
/// `ballots::write_group`): `None` for a comment or thread not (yet) there.
pub async fn thread_of_comment(
    conn: &mut AnyConnection,
    comment_id: CommentId,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT thread_id FROM comments WHERE id = $1")
        .bind(comment_id)
        .fetch_optional(conn)
        .await
}

/// The id of the thread `slug`, if there is one.
pub async fn thread_id_of(conn: &mut AnyConnection, slug: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM threads WHERE slug = $1")
        .bind(slug)
        .fetch_optional(conn)
        .await
}

/// Records a vote for a comment and bumps its counter, in the caller's transaction. Nothing
/// changes if the voter already voted for it, if it is deleted or absent, or if the ballot's
/// network has reached its cap: the cap is checked in the insert itself, so concurrent votes
/// cannot overshoot it. Returns the comment's new tally if the vote was new (and so writes
/// nothing when it returns `None`); [`comment_vote`] tells why not.
pub async fn add_comment_vote(
    conn: &mut AnyConnection,
    comment_id: CommentId,
    ballot: &Ballot<'_>,
    at: &str,
) -> sqlx::Result<Option<i64>> {
    lock_vote_target(&mut *conn, VoteTarget::Comment(comment_id)).await?;
    let inserted = sqlx::query(
        "INSERT INTO comment_votes (comment_id, voter, network, created_at) \
         SELECT $1, $2, $3, $4 \
         WHERE EXISTS (SELECT 1 FROM comments WHERE id = $1 AND deleted = 0 \
              AND status = 'published') \
         AND ($5 IS NULL OR $3 IS NULL OR (SELECT COUNT(*) FROM comment_votes \
              WHERE comment_id = $1 AND network = $3) < $5) \
         ON CONFLICT DO NOTHING",
    )
    .bind(comment_id)
    .bind(ballot.voter)
    .bind(ballot.network)
    .bind(at)
    .bind(ballot.network_cap.map(i64::from))
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    // The counter moves by the rows the statement changed, in the same transaction: never a
    // value read, incremented elsewhere and written back.
    if !inserted {
        return Ok(None);
    }
    sqlx::query_scalar("UPDATE comments SET votes = votes + 1 WHERE id = $1 RETURNING votes")
        .bind(comment_id)
        .fetch_optional(&mut *conn)
        .await
}

/// Takes a voter's vote for a comment back, if there was one. Returns the comment's new tally
/// if there was (and writes nothing when it returns `None`).
pub async fn remove_comment_vote(
    conn: &mut AnyConnection,
    comment_id: CommentId,
    voter: &str,
) -> sqlx::Result<Option<i64>> {
    lock_vote_target(&mut *conn, VoteTarget::Comment(comment_id)).await?;
    let removed = sqlx::query("DELETE FROM comment_votes WHERE comment_id = $1 AND voter = $2")
        .bind(comment_id)
        .bind(voter)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1;
    if !removed {
        return Ok(None);
    }
    sqlx::query_scalar("UPDATE comments SET votes = votes - 1 WHERE id = $1 RETURNING votes")
        .bind(comment_id)
        .fetch_optional(&mut *conn)
        .await
}

/// A comment's tally, as `voter` sees it; `None` if there is no such comment (a held one is
/// not there yet for voting).
pub async fn comment_vote(
    conn: &mut AnyConnection,
    comment_id: CommentId,
    voter: &str,
) -> sqlx::Result<Option<VoteRow>> {
    sqlx::query_as(
        "SELECT votes, deleted, EXISTS (SELECT 1 FROM comment_votes v \
         WHERE v.comment_id = c.id AND v.voter = $1) AS viewer_voted FROM comments c \
         WHERE id = $2 AND status = 'published'",
    )
    .bind(voter)
    .bind(comment_id)
    .fetch_optional(conn)
    .await
}

/// Records a vote for a thread (the page itself), as [`add_comment_vote`] does.
pub async fn add_thread_vote(
    conn: &mut AnyConnection,
    thread_id: i64,
    ballot: &Ballot<'_>,
    at: &str,
) -> sqlx::Result<bool> {
    lock_vote_target(&mut *conn, VoteTarget::Thread(thread_id)).await?;
    let inserted = sqlx::query(
        "INSERT INTO thread_votes (thread_id, voter, network, created_at) \
         SELECT $1, $2, $3, $4 \
         WHERE $5 IS NULL OR $3 IS NULL OR (SELECT COUNT(*) FROM thread_votes \
               WHERE thread_id = $1 AND network = $3) < $5 \
         ON CONFLICT DO NOTHING",
    )
    .bind(thread_id)
    .bind(ballot.voter)
    .bind(ballot.network)
    .bind(at)
    .bind(ballot.network_cap.map(i64::from))
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        sqlx::query("UPDATE threads SET votes = votes + 1 WHERE id = $1")
            .bind(thread_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(inserted)
}

/// Takes a voter's vote for the thread `slug` back, if there was one. Starts with the write
/// (an absent thread simply matches no vote), so it never creates the thread.
pub async fn remove_thread_vote(
    conn: &mut AnyConnection,
    slug: &str,
    voter: &str,
) -> sqlx::Result<bool> {
    lock_vote_target(&mut *conn, VoteTarget::ThreadBySlug(slug)).await?;
    let removed = sqlx::query(
        "DELETE FROM thread_votes WHERE voter = $1 \
         AND thread_id = (SELECT id FROM threads WHERE slug = $2)",
    )
    .bind(voter)
    .bind(slug)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if removed {
        sqlx::query("UPDATE threads SET votes = votes - 1 WHERE slug = $1")
            .bind(slug)
            .execute(&mut *conn)
            .await?;
    }
    Ok(removed)
}

/// The thread `slug`'s tally, as `voter` sees it; `None` if there is no such thread.
pub async fn thread_vote(
    conn: &mut AnyConnection,
    slug: &str,
    voter: &str,
) -> sqlx::Result<Option<VoteRow>> {
    sqlx::query_as(
        "SELECT votes, FALSE AS deleted, EXISTS (SELECT 1 FROM thread_votes v \
         WHERE v.thread_id = t.id AND v.voter = $1) AS viewer_voted FROM threads t WHERE slug = $2",
    )
    .bind(voter)
    .bind(slug)
    .fetch_optional(conn)
    .await
}

/// How many comments each of `slugs` shows (placeholders of deleted comments and held comments
/// do not count),
/// for the threads that exist; the caller fills in 0 for the others. Only the number of placeholders
/// depends on the request, never its text.
pub async fn comment_counts(pool: &AnyPool, slugs: &[String]) -> sqlx::Result<Vec<(String, i64)>> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    let marks = (1..=slugs.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
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
    pool: &AnyPool,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, slug FROM threads WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// The thread an import puts comments in: created if absent; if it exists, a title or URL it
/// lacks is filled in from the export. Returns its id and whether it was created.
pub async fn import_thread(
    conn: &mut AnyConnection,
    thread: &NewThreadRow<'_>,
) -> sqlx::Result<(i64, bool)> {
    if let Some(id) = insert_thread_if_absent(&mut *conn, thread).await? {
        return Ok((id, true));
    }
    let id = sqlx::query_scalar(
        "UPDATE threads SET title = COALESCE(title, $1), url = COALESCE(url, $2) \
         WHERE slug = $3 RETURNING id",
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
    conn: &mut AnyConnection,
    comment: &ImportedCommentRow<'_>,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO comments (thread_id, author, body_md, body_html, created_at, votes, \
         deleted, origin, origin_parent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (origin) DO NOTHING",
    )
    .bind(comment.thread_id)
    .bind(comment.author)
    .bind(comment.body_md)
    .bind(comment.body_html)
    .bind(comment.created_at)
    .bind(comment.votes)
    .bind(i64::from(comment.deleted))
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
pub async fn link_imported_replies(conn: &mut AnyConnection) -> sqlx::Result<(u64, u64)> {
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
pub async fn prune_imported_deleted(conn: &mut AnyConnection) -> sqlx::Result<u64> {
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
    conn: &mut AnyConnection,
    voter: Option<&str>,
    network: &[u8],
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM comments WHERE voter = $1 AND status = 'published') \
         OR EXISTS (SELECT 1 FROM comments WHERE network = $2 AND status = 'published')",
    )
    .bind(voter)
    .bind(network)
    .fetch_one(conn)
    .await
    .map(|Flag(known)| known)
}

/// Whether the admin blocked this voter or this network (hex of its hash).
pub async fn is_blocked(
    pool: &AnyPool,
    voter: Option<&str>,
    network_hex: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM blocks WHERE (kind = 'voter' AND target = $1) \
         OR (kind = 'network' AND target = $2))",
    )
    .bind(voter)
    .bind(network_hex)
    .fetch_one(pool)
    .await
    .map(|Flag(blocked)| blocked)
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
    #[sqlx(try_from = "Flag")]
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
    pool: &AnyPool,
    held_only: bool,
    before: Option<CommentId>,
    limit: i64,
) -> sqlx::Result<Vec<AdminCommentRow>> {
    sqlx::query_as(&format!(
        "SELECT {ADMIN_COLUMNS} WHERE ($1 = 0 OR c.status = 'held') AND ($2 IS NULL OR c.id < $3) \
         ORDER BY c.id DESC LIMIT $4"
    ))
    .bind(i64::from(held_only))
    .bind(before)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn admin_comment(
    conn: &mut AnyConnection,
    id: CommentId,
) -> sqlx::Result<Option<AdminCommentRow>> {
    sqlx::query_as(&format!("SELECT {ADMIN_COLUMNS} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Publishes a held comment. Returns whether it was held.
pub async fn approve(conn: &mut AnyConnection, id: CommentId) -> sqlx::Result<bool> {
    let approved =
        sqlx::query("UPDATE comments SET status = 'published' WHERE id = $1 AND status = 'held'")
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected();
    Ok(approved == 1)
}

/// The admin's edit: any comment not deleted, at any time. Returns whether it was edited.
pub async fn admin_edit(
    conn: &mut AnyConnection,
    id: CommentId,
    edit: &CommentEditRow<'_>,
) -> sqlx::Result<bool> {
    let edited = sqlx::query(
        "UPDATE comments SET subject = $1, body_md = $2, body_html = $3, edited_at = $4 \
         WHERE id = $5 AND deleted = 0",
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
pub async fn admin_mark_deleted(conn: &mut AnyConnection, id: CommentId) -> sqlx::Result<bool> {
    let marked = sqlx::query("UPDATE comments SET deleted = 1 WHERE id = $1 AND deleted = 0")
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(marked == 1)
}

/// Blocks `target`; blocking it again changes nothing. Returns whether it was new.
pub async fn add_block(
    conn: &mut AnyConnection,
    kind: BlockKind,
    target: &str,
    at: &str,
) -> sqlx::Result<bool> {
    let added = sqlx::query(
        "INSERT INTO blocks (kind, target, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
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
    conn: &mut AnyConnection,
    kind: BlockKind,
    target: &str,
) -> sqlx::Result<bool> {
    let removed = sqlx::query("DELETE FROM blocks WHERE kind = $1 AND target = $2")
        .bind(kind.as_str())
        .bind(target)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(removed == 1)
}

/// Every block, newest first.
pub async fn blocks(pool: &AnyPool) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as("SELECT kind, target, created_at FROM blocks ORDER BY created_at DESC, target")
        .fetch_all(pool)
        .await
}

/// Writes one entry of the admin log, in the transaction of the action it records.
pub async fn log_admin_action(
    conn: &mut AnyConnection,
    action: &str,
    target: &str,
    at: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO admin_log (actor, action, target, created_at) VALUES ('admin', $1, $2, $3)",
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
    pool: &AnyPool,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<AdminAction>> {
    let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT id, actor, action, target, created_at FROM admin_log \
         WHERE ($1 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
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
