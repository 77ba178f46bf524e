-- A name search ranks its candidates in the name index alone: the index
-- holds the list's order (reading, date of birth, person number) and the
-- support-measure flag, so the rows of a common name (hundreds of 高橋一郎
-- in a city of two million) are sorted without reading one of them, and
-- only the 51 shown are read from the table.
DROP INDEX residents_name;
CREATE INDEX residents_name ON residents(name_key, kana_key, birth_date, person_number, support_measure);
