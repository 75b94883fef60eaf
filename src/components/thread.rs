//! A ready thread: the page's own bar (Share, its vote and tally), the heading with the comment
//! count, the sort control, and the comments as one flat list in reading order.
//!
//! The list is flat (each comment carries its depth, the stylesheet indents it) rather than
//! nested elements: a vote or a collapse then re-renders a handful of keyed siblings instead of
//! a subtree, and depth costs nothing however deep a reply chain goes.

use caucus_model::{CommentId, SortOrder, VisibleComment};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::components::comment::CommentView;
use crate::components::vote::VoteControl;
use crate::state::{Action, ThreadState};
use crate::text;

#[derive(Properties, PartialEq)]
pub struct ThreadProps {
    pub state: UseReducerHandle<ThreadState>,
}

#[function_component(ThreadView)]
pub fn thread_view(props: &ThreadProps) -> Html {
    let state = &props.state;
    let dispatcher = state.dispatcher();
    let on_toggle = use_callback(dispatcher.clone(), |id: CommentId, dispatch| {
        dispatch.dispatch(Action::ToggleCollapse(id))
    });
    let on_sort = use_callback(dispatcher, |event: Event, dispatch| {
        let picked = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
            .and_then(|select| select.value().parse::<SortOrder>().ok());
        if let Some(order) = picked {
            dispatch.dispatch(Action::SetSort(order));
        }
    });

    let (thread_votes, thread_voted, share_url) = match state.thread() {
        Some(thread) => (thread.votes, thread.viewer_voted, thread.url.clone()),
        None => (0, false, None),
    };

    let lines = state.index().visible(|id| state.is_collapsed(id));
    let comments = lines
        .into_iter()
        .filter_map(|VisibleComment { id, depth }| {
            let comment = state.comment(id)?.clone();
            Some(html! {
                <CommentView
                    key={id}
                    {comment}
                    {depth}
                    collapsed={state.is_collapsed(id)}
                    replies={state.index().descendant_count(id)}
                    on_toggle={on_toggle.clone()}
                />
            })
        });

    html! {
        <section class="caucus-thread" aria-labelledby="caucus-heading">
            <div class="caucus-page-bar">
                <ShareButton url={share_url.map(AttrValue::from)} />
                <VoteControl
                    votes={thread_votes}
                    voted={thread_voted}
                    tally_id="caucus-thread-tally"
                    thread_level=true
                />
            </div>
            <div class="caucus-thread-head">
                <h2 id="caucus-heading" class="caucus-heading">{ text::comment_count(state.comment_count()) }</h2>
                <label class="caucus-sort">
                    { "Sort by " }
                    <select onchange={on_sort} data-caucus-sort="">
                        { for SortOrder::ALL.iter().map(|order| html! {
                            <option value={order.as_str()} selected={*order == state.sort}>
                                { text::sort_label(*order) }
                            </option>
                        }) }
                    </select>
                </label>
            </div>
            <div class="caucus-comments">
                { for comments }
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ShareProps {
    /// The page's canonical URL when the server knows it; otherwise the page the reader is on.
    url: Option<AttrValue>,
}

/// Share: copies the page's link, and says so (or shows the link, where copying is refused).
#[function_component(ShareButton)]
fn share_button(props: &ShareProps) -> Html {
    let status = use_state(|| None::<String>);
    let onclick = {
        let status = status.clone();
        let url = props.url.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(url) = url.as_ref().map(|u| u.to_string()).or_else(page_url) else {
                return;
            };
            let status = status.clone();
            spawn_local(async move {
                let copied = match web_sys::window() {
                    Some(window) => {
                        let promise = window.navigator().clipboard().write_text(&url);
                        JsFuture::from(promise).await.is_ok()
                    }
                    None => false,
                };
                status.set(Some(if copied {
                    "Link copied.".to_owned()
                } else {
                    format!("Copy this link: {url}")
                }));
            });
        })
    };
    html! {
        <span class="caucus-share">
            <button type="button" class="caucus-link-button" data-caucus-share="" {onclick}>{ "Share" }</button>
            <span class="caucus-share-status" role="status">{ (*status).clone().unwrap_or_default() }</span>
        </span>
    }
}

/// The host page's address without its fragment: what a reader means by "this page".
fn page_url() -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    Some(match href.split_once('#') {
        Some((page, _)) => page.to_owned(),
        None => href,
    })
}
