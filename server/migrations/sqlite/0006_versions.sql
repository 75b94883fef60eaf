-- Versions: every change to a thread, whoever makes it (the API, the admin, an import, another
-- server process on the same file), moves the thread's `version` forward, here in triggers
-- rather than in the code that writes. Reads use it as the key of their cache and of their
-- `ETag` (a thread unchanged since the reader's copy is answered 304), and the live updates
-- (`GET /api/threads/{slug}/events`) send every comment whose `version` is past the reader's.

-- How many changes the thread has seen, and the version at which its own tally last moved.
ALTER TABLE threads ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE threads ADD COLUMN votes_version INTEGER NOT NULL DEFAULT 0;
-- The thread's version just after this comment last changed.
ALTER TABLE comments ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX comments_by_version ON comments(thread_id, version);
-- A read by a voter marks what that voter voted for in the thread.
CREATE INDEX comment_votes_by_voter ON comment_votes(voter, comment_id);

-- Only a change to what a reader sees fires these (not `version` itself, so the triggers' own
-- updates fire nothing more, nor the bookkeeping of imports and moderation, nor an update
-- that writes the value already there).
CREATE TRIGGER comment_written AFTER INSERT ON comments
BEGIN
    UPDATE threads SET version = version + 1 WHERE id = NEW.thread_id;
    UPDATE comments SET version = (SELECT version FROM threads WHERE id = NEW.thread_id)
        WHERE id = NEW.id;
END;

CREATE TRIGGER comment_changed
AFTER UPDATE OF thread_id, parent_id, author, avatar, subject, body_html, signature,
    created_at, edited_at, deleted, votes, status ON comments
WHEN OLD.thread_id IS NOT NEW.thread_id OR OLD.parent_id IS NOT NEW.parent_id
    OR OLD.author IS NOT NEW.author OR OLD.avatar IS NOT NEW.avatar
    OR OLD.subject IS NOT NEW.subject OR OLD.body_html IS NOT NEW.body_html
    OR OLD.signature IS NOT NEW.signature OR OLD.created_at IS NOT NEW.created_at
    OR OLD.edited_at IS NOT NEW.edited_at OR OLD.deleted IS NOT NEW.deleted
    OR OLD.votes IS NOT NEW.votes OR OLD.status IS NOT NEW.status
BEGIN
    UPDATE threads SET version = version + 1 WHERE id IN (OLD.thread_id, NEW.thread_id);
    UPDATE comments SET version = (SELECT version FROM threads WHERE id = NEW.thread_id)
        WHERE id = NEW.id;
END;

CREATE TRIGGER comment_removed AFTER DELETE ON comments
BEGIN
    UPDATE threads SET version = version + 1 WHERE id = OLD.thread_id;
END;

CREATE TRIGGER thread_changed AFTER UPDATE OF slug, title, url, votes ON threads
WHEN OLD.slug IS NOT NEW.slug OR OLD.title IS NOT NEW.title OR OLD.url IS NOT NEW.url
    OR OLD.votes IS NOT NEW.votes
BEGIN
    UPDATE threads SET version = version + 1,
        votes_version = CASE WHEN OLD.votes IS NOT NEW.votes THEN version + 1
            ELSE votes_version END
        WHERE id = NEW.id;
END;
