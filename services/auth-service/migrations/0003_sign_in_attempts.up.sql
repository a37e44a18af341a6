-- Sign-in attempts per email (lower-cased, whether or not an account has it, so that a refusal
-- reveals no account) in fixed windows: every replica of auth-service counts in the same row.
-- A row goes when its sign-in succeeds, or some time after its window ended.
CREATE TABLE sign_in_attempts (
  email text PRIMARY KEY,
  window_started_at timestamptz NOT NULL,
  attempts integer NOT NULL
);

CREATE INDEX sign_in_attempts_window_started_at_idx ON sign_in_attempts (window_started_at);
