-- Grants: a user given a role in a department from a start to an expiry
-- (none for the grants made with an account at the console), requested by
-- one person and applied or refused by another, revoked early or not.
-- Expiry is not a state: an active grant past `expires_at` gives nothing.
-- Times are fixed-width UTC text, so they compare as they sort.

CREATE TABLE grants (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES staff(user_id),
    role         TEXT NOT NULL,
    department   TEXT NOT NULL,
    starts_at    TEXT NOT NULL,
    expires_at   TEXT,
    state        TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by   TEXT,
    decided_at   TEXT,
    revoked_by   TEXT,
    revoked_at   TEXT,
    reason       TEXT NOT NULL,
    end_reason   TEXT,
    revision     INTEGER NOT NULL
);

CREATE INDEX grants_by_user ON grants(user_id, state, starts_at);
CREATE INDEX grants_by_department ON grants(department, state);

-- Every account had its role before grants: it keeps it, from when it was
-- made, without expiry, as the console's.
INSERT INTO grants(id, user_id, role, department, starts_at, expires_at, state,
                   requested_by, requested_at, decided_by, decided_at, reason, revision)
SELECT 'account-' || user_id, user_id, role, department, created_at, NULL, 'active',
       'admin-cli', created_at, 'admin-cli', created_at, 'account created', 1
FROM staff;
