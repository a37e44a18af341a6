-- Every owner's notes. A deleted note keeps its row with deleted_at set (soft delete).
-- The NoteCreated/Updated/Deleted events will go to an outbox table written in the same
-- transaction as the note (a later migration).
CREATE TABLE notes (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL,
  title text NOT NULL,
  content text NOT NULL DEFAULT '',
  version bigint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  deleted_at timestamptz NULL
);

-- Serves the page query: one owner's live notes, newest first, resuming after (created_at, id).
CREATE INDEX notes_owner_live_page_idx ON notes (owner_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
