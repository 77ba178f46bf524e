-- A witness's cosignatures of the access log's checkpoints (C2SP
-- tlog-cosignature/v1), append-only. `witness` is the witness's key
-- (signed-note verifier text); `note` is the checkpoint note with the
-- witness's cosignature line after the log's signature.

CREATE TABLE audit_cosignatures (
    size        INTEGER NOT NULL,
    witness     TEXT NOT NULL,
    note        TEXT NOT NULL,
    cosigned_at TEXT NOT NULL,
    PRIMARY KEY (witness, size)
) STRICT;

CREATE TRIGGER audit_cosignatures_no_update BEFORE UPDATE ON audit_cosignatures
BEGIN SELECT RAISE(ABORT, 'audit_cosignatures is append-only'); END;
CREATE TRIGGER audit_cosignatures_no_delete BEFORE DELETE ON audit_cosignatures
BEGIN SELECT RAISE(ABORT, 'audit_cosignatures is append-only'); END;
