DROP INDEX notes_owner_id_idx;
