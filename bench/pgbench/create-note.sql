-- CreateNote's transaction as notes-service runs it (services/notes-service/src/db/notes-repository.ts,
-- packages/outbox/src/append.ts): the note and its notes.NoteCreated outbox row, committed together.
-- pgbench draws numbers only: the owner's uuid is md5('owner-<n>'), the note's id a UUIDv7 made by
-- the server and read back (RETURNING ... \gset) for the outbox row's aggregate_id.
\set owner random(1, :users)
BEGIN;
INSERT INTO notes (id, owner_id, title, content, version, created_at, updated_at, kind)
  VALUES (uuidv7(), md5('owner-' || :owner)::uuid, :title, :content, 1, now(), now(), 'note')
  RETURNING id \gset
INSERT INTO outbox (id, aggregate_id, topic, type, payload, correlation_id, trace_headers, occurred_at)
  VALUES (uuidv7(), :id, 'notes.events', 'notes.NoteCreated', :payload, NULL, NULL, now());
END;
