-- Reviewing the access log at scale (10 million rows): filters and
-- analyses read index ranges, and pages are found by seq, never by offset.
--
-- Who a row is about, one row per person: the log keeps its subjects as a
-- comma-separated list (covered by the chain, so left as it is), which no
-- index can search. Written with each row in the same transaction; rows
-- already in the log are split here.
CREATE TABLE audit_subjects (
    person TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (person, seq)
) STRICT, WITHOUT ROWID;

INSERT OR IGNORE INTO audit_subjects(person, seq)
WITH RECURSIVE split(seq, person, rest) AS (
    SELECT seq, '', subjects || ',' FROM audit_log WHERE subjects <> ''
    UNION ALL
    SELECT seq, substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, ',') + 1)
    FROM split WHERE rest <> ''
)
SELECT person, seq FROM split WHERE person <> '';

CREATE TRIGGER audit_subjects_no_update BEFORE UPDATE ON audit_subjects
BEGIN SELECT RAISE(ABORT, 'audit_subjects is append-only'); END;
CREATE TRIGGER audit_subjects_no_delete BEFORE DELETE ON audit_subjects
BEGIN SELECT RAISE(ABORT, 'audit_subjects is append-only'); END;

-- Time ranges (every analysis, the from/to filter), and newest-first pages
-- of one user's, action's, terminal's or outcome's rows.
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_user ON audit_log(user_id, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE INDEX audit_log_terminal ON audit_log(terminal, seq);
CREATE INDEX audit_log_outcome ON audit_log(outcome, seq);
