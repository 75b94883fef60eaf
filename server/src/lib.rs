//! The Caucus server: stores threads, comments and votes in SQLite, answers the JSON API the
//! widget talks to, serves the widget's files to pages on any origin, and hosts the demo.
//!
//! How the parts fit:
//!
//! - `routes` is the only code that speaks HTTP: [`app`] builds the whole router.
//! - `store` holds every SQL statement; its row types stay apart from the wire types of
//!   [`caucus_model`], which are the only definition of the JSON shape.
//! - [`render`] turns comment Markdown into sanitized HTML, once, when a comment is written.
//! - [`demo`] seeds the demo thread from its fixture and renders the demo page.
//! - `error` is the one error type handlers return; it becomes a JSON [`caucus_model::ErrorBody`].
//!
//! `main.rs` is a thin command line around [`open_db`] and [`app`]; tests drive [`app`]
//! directly, without a socket.

pub mod demo;
mod error;
pub mod render;
mod routes;
mod store;

use std::path::PathBuf;

use sqlx::SqlitePool;

pub use render::render_markdown;
pub use routes::app;
pub use store::open_db;

/// What every request handler can reach. Cheap to clone: the pool is shared.
#[derive(Clone, Debug)]
pub struct AppState {
    pub pool: SqlitePool,
    /// The directory the widget's files (`embed.js`, the `.wasm`) are served from.
    pub assets: PathBuf,
    /// Whether `GET /` shows the demo article (`--demo`) instead of a short notice.
    pub demo: bool,
}
