-- ListNotes' first page (the default 20 notes, one more to tell whether another page follows), as
-- notes-service queries it (services/notes-service/src/db/notes-repository.ts, listLive).
\set owner random(1, :users)
SELECT id, owner_id, title, content, version, created_at, updated_at FROM notes
  WHERE owner_id = md5('owner-' || :owner)::uuid AND deleted_at IS NULL
  ORDER BY created_at DESC, id DESC LIMIT 21;
