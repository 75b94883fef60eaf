//! The demo: one article with a lively comment thread, to see the widget at work.
//!
//! With `--demo`, [`seed`] stores the thread of the fixture `fixtures/our-man-in-libya.json`
//! (unless it is already there), and `GET /` serves [`page`]: the article, rendered on the
//! server, with the widget embedded below it exactly as a host site would embed it.
//!
//! The fixture is not wire format: comments name their parent by a key (`"c1"`), since ids are
//! the database's to assign, and votes are a number that seeding turns into that many voters.

use std::collections::HashMap;

use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use caucus_model::limits::{is_valid_slug, ANONYMOUS};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use crate::render::render_markdown;
use crate::store::{self, NewCommentRow, NewThreadRow};

/// Compiled in, so the binary alone can run the demo.
const FIXTURE: &str = include_str!("../fixtures/our-man-in-libya.json");

#[derive(Debug, Deserialize)]
struct Fixture {
    thread: FixtureThread,
    article: FixtureArticle,
    comments: Vec<FixtureComment>,
}

#[derive(Debug, Deserialize)]
struct FixtureThread {
    slug: String,
    title: Option<String>,
    url: Option<String>,
    #[serde(default)]
    votes: u64,
}

#[derive(Debug, Deserialize)]
struct FixtureArticle {
    markdown: String,
}

#[derive(Debug, Deserialize)]
struct FixtureComment {
    key: String,
    parent: Option<String>,
    author: String,
    subject: Option<String>,
    body: String,
    signature: Option<String>,
    created_at: String,
    #[serde(default)]
    votes: u64,
}

fn fixture() -> anyhow::Result<Fixture> {
    let fixture: Fixture =
        serde_json::from_str(FIXTURE).context("the demo fixture is not valid")?;
    if !is_valid_slug(&fixture.thread.slug) {
        bail!(
            "the demo fixture's slug {:?} is not a valid slug",
            fixture.thread.slug
        );
    }
    Ok(fixture)
}

/// Stores the demo thread unless a thread with its slug exists. Returns whether it seeded.
///
/// All of it is one transaction: a failure halfway leaves nothing behind, and a second run (or
/// a second server racing the first) finds the thread and does nothing.
pub async fn seed(pool: &AnyPool) -> anyhow::Result<bool> {
    let fixture = fixture()?;
    let now = store::now();
    let mut tx = store::begin_write(pool).await?;
    let new_thread = NewThreadRow {
        slug: &fixture.thread.slug,
        title: fixture.thread.title.as_deref(),
        url: fixture.thread.url.as_deref(),
        created_at: &now,
    };
    let Some(thread_id) = store::insert_thread_if_absent(&mut tx, &new_thread).await? else {
        return Ok(false);
    };
    // Votes go through the same path as real ones, one synthetic voter each, so the counters
    // agree with the vote tables and a real voter can still add theirs.
    for n in 1..=fixture.thread.votes {
        store::add_thread_vote(&mut tx, thread_id, &seed_ballot(&seed_voter(n)), &now).await?;
    }

    let mut ids = HashMap::with_capacity(fixture.comments.len());
    for comment in &fixture.comments {
        if ids.contains_key(comment.key.as_str()) {
            bail!(
                "the demo fixture has two comments with key {:?}",
                comment.key
            );
        }
        if !store::is_timestamp(&comment.created_at) {
            bail!(
                "demo comment {:?}: created_at {:?} is not like 2016-07-20T14:03:00Z",
                comment.key,
                comment.created_at
            );
        }
        let parent_id = match &comment.parent {
            None => None,
            Some(parent) => Some(*ids.get(parent.as_str()).with_context(|| {
                format!(
                    "demo comment {:?} answers {parent:?}, which is not an earlier comment",
                    comment.key
                )
            })?),
        };
        let author = match comment.author.trim() {
            "" => ANONYMOUS,
            author => author,
        };
        let body_html = render_markdown(&comment.body);
        let id = store::insert_comment(
            &mut tx,
            &NewCommentRow {
                thread_id,
                parent_id,
                author,
                avatar: None,
                subject: comment.subject.as_deref(),
                body_md: &comment.body,
                body_html: &body_html,
                signature: comment.signature.as_deref(),
                created_at: &comment.created_at,
                // Nobody holds a token for the demo's comments.
                edit_token_hash: None,
                held: false,
                voter: None,
                network: None,
            },
        )
        .await?;
        for n in 1..=comment.votes {
            let voter = seed_voter(n);
            store::add_comment_vote(&mut tx, id, &seed_ballot(&voter), &comment.created_at).await?;
        }
        ids.insert(comment.key.as_str(), id);
    }
    tx.commit().await?;
    Ok(true)
}

fn seed_voter(n: u64) -> String {
    format!("seed:{n}")
}

/// Seeded votes come from no network, so no cap applies to them (nor do they use up a real
/// network's share).
fn seed_ballot(voter: &str) -> store::Ballot<'_> {
    store::Ballot {
        voter,
        network: None,
        network_cap: None,
    }
}

/// The demo page's own look (the widget brings its own).
const DEMO_STYLE: &str = "
  body { margin: 0; background: #fbfaf7; color: #222; font: 18px/1.6 Georgia, \"Times New Roman\", serif; }
  .site { background: #2d3e50; color: #fff; padding: .6rem 1rem; font: 15px/1.4 system-ui, sans-serif; }
  .site strong { letter-spacing: .05em; }
  main { max-width: 42rem; margin: 0 auto; padding: 1rem 1.25rem 4rem; }
  h1 { font-size: 2.1rem; line-height: 1.2; margin: 1.5rem 0 1rem; }
  blockquote { margin: 1rem 0; padding: .2rem 1rem; border-left: 4px solid #c9c2b2; background: #f3f0e8; color: #444; }
  a { color: #1d5fa0; }
  .comments { margin-top: 3rem; padding-top: 1rem; border-top: 1px solid #ddd; }
  .comments h2 { font: 600 1.1rem/1.4 system-ui, sans-serif; }
";

/// The Content-Security-Policy the demo page is served with: the strict policy SECURITY.md
/// recommends to host pages, so the demo shows that the widget needs no more. Its one inline
/// style block is allowed by its hash; `data:` images only for its empty favicon.
pub fn page_policy() -> String {
    let hash = BASE64.encode(Sha256::digest(DEMO_STYLE.as_bytes()));
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; \
         img-src https: http: data:; style-src 'sha256-{hash}'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    )
}

/// The demo page: the article, then the widget, embedded as any host page would embed it.
pub fn page() -> anyhow::Result<String> {
    let fixture = fixture()?;
    let title = fixture
        .thread
        .title
        .as_deref()
        .unwrap_or(&fixture.thread.slug);
    let title_html = html_escape::encode_text(title);
    let slug_attr = html_escape::encode_double_quoted_attribute(&fixture.thread.slug);
    // The article is trusted text from the fixture, but it takes the same road as comments:
    // one renderer, one sanitizer.
    let article_html = render_markdown(&fixture.article.markdown);
    Ok(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title_html} — Caucus demo</title>
<link rel="icon" href="data:,">
<style>{DEMO_STYLE}</style>
</head>
<body>
<header class="site"><strong>Caucus</strong> demo: an ordinary article page with the comment widget embedded below.</header>
<main>
<article>
<h1>{title_html}</h1>
{article_html}
</article>
<section class="comments">
<h2>Comments</h2>
<div data-caucus-thread="{slug_attr}"></div>
<noscript>The comments need JavaScript.</noscript>
</section>
</main>
<script src="/widget/embed.js" defer></script>
</body>
</html>
"#
    ))
}

/// The theme gallery (`/themes`): the demo thread four times, in the light and dark themes
/// and in two custom themes made only of the widget's CSS custom properties, set by this
/// page from outside the widget as any host page would.
pub fn themes_page() -> anyhow::Result<String> {
    let fixture = fixture()?;
    let slug = html_escape::encode_double_quoted_attribute(&fixture.thread.slug);
    Ok(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Themes — Caucus demo</title>
<link rel="icon" href="data:,">
<style>
  body {{ margin: 0; background: #eceae4; color: #222; font: 16px/1.5 system-ui, sans-serif; }}
  main {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 34rem), 1fr)); gap: 1.5rem; padding: 1rem; }}
  h1 {{ margin: 1rem; font-size: 1.6rem; }}
  section h2 {{ font-size: 1.1rem; margin: 0 0 .25rem; }}
  section p {{ margin: 0 0 .75rem; color: #444; }}
  code {{ font-size: .9em; }}
  /* Custom theme 1: a printed page. */
  #sepia [data-caucus-thread] {{
    --caucus-font: Georgia, "Times New Roman", serif;
    --caucus-font-size: 16px;
    --caucus-text: #3b2f20;
    --caucus-muted: #6b5a45;
    --caucus-background: #f8f1e3;
    --caucus-surface: #f1e6cf;
    --caucus-border: #d6c3a0;
    --caucus-accent: #8a3b12;
    --caucus-accent-text: #fffaf0;
    --caucus-pressed: #8a3b12;
    --caucus-focus: #8a3b12;
    --caucus-highlight: #f3d9a4;
    --caucus-radius: 2px;
  }}
  /* Custom theme 2: a terminal. */
  #terminal [data-caucus-thread] {{
    --caucus-font: ui-monospace, Menlo, Consolas, monospace;
    --caucus-font-size: 14px;
    --caucus-text: #c8f7c5;
    --caucus-muted: #8fcf8a;
    --caucus-background: #0b0f0b;
    --caucus-surface: #111811;
    --caucus-border: #2f5e2c;
    --caucus-accent: #7dff73;
    --caucus-accent-text: #0b0f0b;
    --caucus-pressed: #7dff73;
    --caucus-error: #ff9b8f;
    --caucus-error-surface: #2a1210;
    --caucus-focus: #f5ff73;
    --caucus-highlight: #203a1e;
    --caucus-radius: 0;
    --caucus-gap: 0.5rem;
    --caucus-indent: 1rem;
  }}
</style>
</head>
<body>
<h1>Caucus themes</h1>
<main>
<section id="light">
<h2>Light</h2>
<p><code>data-caucus-theme="light"</code></p>
<div data-caucus-thread="{slug}" data-caucus-theme="light"></div>
</section>
<section id="dark">
<h2>Dark</h2>
<p><code>data-caucus-theme="dark"</code></p>
<div data-caucus-thread="{slug}" data-caucus-theme="dark"></div>
</section>
<section id="sepia">
<h2>Custom: sepia</h2>
<p>Custom properties set by this page on the thread element.</p>
<div data-caucus-thread="{slug}" data-caucus-theme="light"></div>
</section>
<section id="terminal">
<h2>Custom: terminal</h2>
<p>Custom properties set by this page on the thread element.</p>
<div data-caucus-thread="{slug}" data-caucus-theme="dark"></div>
</section>
</main>
<script src="/widget/embed.js" defer></script>
</body>
</html>
"#
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_is_well_formed() {
        let fixture = fixture().unwrap();
        assert!(!fixture.comments.is_empty());
        assert!(!fixture.article.markdown.is_empty());
        let mut keys = std::collections::HashSet::new();
        for comment in &fixture.comments {
            assert!(store::is_timestamp(&comment.created_at), "{comment:?}");
            if let Some(parent) = &comment.parent {
                assert!(keys.contains(parent), "{comment:?} answers a later comment");
            }
            assert!(
                keys.insert(comment.key.clone()),
                "duplicate key {}",
                comment.key
            );
        }
    }
}
