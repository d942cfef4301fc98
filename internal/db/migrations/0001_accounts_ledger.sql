-- Organisations, bases, users, roles, sessions, API tokens and the ledger.
-- Times are BIGINT microseconds since the Unix epoch, UTC (see db.Micros).
-- {{pk}} and {{bytes}} are filled in per dialect by internal/db.

CREATE TABLE organisations (
    id          {{pk}},
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE bases (
    id          {{pk}},
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

-- A user belongs to one organisation; email is the login and unique.
CREATE TABLE users (
    id                  {{pk}},
    org_id              BIGINT NOT NULL REFERENCES organisations(id),
    email               TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    password_hash       TEXT NOT NULL DEFAULT '',
    lang                TEXT NOT NULL DEFAULT '',
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX users_org ON users (org_id);

-- One role per user per base.
CREATE TABLE memberships (
    user_id  BIGINT NOT NULL REFERENCES users(id),
    base_id  BIGINT NOT NULL REFERENCES bases(id),
    org_id   BIGINT NOT NULL REFERENCES organisations(id),
    role     TEXT NOT NULL,
    PRIMARY KEY (user_id, base_id)
);
CREATE INDEX memberships_base ON memberships (org_id, base_id);

-- Server-side sessions; only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    id_hash      {{bytes}} PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    base_id      BIGINT NOT NULL REFERENCES bases(id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Personal API tokens; only the SHA-256 is stored, the token is shown once.
CREATE TABLE api_tokens (
    id           {{pk}},
    user_id      BIGINT NOT NULL REFERENCES users(id),
    org_id       BIGINT NOT NULL REFERENCES organisations(id),
    base_id      BIGINT NOT NULL REFERENCES bases(id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   {{bytes}} NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    revoked_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Invitations: a one-time link for a new user to set a password.
CREATE TABLE invitations (
    token_hash {{bytes}} PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL DEFAULT 0
);

-- The ledger: one hash chain per organisation. Append-only: abri never
-- updates or deletes a row here, and abri verify recomputes every hash.
CREATE TABLE ledger (
    org_id    BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    base_id   BIGINT NOT NULL,
    actor_id  BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    payload   TEXT NOT NULL,
    prev_hash {{bytes}} NOT NULL,
    hash      {{bytes}} NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX ledger_entity ON ledger (org_id, entity, entity_id, seq);

-- The newest entry of each chain, locked by each append so that appends to
-- one organisation's chain are serialised. It also catches a deleted tail.
CREATE TABLE ledger_heads (
    org_id BIGINT PRIMARY KEY,
    seq    BIGINT NOT NULL,
    hash   {{bytes}} NOT NULL
);
