//! Thread reads, served from a cache of each thread's JSON that lasts until its next change.
//!
//! Reading a thread is the request a comment server answers most, and the same bytes go to
//! every reader until somebody writes. So each thread's public view (what a reader with no
//! voter token sees), in each sort order, is kept here serialized, under the thread's
//! `version` (`migrations/0006_versions.sql`: triggers move it on every change, whoever
//! makes it, so the cache is right with the admin, imports and other server processes too).
//! A read asks the database only for the version; when it matches, the stored bytes go out.
//!
//! A reader with a voter token sees a little more: their own votes (`viewer_voted`) and their
//! comments that wait for approval. Those are read per request and laid over a copy of the
//! public view, only when there is something to lay over.
//!
//! The `ETag` of a read names the database, the version, the order and (hashed) the voter, so
//! a reader whose copy is current gets `304 Not Modified` after one indexed lookup.
//!
//! The public view is also kept compressed (brotli, gzip), each made the first time a reader
//! asks for it in that version, so a busy thread is compressed once per change rather than
//! once per reader.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use caucus_model::{SortOrder, Thread, ThreadResponse};
use sqlx::AnyPool;

use crate::store::{self, VoterView};

/// How many threads (in one order each) the cache keeps, and how many bytes of JSON at most;
/// past either, the one read longest ago goes.
const MOST_ENTRIES: usize = 512;
const MOST_BYTES: usize = 128 * 1024 * 1024;

/// Smaller answers go out as they are: compressing them saves less than it costs.
const SMALLEST_COMPRESSED: usize = 1024;

/// The answer to a read.
#[derive(Debug)]
pub enum ThreadRead {
    /// The reader's copy is current: the `ETag` they sent is this one.
    NotModified { etag: String },
    /// The thread as JSON (a [`ThreadResponse`]) in `encoding`, and its `ETag`.
    Fresh {
        etag: String,
        body: Bytes,
        encoding: Encoding,
    },
}

/// How a body is compressed (`Content-Encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The best encoding a request's `Accept-Encoding` allows: brotli, then gzip. A coding
    /// with `q=0` is refused, as the header means.
    pub fn accepted<'a>(accept_encoding: impl Iterator<Item = &'a str>) -> Encoding {
        let mut best = Encoding::Identity;
        for coding in accept_encoding.flat_map(|value| value.split(',')) {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|param| {
                param
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            if name.eq_ignore_ascii_case("br") {
                best = Encoding::Brotli;
            } else if name.eq_ignore_ascii_case("gzip") && best == Encoding::Identity {
                best = Encoding::Gzip;
            }
        }
        best
    }

    /// The `Content-Encoding` header's value; `None` for identity.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }
}

/// One version of one thread's public view: the JSON, and its compressed copies once asked for.
#[derive(Debug)]
struct Encoded {
    json: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

impl Encoded {
    fn new(json: Bytes) -> Encoded {
        Encoded {
            json,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }

    /// The body in `encoding` if the reader accepts it and it pays, else the JSON as it is.
    fn body(&self, encoding: Encoding) -> (Bytes, Encoding) {
        if self.json.len() < SMALLEST_COMPRESSED {
            return (self.json.clone(), Encoding::Identity);
        }
        let compressed = match encoding {
            Encoding::Identity => None,
            Encoding::Gzip => Some(self.gzip.get_or_init(|| gzip(&self.json))),
            Encoding::Brotli => Some(self.brotli.get_or_init(|| brotli(&self.json))),
        };
        match compressed {
            Some(body) if !body.is_empty() => (body.clone(), encoding),
            _ => (self.json.clone(), Encoding::Identity),
        }
    }
}

/// A body this large (a thread of a few thousand comments) is compressed at a fast level: it is
/// compressed again after every vote in it, while readers wait. Measured on a 3.9 MB thread of
/// 5,000 comments: brotli 5 takes 195 ms and gives 931 KB, brotli 2 50 ms and 1,048 KB
/// (+13%); gzip 6 156 ms and 980 KB, gzip 1 43 ms and 1,134 KB.
const LARGE_BODY: usize = 1 << 20;

/// Compressed once per version: a middle level, fast enough for a thread that changes every
/// second and within a few percent of the smallest; a fast one for a large body. Empty if
/// compressing failed (it cannot, into memory), in which case the JSON goes out as it is.
fn gzip(json: &[u8]) -> Bytes {
    let level = if json.len() >= LARGE_BODY { 1 } else { 6 };
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    match encoder.write_all(json).and_then(|()| encoder.finish()) {
        Ok(body) => Bytes::from(body),
        Err(_) => Bytes::new(),
    }
}

fn brotli(json: &[u8]) -> Bytes {
    let mut body = Vec::with_capacity(json.len() / 4);
    let params = brotli::enc::BrotliEncoderParams {
        quality: if json.len() >= LARGE_BODY { 2 } else { 5 },
        size_hint: json.len(),
        ..Default::default()
    };
    match brotli::BrotliCompress(&mut &json[..], &mut body, &params) {
        Ok(_) => Bytes::from(body),
        Err(_) => Bytes::new(),
    }
}

#[derive(Debug)]
struct Entry {
    version: i64,
    response: Arc<ThreadResponse>,
    encoded: Arc<Encoded>,
    last_read: u64,
}

/// The public view of every thread read lately, by slug and order. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ThreadCache {
    /// The start of every `ETag`: which database the versions count in.
    database_tag: Arc<str>,
    entries: Arc<Mutex<Entries>>,
}

#[derive(Debug, Default)]
struct Entries {
    by_thread: HashMap<(String, SortOrder), Entry>,
    bytes: usize,
    reads: u64,
}

impl ThreadCache {
    pub fn new(database_tag: String) -> ThreadCache {
        ThreadCache {
            database_tag: database_tag.into(),
            entries: Arc::default(),
        }
    }

    /// The `ETag` of the thread at `version` in `order`, as `voter_tag` sees it.
    fn etag(&self, version: i64, order: SortOrder, voter_tag: Option<&str>) -> String {
        match voter_tag {
            None => format!("\"{}.{version}.{order}\"", self.database_tag),
            Some(voter) => format!("\"{}.{version}.{order}.{voter}\"", self.database_tag),
        }
    }

    /// Reads the thread `slug` in `order` for `voter` (the voter's id, and its tag for the
    /// `ETag`): `NotModified` if `current` says the reader holds the `ETag` it would have.
    /// Everything is read in one transaction, so the version, the comments and the voter's
    /// view agree.
    pub async fn read(
        &self,
        pool: &AnyPool,
        slug: &str,
        order: SortOrder,
        voter: Option<(&str, &str)>,
        current: impl Fn(&str) -> bool,
        encoding: Encoding,
    ) -> sqlx::Result<ThreadRead> {
        let voter_tag = voter.map(|(_, tag)| tag);
        let mut tx = store::begin_read(pool).await?;
        let Some((thread_id, version, _, _)) = store::thread_tally(&mut tx, slug).await? else {
            // Nobody has written in it: an empty thread, version 0, and nothing is stored.
            let etag = self.etag(0, order, voter_tag);
            if current(&etag) {
                return Ok(ThreadRead::NotModified { etag });
            }
            return Ok(ThreadRead::Fresh {
                etag,
                body: serialize(&empty_thread(slug)),
                encoding: Encoding::Identity,
            });
        };
        let etag = self.etag(version, order, voter_tag);
        if current(&etag) {
            return Ok(ThreadRead::NotModified { etag });
        }
        let (response, encoded) = match self.cached(slug, order, version) {
            Some(hit) => hit,
            None => {
                let Some((thread, comments)) =
                    store::thread_with_comments(&mut tx, slug, order, None).await?
                else {
                    // The version was read in this same transaction: the thread is there.
                    tracing::error!(slug, "a thread vanished within one read transaction");
                    return Err(sqlx::Error::RowNotFound);
                };
                let response = Arc::new(ThreadResponse {
                    thread: thread.into_wire(),
                    comments: comments.into_iter().map(|row| row.into_wire()).collect(),
                    version: u64::try_from(version).unwrap_or(0),
                });
                let encoded = Arc::new(Encoded::new(serialize(&response)));
                self.keep(slug, order, version, &response, &encoded);
                (response, encoded)
            }
        };
        let view = match voter {
            Some((voter, _)) => store::voter_view(&mut tx, thread_id, voter).await?,
            None => VoterView::default(),
        };
        tx.commit().await?;
        if view.is_empty() {
            let (body, encoding) = encoded.body(encoding);
            return Ok(ThreadRead::Fresh {
                etag,
                body,
                encoding,
            });
        }
        // Made for one reader: the server's compression layer compresses it on the way out.
        Ok(ThreadRead::Fresh {
            etag,
            body: serialize(&as_seen_by(&response, view, order)),
            encoding: Encoding::Identity,
        })
    }

    fn cached(
        &self,
        slug: &str,
        order: SortOrder,
        version: i64,
    ) -> Option<(Arc<ThreadResponse>, Arc<Encoded>)> {
        let mut entries = self.lock();
        entries.reads += 1;
        let now = entries.reads;
        // A lookup by a borrowed pair would need a key type of its own; a slug is short.
        let entry = entries.by_thread.get_mut(&(slug.to_owned(), order))?;
        if entry.version != version {
            return None;
        }
        entry.last_read = now;
        Some((Arc::clone(&entry.response), Arc::clone(&entry.encoded)))
    }

    fn keep(
        &self,
        slug: &str,
        order: SortOrder,
        version: i64,
        response: &Arc<ThreadResponse>,
        encoded: &Arc<Encoded>,
    ) {
        // Bytes are counted by the JSON: the compressed copies are a fraction of it.
        let size = encoded.json.len();
        let mut entries = self.lock();
        let key = (slug.to_owned(), order);
        // Two readers that missed at once both store; the newer version wins.
        if let Some(old) = entries.by_thread.get(&key) {
            if old.version > version {
                return;
            }
        }
        if let Some(old) = entries.by_thread.remove(&key) {
            entries.bytes -= old.encoded.json.len();
        }
        while !entries.by_thread.is_empty()
            && (entries.by_thread.len() >= MOST_ENTRIES || entries.bytes + size > MOST_BYTES)
        {
            entries.evict_least_recent();
        }
        entries.reads += 1;
        let last_read = entries.reads;
        entries.bytes += size;
        entries.by_thread.insert(
            key,
            Entry {
                version,
                response: Arc::clone(response),
                encoded: Arc::clone(encoded),
                last_read,
            },
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // The map stays consistent whatever a panicking holder was doing (it only ever
        // inserts or removes whole entries), so a poisoned lock is still usable.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Entries {
    fn evict_least_recent(&mut self) {
        let oldest = self
            .by_thread
            .iter()
            .min_by_key(|(_, entry)| entry.last_read)
            .map(|(key, _)| key.clone());
        if let Some(entry) = oldest.and_then(|key| self.by_thread.remove(&key)) {
            self.bytes -= entry.encoded.json.len();
        }
    }
}

/// The public view with the voter's own votes marked and their held comments in their places.
fn as_seen_by(public: &ThreadResponse, view: VoterView, order: SortOrder) -> ThreadResponse {
    let mut response = public.clone();
    response.thread.viewer_voted = view.thread_voted;
    if !view.voted.is_empty() {
        let voted: std::collections::HashSet<_> = view.voted.into_iter().collect();
        for comment in &mut response.comments {
            comment.viewer_voted = voted.contains(&comment.id);
        }
    }
    if !view.held.is_empty() {
        response
            .comments
            .extend(view.held.into_iter().map(|row| row.into_wire()));
        // Stable, and the public list is in this order already.
        response.comments.sort_by(|a, b| order.compare(a, b));
    }
    response
}

fn empty_thread(slug: &str) -> ThreadResponse {
    ThreadResponse {
        thread: Thread {
            slug: slug.to_owned(),
            title: None,
            url: None,
            votes: 0,
            viewer_voted: false,
        },
        comments: Vec::new(),
        version: 0,
    }
}

fn serialize(response: &ThreadResponse) -> Bytes {
    // Wire types are plain data (strings, numbers, vectors): serializing them cannot fail.
    Bytes::from(serde_json::to_vec(response).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(header: &str) -> Encoding {
        Encoding::accepted(std::iter::once(header))
    }

    #[test]
    fn brotli_is_preferred_then_gzip_and_q0_refuses() {
        assert_eq!(accepted("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(accepted("gzip"), Encoding::Gzip);
        assert_eq!(accepted("GZIP;q=0.5"), Encoding::Gzip);
        assert_eq!(accepted("br;q=0, gzip"), Encoding::Gzip);
        assert_eq!(accepted("br;q=0.0, gzip;q=0"), Encoding::Identity);
        assert_eq!(accepted(""), Encoding::Identity);
        assert_eq!(accepted("identity, *;q=0"), Encoding::Identity);
    }

    #[test]
    fn small_bodies_go_out_as_they_are() {
        let small = Encoded::new(Bytes::from_static(b"{}"));
        assert_eq!(small.body(Encoding::Brotli).1, Encoding::Identity);
        let big = Encoded::new(Bytes::from(vec![b'x'; 4096]));
        let (body, encoding) = big.body(Encoding::Gzip);
        assert_eq!(encoding, Encoding::Gzip);
        assert!(body.len() < 200);
        // Made once: the second ask is the same bytes.
        assert_eq!(big.body(Encoding::Gzip).0.as_ptr(), body.as_ptr());
    }
}
