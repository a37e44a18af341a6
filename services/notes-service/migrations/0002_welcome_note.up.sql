-- What a note is to the platform: 'note' (the owner's own) or 'welcome' (the one SignUpSaga makes).
-- The unique index lets an owner have at most one welcome note, ever: its row stays when it is
-- (soft-)deleted, so a CreateWelcomeNote command sent again never makes a second one.
ALTER TABLE notes ADD COLUMN kind text NOT NULL DEFAULT 'note' CONSTRAINT notes_kind_check CHECK (kind IN ('note', 'welcome'));

CREATE UNIQUE INDEX notes_one_welcome_note_per_owner_idx ON notes (owner_id) WHERE kind = 'welcome';
