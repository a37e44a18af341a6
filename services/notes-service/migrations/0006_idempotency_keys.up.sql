-- The Idempotency-Key of each note write, per owner, written in the transaction of the write it
-- guards: the fingerprint of the request it was first used with and the answer to give again
-- (CreateNoteResponse and the like, as protobuf bytes). Kept 24 hours, then purged (by created_at).
CREATE TABLE idempotency_keys (
  owner_id uuid NOT NULL,
  key text NOT NULL,
  fingerprint bytea NOT NULL,
  answer bytea NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (owner_id, key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
