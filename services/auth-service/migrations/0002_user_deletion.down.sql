ALTER TABLE users DROP COLUMN deletion_requested_at;
