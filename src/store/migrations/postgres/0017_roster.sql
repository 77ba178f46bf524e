-- Roster reconciliations: when, by whom, the SHA-256 of the roster file and
-- how many people it listed; the findings (a grant, its holder, role and
-- department, the reason, and for a move the roster's department), never a
-- name from the roster; and the revocation of them, if one was made.
-- `seq` orders them: only the newest may be acted on.

CREATE TABLE roster_reconciliations (
    seq           BIGSERIAL PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    made_at       TEXT NOT NULL,
    made_by       TEXT NOT NULL,
    roster_sha256 TEXT NOT NULL,
    lines         BIGINT NOT NULL,
    revoked_at    TEXT,
    revoked_by    TEXT,
    revoked       BIGINT
);

CREATE TABLE roster_findings (
    reconciliation    TEXT NOT NULL REFERENCES roster_reconciliations(id),
    grant_id          TEXT NOT NULL REFERENCES grants(id),
    user_id           TEXT NOT NULL,
    role              TEXT NOT NULL,
    department        TEXT NOT NULL,
    reason            TEXT NOT NULL,
    roster_department TEXT,
    PRIMARY KEY (reconciliation, grant_id)
);
