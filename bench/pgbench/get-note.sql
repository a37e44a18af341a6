-- GetNote as notes-service queries it (services/notes-service/src/db/notes-repository.ts, findLive),
-- on one of the notes seed-notes.sql wrote.
\set n random(1, :seeded)
\set owner :n % :users + 1
SELECT id, owner_id, title, content, version, created_at, updated_at FROM notes
  WHERE id = md5('seed-' || :n)::uuid AND owner_id = md5('owner-' || :owner)::uuid AND deleted_at IS NULL;
