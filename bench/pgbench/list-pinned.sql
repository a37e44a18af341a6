-- A first page of pinned notes, as notes-service queries it (services/notes-service/src/db/note-pages.ts,
-- newestPage; prepared), on the seeded user's notes (bench/search/seed.ts).
SELECT id, owner_id, title, content, tags, pinned, archived, version, created_at, updated_at FROM notes
  WHERE owner_id = :owner AND deleted_at IS NULL AND archived = :archived AND pinned = :pinned
  ORDER BY created_at DESC, id DESC LIMIT :limit;
