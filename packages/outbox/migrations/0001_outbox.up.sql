-- The transactional outbox (@notes/outbox). A service writes its events here in the same
-- transaction as the business rows; the relay publishes them to Kafka and marks them sent.
--   id           = the event_id of the envelope (so a republished event keeps its id)
--   seq          = insertion order; within a lane the relay publishes in seq order
--   lane         = a fixed hash of aggregate_id: one aggregate always lands in one lane, and one
--                  relay at a time works a lane (pg_try_advisory_xact_lock), which keeps each
--                  aggregate's events in order even with several relays on this table.
--                  16 lanes: the relay's outboxLanes constant must match.
CREATE TABLE outbox (
  id uuid PRIMARY KEY,
  aggregate_id text NOT NULL,
  topic text NOT NULL,
  type text NOT NULL,
  payload bytea NOT NULL,
  correlation_id text NULL,
  trace_headers jsonb NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz NULL,
  seq bigserial NOT NULL,
  -- hashtext is immutable; "& 15" (not abs(...) % 16) never overflows on -2^31.
  lane smallint GENERATED ALWAYS AS ((hashtext(aggregate_id) & 15)::smallint) STORED
);

-- The relay's work queue: the unsent rows of one lane in seq order. Partial, so it stays as
-- small as the backlog however large the table grows between purges.
CREATE INDEX outbox_unsent_idx ON outbox (lane, seq) WHERE sent_at IS NULL;

-- Retention: the relay deletes sent rows older than its retention period, oldest first.
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;
