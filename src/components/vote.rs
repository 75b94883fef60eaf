//! The "up" control and its tally, as on the origin page: a toggle button and a sentence
//! ("1 user has voted."). Used for every comment and for the page itself.

use yew::prelude::*;

use crate::i18n::Lang;
use crate::text;

#[derive(Properties, PartialEq, Clone)]
pub struct VoteProps {
    pub votes: u64,
    /// Whether this reader's vote is counted in `votes`.
    pub voted: bool,
    /// The tally's element id, so the button can point at it (`aria-describedby`).
    pub tally_id: AttrValue,
    /// The page's own vote rather than a comment's: other test hooks.
    #[prop_or_default]
    pub thread_level: bool,
    /// Called with the state the reader asks for (`true`: vote, `false`: take it back).
    #[prop_or_default]
    pub on_vote: Option<Callback<bool>>,
    /// A vote is on its way to the server (`aria-busy` until it answers).
    #[prop_or_default]
    pub pending: bool,
}

#[function_component(VoteControl)]
pub fn vote_component(props: &VoteProps) -> Html {
    vote_control(use_context::<Lang>().unwrap_or_default(), props)
}

/// The control as part of what renders it (each comment does: one component fewer per
/// comment).
pub fn vote_control(lang: Lang, props: &VoteProps) -> Html {
    let onclick = props.on_vote.clone().map(|on_vote| {
        let wanted = !props.voted;
        Callback::from(move |_: MouseEvent| on_vote.emit(wanted))
    });
    // Test hooks, valueless: `data-caucus-thread-vote` on the page's own control,
    // `data-caucus-vote` on a comment's (an absent value leaves the attribute out).
    let (thread_hook, comment_hook) = (
        props.thread_level.then_some(""),
        (!props.thread_level).then_some(""),
    );
    html! {
        <span class="caucus-vote-control">
            <button type="button" class="caucus-vote" aria-pressed={props.voted.to_string()}
                aria-busy={props.pending.then_some("true")}
                aria-describedby={props.tally_id.clone()} {onclick}
                data-caucus-vote={comment_hook} data-caucus-thread-vote={thread_hook}>
                <span class="caucus-vote-arrow" aria-hidden="true">{ "▲" }</span>{ " " }{ lang.phrases().up }
            </button>
            <span class="caucus-tally" id={props.tally_id.clone()} aria-live="polite"
                data-caucus-tally={comment_hook} data-caucus-thread-tally={thread_hook}>
                { text::vote_tally(lang, props.votes) }
            </span>
        </span>
    }
}
