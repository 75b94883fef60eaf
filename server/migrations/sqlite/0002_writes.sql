-- The write path: the server's own secrets, edit tokens, and where votes came from.

-- Secrets the server generates on its first start and then keeps: `voter_key` signs voter
-- tokens, `network_salt` salts the hashes of client networks. They live with the data they
-- protect, so tokens stay valid across restarts and a backup restores both together.
CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    value       BLOB NOT NULL
) WITHOUT ROWID;

-- SHA-256 of the comment's edit token; the token itself is only ever known to its author.
-- NULL for comments nobody may edit (the demo's).
ALTER TABLE comments ADD COLUMN edit_token_hash BLOB;

-- Deleting a comment asks whether it has replies.
CREATE INDEX comments_by_parent ON comments(parent_id);

-- A salted hash of the network a vote came from (never the address itself), so that one
-- network's weight in a tally can be capped. NULL for votes with no network (the demo's).
ALTER TABLE comment_votes ADD COLUMN network BLOB;
ALTER TABLE thread_votes ADD COLUMN network BLOB;
CREATE INDEX comment_votes_by_network ON comment_votes(comment_id, network);
CREATE INDEX thread_votes_by_network ON thread_votes(thread_id, network);
