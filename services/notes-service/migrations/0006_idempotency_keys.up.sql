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

-- Takes the owner's key until the transaction ends: only one transaction at a time writes under a
-- key. Tried, never waited for: SQLSTATE NK409 when another transaction holds it (the BFF's 409).
CREATE FUNCTION take_idempotency_key(p_owner uuid, p_key text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtextextended(p_owner::text || p_key, 0)) THEN
    RAISE EXCEPTION 'idempotency key % is in flight', p_key USING ERRCODE = 'NK409';
  END IF;
END $$;

-- Records a key with the answer to its request, in the statement or transaction of the write it
-- guards: takes the key, then inserts it, replacing a row recorded before p_since (expired, not yet
-- purged). A row recorded since then means another request under the key committed meanwhile:
-- SQLSTATE NK422, and the write rolls back with it.
CREATE FUNCTION record_idempotency_key(
  p_owner uuid, p_key text, p_fingerprint bytea, p_answer bytea, p_at timestamptz, p_since timestamptz
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM take_idempotency_key(p_owner, p_key);
  INSERT INTO idempotency_keys AS k (owner_id, key, fingerprint, answer, created_at)
  VALUES (p_owner, p_key, p_fingerprint, p_answer, p_at)
  ON CONFLICT (owner_id, key) DO UPDATE
    SET fingerprint = EXCLUDED.fingerprint, answer = EXCLUDED.answer, created_at = EXCLUDED.created_at
    WHERE k.created_at < p_since;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'idempotency key % was recorded meanwhile', p_key USING ERRCODE = 'NK422';
  END IF;
END $$;
