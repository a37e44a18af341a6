CREATE TABLE users (
  id uuid PRIMARY KEY,
  -- Stored lower-cased by the service, so the unique constraint is case-insensitive.
  email text NOT NULL CONSTRAINT users_email_key UNIQUE,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL
);

-- Refresh tokens rotate on every use; all tokens descending from one sign-in share a family_id,
-- so presenting a used token can revoke the whole family. Only the SHA-256 of a token is kept.
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id uuid NOT NULL,
  token_hash bytea NOT NULL CONSTRAINT refresh_tokens_token_hash_key UNIQUE,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz
);

CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
-- The cascade from users deletes by user_id.
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
