//! The ballot box: votes are written in groups, one transaction (and so one `fsync`) for every
//! vote that arrived while the previous group was being written.
//!
//! With `synchronous=FULL` each commit waits for the disk, so one transaction per vote caps a
//! server at a few hundred to a thousand votes a second, however many clients are waiting.
//! Here a single task takes every vote waiting in its queue, writes them in one transaction,
//! commits once, and only then answers each voter: a vote is acknowledged only once it is on
//! disk, exactly as before. Under no load a group is one vote and nothing waits longer than it
//! did. On PostgreSQL each vote is in a savepoint of its own (a vote refused, or one that
//! lost a conflict, is rolled back alone and leaves the others standing); SQLite needs none
//! (see `write_group`), which took `bench/run`'s votes/s from 4,420 to 5,563 (32 connections,
//! this 2-core machine running wrk too).

use std::sync::Arc;

use axum::http::StatusCode;
use caucus_model::{CommentId, VoteState};
use sqlx::{Acquire, AnyConnection, AnyPool};
use tokio::sync::{mpsc, oneshot, Mutex};

use crate::error::AppError;
use crate::live::Live;
use crate::store::{self, Ballot, VoteRow};

/// The most votes one transaction takes: bounds how long one group keeps other writers (new
/// comments, the admin) waiting for their turn.
const MOST_PER_GROUP: usize = 256;
/// Votes waiting beyond this make their senders wait to be queued (back-pressure), rather than
/// growing the queue without bound.
const QUEUE: usize = 4_096;

/// One vote, or one taken back, as the routes hand it over.
#[derive(Debug)]
pub enum Vote {
    ForComment { id: CommentId, ballot: OwnedBallot },
    ForThread { slug: String, ballot: OwnedBallot },
    WithdrawFromComment { id: CommentId, voter: String },
    WithdrawFromThread { slug: String, voter: String },
}

/// A [`Ballot`] that can wait in a queue.
#[derive(Debug)]
pub struct OwnedBallot {
    pub voter: String,
    pub network: Option<Vec<u8>>,
    pub network_cap: Option<u32>,
    /// When it was cast (the vote row's `created_at`).
    pub at: String,
}

impl OwnedBallot {
    fn borrowed(&self) -> Ballot<'_> {
        Ballot {
            voter: &self.voter,
            network: self.network.as_deref(),
            network_cap: self.network_cap,
        }
    }
}

#[derive(Debug)]
struct Job {
    vote: Vote,
    answer: oneshot::Sender<Result<VoteState, AppError>>,
}

/// Where the routes cast votes; cheap to clone. Its task ends when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct BallotBox {
    queue: mpsc::Sender<Job>,
}

impl BallotBox {
    /// Starts the task that writes the votes, taking `write_turn` (the server's one lock for
    /// write transactions) for each group.
    pub fn start(pool: AnyPool, write_turn: Arc<Mutex<()>>, live: Live) -> BallotBox {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(count(pool, write_turn, live, jobs));
        BallotBox { queue }
    }

    /// Casts a vote (or takes one back) and waits until it is on disk, or refused.
    pub async fn cast(&self, vote: Vote) -> Result<VoteState, AppError> {
        let (answer, answered) = oneshot::channel();
        if self.queue.send(Job { vote, answer }).await.is_err() {
            tracing::error!("the ballot box is closed");
            return Err(AppError::internal());
        }
        answered.await.unwrap_or_else(|_| {
            tracing::error!("the ballot box dropped a vote without an answer");
            Err(AppError::internal())
        })
    }
}

async fn count(
    pool: AnyPool,
    write_turn: Arc<Mutex<()>>,
    live: Live,
    mut jobs: mpsc::Receiver<Job>,
) {
    let mut group = Vec::with_capacity(MOST_PER_GROUP);
    while let Some(first) = jobs.recv().await {
        group.push(first);
        let _turn = write_turn.lock().await;
        // Whatever arrived while this task waited for its turn joins the group.
        while group.len() < MOST_PER_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let answers = write_group(&pool, &group).await;
        drop(_turn);
        if answers.iter().any(Result::is_ok) {
            live.wrote();
        }
        for (job, answer) in group.drain(..).zip(answers) {
            // A voter who went away meanwhile needs no answer; the vote stands.
            let _ = job.answer.send(answer);
        }
    }
}

/// How often a vote that lost a deadlock or a serialization conflict is tried again within its
/// group (PostgreSQL, several server processes voting on the same threads in different
/// orders); SQLite never fails that way.
const TRIES: usize = 3;

/// Writes one group in one transaction, each vote in a savepoint of its own. Returns one
/// answer per job, in order.
async fn write_group(pool: &AnyPool, group: &[Job]) -> Vec<Result<VoteState, AppError>> {
    let every = |err: &sqlx::Error| group.iter().map(|_| Err(AppError::database(err))).collect();
    let mut tx = match store::begin_write(pool).await {
        Ok(tx) => tx,
        Err(err) => return every(&err),
    };
    let order = match write_order(&mut tx, group).await {
        Ok(order) => order,
        Err(err) => return every(&err),
    };
    let mut answers: Vec<Option<Result<VoteState, AppError>>> =
        group.iter().map(|_| None).collect();
    // SQLite has one writer and no conflicts to try again, and a vote refused there wrote
    // nothing (see `apply`): no savepoints, two statements a vote instead of five. A vote the
    // database fails fails its group, which is rolled back whole: such a failure (a full or
    // failing disk) is the database's, not one vote's.
    let savepoints = store::Backend::of(&tx) != store::Backend::Sqlite;
    for at in order {
        let job = &group[at];
        if !savepoints {
            match apply(&mut tx, &job.vote).await {
                Ok(answer) => answers[at] = Some(answer),
                Err(err) => return every(&err),
            }
            continue;
        }
        let mut tries = 0;
        let answer = loop {
            tries += 1;
            let mut savepoint = match (&mut *tx).begin().await {
                Ok(savepoint) => savepoint,
                Err(err) => return every(&err),
            };
            let answer = apply(&mut savepoint, &job.vote).await;
            let ended = match answer {
                Ok(Ok(_)) => savepoint.commit().await,
                _ => savepoint.rollback().await,
            };
            // The transaction's state is unknown after a failed savepoint: nothing of it stands.
            if let Err(err) = ended {
                return every(&err);
            }
            match answer {
                Err(err) if tries < TRIES && is_conflict(&err) => {
                    tracing::debug!(error = %err, "a vote lost a conflict; trying it again");
                }
                Err(err) => break Err(AppError::database(&err)),
                Ok(answer) => break answer,
            }
        };
        answers[at] = Some(answer);
    }
    match tx.commit().await {
        Ok(()) => answers
            .into_iter()
            .map(|answer| answer.unwrap_or_else(|| Err(AppError::internal())))
            .collect(),
        Err(err) => every(&err),
    }
}

/// The order in which a group's votes are written: as they came on SQLite (one writer holds
/// the whole database); on PostgreSQL by thread, then by target, so every group of every
/// process takes its row locks (a thread, then its comments, see `store::lock_vote_target`)
/// in one global order and no two groups can wait for each other in a cycle. A thread that is
/// not there yet (its first vote creates it) goes last.
async fn write_order(conn: &mut AnyConnection, group: &[Job]) -> sqlx::Result<Vec<usize>> {
    let mut order: Vec<usize> = (0..group.len()).collect();
    if store::Backend::of(conn) != store::Backend::Postgres || group.len() < 2 {
        return Ok(order);
    }
    let mut keys = Vec::with_capacity(group.len());
    for job in group {
        let key = match &job.vote {
            Vote::ForComment { id, .. } | Vote::WithdrawFromComment { id, .. } => {
                let thread = store::thread_of_comment(&mut *conn, *id).await?;
                (thread.unwrap_or(i64::MAX), 1, *id)
            }
            Vote::ForThread { slug, .. } | Vote::WithdrawFromThread { slug, .. } => {
                let thread = store::thread_id_of(&mut *conn, slug).await?;
                (thread.unwrap_or(i64::MAX), 0, 0)
            }
        };
        keys.push(key);
    }
    order.sort_by_key(|&at| keys[at]);
    Ok(order)
}

/// Whether `err` is PostgreSQL giving up on a statement that waited for another transaction
/// (a deadlock, or a serialization failure): rolled back to its savepoint, the vote can be
/// tried again, and the other transaction goes on.
fn is_conflict(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("40P01" | "40001")),
        _ => false,
    }
}

/// One vote, in the caller's savepoint: `Ok(Err)` is a vote refused, `Err` the database
/// failing; either way, roll it back. On SQLite a refused vote has written nothing (its
/// insert or delete changed no row, so no counter moved; the thread a vote for a page creates
/// exists before its votes can reach a network's cap), so there it needs no savepoint.
async fn apply(
    conn: &mut AnyConnection,
    vote: &Vote,
) -> Result<Result<VoteState, AppError>, sqlx::Error> {
    Ok(match vote {
        Vote::ForComment { id, ballot } => {
            // A new vote answers with the tally its update returned; only a vote that was not
            // new asks why.
            let added = store::add_comment_vote(conn, *id, &ballot.borrowed(), &ballot.at).await?;
            if let Some(votes) = added {
                return Ok(Ok(tally(votes, true)));
            }
            match store::comment_vote(conn, *id, &ballot.voter).await? {
                None => Err(comment_not_found(*id)),
                Some(row) if !row.viewer_voted => Err(refused(&row)),
                Some(row) => Ok(row.into_wire()),
            }
        }
        Vote::WithdrawFromComment { id, voter } => {
            if let Some(votes) = store::remove_comment_vote(conn, *id, voter).await? {
                return Ok(Ok(tally(votes, false)));
            }
            match store::comment_vote(conn, *id, voter).await? {
                Some(row) => Ok(row.into_wire()),
                None => Err(comment_not_found(*id)),
            }
        }
        Vote::ForThread { slug, ballot } => {
            // A thread nobody has commented on yet is created by its first vote.
            let thread_id = store::ensure_thread(conn, slug, &ballot.at).await?;
            store::add_thread_vote(conn, thread_id, &ballot.borrowed(), &ballot.at).await?;
            match store::thread_vote(conn, slug, &ballot.voter).await? {
                None => {
                    tracing::error!(slug, "a thread created in this transaction is not there");
                    Err(AppError::internal())
                }
                Some(row) if !row.viewer_voted => Err(refused(&row)),
                Some(row) => Ok(row.into_wire()),
            }
        }
        Vote::WithdrawFromThread { slug, voter } => {
            // Taking back a vote from a thread that does not exist is the state asked for.
            store::remove_thread_vote(conn, slug, voter).await?;
            Ok(store::thread_vote(conn, slug, voter).await?.map_or(
                VoteState {
                    votes: 0,
                    viewer_voted: false,
                },
                VoteRow::into_wire,
            ))
        }
    })
}

fn tally(votes: i64, viewer_voted: bool) -> VoteState {
    VoteState {
        votes: store::count(votes),
        viewer_voted,
    }
}

pub fn comment_not_found(id: CommentId) -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "comment_not_found",
        format!("There is no comment {id}. It may have been deleted."),
    )
}

pub fn comment_deleted() -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        "comment_deleted",
        "This comment has been deleted.",
    )
}

/// What a vote that was not counted tells the voter.
fn refused(row: &VoteRow) -> AppError {
    if row.deleted {
        return comment_deleted();
    }
    AppError::forbidden(
        "network_vote_limit",
        "Too many people on your network have already voted for this, so this vote was not \
         counted.",
    )
}
