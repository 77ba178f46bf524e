-- bansho store, SQLite. Applied in order by store::sqlite::migrate.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE purposes (
    code    TEXT PRIMARY KEY,
    name_ja TEXT NOT NULL,
    name_en TEXT NOT NULL
) STRICT;

CREATE TABLE staff (
    user_id        TEXT PRIMARY KEY,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL,
    department     TEXT NOT NULL,
    pin_hash       TEXT NOT NULL,
    -- AES-256-GCM of the TOTP secret, bound to user_id; never plaintext.
    totp_secret_enc BLOB NOT NULL,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TEXT,
    -- Last accepted TOTP time step: a code is accepted once.
    last_totp_step INTEGER,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
) STRICT;

CREATE TABLE sessions (
    token_hash   BLOB PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES staff(user_id),
    terminal     TEXT NOT NULL,
    purpose      TEXT NOT NULL REFERENCES purposes(code),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE residents (
    person_number   TEXT PRIMARY KEY,
    -- AES-256-GCM(nonce || ciphertext), bound to person_number.
    my_number_enc   BLOB NOT NULL,
    -- HMAC-SHA-256 of the number under its own key: exact lookup only.
    my_number_index BLOB NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    kana            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    kana_key        TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    sex             TEXT NOT NULL,
    postal_code     TEXT NOT NULL,
    address         TEXT NOT NULL,
    address_key     TEXT NOT NULL,
    status          TEXT NOT NULL,
    support_measure INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX residents_kana ON residents(kana_key, birth_date);
CREATE INDEX residents_name ON residents(name_key, birth_date);
CREATE INDEX residents_birth ON residents(birth_date);

-- The access log: append-only, hash-chained. No names, no My Numbers,
-- no raw search text.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    terminal   TEXT NOT NULL,
    action     TEXT NOT NULL,
    subjects   TEXT NOT NULL,
    query_hmac TEXT,
    purpose    TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    sensitive  INTEGER NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
