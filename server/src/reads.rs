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
//!
//! A change costs about what it changed, not the thread's size: each comment is kept
//! serialized (a [`Piece`]) and the JSON is put together from the pieces; a view of an older
//! version is brought up to date from the comments written since (`comments.version`), and a
//! large body's gzip is made of chunks of comments compressed apart, of which only those that
//! changed are compressed again ([`chunked`]). Measured (`bench/run`, a 5,000-comment thread
//! of 3.9 MB): a read just after a vote took 78 ms with the whole thread read, serialized and
//! compressed again (brotli 2, 1,022 KiB), and takes 8.5 ms this way (gzip 6, 971 KiB).

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use caucus_model::{Comment, IdSet, SortOrder, Thread, ThreadResponse};
use flate2::{Compress, Compression, FlushCompress};
use sqlx::{AnyConnection, AnyPool};

use crate::store::{self, VoterView};

/// How many threads (in one order each) the cache keeps, and how many bytes of JSON at most;
/// past either, the one read longest ago goes.
const MOST_ENTRIES: usize = 512;
const MOST_BYTES: usize = 128 * 1024 * 1024;

/// Smaller answers go out as they are: compressing them saves less than it costs.
const SMALLEST_COMPRESSED: usize = 1024;

/// A body this large (a thread of a few hundred comments and more) goes out as gzip made of
/// chunks (see [`chunked`]), so that a vote in it costs the compression of a chunk or two,
/// not of the whole body, while readers wait. Measured on a 3.9 MB thread of 5,000 comments,
/// whole: brotli 5 takes 195 ms and gives 931 KB, brotli 2 50 ms and 1,048 KB, gzip 6
/// (zlib-rs) 63 ms and 991 KB; in chunks of 50 KB, each with the 32 KiB before it as its
/// dictionary, 65 ms and 994 KB. At 1,000 comments (780 KB) a read just after a vote took
/// 23 ms with brotli 5 compressing the body whole.
const LARGE_BODY: usize = 256 * 1024;

/// gzip's level, for a body compressed whole and for each chunk of a large one.
const GZIP_LEVEL: u32 = 6;

/// How far back deflate looks: each chunk of a large body has up to this much of the JSON
/// before it as its dictionary, so it compresses about as it would within one stream.
const WINDOW: usize = 32 * 1024;

/// A chunk of a large body ends after about one comment in this many, chosen by the comment's
/// id rather than its place, so a comment added, removed or moved changes the chunks around
/// it and no others (the boundaries of the rest are where they were).
const CHUNK_ONE_IN_LOG2: u32 = 6;
/// A chunk also ends past this many bytes of JSON, whatever its comments' ids.
const MOST_CHUNK_BYTES: usize = 256 * 1024;

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
    /// The `Content-Encoding` header's value; `None` for identity.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }
}

/// The codings a request's `Accept-Encoding` allows, of the two the server makes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Accepts {
    pub brotli: bool,
    pub gzip: bool,
}

impl Accepts {
    /// A coding with `q=0` is refused, as the header means.
    pub fn parse<'a>(accept_encoding: impl Iterator<Item = &'a str>) -> Accepts {
        let mut accepts = Accepts::default();
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
                accepts.brotli = true;
            } else if name.eq_ignore_ascii_case("gzip") {
                accepts.gzip = true;
            }
        }
        accepts
    }

    /// What a body of `len` bytes goes out as: brotli, then gzip; but gzip first for a large
    /// body, whose gzip is made in chunks.
    fn pick(self, len: usize) -> Encoding {
        if len < SMALLEST_COMPRESSED {
            Encoding::Identity
        } else if self.gzip && (len >= LARGE_BODY || !self.brotli) {
            Encoding::Gzip
        } else if self.brotli {
            Encoding::Brotli
        } else {
            Encoding::Identity
        }
    }
}

/// One comment of a thread's public view, serialized once: every later version of the thread
/// that leaves the comment as it is, and every voter's view that does not mark it, reuse it.
#[derive(Debug)]
struct Piece {
    /// Unique among the pieces this process made: a chunk is known by the pieces it holds.
    serial: u64,
    comment: Comment,
    json: Box<[u8]>,
}

static SERIALS: AtomicU64 = AtomicU64::new(0);

impl Piece {
    fn new(comment: Comment) -> Arc<Piece> {
        // Wire types are plain data (strings, numbers): serializing them cannot fail.
        let json = serde_json::to_vec(&comment).unwrap_or_default();
        Arc::new(Piece {
            serial: SERIALS.fetch_add(1, Ordering::Relaxed),
            comment,
            json: json.into_boxed_slice(),
        })
    }
}

/// A thread as one reader sees it: what a [`ThreadResponse`] holds, its comments as pieces.
#[derive(Debug)]
struct View {
    thread: Thread,
    version: u64,
    pieces: Vec<Arc<Piece>>,
}

impl View {
    fn response(&self) -> ThreadResponse {
        ThreadResponse {
            thread: self.thread.clone(),
            comments: self.pieces.iter().map(|p| p.comment.clone()).collect(),
            version: self.version,
        }
    }

    /// The JSON of the response without its comments, cut where they go: the part up to and
    /// with the list's `[`, and the part from its `]`. `"comments":[]` can be nowhere else in
    /// it: a quote within a string is escaped, and only a key is followed by a colon.
    fn frame(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        const EMPTY_LIST: &[u8] = b"\"comments\":[]";
        let empty = ThreadResponse {
            thread: self.thread.clone(),
            comments: Vec::new(),
            version: self.version,
        };
        let mut json = serde_json::to_vec(&empty).ok()?;
        let at = json
            .windows(EMPTY_LIST.len())
            .position(|window| window == EMPTY_LIST)?
            + EMPTY_LIST.len()
            - 1;
        let tail = json.split_off(at);
        Some((json, tail))
    }

    /// The response as JSON, exactly as serde_json writes it, put together from the pieces.
    fn json(&self) -> Vec<u8> {
        let Some((head, tail)) = self.frame() else {
            return serde_json::to_vec(&self.response()).unwrap_or_default();
        };
        let mut json = Vec::with_capacity(head.len() + self.comments_len() + tail.len());
        json.extend_from_slice(&head);
        push_run(&mut json, &self.pieces, true);
        json.extend_from_slice(&tail);
        json
    }

    /// How many bytes the comments take in the JSON, with their commas (one too many).
    fn comments_len(&self) -> usize {
        self.pieces.iter().map(|piece| piece.json.len() + 1).sum()
    }

    /// The view as `voter` sees it: their votes marked, their held comments in their places.
    fn seen_by(&self, voter: VoterView, order: SortOrder) -> View {
        let mut thread = self.thread.clone();
        thread.viewer_voted = voter.thread_voted;
        let voted: IdSet = voter.voted.into_iter().collect();
        let mut pieces: Vec<Arc<Piece>> = self
            .pieces
            .iter()
            .map(|piece| {
                if voted.contains(&piece.comment.id) {
                    let mut comment = piece.comment.clone();
                    comment.viewer_voted = true;
                    Piece::new(comment)
                } else {
                    Arc::clone(piece)
                }
            })
            .collect();
        if !voter.held.is_empty() {
            pieces.extend(
                voter
                    .held
                    .into_iter()
                    .map(|row| Piece::new(row.into_wire())),
            );
            // Stable, and the public list is in this order already.
            pieces.sort_by(|a, b| order.compare(&a.comment, &b.comment));
        }
        View {
            thread,
            version: self.version,
            pieces,
        }
    }
}

/// Part of a gzip body: raw deflate that ends with a sync flush (byte-aligned, not final), so
/// that parts compressed apart can follow one another in one stream, with the CRC-32 and
/// length of what it holds. A part may refer back into its `dictionary`, which must be what
/// comes just before it in the stream (a decompressor's window then holds it).
#[derive(Debug)]
struct Part {
    deflated: Vec<u8>,
    crc: crc32fast::Hasher,
    len: u64,
}

impl Part {
    /// `None` if the compressor failed, which it does not, into memory.
    fn of(data: &[u8], dictionary: &[u8]) -> Option<Part> {
        let mut compress = Compress::new(Compression::new(GZIP_LEVEL), false);
        if !dictionary.is_empty() {
            compress.set_dictionary(window(dictionary)).ok()?;
        }
        let mut deflated = Vec::with_capacity(data.len() / 3 + 64);
        loop {
            let done = usize::try_from(compress.total_in()).ok()?;
            let rest = data.get(done..)?;
            compress
                .compress_vec(rest, &mut deflated, FlushCompress::Sync)
                .ok()?;
            // Done once everything went in and the flush did not fill the room it had.
            if usize::try_from(compress.total_in()).ok()? == data.len()
                && deflated.len() < deflated.capacity()
            {
                break;
            }
            deflated.reserve(deflated.capacity().max(1024));
        }
        let mut crc = crc32fast::Hasher::new();
        crc.update(data);
        Some(Part {
            deflated,
            crc,
            len: u64::try_from(data.len()).ok()?,
        })
    }
}

/// The end of `data` that a deflate window holds.
fn window(data: &[u8]) -> &[u8] {
    data.get(data.len().saturating_sub(WINDOW)..)
        .unwrap_or(data)
}

/// A run of a large body's comments (each but the list's first preceded by its comma),
/// deflated with the run before it as its dictionary; the next version reuses it while it
/// holds the same pieces after the same run.
#[derive(Debug)]
struct Chunk {
    serials: Box<[u64]>,
    /// The pieces of the run before it, and whether that run was the list's first; `None` for
    /// the first run, which has no dictionary (what comes before it, the thread, is compressed
    /// anew with every version).
    before: Option<(Box<[u64]>, bool)>,
    part: Part,
}

/// Whether a chunk ends after the comment `id`: its hash's top bits are zero.
fn ends_chunk(id: i64) -> bool {
    (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - CHUNK_ONE_IN_LOG2) == 0
}

/// gzip (RFC 1952) of a view's JSON, made of chunks of its comments: those in `previous`
/// (the chunks of the version before) that hold the same pieces after the same run are
/// reused, the others are compressed, so a changed comment costs its chunk and the next.
/// Returns the body and its chunks, or `None` if compressing failed.
fn chunked(view: &View, previous: &[Arc<Chunk>]) -> Option<(Bytes, Vec<Arc<Chunk>>)> {
    // The header: no name, no time, "unknown" system. The end: an empty final block in fixed
    // codes, then the CRC-32 and length of everything, little-endian.
    const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];
    let (head, tail) = view.frame()?;
    let reuse: HashMap<u64, &Arc<Chunk>> = previous
        .iter()
        .filter_map(|chunk| Some((*chunk.serials.first()?, chunk)))
        .collect();
    let mut runs = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (at, piece) in view.pieces.iter().enumerate() {
        bytes += piece.json.len() + 1;
        if at + 1 == view.pieces.len() || ends_chunk(piece.comment.id) || bytes >= MOST_CHUNK_BYTES
        {
            runs.push(view.pieces.get(start..=at)?);
            (start, bytes) = (at + 1, 0);
        }
    }
    let mut chunks = Vec::with_capacity(runs.len());
    for (at, run) in runs.iter().enumerate() {
        let before = at
            .checked_sub(1)
            .and_then(|before| Some((*runs.get(before)?, before == 0)));
        chunks.push(chunk(run, at == 0, before, &reuse)?);
    }
    // The thread before the comments and the end after them are a few hundred bytes: no
    // dictionary, so neither depends on the other parts.
    let (head, tail) = (Part::of(&head, &[])?, Part::of(&tail, &[])?);
    let parts = std::iter::once(&head)
        .chain(chunks.iter().map(|chunk| &chunk.part))
        .chain(std::iter::once(&tail));
    let size: usize = parts.clone().map(|part| part.deflated.len()).sum();
    let mut body = Vec::with_capacity(HEADER.len() + size + FINAL_BLOCK.len() + 8);
    body.extend_from_slice(&HEADER);
    let (mut crc, mut len) = (crc32fast::Hasher::new(), 0u64);
    for part in parts {
        body.extend_from_slice(&part.deflated);
        crc.combine(&part.crc);
        len += part.len;
    }
    body.extend_from_slice(&FINAL_BLOCK);
    body.extend_from_slice(&crc.finalize().to_le_bytes());
    // ISIZE is the length modulo 2^32.
    body.extend_from_slice(&(len as u32).to_le_bytes());
    Some((Bytes::from(body), chunks))
}

/// The chunk of `run` (the list's first or not) after the run `before` (and whether that one
/// is the list's first): the one in `reuse` if it holds the same after the same, else
/// compressed now, with `before` as its dictionary.
fn chunk(
    run: &[Arc<Piece>],
    first: bool,
    before: Option<(&[Arc<Piece>], bool)>,
    reuse: &HashMap<u64, &Arc<Chunk>>,
) -> Option<Arc<Chunk>> {
    let serials = |run: &[Arc<Piece>]| -> Box<[u64]> { run.iter().map(|p| p.serial).collect() };
    let (own, before_key) = (serials(run), before.map(|(b, first)| (serials(b), first)));
    if let Some(old) = own.first().and_then(|serial| reuse.get(serial)) {
        if old.serials == own && old.before == before_key {
            return Some(Arc::clone(old));
        }
    }
    let dictionary = before.map_or_else(Vec::new, |(b, first)| run_json(b, first));
    Some(Arc::new(Chunk {
        serials: own,
        before: before_key,
        part: Part::of(&run_json(run, first), &dictionary)?,
    }))
}

/// The JSON of a run of pieces as it stands in the list: each preceded by its comma, but the
/// list's first.
fn run_json(run: &[Arc<Piece>], first: bool) -> Vec<u8> {
    let mut data = Vec::with_capacity(run.iter().map(|piece| piece.json.len() + 1).sum());
    push_run(&mut data, run, first);
    data
}

/// Appends [`run_json`] of the run to `out`.
fn push_run(out: &mut Vec<u8>, run: &[Arc<Piece>], first: bool) {
    for (at, piece) in run.iter().enumerate() {
        if at > 0 || !first {
            out.push(b',');
        }
        out.extend_from_slice(&piece.json);
    }
}

/// One version of one thread's public view as bytes: the JSON, and its compressed copies. A
/// large body's gzip is made with it, from chunks; the other copies when a reader first asks.
#[derive(Debug)]
struct Encoded {
    json: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    /// What a large body's gzip was made of, for the next version to reuse.
    chunks: Vec<Arc<Chunk>>,
}

impl Encoded {
    fn of(view: &View, previous: &[Arc<Chunk>]) -> Encoded {
        let json = view.json();
        let gzip = OnceLock::new();
        let mut chunks = Vec::new();
        if json.len() >= LARGE_BODY {
            if let Some((body, made)) = chunked(view, previous) {
                // Just made: nobody else has set it.
                let _ = gzip.set(body);
                chunks = made;
            }
        }
        Encoded {
            json: Bytes::from(json),
            gzip,
            brotli: OnceLock::new(),
            chunks,
        }
    }

    /// The body as the reader accepts it, or the JSON as it is.
    fn body(&self, accepts: Accepts) -> (Bytes, Encoding) {
        let encoding = accepts.pick(self.json.len());
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

/// A view made for one reader: a large one as gzip from the public view's chunks (only the
/// chunks holding what the reader sees apart are compressed), any other as JSON, which the
/// server's compression layer compresses on the way out.
fn personal(view: &View, public: &Encoded, accepts: Accepts) -> (Bytes, Encoding) {
    // Large by its comments alone (the thread around them is a few hundred bytes): the JSON
    // is put together only if it goes out as it is.
    let comments = view.comments_len();
    if comments >= LARGE_BODY && accepts.pick(comments) == Encoding::Gzip {
        if let Some((body, _)) = chunked(view, &public.chunks) {
            return (body, Encoding::Gzip);
        }
    }
    (Bytes::from(view.json()), Encoding::Identity)
}

/// A body compressed whole (a large one only if making it in chunks failed): a middle level,
/// fast enough for a thread that changes every second and within a few percent of the
/// smallest. Empty if compressing failed (it cannot, into memory), in which case the JSON goes
/// out as it is.
fn gzip(json: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), Compression::new(GZIP_LEVEL));
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

#[derive(Debug, Clone)]
struct Entry {
    version: i64,
    view: Arc<View>,
    encoded: Arc<Encoded>,
    last_read: u64,
}

impl Entry {
    /// Bytes are counted by the JSON, twice: once for the pieces. The compressed copies are a
    /// fraction of it.
    fn size(&self) -> usize {
        self.encoded.json.len() * 2
    }
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
    ///
    /// A thread whose cached view is of an older version is brought up to date from it: only
    /// the comments written since are read, serialized and compressed.
    pub async fn read(
        &self,
        pool: &AnyPool,
        slug: &str,
        order: SortOrder,
        voter: Option<(&str, &str)>,
        current: impl Fn(&str) -> bool,
        accepts: Accepts,
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
        let (public, encoded) = match self.cached(slug, order) {
            Some(hit) if hit.version == version => (hit.view, hit.encoded),
            stale => {
                let mut view = None;
                if let Some(old) = &stale {
                    view = updated(&mut tx, slug, thread_id, version, order, old).await?;
                }
                let view = match view {
                    Some(view) => view,
                    None => rebuilt(&mut tx, slug, version, order).await?,
                };
                let view = Arc::new(view);
                let previous = stale
                    .as_ref()
                    .map_or(&[][..], |old| &old.encoded.chunks[..]);
                let encoded = Arc::new(Encoded::of(&view, previous));
                self.keep(slug, order, version, &view, &encoded);
                (view, encoded)
            }
        };
        let seen = match voter {
            Some((voter, _)) => store::voter_view(&mut tx, thread_id, voter).await?,
            None => VoterView::default(),
        };
        tx.commit().await?;
        let (body, encoding) = if seen.is_empty() {
            encoded.body(accepts)
        } else {
            personal(&public.seen_by(seen, order), &encoded, accepts)
        };
        Ok(ThreadRead::Fresh {
            etag,
            body,
            encoding,
        })
    }

    /// The entry of a thread in an order, whatever its version.
    fn cached(&self, slug: &str, order: SortOrder) -> Option<Entry> {
        let mut entries = self.lock();
        entries.reads += 1;
        let now = entries.reads;
        // A lookup by a borrowed pair would need a key type of its own; a slug is short.
        let entry = entries.by_thread.get_mut(&(slug.to_owned(), order))?;
        entry.last_read = now;
        Some(entry.clone())
    }

    fn keep(
        &self,
        slug: &str,
        order: SortOrder,
        version: i64,
        view: &Arc<View>,
        encoded: &Arc<Encoded>,
    ) {
        let mut entries = self.lock();
        let key = (slug.to_owned(), order);
        // Two readers that missed at once both store; the newer version wins.
        if let Some(old) = entries.by_thread.get(&key) {
            if old.version > version {
                return;
            }
        }
        if let Some(old) = entries.by_thread.remove(&key) {
            entries.bytes -= old.size();
        }
        entries.reads += 1;
        let entry = Entry {
            version,
            view: Arc::clone(view),
            encoded: Arc::clone(encoded),
            last_read: entries.reads,
        };
        while !entries.by_thread.is_empty()
            && (entries.by_thread.len() >= MOST_ENTRIES
                || entries.bytes + entry.size() > MOST_BYTES)
        {
            entries.evict_least_recent();
        }
        entries.bytes += entry.size();
        entries.by_thread.insert(key, entry);
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
            self.bytes -= entry.size();
        }
    }
}

/// The public view of a thread at `version`, read whole.
async fn rebuilt(
    tx: &mut AnyConnection,
    slug: &str,
    version: i64,
    order: SortOrder,
) -> sqlx::Result<View> {
    let Some((thread, comments)) = store::thread_with_comments(tx, slug, order, None).await? else {
        // The version was read in this same transaction: the thread is there.
        tracing::error!(slug, "a thread vanished within one read transaction");
        return Err(sqlx::Error::RowNotFound);
    };
    Ok(View {
        thread: thread.into_wire(),
        version: u64::try_from(version).unwrap_or(0),
        pieces: comments
            .into_iter()
            .map(|row| Piece::new(row.into_wire()))
            .collect(),
    })
}

/// The public view of a thread at `version`, from `old`'s: the comments written since `old`
/// was read (`comments.version`) take their new places, or leave it if nobody may see them
/// now. `None` when reading it whole is the better way: when so many were written that it
/// is as quick, or when a comment was deleted from the table (which leaves no version behind:
/// the count of published comments tells).
async fn updated(
    tx: &mut AnyConnection,
    slug: &str,
    thread_id: i64,
    version: i64,
    order: SortOrder,
    old: &Entry,
) -> sqlx::Result<Option<View>> {
    let Some(thread) = store::thread_row(tx, slug, None).await? else {
        return Ok(None);
    };
    let written = store::comments_changed_since(tx, thread_id, old.version).await?;
    if written.len() > old.view.pieces.len() / 4 + 64 {
        return Ok(None);
    }
    let gone: IdSet = written.iter().map(|changed| changed.comment.id).collect();
    let mut pieces: Vec<Arc<Piece>> = old
        .view
        .pieces
        .iter()
        .filter(|piece| !gone.contains(&piece.comment.id))
        .cloned()
        .collect();
    pieces.extend(
        written
            .into_iter()
            .filter(|changed| changed.published)
            .map(|changed| Piece::new(changed.comment.into_wire())),
    );
    // Stable, and what was there is in this order already (a vote may move one in `top`).
    pieces.sort_by(|a, b| order.compare(&a.comment, &b.comment));
    let published = store::published_count(tx, thread_id).await?;
    if usize::try_from(published).ok() != Some(pieces.len()) {
        return Ok(None);
    }
    Ok(Some(View {
        thread: thread.into_wire(),
        version: u64::try_from(version).unwrap_or(0),
        pieces,
    }))
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
    use std::io::Read;

    use super::*;

    fn accepts(header: &str) -> Accepts {
        Accepts::parse(std::iter::once(header))
    }

    #[test]
    fn brotli_is_preferred_then_gzip_gzip_first_when_large_and_q0_refuses() {
        let medium = 64 * 1024;
        assert_eq!(
            accepts("gzip, deflate, br, zstd").pick(medium),
            Encoding::Brotli
        );
        assert_eq!(
            accepts("gzip, deflate, br").pick(LARGE_BODY),
            Encoding::Gzip
        );
        assert_eq!(accepts("br").pick(LARGE_BODY), Encoding::Brotli);
        assert_eq!(accepts("gzip").pick(medium), Encoding::Gzip);
        assert_eq!(accepts("GZIP;q=0.5").pick(medium), Encoding::Gzip);
        assert_eq!(accepts("br;q=0, gzip").pick(medium), Encoding::Gzip);
        assert_eq!(
            accepts("br;q=0.0, gzip;q=0").pick(medium),
            Encoding::Identity
        );
        assert_eq!(accepts("").pick(medium), Encoding::Identity);
        assert_eq!(accepts("identity, *;q=0").pick(medium), Encoding::Identity);
        assert_eq!(accepts("br, gzip").pick(100), Encoding::Identity);
    }

    fn comment(id: i64, body: &str) -> Comment {
        Comment {
            id,
            parent_id: None,
            author: format!("author {id}"),
            avatar: None,
            subject: None,
            body_html: format!("<p>{body} {id}</p>"),
            created_at: format!("2026-01-01T00:{:02}:{:02}Z", id / 60 % 60, id % 60),
            edited_at: None,
            votes: 0,
            viewer_voted: false,
            signature: None,
            deleted: false,
            held: false,
        }
    }

    fn view(title: &str, comments: impl IntoIterator<Item = Comment>) -> View {
        View {
            thread: Thread {
                slug: "t".to_owned(),
                title: Some(title.to_owned()),
                url: None,
                votes: 3,
                viewer_voted: false,
            },
            version: 7,
            pieces: comments.into_iter().map(Piece::new).collect(),
        }
    }

    fn gunzip(body: &[u8]) -> Vec<u8> {
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut json)
            .unwrap();
        json
    }

    #[test]
    fn the_json_put_together_from_pieces_is_what_serde_writes() {
        for title in ["plain", "\"comments\":[]", "a\"comments\":[]\\", ""] {
            let view = view(title, (1..=5).map(|id| comment(id, "body")));
            assert_eq!(view.json(), serde_json::to_vec(&view.response()).unwrap());
            let empty = self::view(title, []);
            assert_eq!(empty.json(), serde_json::to_vec(&empty.response()).unwrap());
        }
    }

    #[test]
    fn a_chunked_gzip_is_the_json_and_a_change_compresses_only_its_chunk() {
        let first = view("t", (1..=600).map(|id| comment(id, &"words ".repeat(40))));
        let (body, chunks) = chunked(&first, &[]).unwrap();
        assert_eq!(gunzip(&body), first.json());
        assert!(chunks.len() > 3, "{} chunks", chunks.len());
        // Each chunk leans on the one before: about as small as the JSON compressed whole.
        let whole = gzip(&first.json()).len();
        assert!(
            body.len() * 100 < whole * 102,
            "{} bytes, {whole} whole",
            body.len()
        );

        // A vote on one comment: a new piece for it, the others as they were.
        let mut pieces = first.pieces.clone();
        let mut voted = pieces[300].comment.clone();
        voted.votes = 1;
        pieces[300] = Piece::new(voted);
        let second = View {
            pieces,
            version: 8,
            ..view("t", [])
        };
        let (body, next) = chunked(&second, &chunks).unwrap();
        assert_eq!(gunzip(&body), second.json());
        let reused = |next: &[Arc<Chunk>], old: &[Arc<Chunk>]| {
            next.iter()
                .filter(|chunk| old.iter().any(|o| Arc::ptr_eq(o, chunk)))
                .count()
        };
        // Its chunk, and the next (whose dictionary it is).
        assert_eq!(reused(&next, &chunks), chunks.len() - 2);

        // A comment first in the list (`newest`): only the first chunk is made again.
        let mut pieces = vec![Piece::new(comment(601, "new"))];
        pieces.extend(second.pieces.iter().cloned());
        let third = View {
            pieces,
            ..view("t", [])
        };
        let (body, last) = chunked(&third, &next).unwrap();
        assert_eq!(gunzip(&body), third.json());
        assert_eq!(reused(&last, &next), next.len() - 2);

        // A voter's view: their votes marked, the rest shared.
        let seen = third.seen_by(
            VoterView {
                thread_voted: true,
                voted: vec![5],
                held: Vec::new(),
            },
            SortOrder::Oldest,
        );
        let (body, mine) = chunked(&seen, &last).unwrap();
        let response: ThreadResponse = serde_json::from_slice(&gunzip(&body)).unwrap();
        assert!(response.thread.viewer_voted);
        assert_eq!(
            response
                .comments
                .iter()
                .filter(|c| c.viewer_voted)
                .map(|c| c.id)
                .collect::<Vec<_>>(),
            [5]
        );
        assert_eq!(reused(&mine, &last), last.len() - 2);
    }

    #[test]
    fn small_bodies_go_out_as_they_are_and_others_are_compressed_once() {
        let small = Encoded::of(&view("t", []), &[]);
        assert_eq!(small.body(accepts("br")).1, Encoding::Identity);
        let medium = Encoded::of(&view("t", (1..=50).map(|id| comment(id, "x"))), &[]);
        assert!(medium.chunks.is_empty());
        let (body, encoding) = medium.body(accepts("gzip"));
        assert_eq!(encoding, Encoding::Gzip);
        assert_eq!(gunzip(&body), medium.json);
        // Made once: the second ask is the same bytes.
        assert_eq!(medium.body(accepts("gzip")).0.as_ptr(), body.as_ptr());
    }
}
