-- Signed checkpoints of the access log (C2SP tlog-checkpoint notes, signed
-- with a key kept apart from the store): one per tree size, append-only.
-- `verifier` is the verifier key the note was signed for.

CREATE TABLE audit_checkpoints (
    size     BIGINT PRIMARY KEY,
    note     TEXT NOT NULL,
    verifier TEXT NOT NULL,
    made_at  TEXT NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
