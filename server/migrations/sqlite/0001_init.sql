-- Threads, comments and votes.
--
-- Timestamps are TEXT in RFC 3339 UTC with one fixed format, `YYYY-MM-DDTHH:MM:SSZ`, so that
-- comparing them as strings orders them in time (ORDER BY created_at).
--
-- Vote counters (`votes` columns) are a cache of the vote tables: one row per voter per target
-- (the primary key refuses a second one), and the counter changes in the same transaction as
-- the row, so a tally never drifts from the voters behind it.

CREATE TABLE threads (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    title       TEXT,
    url         TEXT,
    votes       INTEGER NOT NULL DEFAULT 0 CHECK (votes >= 0),
    created_at  TEXT NOT NULL
);

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY,
    thread_id   INTEGER NOT NULL REFERENCES threads(id),
    parent_id   INTEGER REFERENCES comments(id),
    author      TEXT NOT NULL,
    avatar      TEXT,
    subject     TEXT,
    body_md     TEXT NOT NULL,
    -- Rendered and sanitized once, when written: reads are far more frequent than writes.
    body_html   TEXT NOT NULL,
    signature   TEXT,
    created_at  TEXT NOT NULL,
    edited_at   TEXT,
    -- A deleted comment stays as a placeholder so that its replies keep their place.
    deleted     INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    votes       INTEGER NOT NULL DEFAULT 0 CHECK (votes >= 0)
);

-- A thread is always read whole, oldest first unless asked otherwise.
CREATE INDEX comments_by_thread ON comments(thread_id, created_at, id);

CREATE TABLE comment_votes (
    comment_id  INTEGER NOT NULL REFERENCES comments(id),
    voter       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (comment_id, voter)
);

CREATE TABLE thread_votes (
    thread_id   INTEGER NOT NULL REFERENCES threads(id),
    voter       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (thread_id, voter)
);
