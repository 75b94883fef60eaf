//! Isso's SQLite database: `threads (id, uri, title)` and `comments (tid, id, parent,
//! created, mode, text, author, likes, ...)`.
//!
//! The text is Markdown, rendered and sanitized like a new comment. `mode` is 1 (published),
//! 2 (awaiting moderation: not imported) or 4 (deleted); `likes` become the comment's votes
//! (Isso's dislikes have no counterpart). `created` is seconds since 1970.

use std::path::Path;

use anyhow::Context;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{FromRow, SqlitePool};
use time::OffsetDateTime;

use super::{Importer, Markup, SourceComment, SourceThread, Standing};
use crate::store;

/// Rows read per query.
const PAGE: i64 = 1000;

#[derive(Debug, FromRow)]
struct IssoComment {
    id: i64,
    parent: Option<i64>,
    created: Option<f64>,
    mode: Option<i64>,
    text: Option<String>,
    author: Option<String>,
    likes: Option<i64>,
    tid: i64,
    uri: Option<String>,
    title: Option<String>,
}

pub async fn read(file: &Path, importer: &mut Importer) -> anyhow::Result<()> {
    if !file.is_file() {
        anyhow::bail!("there is no Isso database {}", file.display());
    }
    let options = SqliteConnectOptions::new().filename(file).read_only(true);
    let isso = SqlitePool::connect_with(options)
        .await
        .with_context(|| format!("cannot open the Isso database {}", file.display()))?;
    let read = read_from(&isso, importer).await;
    isso.close().await;
    read
}

async fn read_from(isso: &SqlitePool, importer: &mut Importer) -> anyhow::Result<()> {
    // Isso thread id → ours; comments come ordered by thread, so one is remembered.
    let mut current: Option<(i64, Option<i64>)> = None;
    let mut after = (i64::MIN, i64::MIN);
    loop {
        // Isso's own schema, not ours: its statements live with its reader, not in `store`.
        let page: Vec<IssoComment> = sqlx::query_as(
            "SELECT c.id, c.parent, c.created, c.mode, c.text, c.author, c.likes, c.tid, \
             t.uri, t.title FROM comments c LEFT JOIN threads t ON t.id = c.tid \
             WHERE (c.tid, c.id) > (?, ?) ORDER BY c.tid, c.id LIMIT ?",
        )
        .bind(after.0)
        .bind(after.1)
        .bind(PAGE)
        .fetch_all(isso)
        .await
        .context("cannot read the Isso database's comments")?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = (last.tid, last.id);
        for row in page {
            let thread_id = match current {
                Some((tid, thread)) if tid == row.tid => thread,
                _ => {
                    let thread = SourceThread {
                        key: row.tid.to_string(),
                        link: row.uri.clone(),
                        identifier: None,
                        title: row.title.clone(),
                        created_at: None,
                    };
                    let thread = importer.thread(&thread).await?;
                    current = Some((row.tid, thread));
                    thread
                }
            };
            let Some(thread_id) = thread_id else {
                importer.skip("comment in a thread that was skipped");
                continue;
            };
            let standing = match row.mode.unwrap_or(1) {
                1 => Standing::Published,
                4 => Standing::Deleted,
                _ => {
                    importer.skip("awaiting moderation in Isso");
                    continue;
                }
            };
            let created_at = row
                .created
                .and_then(|seconds| OffsetDateTime::from_unix_timestamp(seconds as i64).ok())
                .map(store::timestamp);
            let comment = SourceComment {
                origin: format!("isso:{}", row.id),
                parent_origin: row.parent.map(|parent| format!("isso:{parent}")),
                author: row.author,
                body: row.text.unwrap_or_default(),
                markup: Markup::Markdown,
                created_at,
                votes: row.likes.unwrap_or(0),
                standing,
            };
            importer.comment(thread_id, comment).await?;
        }
    }
}
