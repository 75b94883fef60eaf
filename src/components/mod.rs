//! The widget's views. Each is a function of the thread state; none fetches or mutates on its
//! own: changes go through the reducer in [`crate::state`], requests through [`crate::api`].
//!
//! - [`app`]: one mounted widget: fetches its thread and shows loading / failed / ready.
//! - [`thread`]: the ready thread: the page's own bar, the heading, the flat list of comments.
//! - [`block`]: a run of comments of the list, live (components) or dormant (text only).
//! - [`comment`]: one comment.
//! - [`vote`]: the "up" button and its tally.
//! - [`form`]: the reply form, and the author's edit form.
//! - [`avatar`]: an author's picture.

pub mod app;
pub mod avatar;
pub mod block;
pub mod comment;
pub mod form;
pub mod thread;
pub mod vote;

use yew::Html;

/// An optional child, as one node either way. Yew matches unkeyed children from the end of
/// the list, so a child that is sometimes absent would shift its siblings and make Yew
/// rebuild them: the button under the reader's finger (or focus) would be replaced.
pub fn slot(node: Option<Html>) -> Html {
    node.unwrap_or_default()
}
