//! Comment bodies: Markdown in, safe HTML out, of a bounded size.
//!
//! Comments are written by strangers and shown inside other people's pages, so the HTML that
//! Markdown produces (raw HTML included, which CommonMark passes through) is sanitized with
//! ammonia's allow-list before it is stored. Rendering happens once, on write; `body_html` on
//! the wire is the only HTML the widget inserts.
//!
//! Three things hold for every comment written through the API ([`Renderer`]):
//!
//! - **Its HTML is bounded.** Markdown can multiply: a one-cell table row under a header of
//!   hundreds of columns becomes hundreds of cells. A table may have at most
//!   [`MAX_TABLE_COLUMNS`] columns, quotes and lists nest at most [`MAX_NESTING`] deep (a
//!   browser's parser gives up far deeper, and lays out each level), and the HTML at most [`MAX_BODY_HTML_BYTES`] bytes; the
//!   render stops writing as soon as it passes that, so a refused body costs no more than an
//!   accepted one.
//! - **It runs off the async workers**, on the blocking pool, at most one render per core at a
//!   time: a few slow renders leave reads and live streams their threads.
//! - **It does not track readers.** Links are `http`, `https` or `mailto` only and carry
//!   `rel="nofollow noopener noreferrer ugc"`; images are `http(s)` only, never send a
//!   `Referer`, and load lazily, or are not loaded at all ([`CommentImages`]).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ammonia::UrlRelative;
use caucus_model::limits::{MAX_BODY_HTML_BYTES, MAX_NESTING, MAX_TABLE_COLUMNS};
use pulldown_cmark::{html, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// Every link in a comment: `nofollow ugc` tells search engines the site does not vouch for it
/// (and takes the reward out of link spam); `noopener` keeps the target from scripting the page;
/// `noreferrer` keeps it from learning which page the reader came from.
const LINK_REL: &str = "nofollow noopener noreferrer ugc";

/// The attribute that marks a link as an image the reader may choose to load
/// ([`CommentImages::Click`]); the widget puts a "Show image" button after it.
pub const IMAGE_LINK_ATTRIBUTE: &str = "data-caucus-image";

/// How a comment's images are shown (`--comment-images`). Bodies are rendered when written, so
/// a change applies to comments written after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CommentImages {
    /// As links to the image: nothing loads from anyone else's server.
    Off,
    /// As links the widget offers to load, one by one, when the reader asks.
    Click,
    /// As images, loaded lazily and without a `Referer`.
    #[default]
    On,
}

/// Why a body was not rendered: what it would have become is too large to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TooLarge {
    /// A table with this many columns.
    Columns(usize),
    /// Quotes and lists nested deeper than [`MAX_NESTING`].
    Nesting,
    /// HTML past [`MAX_BODY_HTML_BYTES`].
    Html,
}

impl From<TooLarge> for AppError {
    fn from(too_large: TooLarge) -> AppError {
        match too_large {
            TooLarge::Columns(columns) => AppError::unprocessable(
                "table_too_wide",
                format!(
                    "A table in a comment may have at most {MAX_TABLE_COLUMNS} columns, and this \
                     one has {columns}: split it, or leave out columns."
                ),
            ),
            TooLarge::Nesting => AppError::unprocessable(
                "body_too_deep",
                format!(
                    "Quotes and lists in a comment may be nested at most {MAX_NESTING} deep, \
                     counting each list item: this one goes deeper."
                ),
            ),
            TooLarge::Html => AppError::unprocessable(
                "body_too_complex",
                format!(
                    "This comment would be too large to show: its HTML would pass {} KB. Use \
                     fewer tables, links, list items or nested quotes.",
                    MAX_BODY_HTML_BYTES / 1024
                ),
            ),
        }
    }
}

/// Renders comment bodies for the API: bounded, on the blocking pool, a few at a time.
#[derive(Debug, Clone)]
pub struct Renderer {
    images: CommentImages,
    permits: Arc<Semaphore>,
    renders: Arc<AtomicU64>,
}

/// How long a write waits for a render slot before it is told to come back (503).
const RENDER_WAIT: Duration = Duration::from_secs(10);

impl Renderer {
    /// One render at a time per core.
    pub fn new(images: CommentImages) -> Renderer {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Renderer {
            images,
            permits: Arc::new(Semaphore::new(cores)),
            renders: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn images(&self) -> CommentImages {
        self.images
    }

    /// How many bodies this renderer has rendered (or tried to): a refused request renders none.
    pub fn renders(&self) -> u64 {
        self.renders.load(Ordering::Relaxed)
    }

    /// A comment body's HTML, or a 422 saying why it would be too large (503 when every render
    /// slot stays busy for [`RENDER_WAIT`]).
    pub async fn body_html(&self, md: &str) -> Result<String, AppError> {
        let busy = || {
            AppError::busy(
                "The server is busy rendering other comments: send yours again in a few seconds.",
                5,
            )
        };
        let permit = tokio::time::timeout(RENDER_WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        self.renders.fetch_add(1, Ordering::Relaxed);
        let md = md.to_owned();
        let images = self.images;
        let rendered = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            render_comment(&md, images)
        })
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "a comment's render failed");
            AppError::internal()
        })?;
        Ok(rendered?)
    }
}

/// Renders a comment's Markdown to sanitized HTML of at most [`MAX_BODY_HTML_BYTES`] bytes.
pub fn render_comment(md: &str, images: CommentImages) -> Result<String, TooLarge> {
    let mut refused = None;
    let mut depth = 0usize;
    // A table too wide, or blocks nested too deep, end the render where they start.
    let events = parser(md)
        .map_while(|event| {
            match &event {
                Event::Start(Tag::Table(alignments)) if alignments.len() > MAX_TABLE_COLUMNS => {
                    refused = Some(TooLarge::Columns(alignments.len()));
                    return None;
                }
                Event::Start(tag) if nests(tag) => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        refused = Some(TooLarge::Nesting);
                        return None;
                    }
                }
                Event::End(TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item) => {
                    depth = depth.saturating_sub(1);
                }
                _ => {}
            }
            Some(event)
        })
        .flat_map({
            let mut images = ImagesAs {
                mode: images,
                untitled: None,
            };
            move |event| images.event(event).into_iter().flatten()
        });
    let mut unsafe_html = Bounded(String::with_capacity(md.len() * 3 / 2));
    let written = html::write_html_fmt(&mut unsafe_html, events);
    if let Some(refused) = refused {
        return Err(refused);
    }
    written.map_err(|_| TooLarge::Html)?;
    let html = sanitizer(images).clean(&unsafe_html.0).to_string();
    if html.len() > MAX_BODY_HTML_BYTES {
        return Err(TooLarge::Html);
    }
    Ok(html)
}

/// The blocks that hold blocks: quotes, lists and their items.
fn nests(tag: &Tag<'_>) -> bool {
    matches!(tag, Tag::BlockQuote(_) | Tag::List(_) | Tag::Item)
}

/// Renders Markdown the site owner wrote (the demo's article, an import), without a bound.
pub fn render_markdown(md: &str) -> String {
    let mut unsafe_html = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut unsafe_html, parser(md));
    sanitize_html(&unsafe_html)
}

/// Sanitizes a comment that is HTML already (imported from Disqus), as Markdown's output is.
pub fn sanitize_html(unsafe_html: &str) -> String {
    sanitizer(CommentImages::On).clean(unsafe_html).to_string()
}

fn parser(md: &str) -> Parser<'_> {
    Parser::new_ext(md, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES)
}

/// A `String` that refuses to grow past [`MAX_BODY_HTML_BYTES`] (plus a margin for what the
/// sanitizer removes), so a body that multiplies stops being rendered at once.
struct Bounded(String);

impl fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.0.len() + s.len() > 2 * MAX_BODY_HTML_BYTES {
            return Err(fmt::Error);
        }
        self.0.push_str(s);
        Ok(())
    }
}

/// Markdown images as the mode shows them: themselves, or links to them (marked for the
/// widget's "Show image" button in [`CommentImages::Click`]), whose text is the image's
/// description, or its address when it has none.
struct ImagesAs {
    mode: CommentImages,
    /// The address of the image being turned into a link, until some text of it is seen.
    untitled: Option<String>,
}

impl ImagesAs {
    fn event<'a>(&mut self, event: Event<'a>) -> [Option<Event<'a>>; 2] {
        let mode = self.mode;
        if mode == CommentImages::On {
            return [Some(event), None];
        }
        match event {
            Event::Start(Tag::Image { dest_url, .. }) => {
                self.untitled = Some(dest_url.to_string());
                let open = if mode == CommentImages::Off {
                    Event::Start(Tag::Link {
                        link_type: LinkType::Inline,
                        dest_url,
                        title: CowStr::Borrowed(""),
                        id: CowStr::Borrowed(""),
                    })
                } else {
                    let mut open = String::from("<a href=\"");
                    // Escaped as pulldown-cmark escapes a link's address; the sanitizer checks it.
                    let _ = pulldown_cmark_escape::escape_href(&mut open, &dest_url);
                    let _ = write!(open, "\" {IMAGE_LINK_ATTRIBUTE}=\"\">");
                    Event::InlineHtml(open.into())
                };
                [Some(open), None]
            }
            Event::End(TagEnd::Image) => {
                let text = self.untitled.take().map(|url| Event::Text(url.into()));
                let close = if mode == CommentImages::Off {
                    Event::End(TagEnd::Link)
                } else {
                    Event::InlineHtml("</a>".into())
                };
                [text, Some(close)]
            }
            event => {
                if matches!(event, Event::Text(_) | Event::Code(_)) {
                    self.untitled = None;
                }
                [Some(event), None]
            }
        }
    }
}

/// The allow-list, one per image mode, built once.
fn sanitizer(images: CommentImages) -> &'static ammonia::Builder<'static> {
    static ON: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| builder(CommentImages::On));
    static CLICK: LazyLock<ammonia::Builder<'static>> =
        LazyLock::new(|| builder(CommentImages::Click));
    static OFF: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| builder(CommentImages::Off));
    match images {
        CommentImages::On => &ON,
        CommentImages::Click => &CLICK,
        CommentImages::Off => &OFF,
    }
}

fn builder(images: CommentImages) -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .link_rel(Some(LINK_REL))
        // The HTML is shown inside someone else's page: a relative link would resolve against
        // that page, not against anything the author meant.
        .url_relative(UrlRelative::Deny)
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        // An image is fetched by every reader's browser: only from the web, never `mailto:`.
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("img", "src") if !is_web_url(value) => None,
            // The widget only needs to see it there.
            (_, IMAGE_LINK_ATTRIBUTE) => Some(Cow::Borrowed("")),
            _ => Some(Cow::Borrowed(value)),
        });
    match images {
        CommentImages::On => {
            builder
                .set_tag_attribute_value("img", "referrerpolicy", "no-referrer")
                .set_tag_attribute_value("img", "loading", "lazy");
        }
        // Raw `<img>` too: no image loads unless the reader asks. (Markdown images became
        // links before this.)
        CommentImages::Off => {
            builder.rm_tags(["img"]);
        }
        CommentImages::Click => {
            builder
                .rm_tags(["img"])
                .add_tag_attributes("a", [IMAGE_LINK_ATTRIBUTE]);
        }
    }
    builder
}

fn is_web_url(url: &str) -> bool {
    let url = url.trim_start().to_ascii_lowercase();
    url.starts_with("https://") || url.starts_with("http://")
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
