//! The widget's views. Each is a function of the thread state; none fetches or mutates on its
//! own: changes go through the reducer in [`crate::state`], requests through [`crate::api`].
//!
//! - [`app`]: one mounted widget: fetches its thread and shows loading / failed / ready.
//! - [`thread`]: the ready thread: the page's own bar, the heading, the flat list of comments.
//! - [`comment`]: one comment.
//! - [`vote`]: the "up" button and its tally.
//! - [`avatar`]: an author's picture.

pub mod app;
pub mod avatar;
pub mod comment;
pub mod thread;
pub mod vote;
