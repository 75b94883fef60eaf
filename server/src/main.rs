//! `caucus-server`: the command line around [`caucus_server::app`].
//!
//! Opens (or creates) the database, seeds the demo thread with `--demo`, and serves (with
//! each connection's peer address, which the abuse limits count by) until
//! Ctrl-C or SIGTERM, finishing the requests in flight. Anything that stops it from starting
//! (an address in use, a database it cannot open) is one readable line and exit code 1.
//!
//! Subcommands do the site owner's one-off jobs on the same database: `export` writes every
//! thread as JSON to stdout, `import` brings comments over from Disqus, WordPress or Isso.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use caucus_server::abuse::AbuseLimits;
use caucus_server::moderation::{AdminSecret, Moderation};
use caucus_server::origin::{self, AllowedOrigins};
use caucus_server::render::{CommentImages, Renderer};
use caucus_server::{app, demo, import, open_db, AppState, DbLocation};
use clap::{Args, Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

/// Caucus comment server: the API, the widget's files and the demo.
#[derive(Debug, Parser)]
#[command(version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: Serve,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write every thread to stdout as JSON: an array of what GET /api/threads/{slug} answers.
    Export {
        /// The database: a SQLite file, or a PostgreSQL URL (`postgres://user@host/dbname`).
        #[arg(long, default_value = "./caucus.db")]
        db: String,
    },
    /// Bring comments over from Disqus (XML export), WordPress (WXR export) or Isso (its
    /// SQLite database). Running it again adds nothing new. Prints what it did.
    Import {
        /// What FILE is.
        #[arg(long, value_enum)]
        format: ImportFormat,
        /// The export to read.
        file: PathBuf,
        /// The database: a SQLite file (created if missing), or a PostgreSQL URL.
        #[arg(long, default_value = "./caucus.db")]
        db: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ImportFormat {
    Disqus,
    Wordpress,
    Isso,
}

/// Without a subcommand: serve.
#[derive(Debug, Args)]
struct Serve {
    /// Address to listen on, `host:port`.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// The database: a SQLite file, created if missing (`path.db`, `sqlite://path.db`), or a
    /// PostgreSQL database (`postgres://user:password@host:port/dbname`), which several server
    /// processes can share.
    #[arg(long, default_value = "./caucus.db")]
    db: String,
    /// Directory holding the built widget (`embed.js` and its `.wasm`), served at `/widget/`.
    #[arg(long, default_value = "./dist")]
    assets: PathBuf,
    /// Seed the demo thread and serve the demo article at `/`.
    #[arg(long)]
    demo: bool,
    /// Abuse limits: comments, votes and new voters per network, and at most 10 votes per
    /// network on one comment or thread. `off` is for benchmarks and load tests only.
    #[arg(long, value_enum, default_value_t = Switch::On)]
    rate_limits: Switch,
    /// A page origin that may post, edit and vote, like `https://blog.example.org`
    /// (repeatable). Without any: loopback pages. The server's own origin always may.
    #[arg(long = "allow-origin", value_name = "ORIGIN", value_parser = origin::normalize)]
    allow_origin: Vec<String>,
    /// Behind a reverse proxy: the client's address is the right-most `X-Forwarded-For` entry
    /// (the one the proxy adds), not the proxy's. Never set it without a proxy that adds it:
    /// anyone could then pick their own address.
    #[arg(long)]
    trust_forwarded_for: bool,
    /// Which new comments wait for the admin's approval before anyone but their author sees
    /// them: none, those of authors with no published comment yet, or all.
    #[arg(long, value_enum, default_value_t = ModerationMode::Off)]
    moderation: ModerationMode,
    /// A file holding the admin secret (the admin page and /api/admin/). Or set
    /// CAUCUS_ADMIN_TOKEN. Without either, the admin API is off. At least 16 characters.
    #[arg(long, value_name = "PATH")]
    admin_token_file: Option<PathBuf>,
    /// How images in comments show: `on` (loaded lazily, without a Referer), `click` (a link
    /// the reader may load with a button) or `off` (a link). Applies to comments written after.
    #[arg(long, value_enum, default_value_t = ImagesMode::On)]
    comment_images: ImagesMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ImagesMode {
    Off,
    Click,
    On,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModerationMode {
    Off,
    FirstPost,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Switch {
    On,
    Off,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            // PostgreSQL's notices (a migration's "already exists, skipping") are not news.
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx::postgres::notice=warn")),
        )
        // Logs to stderr; stdout carries only the "listening" lines.
        .with_writer(std::io::stderr)
        .init();
    let done = match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Export { db }) => export(&db).await,
        Some(Command::Import { format, file, db }) => import(format, &file, &db).await,
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("caucus-server: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `caucus-server export`: JSON to stdout, counts to stderr. Refuses to create a database.
async fn export(db: &str) -> anyhow::Result<()> {
    if let DbLocation::Sqlite(path) = DbLocation::parse(db) {
        if !path.is_file() {
            anyhow::bail!("there is no database {}", path.display());
        }
    }
    let pool = open_db(db).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = caucus_server::export::export(&pool, &mut out).await;
    pool.close().await;
    let (threads, comments) = written.context("cannot export")?;
    eprintln!("exported {threads} threads, {comments} comments");
    Ok(())
}

/// `caucus-server import`: the report to stdout.
async fn import(format: ImportFormat, file: &Path, db: &str) -> anyhow::Result<()> {
    let format = match format {
        ImportFormat::Disqus => import::Format::Disqus,
        ImportFormat::Wordpress => import::Format::Wordpress,
        ImportFormat::Isso => import::Format::Isso,
    };
    let pool = open_db(db).await?;
    let started = std::time::Instant::now();
    let report = import::import(&pool, format, file).await;
    pool.close().await;
    let report = report.context("cannot import")?;
    print!("{report}");
    let seconds = started.elapsed().as_secs_f64();
    let read = report.comments + report.already_imported + report.skipped_total();
    println!(
        "took {seconds:.1} s ({:.0} records/s)",
        read as f64 / seconds.max(1e-9)
    );
    Ok(())
}

async fn serve(cli: Serve) -> anyhow::Result<()> {
    if !cli.assets.join("embed.js").is_file() {
        tracing::warn!(
            "{} has no embed.js, so pages cannot load the widget: build it with \
             scripts/build-widget.sh (or point --assets at where it is)",
            cli.assets.display()
        );
    }
    let admin = admin_secret(cli.admin_token_file.as_deref())?;
    if admin.is_none() && cli.moderation != ModerationMode::Off {
        tracing::warn!(
            "--moderation holds comments, but without an admin secret (--admin-token-file or \
             CAUCUS_ADMIN_TOKEN) nobody can approve them"
        );
    }
    // Bind first: if the address is taken, the database is not even created.
    let listener = tokio::net::TcpListener::bind(&cli.addr)
        .await
        .with_context(|| format!("cannot listen on {}", cli.addr))?;
    let addr = listener
        .local_addr()
        .context("cannot read the address listened on")?;
    let pool = open_db(&cli.db).await?;
    if cli.demo {
        match demo::seed(&pool).await {
            Ok(true) => tracing::info!("seeded the demo thread"),
            Ok(false) => {}
            Err(err) => {
                pool.close().await;
                return Err(err.context("cannot seed the demo thread"));
            }
        }
    }

    println!("Caucus is listening on http://{addr}/");
    if cli.demo {
        println!("Demo: http://{addr}/");
    }

    let mut state = match AppState::new(pool.clone(), cli.assets).await {
        Ok(state) => state,
        Err(err) => {
            pool.close().await;
            return Err(err.context("cannot read the server's secrets"));
        }
    };
    state.demo = cli.demo;
    if cli.rate_limits == Switch::Off {
        tracing::warn!("abuse limits are off (--rate-limits off): for benchmarks only");
        state.abuse = Arc::new(AbuseLimits::off());
    }
    state.origins = AllowedOrigins::listed(cli.allow_origin);
    state.trust_forwarded_for = cli.trust_forwarded_for;
    state.moderation = match cli.moderation {
        ModerationMode::Off => Moderation::Off,
        ModerationMode::FirstPost => Moderation::FirstPost,
        ModerationMode::All => Moderation::All,
    };
    state.admin = admin;
    state.render = Renderer::new(match cli.comment_images {
        ImagesMode::Off => CommentImages::Off,
        ImagesMode::Click => CommentImages::Click,
        ImagesMode::On => CommentImages::On,
    });
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped")?;
    // Closing the pool checkpoints the WAL, so the database is one tidy file again.
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The admin secret from `--admin-token-file`, else from `CAUCUS_ADMIN_TOKEN`; `None` if
/// neither is given. A file that cannot be read, or a secret too short, stops the start.
fn admin_secret(file: Option<&Path>) -> anyhow::Result<Option<AdminSecret>> {
    let text = match file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the admin secret from {}", path.display()))?,
        None => match std::env::var("CAUCUS_ADMIN_TOKEN") {
            Ok(text) => text,
            Err(std::env::VarError::NotPresent) => return Ok(None),
            Err(err) => anyhow::bail!("CAUCUS_ADMIN_TOKEN: {err}"),
        },
    };
    AdminSecret::new(&text).map(Some)
}

/// Resolves on Ctrl-C, or SIGTERM (how service managers and containers ask a server to stop).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
