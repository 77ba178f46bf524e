-- Signed checkpoints of the access log (C2SP tlog-checkpoint notes, signed
-- with a key kept apart from the store): one per tree size, append-only.
-- `verifier` is the verifier key the note was signed for.

CREATE TABLE audit_checkpoints (
    size     INTEGER PRIMARY KEY,
    note     TEXT NOT NULL,
    verifier TEXT NOT NULL,
    made_at  TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
