-- A full-sync page of the change feed (250 changes, one more to tell whether another page follows),
-- as notes-service queries it (services/notes-service/src/db/note-changes.ts, read); seed-notes.sql
-- gives each owner 250 notes. The parameters a full sync leaves NULL are NULL literals here, which
-- lets the planner drop their conditions: if anything, pgbench's side is the cheaper one.
\set owner random(1, :users)
SELECT pg_current_snapshot()::text AS snapshot,
    (SELECT purged_through FROM note_change_purges)::text AS purged_through, page.*
  FROM (VALUES (true)) AS answer (present)
  LEFT JOIN LATERAL (
    SELECT change_xid::text AS xid, deleted_at IS NOT NULL AS deleted,
        id, owner_id, title, content, tags, pinned, archived, version, created_at, updated_at
      FROM notes
      WHERE owner_id = md5('owner-' || :owner)::uuid AND change_xid >= '0'::xid8
        AND (NULL::pg_snapshot IS NULL OR NOT pg_visible_in_snapshot(change_xid, NULL::pg_snapshot))
        AND (NULL::pg_snapshot IS NOT NULL OR deleted_at IS NULL)
        AND (NULL::pg_snapshot IS NULL OR pg_visible_in_snapshot(change_xid, NULL::pg_snapshot))
        AND (NULL::xid8 IS NULL OR (change_xid, id) > (NULL::xid8, NULL::uuid))
      ORDER BY change_xid, id
      LIMIT 251
  ) AS page ON true;
