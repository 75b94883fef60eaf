//! One comment, as the origin page showed it: picture, name, date, optional subject, body, the
//! "up" control with its tally, and the author's signature; plus the collapse control of a
//! comment with replies.
//!
//! Everything the author typed is text here (Yew escapes it), except the body, which the
//! server rendered from Markdown and sanitized: that is the widget's only raw HTML.

use std::rc::Rc;

use caucus_model::{Comment, CommentId};
use yew::prelude::*;

use crate::components::avatar::Avatar;
use crate::components::vote::VoteControl;
use crate::text;

/// Indentation stops growing here, so a 40-deep chain stays readable on a phone. The data has
/// no limit: `data-depth` still tells the real depth.
pub const MAX_INDENT: usize = 6;

#[derive(Properties, PartialEq, Clone)]
pub struct CommentProps {
    pub comment: Rc<Comment>,
    /// 0 at the top level.
    pub depth: usize,
    /// Whether the replies below are hidden.
    pub collapsed: bool,
    /// How many comments sit below this one, all generations.
    pub replies: usize,
    pub on_toggle: Callback<CommentId>,
}

#[function_component(CommentView)]
pub fn comment_view(props: &CommentProps) -> Html {
    let comment = &props.comment;
    let id = comment.id;
    let author_id = format!("caucus-by-{id}");
    let style = format!("--caucus-depth: {}", props.depth.min(MAX_INDENT));

    let collapse = (props.replies > 0).then(|| {
        let on_toggle = props.on_toggle.clone();
        let onclick = Callback::from(move |_: MouseEvent| on_toggle.emit(id));
        let label = format!("Replies to {}", comment.author);
        html! {
            <button type="button" class="caucus-collapse" data-caucus-collapse=""
                aria-expanded={(!props.collapsed).to_string()} aria-label={label} {onclick}>
                { if props.collapsed { "[+]" } else { "[−]" } }
            </button>
        }
    });
    let hidden = props.collapsed.then(|| {
        html! { <p class="caucus-hidden">{ text::replies_hidden(props.replies) }</p> }
    });

    if comment.deleted {
        return html! {
            <article class="caucus-comment caucus-deleted" data-caucus-comment={id.to_string()}
                data-depth={props.depth.to_string()} {style}>
                <p class="caucus-deleted-note">{ "This comment was deleted." }{ collapse }</p>
                { hidden }
            </article>
        };
    }

    html! {
        <article class="caucus-comment" data-caucus-comment={id.to_string()}
            data-depth={props.depth.to_string()} {style} aria-labelledby={author_id.clone()}>
            <header class="caucus-comment-head">
                <Avatar name={comment.author.clone()} picture={comment.avatar.clone()} />
                <span class="caucus-author" id={author_id}>{ &comment.author }</span>
                <time class="caucus-date" datetime={comment.created_at.clone()}>
                    { text::readable_date(&comment.created_at) }
                </time>
                if comment.edited_at.is_some() {
                    <span class="caucus-edited">{ "(edited)" }</span>
                }
                { collapse }
            </header>
            if let Some(subject) = &comment.subject {
                <h3 class="caucus-subject">{ subject }</h3>
            }
            <div class="caucus-body">
                // Sanitized on the server (pulldown-cmark + ammonia): the only raw HTML we show.
                { Html::from_html_unchecked(comment.body_html.clone().into()) }
            </div>
            <footer class="caucus-comment-foot">
                <VoteControl votes={comment.votes} voted={comment.viewer_voted}
                    tally_id={format!("caucus-tally-{id}")} />
            </footer>
            if let Some(signature) = &comment.signature {
                <p class="caucus-signature">{ signature }</p>
            }
            { hidden }
        </article>
    }
}
