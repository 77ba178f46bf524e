-- Who each row is about, by row: the analyses join the rows of a period
-- to their subjects by seq, which the (person, seq) key cannot find. With
-- no index SQLite built one for every analysis (a year's views: seconds).
CREATE INDEX audit_subjects_seq ON audit_subjects(seq, person);
