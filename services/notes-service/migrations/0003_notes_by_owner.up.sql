-- Deleting an account deletes every note of its owner, deleted ones included, which the live-notes
-- index does not cover.
CREATE INDEX notes_owner_id_idx ON notes (owner_id);
