//! A block of the list: a run of consecutive comments, rendered in full ("live") only once it
//! comes near the viewport.
//!
//! A thread of 5,000 comments as 5,000 Yew components costs seconds of work and tens of MiB
//! of virtual DOM, most of it for comments nobody scrolls to. So a block starts *dormant*: an
//! element the widget builds itself, with no virtual DOM, whose height is an estimate
//! (`contain-intrinsic-block-size`) and whose rendering the browser skips while it is off
//! screen (`content-visibility: auto`). Once the browser has painted and is idle
//! (`requestIdleCallback`, a few blocks at a time) it is filled with its comments' text: names,
//! subjects, bodies (the text of the sanitized HTML, [`text_of`]), signatures, all as text
//! nodes. That keeps Ctrl-F finding every comment
//! and screen readers reading them. An `IntersectionObserver` turns a block live when it comes
//! within a screen of the viewport (find-in-page scrolls to what it finds, so it does too); a
//! live block stays live.
//!
//! Which comments have been live is kept by id in [`LiveSet`], shared by the thread and all of
//! its blocks: the list is cut into blocks by position, so a collapse or a new comment above
//! moves comments from block to block, and a block that takes over comments the reader has
//! seen is live from its first render instead of flashing back to text.

use std::cell::{Cell, RefCell};
use std::collections::{HashSet, VecDeque};
use std::rc::{Rc, Weak};

use caucus_model::{Comment, CommentId};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use web_sys::{
    Document, Element, HtmlElement, IdleDeadline, IntersectionObserver, IntersectionObserverEntry,
    IntersectionObserverInit,
};
use yew::prelude::*;

use crate::components::comment::{CommentProps, CommentView, MAX_INDENT};
use crate::i18n::Lang;

/// How far from the viewport a block turns live: a screen above and below, so a reader who
/// scrolls (or moves with Tab, `j` and `k`) finds the next block live before it shows.
pub const ROOT_MARGIN: &str = "100% 0px";

/// The ids of every comment that has been in a live block.
#[derive(Clone, Default)]
pub struct LiveSet(Rc<RefCell<HashSet<CommentId>>>);

impl LiveSet {
    fn any(&self, mut ids: impl Iterator<Item = CommentId>) -> bool {
        let live = self.0.borrow();
        ids.any(|id| live.contains(&id))
    }

    fn insert(&self, ids: impl Iterator<Item = CommentId>) {
        self.0.borrow_mut().extend(ids);
    }
}

/// One set per thread: two handles are equal when they are the same set.
impl PartialEq for LiveSet {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
pub struct BlockProps {
    pub comments: Vec<CommentProps>,
    pub live: LiveSet,
    /// Live from the first render: the first block, and a block holding a comment that must
    /// take focus (a permalink, a reply just sent).
    pub eager: bool,
}

#[function_component(CommentBlock)]
pub fn comment_block(props: &BlockProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let wake = use_force_update();
    let ids = || props.comments.iter().map(|c| c.comment.id);
    let live = props.eager || props.live.any(ids());
    if live {
        props.live.insert(ids());
    }
    // A live block has no placeholder: none is built on its renders (a vote is one).
    let shown: Option<Vec<(Rc<Comment>, usize)>> = (!live).then(|| {
        props
            .comments
            .iter()
            .map(|c| (c.comment.clone(), c.depth))
            .collect()
    });
    let dormant = use_memo((shown, lang), |(shown, lang)| match shown {
        Some(shown) => Dormant::new(shown.clone(), *lang),
        None => Dormant(None),
    });
    {
        let (live_set, wake) = (props.live.clone(), wake.clone());
        use_effect_with((live, dormant.clone()), move |(live, dormant)| {
            let watch = match (*live, &dormant.0) {
                (false, Some(placeholder)) => Some(Watch::start(placeholder, live_set, wake)),
                _ => None,
            };
            move || drop(watch)
        });
    }
    match &dormant.0 {
        Some(placeholder) => Html::VRef(placeholder.element.clone().into()),
        None => html! {
            <div class="caucus-block">
                { for props.comments.iter().map(|comment| html! {
                    <CommentView key={comment.comment.id} ..comment.clone() />
                }) }
            </div>
        },
    }
}

/// A dormant block's element and what it will hold. `None` for a live block, and where the
/// page has no document (the block is then rendered live).
struct Dormant(Option<Rc<Placeholder>>);

/// The same element, or neither has one.
impl PartialEq for Dormant {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

struct Placeholder {
    element: HtmlElement,
    comments: Vec<(Rc<Comment>, usize)>,
    lang: Lang,
    filled: Cell<bool>,
}

impl Dormant {
    fn new(comments: Vec<(Rc<Comment>, usize)>, lang: Lang) -> Dormant {
        let element = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("div").ok())
            .and_then(|e| e.dyn_into::<HtmlElement>().ok());
        Dormant(element.map(|element| {
            Rc::new({
                element.set_class_name("caucus-block caucus-dormant");
                // Through the CSSOM, not a `style` attribute: a strict host CSP allows this.
                let height: f64 = comments.iter().map(|(c, _)| estimated_height(c)).sum();
                let _ = element.style().set_property(
                    "contain-intrinsic-block-size",
                    &format!("auto {}px", height.round()),
                );
                Placeholder {
                    element,
                    comments,
                    lang,
                    filled: Cell::new(false),
                }
            })
        }))
    }
}

/// About how tall a comment is in pixels, before it is laid out: the frame, the header with
/// the picture and the footer with the vote, and the lines of its text at a typical width.
/// It only has to be near: it sizes the page's scrollbar until the block is rendered.
fn estimated_height(comment: &Comment) -> f64 {
    const FRAME: f64 = 118.0;
    const LINE: f64 = 22.5;
    const CHARS_PER_LINE: f64 = 80.0;
    const PARAGRAPH: f64 = 15.0;
    if comment.deleted {
        return 60.0;
    }
    // Markup is a fraction of the body's HTML; the text is the rest.
    let text = comment.body_html.len() as f64 * 0.9;
    let paragraphs = comment.body_html.matches("<p>").count().max(1) as f64;
    let lines = (text / CHARS_PER_LINE).ceil().max(paragraphs);
    let extras = f64::from(u8::from(comment.subject.is_some())) * 28.0
        + f64::from(u8::from(comment.signature.is_some())) * 24.0;
    FRAME + lines * LINE + (paragraphs - 1.0) * PARAGRAPH + extras
}

impl Placeholder {
    /// Puts the comments' text into the block: what Ctrl-F and a screen reader find before the
    /// block is live. Everything is a text node, the body too (its text, [`text_of`]).
    fn fill(&self) {
        // A block that went live before its turn has nothing to fill: its element is gone
        // (and, once its memo lets go of it, so is the placeholder).
        if self.filled.replace(true) || !self.element.is_connected() {
            return;
        }
        let Some(document) = self.element.owner_document() else {
            return;
        };
        let p = self.lang.phrases();
        for (comment, depth) in &self.comments {
            let Some(article) = add(&document, &self.element, "article", "caucus-comment") else {
                return;
            };
            let _ = article.set_attribute("data-caucus-dormant", &comment.id.to_string());
            let _ = article.set_attribute("data-depth", &depth.to_string());
            let _ = article.set_attribute("data-indent", &depth.min(&MAX_INDENT).to_string());
            if comment.deleted {
                text(&document, &article, "p", "caucus-deleted-note", p.deleted);
                continue;
            }
            if let Some(head) = add(&document, &article, "p", "caucus-comment-head") {
                text(&document, &head, "span", "caucus-author", &comment.author);
            }
            if let Some(subject) = &comment.subject {
                text(&document, &article, "h3", "caucus-subject", subject);
            }
            // The body's text, not its HTML: what find-in-page and a screen reader need, and no
            // HTML parser to start per comment (that was 60% of filling a block).
            text(
                &document,
                &article,
                "div",
                "caucus-body",
                &text_of(&comment.body_html),
            );
            if let Some(signature) = &comment.signature {
                text(&document, &article, "p", "caucus-signature", signature);
            }
        }
    }
}

/// The text of a body's sanitized HTML, as `textContent` would give it, with a line break where
/// a block ends so that paragraphs do not run into each other. The server's HTML comes from
/// html5ever's serializer (through ammonia), which writes text with four escapes (`&amp;`,
/// `&lt;`, `&gt;`, `&nbsp;`; `&quot;` is decoded too, in case) and no comments; attribute
/// values sit inside tags, which are dropped whole. Anything else is left as it is: it is
/// shown as text either way.
pub fn text_of(html: &str) -> String {
    const BLOCKS: [&str; 15] = [
        "p",
        "br",
        "li",
        "pre",
        "blockquote",
        "div",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
    ];
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(['<', '&']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with('<') {
            let Some(end) = rest.find('>') else {
                // Not a tag after all: the text as it is.
                out.push_str(rest);
                return out;
            };
            let name = rest[1..end]
                .trim_start_matches('/')
                .split(|c: char| c.is_ascii_whitespace() || c == '/')
                .next()
                .unwrap_or("");
            if BLOCKS.iter().any(|b| b.eq_ignore_ascii_case(name)) && !out.ends_with('\n') {
                out.push('\n');
            }
            rest = &rest[end + 1..];
        } else {
            let (decoded, skip) = [
                ("&amp;", '&'),
                ("&lt;", '<'),
                ("&gt;", '>'),
                ("&nbsp;", '\u{a0}'),
                ("&quot;", '"'),
            ]
            .iter()
            .find(|(entity, _)| rest.starts_with(entity))
            .map_or(('&', 1), |(entity, c)| (*c, entity.len()));
            out.push(decoded);
            rest = &rest[skip..];
        }
    }
    out.push_str(rest);
    out.trim().to_owned()
}

/// A new `<tag class=…>` at the end of `parent`.
fn add(document: &Document, parent: &Element, tag: &str, class: &str) -> Option<Element> {
    let element = document.create_element(tag).ok()?;
    element.set_class_name(class);
    parent.append_child(&element).ok()?;
    Some(element)
}

/// A new `<tag class=…>` holding `content` as text (never as markup).
fn text(document: &Document, parent: &Element, tag: &str, class: &str, content: &str) {
    if let Some(element) = add(document, parent, tag, class) {
        element.set_text_content(Some(content));
    }
}

thread_local! {
    /// The dormant blocks waiting to be filled, in the order they were rendered (top first),
    /// for every widget of the page.
    static FILLS: RefCell<Fills> = RefCell::default();
}

#[derive(Default)]
struct Fills {
    queue: VecDeque<Weak<Placeholder>>,
    scheduled: bool,
    run: Option<Closure<dyn FnMut(JsValue)>>,
}

/// Fills `placeholder` when the browser is next idle.
fn fill_later(placeholder: &Rc<Placeholder>) {
    FILLS.with(|fills| {
        let Ok(mut fills) = fills.try_borrow_mut() else {
            return;
        };
        fills.queue.push_back(Rc::downgrade(placeholder));
        if !fills.scheduled {
            fills.scheduled = schedule(&mut fills);
        }
    });
}

/// Asks for [`run_fills`] when the browser is idle, or after a timer where it has no
/// `requestIdleCallback` (Safari).
fn schedule(fills: &mut Fills) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let run = fills
        .run
        .get_or_insert_with(|| Closure::<dyn FnMut(JsValue)>::new(run_fills));
    let run = run.as_ref().unchecked_ref();
    window.request_idle_callback(run).is_ok()
        || window
            .set_timeout_with_callback_and_timeout_and_arguments_0(run, 0)
            .is_ok()
}

/// Fills blocks while the idle period lasts (8 ms a turn without one), then asks for more.
fn run_fills(deadline: JsValue) {
    let deadline = deadline.dyn_into::<IdleDeadline>().ok();
    let started = js_sys::Date::now();
    loop {
        let time_left = match &deadline {
            Some(deadline) => deadline.time_remaining() > 1.0,
            None => js_sys::Date::now() - started < 8.0,
        };
        if !time_left {
            break;
        }
        let next = FILLS.with(|fills| fills.try_borrow_mut().ok()?.queue.pop_front());
        match next {
            Some(placeholder) => {
                if let Some(placeholder) = placeholder.upgrade() {
                    placeholder.fill();
                }
            }
            None => break,
        }
    }
    FILLS.with(|fills| {
        if let Ok(mut fills) = fills.try_borrow_mut() {
            fills.scheduled = !fills.queue.is_empty() && schedule(&mut fills);
        }
    });
}

/// What a dormant block waits for: the viewport coming near (an observer). Dropping it stops
/// watching.
struct Watch {
    observer: Option<IntersectionObserver>,
    _near: Closure<dyn FnMut(js_sys::Array)>,
}

impl Watch {
    fn start(placeholder: &Rc<Placeholder>, live: LiveSet, wake: UseForceUpdateHandle) -> Watch {
        if !placeholder.filled.get() {
            fill_later(placeholder);
        }
        let ids: Vec<CommentId> = placeholder.comments.iter().map(|(c, _)| c.id).collect();
        let go_live: Rc<dyn Fn()> = Rc::new(move || {
            live.insert(ids.iter().copied());
            wake.force_update();
        });
        let near = {
            let go_live = go_live.clone();
            Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                let near = entries.iter().any(|entry| {
                    entry
                        .dyn_into::<IntersectionObserverEntry>()
                        .is_ok_and(|e| e.is_intersecting())
                });
                if near {
                    go_live();
                }
            })
        };
        let init = IntersectionObserverInit::new();
        init.set_root_margin(ROOT_MARGIN);
        let observer =
            IntersectionObserver::new_with_options(near.as_ref().unchecked_ref(), &init).ok();
        match &observer {
            Some(observer) => observer.observe(&placeholder.element),
            // A browser without it: every block live, as before there were dormant ones.
            None => go_live(),
        }
        Watch {
            observer,
            _near: near,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(observer) = &self.observer {
            observer.disconnect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::text_of;

    #[test]
    fn a_body_reads_as_its_text() {
        assert_eq!(text_of("<p>body of <em>7</em></p>"), "body of 7");
        assert_eq!(
            text_of("<p>one &amp; two &lt;b&gt;</p>\n<p>three<br>four</p>"),
            "one & two <b>\n\nthree\nfour"
        );
        assert_eq!(
            text_of(
                r#"<p><a href="https://e.org/?a=1&amp;b=2" rel="nofollow">link</a>&nbsp;x</p>"#
            ),
            "link\u{a0}x"
        );
        assert_eq!(text_of("<ul><li>a</li><li>b</li></ul>"), "a\nb");
        // Not what the server sends, but never lost or turned into markup.
        assert_eq!(text_of("a < b &unknown; c"), "a < b &unknown; c");
        assert_eq!(text_of("&"), "&");
    }
}
