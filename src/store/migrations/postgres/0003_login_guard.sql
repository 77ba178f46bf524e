-- Login attempts per user ID as typed, whether an account has it or not, so
-- that an unknown ID locks and answers exactly like a real one. Keyed by an
-- HMAC of the ID: guessed IDs are never stored in the clear.
CREATE TABLE login_guard (
    key          BYTEA PRIMARY KEY,
    attempts     BIGINT NOT NULL,
    locked_until TEXT,
    last_at      TEXT NOT NULL COLLATE "C"
);
CREATE INDEX login_guard_last ON login_guard(last_at);

-- The lockout lives in login_guard now.
ALTER TABLE staff DROP COLUMN failed_logins;
ALTER TABLE staff DROP COLUMN locked_until;
-- Where the last accepted code was used: a double-submitted login form is
-- told apart from a replay.
ALTER TABLE staff ADD COLUMN last_totp_terminal TEXT;

-- A session may exist before its purpose is chosen (a department with
-- several purposes); it may do nothing until then.
ALTER TABLE sessions ALTER COLUMN purpose DROP NOT NULL;
