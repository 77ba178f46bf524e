-- Login attempts per user ID as typed, whether an account has it or not, so
-- that an unknown ID locks and answers exactly like a real one. Keyed by an
-- HMAC of the ID: guessed IDs are never stored in the clear.
CREATE TABLE login_guard (
    key          BLOB PRIMARY KEY,
    attempts     INTEGER NOT NULL,
    locked_until TEXT,
    last_at      TEXT NOT NULL
) STRICT;
CREATE INDEX login_guard_last ON login_guard(last_at);

-- The lockout lives in login_guard now.
ALTER TABLE staff DROP COLUMN failed_logins;
ALTER TABLE staff DROP COLUMN locked_until;
-- Where the last accepted code was used: a double-submitted login form is
-- told apart from a replay.
ALTER TABLE staff ADD COLUMN last_totp_terminal TEXT;

-- A session may exist before its purpose is chosen (a department with
-- several purposes); it may do nothing until then.
CREATE TABLE sessions_new (
    token_hash   BLOB PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES staff(user_id),
    terminal     TEXT NOT NULL,
    purpose      TEXT REFERENCES purposes(code),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
) STRICT;
INSERT INTO sessions_new SELECT token_hash, user_id, terminal, purpose, created_at, last_seen_at, expires_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_user ON sessions(user_id);
