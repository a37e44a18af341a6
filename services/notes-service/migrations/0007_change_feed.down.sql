DROP TABLE note_change_purges;
DROP INDEX notes_deleted_at_idx;
DROP INDEX notes_owner_changes_idx;
ALTER TABLE notes DROP COLUMN change_xid;
