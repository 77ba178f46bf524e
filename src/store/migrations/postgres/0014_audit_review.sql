-- Reviewing the access log at scale (10 million rows): filters and
-- analyses read index ranges, and pages are found by seq, never by offset.
--
-- Who a row is about, one row per person: the log keeps its subjects as a
-- comma-separated list (covered by the chain, so left as it is), which no
-- index can search. Written with each row in the same transaction; rows
-- already in the log are split here.
CREATE TABLE audit_subjects (
    person TEXT NOT NULL,
    seq    BIGINT NOT NULL,
    PRIMARY KEY (person, seq)
);

INSERT INTO audit_subjects(person, seq)
SELECT DISTINCT p, seq FROM audit_log, unnest(string_to_array(subjects, ',')) AS p
WHERE subjects <> ''
ON CONFLICT DO NOTHING;

CREATE TRIGGER audit_subjects_no_update BEFORE UPDATE ON audit_subjects
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_subjects_no_delete BEFORE DELETE ON audit_subjects
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_subjects_no_truncate BEFORE TRUNCATE ON audit_subjects
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Time ranges (every analysis, the from/to filter), and newest-first pages
-- of one user's, action's, terminal's or outcome's rows.
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_user ON audit_log(user_id, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE INDEX audit_log_terminal ON audit_log(terminal, seq);
CREATE INDEX audit_log_outcome ON audit_log(outcome, seq);
