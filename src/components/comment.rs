//! One comment, as the origin page showed it: picture, name, date, optional subject, body, the
//! "up" control with its tally, and the author's signature; plus the collapse control of a
//! comment with replies.
//!
//! Everything the author typed is text here (Yew escapes it), except the body, which the
//! server rendered from Markdown and sanitized: that is the widget's only raw HTML.

use std::rc::Rc;

use caucus_model::{Comment, CommentId, VoteState};
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::api::VoteTarget;
use crate::components::avatar::avatar;
use crate::components::form::{CommentForm, FormPurpose, Sent};
use crate::components::slot;
use crate::components::vote::{vote_control, VoteProps};
use crate::i18n::Lang;
use crate::permalink;
use crate::storage::Authorship;
use crate::text;

/// What a comment can ask of its thread. Made once per thread, so comparing it is cheap and a
/// comment re-renders only when its own data changes.
#[derive(PartialEq)]
pub struct CommentActions {
    pub toggle: Callback<CommentId>,
    /// (what, wanted, the state before the click: what a refusal rolls back to)
    pub vote: Callback<(VoteTarget, bool, VoteState)>,
    /// Open (`Some`) or close (`None`) a reply form.
    pub reply: Callback<Option<CommentId>>,
    /// Open (`Some`) or close (`None`) an edit form.
    pub edit: Callback<Option<CommentId>>,
    pub posted: Callback<Sent>,
    /// A new comment of this reader's went out (`true`) or came back (`false`).
    pub sending: Callback<bool>,
    pub edited: Callback<Sent>,
    pub delete: Callback<CommentId>,
    /// Show the replies held back below a deep comment.
    pub continue_thread: Callback<CommentId>,
    /// The comment that was to take focus has it.
    pub focused: Callback<()>,
}

/// Indentation stops growing here, so a 40-deep chain stays readable on a phone. The data has
/// no limit: `data-depth` still tells the real depth. Past the same depth, replies wait behind
/// "Continue this thread" ([`crate::state::CONTINUE_DEPTH`]).
pub const MAX_INDENT: usize = crate::state::CONTINUE_DEPTH;

#[derive(Properties, PartialEq, Clone)]
pub struct CommentProps {
    pub comment: Rc<Comment>,
    /// 0 at the top level.
    pub depth: usize,
    /// Whether the replies below are hidden.
    pub collapsed: bool,
    /// How many comments sit below this one, all generations.
    pub replies: usize,
    /// How many of them wait behind "Continue this thread" (0: none).
    #[prop_or_default]
    pub held_back: usize,
    pub actions: Rc<CommentActions>,
    /// A vote of this reader's is on its way.
    #[prop_or_default]
    pub vote_pending: bool,
    /// What went wrong with the last vote, edit or delete here.
    #[prop_or_default]
    pub problem: Option<AttrValue>,
    #[prop_or_default]
    pub replying: bool,
    #[prop_or_default]
    pub editing: bool,
    /// Take keyboard focus once rendered (a reply just sent, an edit just saved).
    #[prop_or_default]
    pub focus: bool,
    /// A permalink pointed here.
    #[prop_or_default]
    pub highlighted: bool,
    /// Set when this browser wrote the comment and may still edit it.
    #[prop_or_default]
    pub mine: Option<Rc<Authorship>>,
}

#[function_component(CommentView)]
pub fn comment_view(props: &CommentProps) -> Html {
    let comment = &props.comment;
    let id = comment.id;
    let actions = &props.actions;
    let lang = use_context::<Lang>().unwrap_or_default();
    let p = lang.phrases();
    let article_ref = use_node_ref();
    let reply_ref = use_node_ref();
    let edit_ref = use_node_ref();

    {
        let (article_ref, focused) = (article_ref.clone(), actions.focused.clone());
        use_effect_with(props.focus, move |focus| {
            if *focus {
                if let Some(article) = article_ref.cast::<HtmlElement>() {
                    let _ = article.focus();
                }
                focused.emit(());
            }
        });
    }

    let author_id = format!("caucus-by-{id}");
    // An attribute the stylesheet turns into indentation, not a `style` attribute: a host page
    // whose CSP forbids inline styles would drop that (SECURITY.md).
    let indent = props.depth.min(MAX_INDENT).to_string();
    let element_id = permalink::element_id(id);
    // How long ago; the exact date is the title. Computed at render: a thread re-renders often
    // enough (any vote or reply) that a drifting "3 minutes ago" is no worse than a page's.
    let when = text::relative_time(lang, &comment.created_at, js_sys::Date::now())
        .unwrap_or_else(|| text::readable_date(lang, &comment.created_at));
    let class = classes!(
        "caucus-comment",
        comment.deleted.then_some("caucus-deleted"),
        props.highlighted.then_some("caucus-highlighted"),
    );

    let collapse = (props.replies > 0).then(|| {
        let toggle = actions.toggle.clone();
        let onclick = Callback::from(move |_: MouseEvent| toggle.emit(id));
        let label = text::replies_to(lang, &comment.author);
        html! {
            <button type="button" class="caucus-collapse" data-caucus-collapse=""
                aria-expanded={(!props.collapsed).to_string()} aria-label={label} {onclick}>
                { if props.collapsed { "[+]" } else { "[−]" } }
            </button>
        }
    });
    let hidden = props.collapsed.then(|| {
        html! { <p class="caucus-hidden">{ text::replies_hidden(lang, props.replies) }</p> }
    });
    let continue_link = (props.held_back > 0).then(|| {
        let continue_thread = actions.continue_thread.clone();
        let onclick = Callback::from(move |_: MouseEvent| continue_thread.emit(id));
        html! {
            <p class="caucus-continue">
                <button type="button" class="caucus-link-button" data-caucus-continue="" {onclick}>
                    { p.continue_thread }
                </button>
                { " " }
                <span class="caucus-continue-count">{ text::replies_hidden(lang, props.held_back) }</span>
            </p>
        }
    });
    let problem = props.problem.as_ref().map(|message| {
        html! { <p class="caucus-problem" role="alert">{ message }</p> }
    });

    if comment.deleted {
        return html! {
            <article {class} id={element_id} data-caucus-comment={id.to_string()} ref={article_ref}
                data-depth={props.depth.to_string()} data-indent={indent.clone()} tabindex="-1">
                <p class="caucus-deleted-note">{ p.deleted }{ slot(collapse) }</p>
                { slot(hidden) }
                { slot(continue_link) }
            </article>
        };
    }

    let on_vote = {
        let vote = actions.vote.clone();
        let (pending, before) = (
            props.vote_pending,
            VoteState {
                votes: comment.votes,
                viewer_voted: comment.viewer_voted,
            },
        );
        Callback::from(move |wanted: bool| {
            if !pending {
                vote.emit((VoteTarget::Comment(id), wanted, before));
            }
        })
    };

    let reply_button = {
        let (reply, replying) = (actions.reply.clone(), props.replying);
        let onclick = Callback::from(move |_: MouseEvent| {
            reply.emit((!replying).then_some(id));
        });
        html! {
            <button type="button" class="caucus-link-button" data-caucus-reply="" ref={reply_ref.clone()}
                aria-expanded={props.replying.to_string()} {onclick}>{ p.reply }</button>
        }
    };
    let reply_form = props.replying.then(|| {
        let (reply, reply_ref) = (actions.reply.clone(), reply_ref.clone());
        let on_cancel = Callback::from(move |()| {
            reply.emit(None);
            refocus(&reply_ref);
        });
        html! {
            <CommentForm purpose={FormPurpose::Reply(Some(id))} on_sent={actions.posted.clone()}
                on_sending={actions.sending.clone()} {on_cancel} />
        }
    });

    // Edit and delete: only the author's browser, only while the server allows it.
    let mine = props
        .mine
        .clone()
        .filter(|mine| mine.is_open(js_sys::Date::now()));
    let own_controls = mine.as_ref().map(|_| {
        let edit = actions.edit.clone();
        let editing = props.editing;
        let on_edit = Callback::from(move |_: MouseEvent| edit.emit((!editing).then_some(id)));
        let delete = actions.delete.clone();
        let on_delete = Callback::from(move |_: MouseEvent| delete.emit(id));
        html! {
            <>
                <button type="button" class="caucus-link-button" data-caucus-edit=""
                    ref={edit_ref.clone()} onclick={on_edit}>{ p.edit }</button>
                <button type="button" class="caucus-link-button" data-caucus-delete=""
                    onclick={on_delete}>{ p.delete }</button>
            </>
        }
    });
    let body = match (props.editing, mine) {
        (true, Some(mine)) => {
            let (edit, edit_ref) = (actions.edit.clone(), edit_ref.clone());
            let on_cancel = Callback::from(move |()| {
                edit.emit(None);
                refocus(&edit_ref);
            });
            html! {
                <CommentForm purpose={FormPurpose::Edit(id, mine)}
                    on_sent={actions.edited.clone()} {on_cancel} />
            }
        }
        _ => html! {
            <>
                if let Some(subject) = &comment.subject {
                    <h3 class="caucus-subject">{ subject }</h3>
                }
                <div class="caucus-body">
                    // Sanitized on the server (pulldown-cmark + ammonia): the only raw HTML shown.
                    { Html::from_html_unchecked(comment.body_html.clone().into()) }
                </div>
            </>
        },
    };

    html! {
        <article {class} id={element_id} data-caucus-comment={id.to_string()} ref={article_ref}
            data-depth={props.depth.to_string()} data-indent={indent.clone()} aria-labelledby={author_id.clone()}
            tabindex="-1">
            <header class="caucus-comment-head">
                { avatar(lang, &comment.author, comment.avatar.as_deref()) }
                <span class="caucus-author" id={author_id}>{ &comment.author }</span>
                <a class="caucus-permalink" href={permalink::fragment(id)} data-caucus-permalink="">
                    <time class="caucus-date" datetime={comment.created_at.clone()}
                        title={text::readable_date(lang, &comment.created_at)}>
                        { when }
                    </time>
                </a>
                if comment.edited_at.is_some() {
                    <span class="caucus-edited">{ p.edited }</span>
                }
                // Only its author's browser is shown a held comment: nobody can vote for it
                // or answer it until the site owner approves it.
                if comment.held {
                    <span class="caucus-held" data-caucus-held="">{ p.awaiting_approval }</span>
                }
                { slot(collapse) }
            </header>
            { body }
            <footer class="caucus-comment-foot">
                if !comment.held {
                    { vote_control(lang, &VoteProps {
                        votes: comment.votes,
                        voted: comment.viewer_voted,
                        tally_id: format!("caucus-tally-{id}").into(),
                        thread_level: false,
                        on_vote: Some(on_vote),
                        pending: props.vote_pending,
                    }) }
                    { reply_button }
                }
                { slot(own_controls) }
            </footer>
            { slot(problem) }
            if let Some(signature) = &comment.signature {
                <p class="caucus-signature">{ signature }</p>
            }
            { slot(reply_form) }
            { slot(hidden) }
            { slot(continue_link) }
        </article>
    }
}

/// Gives focus back to a control once the form it opened has closed, so a keyboard user is
/// not sent back to the top of the page.
fn refocus(control: &NodeRef) {
    if let Some(control) = control.cast::<HtmlElement>() {
        let _ = control.focus();
    }
}
