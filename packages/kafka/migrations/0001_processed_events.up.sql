-- The event ids each consumer group has handled, written in the transaction of the handler's effects:
-- a redelivered event finds its row and is acknowledged without running the effects again.
CREATE TABLE processed_events (
  consumer_group text NOT NULL,
  event_id uuid NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);

-- purgeProcessedEvents deletes by age.
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);
