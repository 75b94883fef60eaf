//! WordPress WXR exports (Tools → Export): an RSS `<item>` per post, with its comments as
//! `<wp:comment>` elements inside it.
//!
//! Comment text is what its author typed, with the few HTML tags WordPress allows; it is
//! rendered as Markdown (blank lines make paragraphs, as WordPress's `wpautop` does) and
//! sanitized. `comment_approved` is `1` (published), `0` (awaiting moderation: not
//! imported), `spam` or `trash`; pingbacks and trackbacks are not comments and are skipped.
//! WordPress has no comment votes.

use std::path::Path;

use super::xml::{Found, Record, Records};
use super::{Importer, Markup, SourceComment, SourceThread, Standing};

fn is_record(_names: &[String], name: &str) -> bool {
    matches!(name, "item" | "comment")
}

pub async fn read(file: &Path, importer: &mut Importer) -> anyhow::Result<()> {
    let mut records = Records::open(file, is_record)?;
    // The item being read, by its post id, and its thread once its first comment is read
    // (`None` inside: skipped). Comments come after the item's own fields.
    let mut current: Option<(String, Option<i64>)> = None;
    loop {
        let (comment, item) = match records.next()? {
            Found::Record(record, Some(item)) if record.name == "comment" => (record, item),
            Found::Record(_, _) => {
                // An item ends (or a comment outside any item, which WXR never has).
                current = None;
                continue;
            }
            Found::End => return Ok(()),
        };
        let post = item.text("post_id").unwrap_or_default().to_owned();
        let thread_id = match &current {
            Some((id, thread)) if *id == post => *thread,
            _ => {
                let thread = thread_of(item);
                let id = importer.thread(&thread).await?;
                current = Some((post, id));
                id
            }
        };
        let Some(thread_id) = thread_id else {
            importer.skip("comment in a thread that was skipped");
            continue;
        };
        if comment.oversized {
            importer.skip("record with a field over 1 MB");
            continue;
        }
        if let Some(source) = comment_of(&comment, &site(item), importer) {
            importer.comment(thread_id, source).await?;
        }
    }
}

fn thread_of(item: &Record) -> SourceThread {
    SourceThread {
        key: item.text("post_id").unwrap_or_default().to_owned(),
        link: item.text("link").map(str::to_owned),
        identifier: item.text("post_name").map(str::to_owned),
        title: item.text("title").map(str::to_owned),
        created_at: item.text("post_date_gmt").and_then(wordpress_time),
    }
}

/// Comment ids are only unique within one WordPress site: the origin names the site too.
fn site(item: &Record) -> String {
    let link = item.text("link").unwrap_or_default();
    let host = link.split("://").nth(1).unwrap_or(link);
    host.split('/').next().unwrap_or_default().to_owned()
}

fn comment_of(comment: &Record, site: &str, importer: &mut Importer) -> Option<SourceComment> {
    let Some(id) = comment.text("comment_id") else {
        importer.skip("comment without a comment_id");
        return None;
    };
    if matches!(comment.text("comment_type"), Some("pingback" | "trackback")) {
        importer.skip("pingback or trackback");
        return None;
    }
    let standing = match comment.text("comment_approved").unwrap_or("1") {
        "1" | "approve" => Standing::Published,
        "spam" => Standing::Spam,
        "trash" | "post-trashed" => Standing::Deleted,
        _ => {
            importer.skip("awaiting moderation in WordPress");
            return None;
        }
    };
    let created_at = comment
        .text("comment_date_gmt")
        .and_then(wordpress_time)
        .or_else(|| comment.text("comment_date").and_then(wordpress_time));
    Some(SourceComment {
        origin: format!("wordpress:{site}:{id}"),
        parent_origin: comment
            .text("comment_parent")
            .filter(|parent| *parent != "0")
            .map(|parent| format!("wordpress:{site}:{parent}")),
        author: comment.text("comment_author").map(str::to_owned),
        body: comment
            .get("comment_content")
            .unwrap_or_default()
            .to_owned(),
        markup: Markup::Markdown,
        created_at,
        votes: 0,
        standing,
    })
}

/// WordPress's `2016-07-20 14:03:00` (GMT) as RFC 3339; `0000-00-00 00:00:00` is no date.
fn wordpress_time(text: &str) -> Option<String> {
    let text = text.trim();
    if text.starts_with("0000") || text.len() != 19 {
        return None;
    }
    Some(format!("{}T{}Z", &text[..10], &text[11..]))
}
