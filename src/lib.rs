//! The Caucus widget: a Yew app that shows one thread, mounted once per thread element.
//!
//! The embed loader (`embed.js`) loads this module and calls [`mount_all`]. Each element with
//! `data-caucus-thread` gets an open Shadow DOM holding our stylesheet and one Yew app, so the
//! host page's CSS and ours never mix, and several threads can share a page (and one wasm
//! instance).
//!
//! - [`api`]: the only code that talks to the server; one error type, [`api::ApiError`].
//! - [`live`]: live updates while a thread is on screen (its event stream, reconnects).
//! - [`state`]: a thread's state as a pure reducer; the views only dispatch to it.
//! - [`components`]: the views.
//! - [`text`]: every phrase the widget shows (plurals, dates), built from [`i18n`]'s tables.
//! - [`i18n`]: the languages (English, German, French, Russian, Arabic) and their plural rules.
//! - [`storage`]: what the widget remembers in this browser (voter token, drafts, edit tokens).
//! - [`identicon`]: the generated avatar of an author without a picture.
//! - [`permalink`]: links to one comment (`#caucus-c123`).

pub mod api;
pub mod components;
pub mod i18n;
pub mod identicon;
pub mod live;
pub mod permalink;
pub mod state;
pub mod storage;
pub mod text;

use std::cell::RefCell;

use caucus_model::SortOrder;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Element, ShadowRootInit, ShadowRootMode};

use crate::components::app::{App, AppProps};

/// Compiled in: one request fewer, and the styles arrive exactly when the widget does.
/// `style.css` as `build.rs` leaves it: the same rules, without comments and indentation.
const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/style.min.css"));

/// Set on a thread element once a widget lives in it, so mounting again skips it.
const MOUNTED_ATTR: &str = "data-caucus-mounted";

thread_local! {
    /// Every widget's root element, for the panic hook.
    static ROOTS: RefCell<Vec<Element>> = const { RefCell::new(Vec::new()) };
}

/// Mounts a widget into every `[data-caucus-thread]` element of the document that has none yet.
/// `server` is the API's origin unless an element says otherwise (`data-caucus-server`).
/// Returns how many widgets it mounted. Called by `embed.js`, and again by
/// `window.caucus.mount()` for elements a single-page site adds later.
#[wasm_bindgen]
pub fn mount_all(server: &str) -> Result<u32, JsValue> {
    install_panic_hook();
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("caucus: no document to mount into"))?;
    let found =
        document.query_selector_all(&format!("[data-caucus-thread]:not([{MOUNTED_ATTR}])"))?;
    let mut mounted = 0;
    for i in 0..found.length() {
        let Some(element) = found.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        mount(&element, server)?;
        mounted += 1;
    }
    Ok(mounted)
}

/// Mounts one widget into `host`. `embed.js` calls it after a panic, to give each widget a
/// wasm instance of its own (see [`install_panic_hook`]).
#[wasm_bindgen]
pub fn mount_element(host: &Element, server: &str) -> Result<(), JsValue> {
    install_panic_hook();
    mount(host, server)
}

/// Mounts one widget into `host`, reading its `data-caucus-*` attributes.
pub fn mount(host: &Element, default_server: &str) -> Result<(), JsValue> {
    host.set_attribute(MOUNTED_ATTR, "")?;
    let slug = host.get_attribute("data-caucus-thread").unwrap_or_default();
    let server = host
        .get_attribute("data-caucus-server")
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| default_server.to_owned());
    // An unknown order is a typo in the host page; the default is a better answer than nothing.
    let sort = host
        .get_attribute("data-caucus-sort")
        .and_then(|s| s.trim().parse::<SortOrder>().ok())
        .unwrap_or_default();

    let document = host
        .owner_document()
        .ok_or_else(|| JsValue::from_str("caucus: the element is not in a document"))?;
    let page_lang = document
        .document_element()
        .and_then(|html| html.get_attribute("lang"));
    let lang = i18n::Lang::pick(
        host.get_attribute("data-caucus-lang").as_deref(),
        page_lang.as_deref(),
    );
    let root = document.create_element("div")?;
    root.set_class_name("caucus-root");
    root.set_attribute("lang", lang.tag())?;
    root.set_attribute("dir", lang.dir())?;
    // Only some elements can hold a shadow root (div, section, span, ...). On any other, the
    // widget still works, with the host page's styles mixed in.
    // A shadow root cannot be attached twice: mounting again (after a panic) reuses it.
    let shadow = match host.shadow_root() {
        Some(shadow) => {
            // Emptied through the DOM: the widget writes HTML only for sanitized bodies.
            shadow.replace_children_with_node_0();
            Ok(shadow)
        }
        None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)),
    };
    match shadow {
        Ok(shadow) => {
            adopt_style(&document, &shadow)?;
            shadow.append_child(&root)?;
        }
        Err(_) => {
            host.replace_children_with_node_1(&root);
        }
    }
    ROOTS.with(|roots| roots.borrow_mut().push(root.clone()));
    #[cfg(feature = "panic-trigger")]
    if slug == PANIC_SLUG {
        yew::Renderer::<PanicsInRender>::with_root(root).render();
        return Ok(());
    }
    yew::Renderer::<App>::with_root_and_props(
        root,
        AppProps {
            server: server.trim_end_matches('/').to_owned().into(),
            slug: slug.into(),
            sort,
            lang,
        },
    )
    .render();
    Ok(())
}

thread_local! {
    /// The stylesheet, parsed once and shared by every widget's shadow root.
    static SHEET: Option<CssStyleSheet> = CssStyleSheet::new()
        .ok()
        .filter(|sheet| sheet.replace_sync(STYLE).is_ok());
}

/// Gives a shadow root our stylesheet. A constructed sheet (`adoptedStyleSheets`) is not
/// inline style, so a host page whose Content-Security-Policy forbids `'unsafe-inline'` styles
/// still shows the widget styled (see SECURITY.md). Browsers without constructable stylesheets
/// get a `<style>` element, which such a policy would block.
fn adopt_style(document: &web_sys::Document, shadow: &web_sys::ShadowRoot) -> Result<(), JsValue> {
    if let Some(sheet) = SHEET.with(Clone::clone) {
        shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
        return Ok(());
    }
    let style = document.create_element("style")?;
    style.set_text_content(Some(STYLE));
    shadow.append_child(&style)?;
    Ok(())
}

/// One wasm instance serves every widget of the page, and a panic leaves it unusable (wasm32
/// aborts, and Yew's scheduler stays stopped). So every widget of this instance says so at
/// once, and the instance tells `embed.js` (the `caucus-panic` event on `window`), which
/// mounts every widget again, each in a fresh instance of its own: the widgets that did not
/// panic come back, and one that panics again breaks only itself. See SECURITY.md.
fn install_panic_hook() {
    yew::set_custom_panic_hook(Box::new(|info| {
        web_sys::console::error_1(&JsValue::from_str(&format!("caucus: {info}")));
        ROOTS.with(|roots| {
            if let Ok(roots) = roots.try_borrow() {
                roots.iter().for_each(show_broken);
            }
        });
        if let (Some(window), Ok(event)) = (web_sys::window(), web_sys::Event::new(PANIC_EVENT)) {
            let _ = window.dispatch_event(&event);
        }
    }));
}

/// What a panicking instance tells `embed.js`.
const PANIC_EVENT: &str = "caucus-panic";

/// Only in the end-to-end tests' build (feature `panic-trigger`, never in a release): a thread
/// element with this slug mounts a component that panics while rendering, the worst case the
/// panic recovery has to handle.
#[cfg(feature = "panic-trigger")]
const PANIC_SLUG: &str = "panic-in-render";

#[cfg(feature = "panic-trigger")]
#[yew::function_component(PanicsInRender)]
fn panics_in_render() -> yew::Html {
    panic!("a panic during render, on purpose (feature panic-trigger)")
}

fn show_broken(root: &Element) {
    let Some(document) = root.owner_document() else {
        return;
    };
    let Ok(message) = document.create_element("p") else {
        return;
    };
    message.set_class_name("caucus-error");
    let _ = message.set_attribute("role", "alert");
    let _ = message.set_attribute("data-caucus-broken", "");
    message.set_text_content(Some(
        "Something went wrong in the comments. Reload the page to see them again.",
    ));
    root.replace_children_with_node_1(&message);
}

/// Bytes of linear memory this wasm instance holds. Read by the benchmarks (`bench/`), which
/// report it beside the JS heap: the heap figures of the browser do not include it.
#[wasm_bindgen]
pub fn memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()
        .and_then(|memory| memory.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
        .map_or(0.0, |buffer| f64::from(buffer.byte_length()))
}
