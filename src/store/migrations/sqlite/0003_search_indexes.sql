-- Search at city scale (2 million residents).
--
-- The blind index of the My Number becomes a named UNIQUE index instead of
-- a column constraint, so a bulk load into an empty table can build it once
-- at the end (sorted) rather than row by row (random inserts); the rule is
-- the same. SQLite cannot drop a column constraint, so the table is copied.
CREATE TABLE residents_new (
    person_number   TEXT PRIMARY KEY,
    -- AES-256-GCM(nonce || ciphertext), bound to person_number.
    my_number_enc   BLOB NOT NULL,
    -- HMAC-SHA-256 of the number under its own key: exact lookup only.
    my_number_index BLOB NOT NULL,
    name            TEXT NOT NULL,
    kana            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    kana_key        TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    sex             TEXT NOT NULL,
    postal_code     TEXT NOT NULL,
    address         TEXT NOT NULL,
    address_key     TEXT NOT NULL,
    status          TEXT NOT NULL,
    support_measure INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO residents_new SELECT person_number, my_number_enc, my_number_index, name, kana,
    name_key, kana_key, birth_date, sex, postal_code, address, address_key, status,
    support_measure FROM residents;
DROP TABLE residents;
ALTER TABLE residents_new RENAME TO residents;
CREATE UNIQUE INDEX residents_my_number ON residents(my_number_index);
CREATE INDEX residents_kana ON residents(kana_key, birth_date);
CREATE INDEX residents_name ON residents(name_key, birth_date);
CREATE INDEX residents_birth ON residents(birth_date);
--
-- Address fragments: a trigram index over address_key, so `LIKE '%…%'` of
-- three characters or more reads only candidate rows instead of the whole
-- table. External content (the text stays in residents), detail=none (no
-- positions: the store re-checks every candidate with LIKE, so a row that
-- holds the trigrams in another order is never returned). The index is
-- keyed by residents' rowid: anything that renumbers rowids (VACUUM) must be
-- followed by a 'rebuild'.
CREATE VIRTUAL TABLE residents_address USING fts5(
    address_key,
    content = 'residents',
    content_rowid = 'rowid',
    tokenize = 'trigram',
    detail = none,
    columnsize = 0
);
INSERT INTO residents_address(residents_address) VALUES ('rebuild');

CREATE TRIGGER residents_address_insert AFTER INSERT ON residents BEGIN
    INSERT INTO residents_address(rowid, address_key) VALUES (new.rowid, new.address_key);
END;
CREATE TRIGGER residents_address_delete AFTER DELETE ON residents BEGIN
    INSERT INTO residents_address(residents_address, rowid, address_key)
        VALUES ('delete', old.rowid, old.address_key);
END;
CREATE TRIGGER residents_address_update AFTER UPDATE OF address_key ON residents BEGIN
    INSERT INTO residents_address(residents_address, rowid, address_key)
        VALUES ('delete', old.rowid, old.address_key);
    INSERT INTO residents_address(rowid, address_key) VALUES (new.rowid, new.address_key);
END;

-- How many addresses hold each trigram, so a search can pick the rarest
-- trigrams of a fragment. Planning data only (like ANALYZE): refreshed after
-- every bulk load; a trigram missing here counts as rare, and a stale count
-- can only make a search slower, never change its answer.
CREATE VIRTUAL TABLE residents_address_vocab USING fts5vocab(residents_address, row);
CREATE TABLE residents_address_stats (
    gram TEXT PRIMARY KEY,
    docs INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO residents_address_stats(gram, docs)
    SELECT term, doc FROM residents_address_vocab;
