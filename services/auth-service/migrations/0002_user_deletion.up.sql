-- Set when the account's deletion begins (DeleteUserSaga): from then on it can no longer sign in
-- or refresh; the row itself goes when the saga's last step deletes the account.
ALTER TABLE users ADD COLUMN deletion_requested_at timestamptz NULL;
