DROP INDEX notes_one_welcome_note_per_owner_idx;
ALTER TABLE notes DROP COLUMN kind;
