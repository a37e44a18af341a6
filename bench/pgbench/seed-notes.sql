-- The notes get-note.sql reads: `seeded` notes spread over the `users` owners of the other scripts.
INSERT INTO notes (id, owner_id, title, content, version, created_at, updated_at, kind)
  SELECT md5('seed-' || n)::uuid, md5('owner-' || (n % :users + 1))::uuid, :title, :content, 1, now(), now(), 'note'
  FROM generate_series(1, :seeded) AS n;
