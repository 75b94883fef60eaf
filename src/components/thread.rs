//! A ready thread: the page's own bar (Share, its vote and tally), the heading with the comment
//! count, the sort control, and the comments as one flat list in reading order.
//!
//! The list is flat (each comment carries its depth, the stylesheet indents it) rather than
//! nested elements: a vote or a collapse then re-renders a handful of keyed siblings instead of
//! a subtree, and depth costs nothing however deep a reply chain goes.

use std::rc::Rc;

use caucus_model::{CommentId, SortOrder, VoteState};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Element, HtmlElement, HtmlSelectElement, Node};
use yew::prelude::*;

use crate::api::{Endpoint, VoteTarget};
use crate::components::block::{CommentBlock, LiveSet};
use crate::components::comment::{CommentActions, CommentProps};
use crate::components::form::{CommentForm, FormPurpose, Sent};
use crate::components::vote::VoteControl;
use crate::i18n::Lang;
use crate::live::LiveThread;
use crate::state::{Action, Line, ThreadState};
use crate::storage;
use crate::text;

#[derive(Properties)]
pub struct ThreadProps {
    pub state: UseReducerHandle<ThreadState>,
    /// The state's [`ThreadState::generation`] when the parent rendered.
    pub generation: u64,
}

/// A changed state, not an unequal one: every state the reducer makes has a new generation.
/// Comparing the handles would compare the states' values, walking every comment of the thread
/// on every change (2–3 ms a vote at 5,000 comments) only to find the difference the new
/// generation already stands for.
impl PartialEq for ThreadProps {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
    }
}

#[function_component(ThreadView)]
pub fn thread_view(props: &ThreadProps) -> Html {
    let state = &props.state;
    let dispatcher = state.dispatcher();
    let endpoint = use_context::<Rc<Endpoint>>();
    let lang = use_context::<Lang>().unwrap_or_default();
    let actions = use_memo(
        (dispatcher.clone(), endpoint.clone(), lang),
        |(dispatch, endpoint, lang)| comment_actions(dispatch.clone(), endpoint.clone(), *lang),
    );
    let on_sort = use_callback(dispatcher.clone(), |event: Event, dispatch| {
        let picked = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
            .and_then(|select| select.value().parse::<SortOrder>().ok());
        if let Some(order) = picked {
            storage::save_sort(order);
            dispatch.dispatch(Action::SetSort(order));
        }
    });

    // The comments that have been in a live block (components::block).
    let live = use_memo((), |()| LiveSet::default());

    let (thread_votes, thread_voted, share_url) = match state.thread() {
        Some(thread) => (thread.votes, thread.viewer_voted, thread.url.clone()),
        None => (0, false, None),
    };
    let on_thread_vote = {
        let (vote, pending) = (actions.vote.clone(), state.vote_pending(VoteTarget::Thread));
        let before = VoteState {
            votes: thread_votes,
            viewer_voted: thread_voted,
        };
        Callback::from(move |wanted: bool| {
            if !pending {
                vote.emit((VoteTarget::Thread, wanted, before));
            }
        })
    };

    let section_ref = use_node_ref();

    // Live updates while the thread is on screen, from the version it was read at; a reload
    // (a new version) starts them again from there.
    {
        let (section_ref, dispatch) = (section_ref.clone(), dispatcher.clone());
        use_effect_with((endpoint, state.version), move |(endpoint, version)| {
            let live = match (endpoint, section_ref.cast::<Element>()) {
                (Some(endpoint), Some(section)) => Some(LiveThread::start(
                    &section,
                    endpoint.clone(),
                    *version,
                    Callback::from(move |event| dispatch.dispatch(Action::Live(event))),
                )),
                _ => None,
            };
            move || drop(live)
        });
    }
    let new_comments = state.new_comments();
    let on_show_new = {
        let dispatch = dispatcher.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::ShowNew))
    };

    let on_keydown = {
        let section_ref = section_ref.clone();
        Callback::from(move |event: KeyboardEvent| {
            let step = match event.key().as_str() {
                "j" => Step::Next,
                "k" => Step::Previous,
                _ => return,
            };
            if event.ctrl_key() || event.meta_key() || event.alt_key() {
                return;
            }
            let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
                return;
            };
            if is_typing_in(&target) {
                return;
            }
            if let Some(section) = section_ref.cast::<Element>() {
                if move_focus(&section, &target, step) {
                    event.prevent_default();
                }
            }
        })
    };

    // The list, in blocks: the first live at once, the others dormant until they come near
    // the viewport (components::block). A comment that must take focus (a permalink, a reply
    // just sent) has its block live at once.
    let lines = state.lines();
    let focus_at = state
        .focus
        .and_then(|id| lines.iter().position(|line| line.id == id));
    let blocks = block_ranges(lines.len()).map(|range| {
        let eager = range.start == 0 || focus_at.is_some_and(|at| range.contains(&at));
        let block = lines.get(range).unwrap_or_default();
        let comments: Vec<CommentProps> = block
            .iter()
            .filter_map(
                |&Line {
                     id,
                     depth,
                     held_back,
                 }| {
                    let target = VoteTarget::Comment(id);
                    Some(CommentProps {
                        comment: state.comment(id)?.clone(),
                        depth,
                        collapsed: state.is_collapsed(id),
                        replies: state.index().descendant_count(id),
                        held_back,
                        actions: actions.clone(),
                        vote_pending: state.vote_pending(target),
                        problem: state
                            .problem_at(target)
                            .map(|e| AttrValue::from(text::api_error(lang, e))),
                        replying: state.replying_to == Some(id),
                        editing: state.editing == Some(id),
                        focus: state.focus == Some(id),
                        highlighted: state.highlighted == Some(id),
                        mine: state.authorship(id).cloned(),
                    })
                },
            )
            .collect();
        let key = block.first().map_or(0, |line| line.id);
        html! { <CommentBlock {key} {comments} live={(*live).clone()} {eager} /> }
    });

    html! {
        <section class="caucus-thread" aria-labelledby="caucus-heading" ref={section_ref}
            onkeydown={on_keydown}>
            <div class="caucus-page-bar">
                <ShareButton url={share_url.map(AttrValue::from)} />
                <VoteControl
                    votes={thread_votes}
                    voted={thread_voted}
                    tally_id="caucus-thread-tally"
                    thread_level=true
                    pending={state.vote_pending(VoteTarget::Thread)}
                    on_vote={on_thread_vote}
                />
                if let Some(problem) = state.problem_at(VoteTarget::Thread) {
                    <p class="caucus-problem" role="alert">{ text::api_error(lang, problem) }</p>
                }
            </div>
            <div class="caucus-thread-head">
                <h2 id="caucus-heading" class="caucus-heading">{ text::comment_count(lang, state.comment_count()) }</h2>
                <label class="caucus-sort">
                    { lang.phrases().sort_by }{ " " }
                    <select onchange={on_sort} data-caucus-sort="">
                        { for SortOrder::ALL.iter().map(|order| html! {
                            <option value={order.as_str()} selected={*order == state.sort}>
                                { text::sort_label(lang, *order) }
                            </option>
                        }) }
                    </select>
                </label>
            </div>
            <CommentForm purpose={FormPurpose::Reply(None)} on_sent={actions.posted.clone()}
                on_sending={actions.sending.clone()} />
            // Announced politely when it appears or its count changes; it takes no room, so
            // nothing under the reader moves until they press it.
            <div class="caucus-live" aria-live="polite">
                if new_comments > 0 {
                    <button type="button" class="caucus-button caucus-show-new"
                        data-caucus-show-new="" onclick={on_show_new}>
                        { text::new_comments(lang, new_comments) }
                    </button>
                }
            </div>
            <div class="caucus-comments">
                { for blocks }
            </div>
        </section>
    }
}

/// Comments per block of the list. Each block is a component that re-renders only when one
/// of its comments changes, so a vote costs one block and one comment rather than a keyed
/// comparison of the whole thread; and a block is what turns live as a whole.
pub const BLOCK: usize = 25;

/// Comments in the first block of a list longer than one block, which is live from the first
/// render: about a screenful. The first paint waits for it alone (each live comment is a few
/// components, its body parsed as HTML); the blocks after it that are on screen turn live a
/// frame later. A list of one block is one block, live at once.
pub const FIRST_BLOCK: usize = 8;

/// The lines of each block of a list of `len`: all of them if they fit in one [`BLOCK`], else
/// the first [`FIRST_BLOCK`], then [`BLOCK`] at a time.
pub fn block_ranges(len: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let first = if len <= BLOCK { len } else { FIRST_BLOCK };
    std::iter::once(0..first)
        .filter(|range| !range.is_empty())
        .chain(
            (first..len)
                .step_by(BLOCK)
                .map(move |start| start..(start + BLOCK).min(len)),
        )
}

/// Where `j` and `k` take the focus.
#[derive(Clone, Copy)]
enum Step {
    Next,
    Previous,
}

/// A `j` typed into a field is a letter, not a command.
fn is_typing_in(target: &Element) -> bool {
    matches!(target.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || target
            .dyn_ref::<HtmlElement>()
            .is_some_and(|e| e.is_content_editable())
}

/// Focuses the comment after (or before) the one holding `from` (a comment, or any control in
/// or between comments). Works on the rendered list rather than the state, so it follows
/// exactly what the reader sees: collapsed replies are skipped because they are not there.
/// Returns whether focus moved.
fn move_focus(section: &Element, from: &Element, step: Step) -> bool {
    let Ok(list) = section.query_selector_all("[data-caucus-comment]") else {
        return false;
    };
    let comments: Vec<HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .collect();
    let current = from.closest("[data-caucus-comment]").ok().flatten();
    let position = |c: &HtmlElement| from.compare_document_position(c);
    let next = match (step, current) {
        (Step::Next, Some(current)) => comments
            .iter()
            .skip_while(|c| **c != *current.unchecked_ref::<HtmlElement>())
            .nth(1),
        (Step::Previous, Some(current)) => comments
            .iter()
            .rev()
            .skip_while(|c| **c != *current.unchecked_ref::<HtmlElement>())
            .nth(1),
        (Step::Next, None) => comments
            .iter()
            .find(|c| position(c) & Node::DOCUMENT_POSITION_FOLLOWING != 0),
        (Step::Previous, None) => comments
            .iter()
            .rev()
            .find(|c| position(c) & Node::DOCUMENT_POSITION_PRECEDING != 0),
    };
    next.is_some_and(|comment| comment.focus().is_ok())
}

/// Everything a comment can ask of the thread: reducer actions, and the requests behind them.
fn comment_actions(
    dispatch: UseReducerDispatcher<ThreadState>,
    endpoint: Option<Rc<Endpoint>>,
    lang: Lang,
) -> CommentActions {
    let d = dispatch.clone();
    let toggle = Callback::from(move |id| d.dispatch(Action::ToggleCollapse(id)));

    let (d, e) = (dispatch.clone(), endpoint.clone());
    let vote = Callback::from(
        move |(target, wanted, previous): (VoteTarget, bool, VoteState)| {
            let Some(endpoint) = e.clone() else {
                return;
            };
            d.dispatch(Action::VoteStarted { target, wanted });
            let d = d.clone();
            spawn_local(async move {
                let result = endpoint.vote(target, wanted).await;
                d.dispatch(Action::VoteSettled {
                    target,
                    previous,
                    result,
                });
            });
        },
    );

    let d = dispatch.clone();
    let reply = Callback::from(move |id: Option<CommentId>| {
        d.dispatch(id.map_or(Action::CloseReply, Action::OpenReply))
    });
    let d = dispatch.clone();
    let edit = Callback::from(move |id: Option<CommentId>| {
        d.dispatch(id.map_or(Action::StopEdit, Action::StartEdit))
    });
    let d = dispatch.clone();
    let posted = Callback::from(
        move |Sent {
                  comment,
                  authorship,
              }| {
            d.dispatch(Action::CommentPosted {
                comment,
                authorship,
            })
        },
    );
    let d = dispatch.clone();
    let sending = Callback::from(move |out: bool| d.dispatch(Action::Sending(out)));
    let d = dispatch.clone();
    let edited = Callback::from(
        move |Sent {
                  comment,
                  authorship,
              }| {
            d.dispatch(Action::CommentEdited {
                comment,
                authorship,
            })
        },
    );

    let (d, e) = (dispatch.clone(), endpoint);
    let delete = Callback::from(move |id: CommentId| {
        let Some(endpoint) = e.clone() else {
            return;
        };
        let now = js_sys::Date::now();
        let Some(mine) = storage::load_authorships(&endpoint.server, now).remove(&id) else {
            d.dispatch(Action::CommentActionFailed {
                id,
                // A sentence of the widget's own, already in the reader's language.
                error: crate::api::ApiError::Server {
                    status: 0,
                    code: "no_edit_key".into(),
                    message: lang.phrases().no_edit_key.into(),
                },
            });
            return;
        };
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message(lang.phrases().confirm_delete).ok())
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        let d = d.clone();
        spawn_local(async move {
            match endpoint.delete_comment(id, &mine.edit_token).await {
                Ok(placeholder) => {
                    storage::save_authorship(&endpoint.server, id, None, js_sys::Date::now());
                    d.dispatch(Action::CommentDeleted { id, placeholder });
                }
                Err(error) => d.dispatch(Action::CommentActionFailed { id, error }),
            }
        });
    });

    let d = dispatch.clone();
    let continue_thread = Callback::from(move |id| d.dispatch(Action::ContinueThread(id)));

    let d = dispatch;
    let focused = Callback::from(move |()| d.dispatch(Action::Focused));

    CommentActions {
        toggle,
        vote,
        reply,
        edit,
        posted,
        sending,
        edited,
        delete,
        continue_thread,
        focused,
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
    let lang = use_context::<Lang>().unwrap_or_default();
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
                let p = lang.phrases();
                status.set(Some(if copied {
                    p.link_copied.to_owned()
                } else {
                    p.copy_this_link.replace("{url}", &url)
                }));
            });
        })
    };
    html! {
        <span class="caucus-share">
            <button type="button" class="caucus-link-button" data-caucus-share="" {onclick}>{ lang.phrases().share }</button>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_has_a_small_first_block_then_even_ones_covering_every_line() {
        let ranges = |len| block_ranges(len).collect::<Vec<_>>();
        assert!(ranges(0).is_empty());
        assert_eq!(ranges(3), vec![0..3; 1]);
        // One block's worth is one block.
        assert_eq!(ranges(BLOCK), vec![0..BLOCK; 1]);
        let long = ranges(FIRST_BLOCK + 2 * BLOCK + 1);
        assert_eq!(
            long,
            [
                0..FIRST_BLOCK,
                FIRST_BLOCK..FIRST_BLOCK + BLOCK,
                FIRST_BLOCK + BLOCK..FIRST_BLOCK + 2 * BLOCK,
                FIRST_BLOCK + 2 * BLOCK..FIRST_BLOCK + 2 * BLOCK + 1,
            ]
        );
    }
}
