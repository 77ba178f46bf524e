-- Retention and erasure (after `left_on` is added to residents: the date a
-- resident moved out or died, which their retention counts from; unknown
-- for residents stored before). Applied by store::sqlite::retention::migrate,
-- which adds the column only where it is missing, so a store stepped back
-- to an earlier version is upgraded again.
CREATE INDEX IF NOT EXISTS residents_left ON residents(left_on) WHERE left_on IS NOT NULL;

-- Approvals of an erasure plan, bound to its hash: one per person per plan.
CREATE TABLE IF NOT EXISTS retention_approvals (
    hash    TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES staff(user_id),
    role    TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (hash, user_id)
) STRICT;

-- Drafts are found by their last change.
CREATE INDEX IF NOT EXISTS entries_by_time ON entries(updated_at);
