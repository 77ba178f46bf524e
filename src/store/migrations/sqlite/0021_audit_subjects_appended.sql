-- Who each row is about, written with every row of the log. Keyed by
-- (person, seq), each of a search's 50 subjects landed on its own page of
-- a large B-tree, so every commit rewrote hundreds of scattered pages.
-- Now the rows are kept in seq order (appended at the end of the tree, as
-- the analyses join them by seq), and the person filter reads an FTS5
-- index of each row's subjects: FTS5 writes a commit's terms as one small
-- sorted segment and merges segments a little at a time.
DROP TABLE IF EXISTS audit_subjects_by_seq;
CREATE TABLE audit_subjects_by_seq (
    seq    INTEGER NOT NULL,
    person TEXT NOT NULL,
    PRIMARY KEY (seq, person)
) STRICT, WITHOUT ROWID;
INSERT OR IGNORE INTO audit_subjects_by_seq(seq, person)
    SELECT seq, person FROM audit_subjects ORDER BY seq, person;
DROP TABLE audit_subjects;
ALTER TABLE audit_subjects_by_seq RENAME TO audit_subjects;

CREATE TRIGGER audit_subjects_no_update BEFORE UPDATE ON audit_subjects
BEGIN SELECT RAISE(ABORT, 'audit_subjects is append-only'); END;
CREATE TRIGGER audit_subjects_no_delete BEFORE DELETE ON audit_subjects
BEGIN SELECT RAISE(ABORT, 'audit_subjects is append-only'); END;

-- One document per row (rowid = seq), its subjects as terms: only which
-- rows hold a term is kept (detail=none), no text (content='').
DROP TABLE IF EXISTS audit_subject_index;
CREATE VIRTUAL TABLE audit_subject_index USING fts5(
    subjects, content='', detail=none, columnsize=0
);
INSERT INTO audit_subject_index(rowid, subjects)
    SELECT seq, group_concat(person, ' ') FROM audit_subjects GROUP BY seq;
