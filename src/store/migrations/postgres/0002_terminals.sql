-- Registered terminals: one client certificate each, known by the SHA-256
-- fingerprint of its DER. Revoked terminals stay listed.

CREATE TABLE terminals (
    name        TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
