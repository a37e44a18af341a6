-- The change feed (ADR 0011): every write to a note records its transaction id in change_xid. The
-- INSERTs get it from the default, every UPDATE sets it. A feed cursor is a snapshot: the changes
-- after it are the rows whose change_xid it does not see, whatever order their transactions
-- committed in. Existing rows get this migration's transaction id (older than any cursor).
ALTER TABLE notes ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();

-- Serves the feed: one owner's rows from a snapshot's xmin on, in (change_xid, id) order.
CREATE INDEX notes_owner_changes_idx ON notes (owner_id, change_xid, id);
-- Serves the purge of deletion markers past their retention.
CREATE INDEX notes_deleted_at_idx ON notes (deleted_at) WHERE deleted_at IS NOT NULL;

-- The newest change_xid the purge of deletion markers has removed (one row). A cursor whose
-- snapshot does not see it may have missed a deletion that is gone: 410.
CREATE TABLE note_change_purges (
  singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT note_change_purges_one_row CHECK (singleton),
  purged_through xid8 NOT NULL
);
INSERT INTO note_change_purges (purged_through) VALUES ('0');
