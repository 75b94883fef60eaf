//! Links to one comment: `#caucus-c123` in the host page's address.
//!
//! The comments live in a shadow root, where the browser's own "scroll to the element with
//! this id" does not reach; so the widget reads the fragment itself, when its thread arrives
//! and whenever the fragment changes, and reveals the comment (see `Action::Reveal`).

use caucus_model::CommentId;

const PREFIX: &str = "caucus-c";

/// The fragment that names comment `id`, with its `#`.
pub fn fragment(id: CommentId) -> String {
    format!("#{PREFIX}{id}")
}

/// The comment a location's fragment (`location.hash`, with or without `#`) names, if any.
pub fn target(hash: &str) -> Option<CommentId> {
    let digits = hash
        .strip_prefix('#')
        .unwrap_or(hash)
        .strip_prefix(PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Where a comment's element is: the id its article carries.
pub fn element_id(id: CommentId) -> String {
    format!("{PREFIX}{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fragment_names_its_comment_and_nothing_else_does() {
        assert_eq!(fragment(123), "#caucus-c123");
        assert_eq!(target(&fragment(123)), Some(123));
        assert_eq!(target("caucus-c7"), Some(7));
        for other in [
            "",
            "#",
            "#caucus-c",
            "#caucus-c-1",
            "#caucus-c+1",
            "#caucus-c1x",
            "#comments",
            "#caucus-c99999999999999999999999",
            "#caucus-c１",
        ] {
            assert_eq!(target(other), None, "{other:?}");
        }
    }
}
