-- The ledger vouches for the data (docs/ledger.md).

-- The shape of each event's payload for its kind. Entries written before
-- this column are version 1; an entry of version 2 or later has the version
-- in its hash (ledger.Hash), so it cannot be changed unseen.
ALTER TABLE ledger ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- Signed checkpoints: a chain's head (seq and hash) at a time, signed with
-- the server's Ed25519 key, which lives in the data directory and never in
-- the database. Someone who can change the database but has not the key
-- cannot make a checkpoint for a chain they truncated or recomputed, and the
-- checkpoints already made stop matching it.
CREATE TABLE ledger_checkpoints (
    org_id    BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    hash      {{bytes}} NOT NULL,
    at        BIGINT NOT NULL,
    key_id    TEXT NOT NULL,
    signature {{bytes}} NOT NULL,
    PRIMARY KEY (org_id, seq, key_id)
);
