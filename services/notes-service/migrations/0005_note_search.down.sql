DROP INDEX notes_owner_tags_idx;
DROP INDEX notes_owner_search_idx;
-- Fails (and so keeps it) if anything else in the database has come to depend on it.
DROP EXTENSION btree_gin;
ALTER TABLE notes DROP COLUMN search;
