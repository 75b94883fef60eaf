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
    let (button_hook, tally_hook) = if props.thread_level {
        ("data-caucus-thread-vote", "data-caucus-thread-tally")
    } else {
        ("data-caucus-vote", "data-caucus-tally")
    };
    let mut button = html! {
        <button type="button" class="caucus-vote" aria-pressed={props.voted.to_string()}
            aria-busy={props.pending.then_some("true")}
            aria-describedby={props.tally_id.clone()} {onclick}>
            <span class="caucus-vote-arrow" aria-hidden="true">{ "▲" }</span>{ " " }{ lang.phrases().up }
        </button>
    };
    let mut tally = html! {
        <span class="caucus-tally" id={props.tally_id.clone()} aria-live="polite">
            { text::vote_tally(lang, props.votes) }
        </span>
    };
    set_hook(&mut button, button_hook);
    set_hook(&mut tally, tally_hook);
    html! {
        <span class="caucus-vote-control">{ button }{ tally }</span>
    }
}

/// Adds a valueless `data-caucus-*` test hook; `html!` cannot take an attribute name from a
/// variable.
fn set_hook(node: &mut Html, name: &'static str) {
    if let Html::VTag(tag) = node {
        std::rc::Rc::make_mut(tag).add_attribute(name, "");
    }
}
