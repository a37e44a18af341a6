-- What an owner organises notes by: tags (normalized by the service: lower-case, unique, sorted; at
-- most 20), pinned and archived. Existing notes get none, and are neither pinned nor archived.
ALTER TABLE notes
  ADD COLUMN tags text[] NOT NULL DEFAULT '{}' CONSTRAINT notes_tags_count_check CHECK (cardinality(tags) <= 20),
  ADD COLUMN pinned boolean NOT NULL DEFAULT false,
  ADD COLUMN archived boolean NOT NULL DEFAULT false;
