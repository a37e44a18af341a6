-- CreateNote's write as notes-service sends it (services/notes-service/src/db/notes-repository.ts,
-- packages/outbox/src/append.ts, deferred writes of packages/postgres/src/transaction.ts): the note
-- and its notes.NoteCreated outbox row in one statement, its own transaction, one round trip.
-- pgbench draws numbers only: the owner's uuid is md5('owner-<n>'), the note's id a UUIDv7 made by
-- the server, which the outbox row takes from the note's CTE (notes-service sends both as parameters).
\set owner random(1, :users)
WITH note AS (
  INSERT INTO notes (id, owner_id, title, content, version, created_at, updated_at, kind)
    VALUES (uuidv7(), md5('owner-' || :owner)::uuid, :title, :content, 1, now(), now(), 'note')
    RETURNING id
)
INSERT INTO outbox (id, aggregate_id, topic, type, payload, correlation_id, trace_headers, occurred_at)
  SELECT uuidv7(), id, 'notes.events', 'notes.NoteCreated', :payload, NULL, NULL, now() FROM note;
