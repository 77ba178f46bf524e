-- Retention and erasure. A resident's date of leaving (moved out or died),
-- which their retention counts from; unknown for residents stored before.
ALTER TABLE residents ADD COLUMN left_on TEXT COLLATE "C";
CREATE INDEX residents_left ON residents(left_on) WHERE left_on IS NOT NULL;

-- Approvals of an erasure plan, bound to its hash: one per person per plan.
CREATE TABLE retention_approvals (
    hash    TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES staff(user_id),
    role    TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (hash, user_id)
);

-- Drafts are found by their last change.
CREATE INDEX entries_by_time ON entries(updated_at);
