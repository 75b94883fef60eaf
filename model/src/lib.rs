//! The shared language of Caucus: what travels between the server and the widget.
//!
//! This crate is the only place the JSON shape is defined. The server serializes these types,
//! the widget deserializes them, and both enforce the same [`limits`]. It is pure Rust with no
//! I/O, so everything here is tested natively and fast.
//!
//! - [`admin`]: the bodies of the admin API (moderation), which only the `/admin` page uses.
//! - [`wire`]: the request and response bodies of the HTTP API.
//! - [`tree`]: turns the flat list of a thread's comments into a tree (children by parent), in
//!   one of the [`SortOrder`]s, and walks it without recursion.
//! - [`limits`]: field lengths and sizes both sides agree on.

pub mod admin;
pub mod limits;
pub mod tree;
pub mod wire;

pub use tree::{IdHasher, IdMap, IdSet, SortOrder, ThreadIndex, VisibleComment};
pub use wire::*;
