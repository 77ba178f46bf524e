-- Batches of paper (束): the header's form count and control total, and
-- the entries keyed from it.

CREATE TABLE batches (
    id            TEXT PRIMARY KEY,
    form          TEXT NOT NULL,
    forms         INTEGER NOT NULL,
    control_field TEXT NOT NULL,
    control_total INTEGER NOT NULL,
    opened_by     TEXT NOT NULL,
    opened_at     TEXT NOT NULL,
    closed_by     TEXT,
    closed_at     TEXT
) STRICT;

CREATE TABLE batch_entries (
    batch TEXT NOT NULL REFERENCES batches(id),
    entry TEXT NOT NULL UNIQUE,
    PRIMARY KEY (batch, entry)
) STRICT;
