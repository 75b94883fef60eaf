//! `caucus-server`: the command line around [`caucus_server::app`].
//!
//! Opens (or creates) the database, seeds the demo thread with `--demo`, and serves until
//! Ctrl-C or SIGTERM, finishing the requests in flight. Anything that stops it from starting
//! (an address in use, a database it cannot open) is one readable line and exit code 1.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use caucus_server::{app, demo, open_db, AppState};
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// Caucus comment server: the API, the widget's files and the demo.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on, `host:port`.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// SQLite database file, created if missing.
    #[arg(long, default_value = "./caucus.db")]
    db: PathBuf,
    /// Directory holding the built widget (`embed.js` and its `.wasm`), served at `/widget/`.
    #[arg(long, default_value = "./dist")]
    assets: PathBuf,
    /// Seed the demo thread and serve the demo article at `/`.
    #[arg(long)]
    demo: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        // Logs to stderr; stdout carries only the "listening" lines.
        .with_writer(std::io::stderr)
        .init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("caucus-server: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if !cli.assets.join("embed.js").is_file() {
        tracing::warn!(
            "{} has no embed.js, so pages cannot load the widget: build it with \
             scripts/build-widget.sh (or point --assets at where it is)",
            cli.assets.display()
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

    let state = AppState {
        pool: pool.clone(),
        assets: cli.assets,
        demo: cli.demo,
    };
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped")?;
    // Closing the pool checkpoints the WAL, so the database is one tidy file again.
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
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
