-- Who each committed form claims as a dependent or spouse, by the keyed
-- blind index of their My Number: a second claim of the same person for
-- the same income year is flagged at submit (名寄せ).

CREATE TABLE claims (
    number_index BLOB NOT NULL,
    form         TEXT NOT NULL,
    income_year  INTEGER NOT NULL,
    person       TEXT NOT NULL,
    entry        TEXT NOT NULL,
    PRIMARY KEY (number_index, form, income_year, entry)
) STRICT;
