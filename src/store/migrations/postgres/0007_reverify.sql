-- The next-day re-verification list: one item per committed entry picked
-- by the office's rules, assigned to a clerk who had no hand in it.

CREATE TABLE reverify_items (
    entry       TEXT PRIMARY KEY,
    list_day    TEXT NOT NULL,
    person      TEXT NOT NULL,
    form        TEXT NOT NULL,
    why         TEXT NOT NULL,
    assigned_to TEXT,
    due         TEXT NOT NULL,
    state       TEXT NOT NULL,
    resolved_by TEXT,
    resolved_at TEXT
);

CREATE INDEX reverify_by_assignee ON reverify_items(assigned_to, state);
CREATE INDEX reverify_by_state ON reverify_items(state, due);
CREATE INDEX tax_records_by_time ON tax_records(committed_at);
