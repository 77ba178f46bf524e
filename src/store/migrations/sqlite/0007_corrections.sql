-- Corrections of committed records: proposed, then approved or rejected,
-- kept either way. The proposal (the record as it would be) is sealed.

CREATE TABLE corrections (
    id          TEXT PRIMARY KEY,
    person      TEXT NOT NULL,
    form        TEXT NOT NULL,
    state       TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    body        BLOB NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE INDEX corrections_by_state ON corrections(state, updated_at);
