-- Double-keyed data entry. An entry's state (both keyings, the draft, who
-- did what) is sealed JSON: personal data never sits in the clear. The
-- columns beside it are what the queues select on. `revision` rises by one
-- with each change, so a change made on a stale read is refused.

CREATE TABLE entries (
    id          TEXT PRIMARY KEY,
    form        TEXT NOT NULL,
    person      TEXT NOT NULL,
    paper       TEXT NOT NULL,
    state       TEXT NOT NULL,
    first_by    TEXT NOT NULL,
    second_by   TEXT,
    revision    INTEGER NOT NULL,
    body        BLOB NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE INDEX entries_by_state ON entries(state, updated_at);

-- Committed records: one version per commit (entry or correction), sealed.
CREATE TABLE tax_records (
    person       TEXT NOT NULL,
    form         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    entry        TEXT NOT NULL,
    body         BLOB NOT NULL,
    committed_at TEXT NOT NULL,
    PRIMARY KEY (person, form, version)
) STRICT;

-- Slips found when a difference was settled: whose value did not stand.
CREATE TABLE entry_slips (
    entry  TEXT NOT NULL,
    field  TEXT NOT NULL,
    keyer  TEXT NOT NULL,
    staff  TEXT NOT NULL,
    at     TEXT NOT NULL
) STRICT;

CREATE INDEX entry_slips_by_staff ON entry_slips(staff, at);
