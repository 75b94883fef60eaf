use super::*;

fn on(md: &str) -> String {
    render_comment(md, CommentImages::On).expect("renders")
}

/// The body of issue 15: three tables whose header has 362 columns and whose rows have one
/// cell, 10,000 characters in all; it rendered to 7.1 MB.
fn wide_tables() -> String {
    let header = format!("{}|\n{}|\n", "|a".repeat(362), "|-".repeat(362));
    let table = |len: usize| {
        let mut table = header.clone();
        while table.len() + 4 < len {
            table.push_str("|a|\n");
        }
        table + "\n"
    };
    let body = table(3_333) + &table(3_333) + &table(3_333);
    assert!(body.len() <= 10_000 && body.len() > 9_900, "{}", body.len());
    body
}

#[test]
fn markdown_becomes_html() {
    let html = on("Hello *world*\n\n> quoted");
    assert!(html.contains("<em>world</em>"), "{html}");
    assert!(html.contains("<blockquote>"), "{html}");
}

#[test]
fn scripts_are_removed() {
    let html = on("hi <script>alert(1)</script> there");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("alert(1)"), "{html}");
}

#[test]
fn event_handlers_are_removed() {
    let html = on(r#"<img src="https://example.com/x.png" onerror="alert(1)">"#);
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
        let html = on(md);
        assert!(
            !html.to_lowercase().contains("javascript:"),
            "{md} -> {html}"
        );
        assert!(html.contains("click"), "{md} -> {html}");
    }
}

#[test]
fn links_are_marked_as_user_content_and_send_no_referrer() {
    let html = on("[site](https://example.com/)");
    assert!(
        html.contains(r#"rel="nofollow noopener noreferrer ugc""#),
        "{html}"
    );
    assert!(html.contains(r#"href="https://example.com/""#), "{html}");
    let raw = on(r#"<a href="https://example.com/" rel="me">x</a>"#);
    assert!(
        raw.contains(r#"rel="nofollow noopener noreferrer ugc""#),
        "{raw}"
    );
}

#[test]
fn relative_links_are_dropped() {
    let html = on("[here](/admin)");
    assert!(!html.contains("/admin"), "{html}");
}

#[test]
fn only_web_and_mail_schemes_survive() {
    for scheme in [
        "magnet:?xt=urn:x",
        "ssh://host",
        "webcal://x/y",
        "ftp://x/",
        "tel:123",
    ] {
        let html = on(&format!("[x]({scheme}) <a href=\"{scheme}\">y</a>"));
        assert!(!html.contains("href"), "{scheme} -> {html}");
    }
    for url in ["https://e.test/", "http://e.test/", "mailto:a@e.test"] {
        let html = on(&format!("[x]({url})"));
        assert!(html.contains(&format!("href=\"{url}\"")), "{url} -> {html}");
    }
    // An image is fetched by every reader: the web only.
    let html = on("![x](mailto:a@e.test)");
    assert!(!html.contains("mailto"), "{html}");
}

#[test]
fn images_load_lazily_without_a_referrer() {
    for md in [
        "![a cat](https://e.test/cat.png)",
        r#"<img src="https://e.test/cat.png" loading="eager" referrerpolicy="unsafe-url" alt="a cat">"#,
    ] {
        let html = on(md);
        assert!(html.contains(r#"src="https://e.test/cat.png""#), "{html}");
        assert!(html.contains(r#"referrerpolicy="no-referrer""#), "{html}");
        assert!(html.contains(r#"loading="lazy""#), "{html}");
        assert!(
            !html.contains("eager") && !html.contains("unsafe-url"),
            "{html}"
        );
    }
}

#[test]
fn images_off_are_links() {
    let html = render_comment(
        "![a cat](https://e.test/cat.png) ![](https://e.test/dog.png) <img src=\"https://e.test/raw.png\">",
        CommentImages::Off,
    )
    .unwrap();
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains(IMAGE_LINK_ATTRIBUTE), "{html}");
    assert!(
        html.contains(
            r#"<a href="https://e.test/cat.png" rel="nofollow noopener noreferrer ugc">a cat</a>"#
        ),
        "{html}"
    );
    // With no description, the address is the link's text.
    assert!(html.contains(">https://e.test/dog.png</a>"), "{html}");
    assert!(!html.contains("raw.png"), "{html}");
}

#[test]
fn images_on_click_are_marked_links() {
    let html = render_comment(
        "![a cat](https://e.test/cat.png?a=1&b=\"2\") ![x](javascript:alert(1))",
        CommentImages::Click,
    )
    .unwrap();
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains(r#"<a href="https://e.test/cat.png?a=1&amp;b=%222%22" data-caucus-image="" rel="nofollow noopener noreferrer ugc">a cat</a>"#),
        "{html}"
    );
    assert!(!html.contains("javascript"), "{html}");
    // A commenter's own attributes do not come along.
    let raw = render_comment(
        r#"<a href="https://e.test/x.png" data-caucus-image="onload" data-x="1" style="a">x</a>"#,
        CommentImages::Click,
    )
    .unwrap();
    assert!(raw.contains(r#"data-caucus-image="""#), "{raw}");
    assert!(!raw.contains("data-x") && !raw.contains("style"), "{raw}");
    // The marker is only kept where the mode is click.
    let on = on(r#"<a href="https://e.test/x.png" data-caucus-image="">x</a>"#);
    assert!(!on.contains(IMAGE_LINK_ATTRIBUTE), "{on}");
}

#[test]
fn wide_tables_are_refused() {
    let body = wide_tables();
    assert!(body.chars().count() <= caucus_model::limits::MAX_BODY_CHARS);
    assert_eq!(
        render_comment(&body, CommentImages::On),
        Err(TooLarge::Columns(362))
    );
    let most = format!(
        "{}|\n{}|\n|a|\n",
        "|a".repeat(MAX_TABLE_COLUMNS),
        "|-".repeat(MAX_TABLE_COLUMNS)
    );
    assert!(on(&most).contains("<table>"));
    let one_more = format!(
        "{}|\n{}|\n",
        "|a".repeat(MAX_TABLE_COLUMNS + 1),
        "|-".repeat(MAX_TABLE_COLUMNS + 1)
    );
    assert_eq!(
        render_comment(&one_more, CommentImages::On),
        Err(TooLarge::Columns(MAX_TABLE_COLUMNS + 1))
    );
}

#[test]
fn deep_nesting_is_refused() {
    let deep = |levels: usize| ">".repeat(levels) + " a";
    assert!(on(&deep(MAX_NESTING)).contains("<blockquote>"));
    assert_eq!(
        render_comment(&deep(MAX_NESTING + 1), CommentImages::On),
        Err(TooLarge::Nesting)
    );
    assert_eq!(
        render_comment(&"> - ".repeat(2_500), CommentImages::On),
        Err(TooLarge::Nesting)
    );
    // Many lists one after another are not deep.
    assert!(on(&"- a\n\n> b\n\n".repeat(500)).contains("<li>"));
}

/// Bodies of at most 10,000 characters built to multiply: each renders within the bound or
/// is refused, never past it.
#[test]
fn no_body_renders_past_the_bound() {
    let n = caucus_model::limits::MAX_BODY_CHARS;
    let bodies = [
        ">".repeat(n),
        "- ".repeat(n / 2),
        "* ".repeat(n / 2),
        "1. ".repeat(n / 3),
        "[](x)".repeat(n / 5),
        "<http://a.b>".repeat(n / 12),
        "&amp;".repeat(n / 5),
        "&".repeat(n),
        "\"".repeat(n),
        "![](http://a)".repeat(n / 13),
        "*a*".repeat(n / 3),
        "`a`".repeat(n / 3),
        "|a|\n|-|\n".to_owned() + &"|a|\n".repeat(n / 4 - 2),
        format!("{}|\n{}|\n", "|a".repeat(32), "|-".repeat(32)) + &"|\n".repeat((n - 140) / 2),
        "> - ".repeat(n / 4),
        "# a\n".repeat(n / 4),
        "a  \n".repeat(n / 4),
        "---\n".repeat(n / 4),
    ];
    for body in bodies {
        assert!(body.chars().count() <= n, "{}", &body[..20]);
        if let Ok(html) = render_comment(&body, CommentImages::On) {
            assert!(html.len() <= MAX_BODY_HTML_BYTES, "{}", &body[..20]);
        }
    }
}
