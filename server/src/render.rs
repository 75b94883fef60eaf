//! Comment bodies: Markdown in, safe HTML out.
//!
//! Comments are written by strangers and shown inside other people's pages, so the HTML that
//! Markdown produces (raw HTML included, which CommonMark passes through) is sanitized with
//! ammonia's allow-list before it is stored. Rendering happens once, on write; `body_html` on
//! the wire is the only HTML the widget inserts.

use ammonia::UrlRelative;
use pulldown_cmark::{html, Options, Parser};

/// Every link in a comment: `nofollow ugc` tells search engines the site does not vouch for it
/// (and takes the reward out of link spam); `noopener` keeps the target from scripting the page.
const LINK_REL: &str = "nofollow noopener ugc";

/// Renders a comment's Markdown to sanitized HTML.
pub fn render_markdown(md: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let mut unsafe_html = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(md, options));
    sanitize_html(&unsafe_html)
}

/// Sanitizes a comment that is HTML already (imported from Disqus), as Markdown's output is.
pub fn sanitize_html(unsafe_html: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some(LINK_REL))
        // The HTML is shown inside someone else's page: a relative link would resolve against
        // that page, not against anything the author meant.
        .url_relative(UrlRelative::Deny)
        .clean(unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = render_markdown("Hello *world*\n\n> quoted");
        assert!(html.contains("<em>world</em>"), "{html}");
        assert!(html.contains("<blockquote>"), "{html}");
    }

    #[test]
    fn scripts_are_removed() {
        let html = render_markdown("hi <script>alert(1)</script> there");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("alert(1)"), "{html}");
    }

    #[test]
    fn event_handlers_are_removed() {
        let html = render_markdown(r#"<img src="https://example.com/x.png" onerror="alert(1)">"#);
        assert!(!html.contains("onerror"), "{html}");
        assert!(html.contains("<img"), "{html}");
    }

    #[test]
    fn javascript_links_are_removed() {
        for md in [
            "[click](javascript:alert(1))",
            r#"<a href="javascript:alert(1)">click</a>"#,
            r#"<a href="JaVaScRiPt:alert(1)">click</a>"#,
        ] {
            let html = render_markdown(md);
            assert!(
                !html.to_lowercase().contains("javascript:"),
                "{md} -> {html}"
            );
            assert!(html.contains("click"), "{md} -> {html}");
        }
    }

    #[test]
    fn links_are_marked_as_user_content() {
        let html = render_markdown("[site](https://example.com/)");
        assert!(html.contains(r#"rel="nofollow noopener ugc""#), "{html}");
        assert!(html.contains(r#"href="https://example.com/""#), "{html}");
        let raw = render_markdown(r#"<a href="https://example.com/" rel="me">x</a>"#);
        assert!(raw.contains(r#"rel="nofollow noopener ugc""#), "{raw}");
    }

    #[test]
    fn relative_links_are_dropped() {
        let html = render_markdown("[here](/admin)");
        assert!(!html.contains("/admin"), "{html}");
    }
}
