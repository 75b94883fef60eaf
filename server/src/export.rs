//! `caucus-server export`: every thread, as JSON in the wire format, so nobody is locked in.
//!
//! The output is one JSON array whose elements are exactly what `GET /api/threads/{slug}`
//! answers ([`ThreadResponse`]), one thread per line, oldest thread first and each thread's
//! comments oldest first. It is written a thread at a time, so exporting a large database
//! needs the memory of its largest thread, not of all of them.

use std::io::Write;

use anyhow::Context;
use caucus_model::{SortOrder, ThreadResponse};
use sqlx::AnyPool;

use crate::store;

/// Threads read from the database per query.
const PAGE: i64 = 500;

/// Writes every thread of `pool` to `out`; returns how many threads and comments it wrote.
pub async fn export(pool: &AnyPool, out: &mut impl Write) -> anyhow::Result<(u64, u64)> {
    let (mut threads, mut comments) = (0u64, 0u64);
    let mut after = 0;
    out.write_all(b"[")?;
    loop {
        let page = store::threads_after(pool, after, PAGE).await?;
        let Some(&(last, _)) = page.last() else {
            break;
        };
        after = last;
        for (_, slug) in page {
            // A thread deleted since the page was read is simply not exported.
            let Some((thread, rows)) =
                store::load_thread(pool, &slug, SortOrder::Oldest, None).await?
            else {
                continue;
            };
            let response = ThreadResponse {
                version: u64::try_from(thread.version).unwrap_or(0),
                thread: thread.into_wire(),
                comments: rows.into_iter().map(|row| row.into_wire()).collect(),
            };
            out.write_all(if threads == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut *out, &response)
                .with_context(|| format!("cannot write the thread {slug}"))?;
            threads += 1;
            comments += response.comments.len() as u64;
        }
    }
    out.write_all(b"\n]\n")?;
    out.flush()?;
    Ok((threads, comments))
}
