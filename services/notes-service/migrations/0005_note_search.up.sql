-- Full-text search over a note's title and content, in this database (no second store to keep in
-- sync). The 'simple' configuration keeps every word in its exact form, whatever its language
-- (English, Russian, ...: no stemming, no stop words). Words are lower-cased with pg_c_utf8's
-- Unicode case mapping first: the database's own locale may be C, whose lower() leaves Cyrillic as
-- it is. Title words weigh more (A) than content words (B) in the relevance ranking.
ALTER TABLE notes ADD COLUMN search tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('simple', lower(title COLLATE pg_c_utf8)), 'A')
  || setweight(to_tsvector('simple', lower(content COLLATE pg_c_utf8)), 'B')
) STORED;

-- btree_gin lets one GIN index hold the owner with the words (or the tags), so a search or a tag
-- filter reads only the owner's matching notes, never every owner's. A trusted extension: the
-- database's owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX notes_owner_search_idx ON notes USING gin (owner_id, search) WHERE deleted_at IS NULL;
CREATE INDEX notes_owner_tags_idx ON notes USING gin (owner_id, tags) WHERE deleted_at IS NULL;
