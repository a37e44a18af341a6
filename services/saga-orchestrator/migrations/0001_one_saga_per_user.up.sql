-- The orchestrator's rules on the saga engine's table (applied after sagaMigrations): however
-- often auth.UserCreated is delivered, a user gets one SignUpSaga ever; and one DeleteUserSaga at
-- a time (a FAILED one waits for an operator, so it still counts). The engine's start returns the
-- existing saga when one of these refuses a new one.
CREATE UNIQUE INDEX sagas_one_sign_up_per_user ON sagas (user_id) WHERE type = 'SignUpSaga';
CREATE UNIQUE INDEX sagas_one_unfinished_user_deletion ON sagas (user_id)
  WHERE type = 'DeleteUserSaga' AND state IN ('RUNNING', 'COMPENSATING', 'FAILED');
