-- Who each row is about, by row: the analyses join the rows of a period
-- to their subjects by seq, which the (person, seq) key cannot find, so
-- each analysis would read the whole table to hash it.
CREATE INDEX audit_subjects_seq ON audit_subjects(seq, person);
