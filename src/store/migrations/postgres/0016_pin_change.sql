-- A PIN handed over (a new account, a credential reset) must be changed by
-- its holder at the next login. Accounts made before keep theirs.
ALTER TABLE staff ADD COLUMN pin_change_required BOOLEAN NOT NULL DEFAULT FALSE;
