DROP FUNCTION record_idempotency_key(uuid, text, bytea, bytea, timestamptz, timestamptz);
DROP FUNCTION take_idempotency_key(uuid, text);
DROP TABLE idempotency_keys;
