-- The review's filters by account and by terminal read one FTS5 index
-- with its filter by person. Under (user_id, seq) and (terminal, seq)
-- B-trees every commit inserted at the end of each account's and each
-- terminal's range: with 32 clerks at work, 32 scattered pages or more a
-- commit, most of what an exact lookup wrote. FTS5 writes a commit's terms
-- as one small sorted segment (migration 21).
--
-- One document per row (rowid = seq): 'u' and the account's UTF-8 bytes in
-- hex, 't' and the terminal's, then the row's person numbers (ten digits
-- each). In hex a name is one term whatever characters it has.
DROP TABLE IF EXISTS audit_terms;
CREATE VIRTUAL TABLE audit_terms USING fts5(
    terms, content='', detail=none, columnsize=0
);
INSERT INTO audit_terms(rowid, terms)
    SELECT a.seq,
           'u' || hex(a.user_id) || ' t' || hex(a.terminal)
               || coalesce(' ' || (SELECT group_concat(s.person, ' ')
                                   FROM audit_subjects s WHERE s.seq = a.seq), '')
    FROM audit_log a ORDER BY a.seq;
DROP TABLE IF EXISTS audit_subject_index;
DROP INDEX IF EXISTS audit_log_user;
DROP INDEX IF EXISTS audit_log_terminal;
