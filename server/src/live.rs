//! Live updates: `GET /api/threads/{slug}/events`, a stream of what changes in a thread while a
//! reader has it open (new comments, edits, deletions, approvals, tallies).
//!
//! Every write bumps the thread's `version` in the database (`migrations/0006_versions.sql`),
//! and every comment row remembers the version of its last change. So "what changed since
//! version N" is one indexed query, and a reader who reconnects with the last event id it saw
//! (`Last-Event-ID`, or `?since=` from the thread it read) misses nothing: it is sent every
//! comment that changed since, in its current state.
//!
//! Waking: a handler that wrote calls [`Live::wrote`] after its commit, which ticks a
//! `watch` channel. Each thread that has subscribers has one *feed* task: on a tick it reads
//! the thread's version, and when it moved it reads the changes once and broadcasts them to
//! every subscriber of that thread, so a thousand readers cost one query per change, not a
//! thousand. A feed also looks every few seconds without a tick, for writes from another
//! process on the same file (an import). On PostgreSQL, several server processes share one
//! database: a trigger announces every thread whose version moved on the channel
//! `caucus_thread` (`NOTIFY`, delivered at commit), and each process listens to it
//! ([`Live::listen_to_postgres`]) and ticks on every announcement, so a write on one process
//! wakes the feeds of all of them.
//!
//! Events are the same for everyone (see [`caucus_model::ThreadEvent`]): held comments are
//! never sent, and `viewer_voted` is always false.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::sse::Event;
use caucus_model::ThreadEvent;
use sqlx::AnyPool;
use tokio::sync::{broadcast, mpsc, watch};

use crate::store;

/// How often a feed looks at its thread without being woken (writes from other processes).
const LOOK_ANYWAY: Duration = Duration::from_secs(5);
/// Batches a slow subscriber may fall behind before it catches up from the database instead.
const FEED_BACKLOG: usize = 64;

/// What changed in one thread between two versions, ready to send.
#[derive(Debug)]
struct Batch {
    /// The version the changes start after, and the version they bring the reader to.
    after: i64,
    to: i64,
    events: Vec<(i64, Event)>,
}

/// The live side of the server: the write tick and the feed of every watched thread.
#[derive(Debug, Clone)]
pub struct Live {
    tick: watch::Sender<u64>,
    feeds: Arc<Mutex<HashMap<String, broadcast::Sender<Arc<Batch>>>>>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            tick: watch::Sender::new(0),
            feeds: Arc::default(),
        }
    }
}

impl Live {
    /// Something was written: the feeds look at their threads. Call it after the commit.
    pub fn wrote(&self) {
        self.tick.send_modify(|tick| *tick = tick.wrapping_add(1));
    }

    /// The events of thread `slug` after version `since` (`None`: from now on), as a channel
    /// the SSE response drains. The feed is joined before anything is read for the reader, so
    /// no change falls between the reader's catch-up and the feed.
    pub async fn subscribe(
        &self,
        pool: AnyPool,
        slug: String,
        since: Option<i64>,
    ) -> mpsc::Receiver<Event> {
        let feed = self.feed(&pool, &slug).await;
        let (out, events) = mpsc::channel(FEED_BACKLOG);
        // "From now on" is now, before the answer goes out: a write the reader makes once it
        // has the stream open must come to it.
        let since = match since {
            Some(since) => Ok(since),
            None => current_version(&pool, &slug).await,
        };
        match since {
            Ok(since) => {
                tokio::spawn(follow(pool, slug, since, feed, out));
            }
            Err(err) => {
                tracing::warn!(slug, error = %err, "a live reader's start cannot be read");
            }
        }
        events
    }

    /// The feed of `slug`'s changes, started if nobody watches it yet. A new feed starts from
    /// the version read here, before its reader reads anything, and listens to the tick from
    /// before that read, so it misses no write.
    async fn feed(&self, pool: &AnyPool, slug: &str) -> broadcast::Receiver<Arc<Batch>> {
        if let Some(feed) = lock(&self.feeds).get(slug) {
            return feed.subscribe();
        }
        let tick = self.tick.subscribe();
        let at = match current_version(pool, slug).await {
            Ok(version) => version,
            Err(err) => {
                tracing::warn!(slug, error = %err, "a live feed cannot read its thread");
                0
            }
        };
        let mut feeds = lock(&self.feeds);
        // Another reader may have started it meanwhile.
        if let Some(feed) = feeds.get(slug) {
            return feed.subscribe();
        }
        let (feed, receiver) = broadcast::channel(FEED_BACKLOG);
        feeds.insert(slug.to_owned(), feed.clone());
        tokio::spawn(run_feed(
            pool.clone(),
            slug.to_owned(),
            at,
            feed,
            tick,
            Arc::clone(&self.feeds),
        ));
        receiver
    }
}

/// The channel the PostgreSQL schema announces changed threads on (`migrations/postgres/`).
pub const CHANNEL: &str = "caucus_thread";

/// How long a lost listener connection waits before it connects again.
const RECONNECT: Duration = Duration::from_secs(1);

/// Listens on PostgreSQL for what other server processes write; ends when dropped.
#[derive(Debug)]
pub struct Listening(tokio::task::AbortHandle);

impl Drop for Listening {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Live {
    /// Starts the task that ticks on every thread announced on [`CHANNEL`] of the PostgreSQL
    /// database at `url`, whoever wrote it. It keeps its own connection, and connects again
    /// whenever it is lost, then ticks once in case an announcement was missed meanwhile.
    pub fn listen_to_postgres(&self, url: String) -> Listening {
        let live = self.clone();
        let task = tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect(&url).await {
                    Ok(mut listener) => match listener.listen(CHANNEL).await {
                        Ok(()) => {
                            live.wrote();
                            follow_announcements(&mut listener, &live).await;
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "cannot listen for live updates");
                        }
                    },
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot connect to listen for live updates");
                    }
                }
                tokio::time::sleep(RECONNECT).await;
            }
        });
        Listening(task.abort_handle())
    }
}

/// Ticks on every announcement until the listener fails to reconnect.
async fn follow_announcements(listener: &mut sqlx::postgres::PgListener, live: &Live) {
    loop {
        match listener.try_recv().await {
            Ok(Some(_)) => live.wrote(),
            // The connection was lost, and is made again on the next call; what was announced
            // meanwhile is not known.
            Ok(None) => live.wrote(),
            Err(err) => {
                tracing::warn!(error = %err, "lost the live updates' listener connection");
                return;
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Only whole entries are ever inserted or removed: a poisoned map is still consistent.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One thread's feed: reads each change once, sends it to every subscriber, and ends when the
/// last subscriber has gone.
async fn run_feed(
    pool: AnyPool,
    slug: String,
    mut at: i64,
    feed: broadcast::Sender<Arc<Batch>>,
    mut tick: watch::Receiver<u64>,
    feeds: Arc<Mutex<HashMap<String, broadcast::Sender<Arc<Batch>>>>>,
) {
    loop {
        // A tick, or a look anyway; either way, see whether anybody still listens.
        let _ = tokio::time::timeout(LOOK_ANYWAY, tick.changed()).await;
        {
            let mut feeds = lock(&feeds);
            if feed.receiver_count() == 0 {
                feeds.remove(&slug);
                return;
            }
        }
        match changes(&pool, &slug, at).await {
            Ok(Some(batch)) => {
                at = batch.to;
                // Nobody left to receive it is checked on the next wake.
                let _ = feed.send(Arc::new(batch));
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(slug, error = %err, "a live feed could not read"),
        }
    }
}

/// One subscriber: what it missed since `since`, then the feed, catching up from the
/// database again whenever it fell behind.
async fn follow(
    pool: AnyPool,
    slug: String,
    mut at: i64,
    mut feed: broadcast::Receiver<Arc<Batch>>,
    out: mpsc::Sender<Event>,
) {
    match changes(&pool, &slug, at).await {
        Ok(Some(batch)) => {
            if !send(&out, &batch, at).await {
                return;
            }
            at = batch.to;
        }
        Ok(None) => {}
        Err(_) => return,
    }
    loop {
        let batch = match feed.recv().await {
            Ok(batch) => batch,
            Err(broadcast::error::RecvError::Lagged(_)) => {
                // Fell behind the feed: read what was missed straight from the database.
                match changes(&pool, &slug, at).await {
                    Ok(Some(batch)) => Arc::new(batch),
                    Ok(None) => continue,
                    Err(_) => return,
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if batch.to <= at {
            continue;
        }
        if batch.after > at {
            // A gap between where this reader is and where the feed's batch starts.
            match changes(&pool, &slug, at).await {
                Ok(Some(caught_up)) => {
                    if !send(&out, &caught_up, at).await {
                        return;
                    }
                    at = caught_up.to;
                }
                Ok(None) => {}
                Err(_) => return,
            }
            continue;
        }
        if !send(&out, &batch, at).await {
            return;
        }
        at = batch.to;
    }
}

/// Sends the events of `batch` past version `at`; false once the reader has gone.
async fn send(out: &mpsc::Sender<Event>, batch: &Batch, at: i64) -> bool {
    for (version, event) in &batch.events {
        if *version > at && out.send(event.clone()).await.is_err() {
            return false;
        }
    }
    true
}

/// The thread's version now; 0 for a thread nobody wrote in yet.
async fn current_version(pool: &AnyPool, slug: &str) -> sqlx::Result<i64> {
    let mut conn = pool.acquire().await?;
    Ok(store::thread_tally(&mut conn, slug)
        .await?
        .map_or(0, |(_, version, _, _)| version))
}

/// The changes to `slug` after version `after`, or `None` if there are none: the comments that
/// changed, then the thread's own tally if that moved.
async fn changes(pool: &AnyPool, slug: &str, after: i64) -> sqlx::Result<Option<Batch>> {
    let mut tx = store::begin_read(pool).await?;
    let Some((thread_id, version, votes, votes_version)) =
        store::thread_tally(&mut tx, slug).await?
    else {
        return Ok(None);
    };
    if version <= after {
        return Ok(None);
    }
    let changed = store::comments_changed_since(&mut tx, thread_id, after).await?;
    tx.commit().await?;
    let tally = votes_version > after;
    let mut events = Vec::with_capacity(changed.len() + 1);
    // Held comments are their author's alone until approved: never sent.
    for changed in changed.into_iter().filter(|changed| changed.published) {
        events.push((
            changed.version,
            event(
                changed.version,
                &ThreadEvent::Comment {
                    comment: changed.comment.into_wire(),
                },
            ),
        ));
    }
    if tally {
        let tally = u64::try_from(votes).unwrap_or(0);
        events.push((
            version,
            event(version, &ThreadEvent::ThreadVotes { votes: tally }),
        ));
    }
    Ok(Some(Batch {
        after,
        to: version,
        events,
    }))
}

fn event(version: i64, change: &ThreadEvent) -> Event {
    // Wire types are plain data: serializing them cannot fail.
    Event::default()
        .event("change")
        .id(version.to_string())
        .data(serde_json::to_string(change).unwrap_or_default())
}
