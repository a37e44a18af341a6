-- The saga engine's state (@notes/saga). One row per saga, rewritten at every transition in the
-- transaction that also writes the transition's command to the outbox and its lines to saga_steps.
--   step               the name of the step being run (RUNNING) or compensated (COMPENSATING), or
--                      where a FAILED saga stopped; NULL once it COMPLETED or was COMPENSATED
--   current_command_id the event id of the command whose reply is awaited; a reply to any other
--                      command id is stale. NULL while a refused compensation waits to be re-sent
--   deadline_at        when the current attempt times out (RUNNING and COMPENSATING only)
--   failed_in          the state a FAILED saga failed in (RUNNING or COMPENSATING): a retry resumes there
-- Services may add unique (partial) indexes, e.g. one saga of a type per user: the engine's start
-- then returns the saga a new one would conflict with instead of starting another.
CREATE TABLE sagas (
  id uuid PRIMARY KEY,
  type text NOT NULL,
  state text NOT NULL CHECK (state IN ('RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED', 'FAILED')),
  step text NULL,
  user_id uuid NULL,
  correlation_id text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  attempts integer NOT NULL DEFAULT 0,
  deadline_at timestamptz NULL,
  current_command_id uuid NULL,
  failure_reason text NULL,
  failed_in text NULL CHECK (failed_in IN ('RUNNING', 'COMPENSATING')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK ((state = 'FAILED') = (failed_in IS NOT NULL)),
  CHECK ((state IN ('RUNNING', 'COMPENSATING')) = (deadline_at IS NOT NULL))
);

-- The timeout scanner's queue: unfinished sagas by deadline. Partial, so it holds only those.
CREATE INDEX sagas_due_idx ON sagas (deadline_at) WHERE state IN ('RUNNING', 'COMPENSATING');
-- Listing newest first, all of them or one state's.
CREATE INDEX sagas_created_idx ON sagas (created_at DESC, id DESC);
CREATE INDEX sagas_state_created_idx ON sagas (state, created_at DESC, id DESC);
-- A user's sagas of a type (start finds the one a new saga conflicts with).
CREATE INDEX sagas_user_type_idx ON sagas (user_id, type, created_at DESC);

-- The history of each saga: every command sent, reply, timeout, operator action and end, in order.
CREATE TABLE saga_steps (
  saga_id uuid NOT NULL REFERENCES sagas (id) ON DELETE CASCADE,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  step text NOT NULL,
  event text NOT NULL,
  detail text NOT NULL DEFAULT '',
  at timestamptz NOT NULL,
  PRIMARY KEY (saga_id, seq)
);
