//! An author's picture: their own image when the server has one, else the [`Identicon`] of
//! their name, drawn as inline SVG.
//!
//! Inline rather than an `<img>` with a data URL so a host page's Content-Security-Policy for
//! images cannot blank it. A generated picture is hidden from screen readers: the author's
//! name follows right after, and "riverlover's picture, riverlover" would only repeat it.

use yew::prelude::*;

use crate::i18n::Lang;
use crate::identicon::Identicon;
use crate::text;

#[derive(Properties, PartialEq, Clone)]
pub struct AvatarProps {
    pub name: AttrValue,
    /// An image URL from the server; only `https:` and `http:` ones are ever loaded.
    #[prop_or_default]
    pub picture: Option<String>,
}

#[function_component(Avatar)]
pub fn avatar(props: &AvatarProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    if let Some(url) = props.picture.as_deref().filter(|u| is_web_url(u)) {
        return html! {
            <img class="caucus-avatar" src={url.to_owned()} alt={text::picture_alt(lang, &props.name)}
                loading="lazy" referrerpolicy="no-referrer" width="40" height="40" />
        };
    }
    let icon = Identicon::of(&props.name);
    html! {
        <svg class="caucus-avatar" viewBox={icon.view_box()} aria-hidden="true" focusable="false"
            shape-rendering="crispEdges">
            <path fill={icon.fill()} d={icon.path()} />
        </svg>
    }
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
    use super::is_web_url;

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
