//! Limits both sides agree on: the server refuses what exceeds them, the widget counts
//! characters against them before sending. Lengths are in Unicode scalar values (`chars()`),
//! which is what a person typing sees as characters far more often than bytes are.

/// A comment body, after trimming, is at least this many characters long.
pub const MIN_BODY_CHARS: usize = 1;
/// A comment body, after trimming, is at most this many characters long.
pub const MAX_BODY_CHARS: usize = 10_000;
/// A table in a comment body has at most this many columns. (Markdown pads every row to the
/// header's width, so a wide header multiplies every one-cell row.)
pub const MAX_TABLE_COLUMNS: usize = 32;
/// Quotes, lists and list items in a comment body nest at most this deep, together.
pub const MAX_NESTING: usize = 32;
/// A comment body renders to at most this many bytes of HTML: what it may say is bounded by
/// [`MAX_BODY_CHARS`], what it may cost a reader's page by this.
pub const MAX_BODY_HTML_BYTES: usize = 128 * 1024;
/// An author name is at most this many characters long (empty means "Anonymous").
pub const MAX_AUTHOR_CHARS: usize = 64;
/// A subject line is at most this many characters long.
pub const MAX_SUBJECT_CHARS: usize = 128;
/// A signature is at most this many characters long.
pub const MAX_SIGNATURE_CHARS: usize = 256;
/// A request body is at most this many bytes.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;
/// A thread slug is at most this many characters long.
pub const MAX_SLUG_CHARS: usize = 200;
/// For this long after posting (in seconds), a comment's author may edit or delete it.
pub const EDIT_WINDOW_SECONDS: u64 = 15 * 60;
/// `GET /api/counts` answers for at most this many slugs at once (a blog index page shows far
/// fewer; embed.js splits a longer list).
pub const MAX_COUNT_SLUGS: usize = 100;
/// What an empty author name is shown as.
pub const ANONYMOUS: &str = "Anonymous";

/// Whether `slug` may name a thread: 1..=[`MAX_SLUG_CHARS`] characters from
/// `[A-Za-z0-9._~-]` and `/`, with no empty, `.` or `..` path segment. Slugs usually come from a
/// page path, so `/` is allowed; everything that could traverse or hide (`../`, NUL, spaces,
/// control characters, `%`) is not.
pub fn is_valid_slug(slug: &str) -> bool {
    if slug.is_empty() || slug.chars().count() > MAX_SLUG_CHARS {
        return false;
    }
    let chars_ok = slug
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '/'));
    chars_ok
        && slug
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for good in ["our-man-in-libya", "blog/2016/07/libya", "a", "v1.2_x~y"] {
            assert!(is_valid_slug(good), "{good} should be valid");
        }
        let long = "a".repeat(MAX_SLUG_CHARS + 1);
        for bad in [
            "",
            "../etc/passwd",
            "a/../b",
            "a//b",
            "/a",
            "a/",
            "a b",
            "a\0b",
            "a%2e",
            "ä",
            ".",
            long.as_str(),
        ] {
            assert!(!is_valid_slug(bad), "{bad:?} should be invalid");
        }
    }
}
