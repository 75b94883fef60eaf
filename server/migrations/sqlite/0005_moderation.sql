-- Moderation: held comments, who wrote what, blocks, and the log of what the admin did.

-- `published` comments are what everyone reads; `held` ones wait for the admin's approval
-- (`--moderation`) and are shown only to their author. Everything written before this
-- migration was published.
ALTER TABLE comments ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CHECK (status IN ('published', 'held'));
-- Who wrote it: the voter id of the author's browser (the widget sends its voter token with a
-- new comment) and the salted hash of their network, as votes store it. They let the author
-- see their own held comment, tell a first post from a known author, and let the admin block
-- either. NULL when unknown (imported comments, a client without a voter token).
ALTER TABLE comments ADD COLUMN voter TEXT;
ALTER TABLE comments ADD COLUMN network BLOB;
CREATE INDEX comments_by_voter ON comments(voter, status);
CREATE INDEX comments_by_network ON comments(network, status);
-- The admin page lists the held comments, newest first.
CREATE INDEX comments_by_status ON comments(status, id);

-- Clients whose writes are refused: `kind` says what `target` is, a voter id or a network
-- hash (hex).
CREATE TABLE blocks (
    kind        TEXT NOT NULL CHECK (kind IN ('voter', 'network')),
    target      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (kind, target)
) WITHOUT ROWID;

-- Every action of the admin: who (always `admin`: there is one secret), what, on what, when.
CREATE TABLE admin_log (
    id          INTEGER PRIMARY KEY,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
