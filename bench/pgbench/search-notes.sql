-- A search's first page, most relevant first, as notes-service queries it
-- (services/notes-service/src/db/note-pages.ts, rankedPage): unnamed there, planned with its values
-- each time, so run with --protocol=extended. `query` is the tsquery text notes-service builds
-- from q (tsqueryText), `owner` the seeded user (bench/search/seed.ts).
SELECT id, owner_id, title, content, tags, pinned, archived, version, created_at, updated_at, ts_rank(search, query) AS rank
  FROM notes, to_tsquery('simple', lower(:query::text COLLATE pg_c_utf8)) AS query
  WHERE owner_id = :owner AND deleted_at IS NULL AND archived = :archived AND search @@ query
  ORDER BY rank DESC, created_at DESC, id DESC LIMIT :limit;
