//! `caucus-server import`: comments brought over from Disqus, WordPress or Isso.
//!
//! Each format has a reader ([`disqus`], [`wordpress`], [`isso`]) that turns the export into
//! [`SourceThread`]s and [`SourceComment`]s, one at a time, and hands them to the [`Importer`],
//! which stores them. Nothing holds the whole export: the XML readers go element by element
//! ([`xml`]), the Isso reader a page of rows at a time, and the importer commits every
//! [`BATCH`] comments. So a 500 MB export needs the memory of one record, not of the file.
//!
//! What the importer guarantees:
//!
//! - **Idempotent.** Every comment keeps its source's id as its `origin` (`disqus:123`); a
//!   comment whose origin is already stored is skipped, so a second run adds nothing.
//! - **Replies find their parent wherever it is in the file.** A comment is stored with its
//!   parent's origin; once everything is in, one statement links each reply to its parent.
//! - **Bodies are sanitized like new comments** ([`crate::render`]): Markdown sources (Isso,
//!   WordPress) are rendered, HTML sources (Disqus) go through the same sanitizer.
//! - **One bad record never stops it.** A record that cannot be imported (no thread, no date,
//!   a pingback, spam) is counted under its reason in the [`Report`]; only an export that is
//!   not XML any more stops the reading, and what was read before is kept.
//! - Deleted and spam comments become placeholders when something answers them (so the
//!   answers keep their place), and are left out otherwise; spam keeps no text.

pub mod disqus;
pub mod isso;
pub mod wordpress;
mod xml;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use caucus_model::limits::{is_valid_slug, ANONYMOUS, MAX_AUTHOR_CHARS};
use sqlx::{Any, AnyPool, Transaction};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::render::{render_markdown, sanitize_html};
use crate::store::{self, ImportedCommentRow, NewThreadRow};

/// Comments stored per transaction: one commit (one fsync) per batch, not per comment.
pub const BATCH: u64 = 1000;

/// The formats `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A Disqus XML export (Admin → Moderate → Export).
    Disqus,
    /// A WordPress WXR export (Tools → Export).
    Wordpress,
    /// An Isso SQLite database file.
    Isso,
}

/// Imports `file` in `format` into `pool`.
pub async fn import(pool: &AnyPool, format: Format, file: &Path) -> anyhow::Result<Report> {
    let mut importer = Importer::new(pool).await?;
    let read = match format {
        Format::Disqus => disqus::read(file, &mut importer).await,
        Format::Wordpress => wordpress::read(file, &mut importer).await,
        Format::Isso => isso::read(file, &mut importer).await,
    };
    if let Err(err) = read {
        // Keep what was read: it is whole records, and a second run after fixing the file
        // skips them.
        importer.report.stopped = Some(format!("{err:#}"));
    }
    importer.finish().await
}

/// What an import did: the numbers the command prints.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Threads created.
    pub threads_created: u64,
    /// Threads that existed already (comments were added to them).
    pub threads_existing: u64,
    /// Comments stored (placeholders of deleted ones included).
    pub comments: u64,
    /// Of those, the placeholders kept for the replies of a deleted or spam comment.
    pub placeholders: u64,
    /// Replies whose parent is not in the export: stored at the top level of their thread.
    pub orphans: u64,
    /// Comments a previous run already stored.
    pub already_imported: u64,
    /// Records not imported, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Why the reading stopped before the end of the export, if it did.
    pub stopped: Option<String>,
}

impl Report {
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    fn skip(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_owned()).or_default() += 1;
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "threads: {} created, {} existing",
            self.threads_created, self.threads_existing
        )?;
        writeln!(
            f,
            "comments: {} imported ({} kept as placeholders of deleted comments, {} replies \
             to comments not in the export put at the top level), {} already imported",
            self.comments, self.placeholders, self.orphans, self.already_imported
        )?;
        writeln!(f, "skipped: {}", self.skipped_total())?;
        for (reason, count) in &self.skipped {
            writeln!(f, "  {count:>8}  {reason}")?;
        }
        if let Some(stopped) = &self.stopped {
            writeln!(f, "stopped before the end: {stopped}")?;
        }
        Ok(())
    }
}

/// A thread as an export describes it.
#[derive(Debug, Default)]
pub struct SourceThread {
    /// The source's own id for it, which its comments refer to.
    pub key: String,
    pub link: Option<String>,
    /// Disqus's identifier, used as the slug when the link has no usable path.
    pub identifier: Option<String>,
    pub title: Option<String>,
    pub created_at: Option<String>,
}

/// How a source's comment body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    Html,
    Markdown,
}

/// What the source says about a comment's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Published,
    Deleted,
    Spam,
}

/// A comment as an export describes it.
#[derive(Debug)]
pub struct SourceComment {
    /// Unique across every import: the format and the source's id (`disqus:123`).
    pub origin: String,
    pub parent_origin: Option<String>,
    pub author: Option<String>,
    pub body: String,
    pub markup: Markup,
    /// RFC 3339, any offset.
    pub created_at: Option<String>,
    pub votes: i64,
    pub standing: Standing,
}

/// Stores what the readers find, in batches.
pub struct Importer {
    pool: AnyPool,
    tx: Option<Transaction<'static, Any>>,
    in_batch: u64,
    pub report: Report,
}

impl Importer {
    async fn new(pool: &AnyPool) -> anyhow::Result<Importer> {
        Ok(Importer {
            pool: pool.clone(),
            tx: Some(store::begin_write(pool).await?),
            in_batch: 0,
            report: Report::default(),
        })
    }

    fn tx(&mut self) -> anyhow::Result<&mut Transaction<'static, Any>> {
        self.tx
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("the import's transaction is closed"))
    }

    /// Stores (or finds) a thread; returns its id, or `None` (counted as skipped) when it has
    /// no usable slug.
    pub async fn thread(&mut self, thread: &SourceThread) -> anyhow::Result<Option<i64>> {
        let Some(slug) = thread_slug(thread) else {
            self.report
                .skip("thread without a usable slug (its link's path or identifier)");
            return Ok(None);
        };
        let created_at = thread
            .created_at
            .as_deref()
            .and_then(parse_time)
            .unwrap_or_else(store::now);
        let title = thread.title.as_deref().map(plain_text);
        let row = NewThreadRow {
            slug: &slug,
            title: title.as_deref().filter(|t| !t.is_empty()),
            url: thread.link.as_deref().filter(|l| l.starts_with("http")),
            created_at: &created_at,
        };
        let (id, created) = store::import_thread(self.tx()?, &row).await?;
        if created {
            self.report.threads_created += 1;
        } else {
            self.report.threads_existing += 1;
        }
        Ok(Some(id))
    }

    /// Stores a comment in thread `thread_id`, unless a previous run did.
    pub async fn comment(&mut self, thread_id: i64, comment: SourceComment) -> anyhow::Result<()> {
        let Some(created_at) = comment.created_at.as_deref().and_then(parse_time) else {
            self.report.skip("comment without a valid date");
            return Ok(());
        };
        let author = comment
            .author
            .as_deref()
            .map(plain_text)
            .map(|name| name.chars().take(MAX_AUTHOR_CHARS).collect::<String>())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| ANONYMOUS.to_owned());
        let (body_md, body_html) = match comment.standing {
            Standing::Spam => (String::new(), String::new()),
            _ => {
                let html = match comment.markup {
                    Markup::Html => sanitize_html(&comment.body),
                    Markup::Markdown => render_markdown(&comment.body),
                };
                (comment.body, html)
            }
        };
        let deleted = comment.standing != Standing::Published;
        if !deleted && body_html.trim().is_empty() {
            self.report.skip("comment with an empty body");
            return Ok(());
        }
        let row = ImportedCommentRow {
            origin: &comment.origin,
            origin_parent: comment.parent_origin.as_deref(),
            thread_id,
            author: &author,
            body_md: &body_md,
            body_html: &body_html,
            created_at: &created_at,
            votes: comment.votes.max(0),
            deleted,
        };
        if store::insert_imported_comment(self.tx()?, &row).await? {
            self.report.comments += 1;
            if deleted {
                self.report.placeholders += 1;
            }
        } else {
            self.report.already_imported += 1;
        }
        self.in_batch += 1;
        if self.in_batch >= BATCH {
            self.commit().await?;
        }
        Ok(())
    }

    /// A record that could not be imported, counted under `reason`.
    pub fn skip(&mut self, reason: &str) {
        self.report.skip(reason);
    }

    async fn commit(&mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.tx.take() {
            tx.commit().await?;
        }
        self.tx = Some(store::begin_write(&self.pool).await?);
        self.in_batch = 0;
        Ok(())
    }

    /// Links replies to their parents, drops deleted comments nothing answers, commits.
    async fn finish(mut self) -> anyhow::Result<Report> {
        let tx = self.tx()?;
        let (_, orphans) = store::link_imported_replies(tx).await?;
        let pruned = store::prune_imported_deleted(tx).await?;
        if let Some(tx) = self.tx.take() {
            tx.commit().await?;
        }
        let report = &mut self.report;
        report.orphans = orphans;
        report.comments -= pruned.min(report.comments);
        report.placeholders -= pruned.min(report.placeholders);
        if pruned > 0 {
            *report
                .skipped
                .entry("deleted or spam in the source, and nothing answers it".to_owned())
                .or_default() += pruned;
        }
        Ok(self.report)
    }
}

/// The slug of an imported thread: the path of its link without the slashes around it
/// (`https://blog.example.org/2016/07/libya/` → `2016/07/libya`), which is what a site
/// usually puts in `data-caucus-thread`; failing that, the source's identifier.
pub fn thread_slug(thread: &SourceThread) -> Option<String> {
    let from_link = thread.link.as_deref().map(link_path);
    let from_id = thread.identifier.as_deref().map(str::trim);
    let slug = [from_link.as_deref(), from_id]
        .into_iter()
        .flatten()
        .find(|slug| is_valid_slug(slug))
        .map(str::to_owned);
    slug
}

/// The path of a URL (or of a bare path) without the slashes around it, query or fragment.
fn link_path(link: &str) -> String {
    let link = link.trim();
    let after_scheme = match link.find("://") {
        Some(at) => {
            let rest = &link[at + 3..];
            rest.find('/').map_or("", |slash| &rest[slash..])
        }
        None => link,
    };
    let path = after_scheme
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_matches('/');
    if path.is_empty() {
        // The site's front page.
        "index".to_owned()
    } else {
        path.to_owned()
    }
}

/// A source's timestamp (RFC 3339 with any offset) in the stored format.
fn parse_time(text: &str) -> Option<String> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .ok()
        .map(store::timestamp)
}

/// A name or title from an export: HTML entities decoded (exports often escape them twice),
/// control characters and surrounding space removed. It is shown as text, never as HTML.
fn plain_text(text: &str) -> String {
    html_escape::decode_html_entities(text)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_come_from_the_link_path() {
        let thread = |link: &str, id: Option<&str>| SourceThread {
            link: Some(link.to_owned()),
            identifier: id.map(str::to_owned),
            ..SourceThread::default()
        };
        let cases = [
            (
                "https://blog.example.org/2016/07/libya/",
                None,
                Some("2016/07/libya"),
            ),
            ("https://blog.example.org/post?utm=1#c2", None, Some("post")),
            ("https://blog.example.org/", None, Some("index")),
            ("/bare/path/", None, Some("bare/path")),
            (
                "https://blog.example.org/caf%C3%A9/",
                Some("cafe-post"),
                Some("cafe-post"),
            ),
            (
                "https://blog.example.org/caf%C3%A9/",
                Some("12 https://x"),
                None,
            ),
        ];
        for (link, id, slug) in cases {
            assert_eq!(thread_slug(&thread(link, id)).as_deref(), slug, "{link}");
        }
    }

    #[test]
    fn times_are_stored_in_utc() {
        assert_eq!(
            parse_time("2016-07-20T16:03:00+02:00").as_deref(),
            Some("2016-07-20T14:03:00Z")
        );
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn names_are_plain_text() {
        assert_eq!(plain_text(" Tom &amp; Jerry\n"), "Tom & Jerry");
        assert_eq!(plain_text("Zo&euml;"), "Zoë");
    }
}
