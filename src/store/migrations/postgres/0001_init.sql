-- bansho store, PostgreSQL. Applied in order by store::postgres::migrate,
-- under an advisory lock, recorded in schema_migrations. Mirrors
-- migrations/sqlite/0001_init.sql: timestamps stay TEXT in the same RFC 3339
-- form (chain::format_time) so audit hashes match byte for byte; search keys
-- use COLLATE "C" so prefix ranges and ordering follow code points, exactly
-- like SQLite's BINARY collation.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE purposes (
    code    TEXT PRIMARY KEY,
    name_ja TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE staff (
    user_id         TEXT COLLATE "C" PRIMARY KEY,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL,
    department      TEXT NOT NULL,
    pin_hash        TEXT NOT NULL,
    -- AES-256-GCM of the TOTP secret, bound to user_id; never plaintext.
    totp_secret_enc BYTEA NOT NULL,
    failed_logins   BIGINT NOT NULL DEFAULT 0,
    locked_until    TEXT,
    -- Last accepted TOTP time step: a code is accepted once.
    last_totp_step  BIGINT,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash   BYTEA PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES staff(user_id),
    terminal     TEXT NOT NULL,
    purpose      TEXT NOT NULL REFERENCES purposes(code),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE residents (
    person_number   TEXT COLLATE "C" PRIMARY KEY,
    -- AES-256-GCM(nonce || ciphertext), bound to person_number.
    my_number_enc   BYTEA NOT NULL,
    -- HMAC-SHA-256 of the number under its own key: exact lookup only.
    my_number_index BYTEA NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    kana            TEXT NOT NULL,
    name_key        TEXT COLLATE "C" NOT NULL,
    kana_key        TEXT COLLATE "C" NOT NULL,
    birth_date      TEXT COLLATE "C" NOT NULL,
    sex             TEXT NOT NULL,
    postal_code     TEXT NOT NULL,
    address         TEXT NOT NULL,
    address_key     TEXT COLLATE "C" NOT NULL,
    status          TEXT NOT NULL,
    support_measure BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX residents_kana ON residents(kana_key, birth_date);
CREATE INDEX residents_name ON residents(name_key, birth_date);
CREATE INDEX residents_birth ON residents(birth_date);

-- The access log: append-only, hash-chained. No names, no My Numbers,
-- no raw search text.
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    terminal   TEXT NOT NULL,
    action     TEXT NOT NULL,
    subjects   TEXT NOT NULL,
    query_hmac TEXT,
    purpose    TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    sensitive  BOOLEAN NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- SQLite has no TRUNCATE; PostgreSQL does, and it skips row triggers.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
