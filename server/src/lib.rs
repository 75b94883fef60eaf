//! The Caucus server: stores threads, comments and votes in SQLite or PostgreSQL, answers the JSON API the
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
//! - [`tokens`] signs voter tokens and hashes edit tokens and client networks.
//! - [`abuse`] holds the rate limits and the policy against inflated tallies.
//! - [`reads`] answers thread reads from a cache of each thread's JSON, with `ETag`s.
//! - [`live`] streams each thread's changes to the readers who have it open (SSE).
//! - `ballots` writes votes in groups, one transaction for all the votes waiting.
//! - [`origin`] decides which pages may write (`--allow-origin`).
//! - `submission` cleans and checks what authors send, before it is stored.
//! - [`moderation`] holds new comments for approval (`--moderation`) and checks the admin
//!   secret.
//! - [`export`] writes every thread as wire JSON (`caucus-server export`).
//! - [`import`] brings comments over from Disqus, WordPress and Isso (`caucus-server import`).
//!
//! `main.rs` is a thin command line around [`open_db`] and [`app`]; tests drive [`app`]
//! directly, without a socket.

pub mod abuse;
mod ballots;
pub mod demo;
mod error;
pub mod export;
pub mod import;
pub mod live;
pub mod moderation;
pub mod origin;
pub mod reads;
pub mod render;
mod routes;
mod store;
mod submission;
pub mod tokens;

use std::path::PathBuf;
use std::sync::Arc;

use sqlx::AnyPool;
use tokio::sync::Mutex;

use abuse::{AbuseLimits, Policy};
use moderation::{AdminSecret, Moderation};
use origin::AllowedOrigins;
use tokens::ServerKeys;

pub use render::render_markdown;
pub use routes::app;
pub use store::{open_db, Backend, DbLocation};

/// What every request handler can reach. Cheap to clone: everything big is shared.
#[derive(Clone, Debug)]
pub struct AppState {
    pub pool: AnyPool,
    /// The directory the widget's files (`embed.js`, the `.wasm`) are served from.
    pub assets: PathBuf,
    /// Whether `GET /` shows the demo article (`--demo`) instead of a short notice.
    pub demo: bool,
    /// Rate limits and the cap on one network's votes per target (`--rate-limits`).
    pub abuse: Arc<AbuseLimits>,
    /// The pages that may write (`--allow-origin`).
    pub origins: AllowedOrigins,
    /// Whether the client's address is the right-most `X-Forwarded-For` entry rather than the
    /// socket's peer (`--trust-forwarded-for`, behind a reverse proxy).
    pub trust_forwarded_for: bool,
    /// Which new comments wait for approval (`--moderation`).
    pub moderation: Moderation,
    /// Renders comment bodies, bounded and a few at a time; how images show (`--comment-images`).
    pub render: render::Renderer,
    /// The admin secret; `None`: the admin API and page are off.
    pub admin: Option<AdminSecret>,
    keys: Arc<ServerKeys>,
    /// Write transactions take turns here. SQLite allows one writer at a time anyway; queueing
    /// in this fair lock, rather than in SQLite's busy handler (which sleeps and retries, first
    /// come not first served), keeps a burst of writes from timing out. Other processes on the
    /// same file are still kept apart by SQLite's own lock; on PostgreSQL, other processes
    /// write at the same time, and what must stay exact is kept so by the statements and row
    /// locks themselves (`store`), never by this lock.
    write_turn: Arc<Mutex<()>>,
    /// Votes, written in groups (one transaction for all those waiting).
    ballots: ballots::BallotBox,
    /// Each thread's JSON as everyone reads it, until its next change.
    threads: reads::ThreadCache,
    /// Live updates: every write ticks it after its commit.
    live: live::Live,
    /// On PostgreSQL, the task that ticks `live` for the writes of other server processes.
    _listening: Option<Arc<live::Listening>>,
}

impl AppState {
    /// A server on `pool` with the defaults of the command line: limits on, loopback pages
    /// and its own origin may write, no proxy trusted, no demo, no moderation, no admin. Loads (on first start,
    /// creates) the server's secrets.
    pub async fn new(pool: AnyPool, assets: PathBuf) -> anyhow::Result<AppState> {
        let keys = ServerKeys::load(&pool).await?;
        let write_turn = Arc::new(Mutex::new(()));
        let live = live::Live::default();
        let listening = match store::Backend::of_pool(&pool) {
            store::Backend::Postgres => Some(Arc::new(
                live.listen_to_postgres(pool.connect_options().database_url.to_string()),
            )),
            store::Backend::Sqlite => None,
        };
        Ok(AppState {
            _listening: listening,
            threads: reads::ThreadCache::new(keys.database_tag()),
            ballots: ballots::BallotBox::start(pool.clone(), write_turn.clone(), live.clone()),
            live,
            pool,
            assets,
            demo: false,
            abuse: Arc::new(AbuseLimits::new(Policy::default())),
            origins: AllowedOrigins::loopback(),
            trust_forwarded_for: false,
            moderation: Moderation::Off,
            render: render::Renderer::new(render::CommentImages::default()),
            admin: None,
            keys: Arc::new(keys),
            write_turn,
        })
    }

    /// Moves the server onto another pool (the same database opened otherwise), with the
    /// ballot box that writes the votes: a pool assigned by hand would leave it on the old one.
    pub fn use_pool(&mut self, pool: AnyPool) {
        self.ballots =
            ballots::BallotBox::start(pool.clone(), self.write_turn.clone(), self.live.clone());
        self.pool = pool;
    }
}
