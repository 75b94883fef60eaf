//! An author's picture: their own image when the server has one, else the [`Identicon`] of
//! their name, drawn as inline SVG.
//!
//! Inline rather than an `<img>` with a data URL so a host page's Content-Security-Policy for
//! images cannot blank it. A generated picture is hidden from screen readers: the author's
//! name follows right after, and "riverlover's picture, riverlover" would only repeat it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use yew::prelude::*;

use crate::i18n::Lang;
use crate::identicon::Identicon;
use crate::text;

/// An author's picture, as part of the comment that shows it (a plain function rather than a
/// component: one component fewer per comment, in threads of thousands).
pub fn avatar(lang: Lang, name: &str, picture: Option<&str>) -> Html {
    if let Some(url) = picture.filter(|u| is_web_url(u)) {
        return html! {
            <img class="caucus-avatar" src={url.to_owned()} alt={text::picture_alt(lang, name)}
                loading="lazy" referrerpolicy="no-referrer" width="40" height="40" />
        };
    }
    let (fill, path) = drawn(name);
    html! {
        <svg class="caucus-avatar" viewBox="0 0 5 5" aria-hidden="true" focusable="false"
            shape-rendering="crispEdges">
            <path {fill} d={path} />
        </svg>
    }
}

thread_local! {
    /// Each author's picture, drawn once: a thread of 5,000 comments has far fewer authors, and
    /// the strings are shared by every comment of the same author.
    static DRAWN: RefCell<HashMap<String, (AttrValue, AttrValue)>> = RefCell::new(HashMap::new());
}

/// The identicon of `name` as (fill, path), from the cache.
fn drawn(name: &str) -> (AttrValue, AttrValue) {
    DRAWN.with(|drawn| {
        let Ok(mut drawn) = drawn.try_borrow_mut() else {
            let icon = Identicon::of(name);
            return (icon.fill().into(), icon.path().into());
        };
        drawn
            .entry(name.to_owned())
            .or_insert_with(|| {
                let icon = Identicon::of(name);
                (
                    AttrValue::from(Rc::<str>::from(icon.fill())),
                    AttrValue::from(Rc::<str>::from(icon.path())),
                )
            })
            .clone()
    })
}

/// A picture URL the widget will load: plain web addresses only, never `javascript:`, `data:`
/// or anything a browser might treat as more than an image.
pub fn is_web_url(url: &str) -> bool {
    let lower = url
        .trim_start()
        .get(..8)
        .unwrap_or(url)
        .to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::{drawn, is_web_url};
    use crate::identicon::Identicon;

    #[test]
    fn a_picture_is_drawn_once_per_name_and_shared() {
        let (fill, path) = drawn("riverlover");
        let icon = Identicon::of("riverlover");
        assert_eq!(
            (fill.as_str(), path.as_str()),
            (icon.fill().as_str(), icon.path().as_str())
        );
        let (again, _) = drawn("riverlover");
        assert!(
            std::ptr::eq(fill.as_str(), again.as_str()),
            "the same string, not a copy"
        );
        assert_ne!(drawn("since1951").1, path);
    }

    #[test]
    fn only_web_urls_are_pictures() {
        assert!(is_web_url("https://example.org/a.png"));
        assert!(is_web_url("HTTP://example.org/a.png"));
        for bad in [
            "javascript:alert(1)",
            "data:image/svg+xml,<svg>",
            "//evil",
            "",
            "ht",
            "é",
        ] {
            assert!(!is_web_url(bad), "{bad}");
        }
    }
}
