-- The site owner's side: comments brought over from another comment system.

-- Where an imported comment came from, like `disqus:1234567` (NULL for comments written
-- here). Unique, so running an import twice finds what the first run stored and adds nothing.
-- SQLite's unique indexes let any number of NULLs through.
ALTER TABLE comments ADD COLUMN origin TEXT;
CREATE UNIQUE INDEX comments_by_origin ON comments(origin);

-- The origin of the comment an imported reply answers, while that comment may still be
-- further down the export; the import links every reply to its parent at the end and clears
-- this. NULL outside an import.
ALTER TABLE comments ADD COLUMN origin_parent TEXT;
