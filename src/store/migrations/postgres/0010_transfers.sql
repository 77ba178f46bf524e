-- Manual transfers: the destinations and formats IT officers register, and
-- each transfer's state (sealed: it names persons) with the manifest that
-- was signed (sealed: it holds their data). Nothing here is ever deleted:
-- a rejected transfer stays with its reason.

CREATE TABLE transfer_destinations (
    id         TEXT PRIMARY KEY,
    revision   BIGINT NOT NULL,
    body       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE transfer_formats (
    id            TEXT NOT NULL,
    version       BIGINT NOT NULL,
    body          TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE transfers (
    id          TEXT PRIMARY KEY,
    state       TEXT NOT NULL,
    prepared_by TEXT NOT NULL,
    destination TEXT NOT NULL REFERENCES transfer_destinations(id),
    format      TEXT NOT NULL,
    revision    BIGINT NOT NULL,
    body        BYTEA NOT NULL,
    manifest    BYTEA,
    updated_at  TEXT NOT NULL
);

CREATE INDEX transfers_by_state ON transfers(state, updated_at);
