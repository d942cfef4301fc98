-- Free-shop cards: a random code stands in for a person. The code itself is
-- never stored, only its HMAC under a key kept outside the database, so the
-- table cannot be searched by code without the key. Household size and the
-- optional composition (counts per age band and gender, spoken languages)
-- serve the shop's fair shares; nothing here names a person.
CREATE TABLE cards (
    id             {{pk}},
    org_id         BIGINT NOT NULL REFERENCES organisations(id),
    base_id        BIGINT NOT NULL REFERENCES bases(id),
    code_hmac      {{bytes}} NOT NULL,
    household_size BIGINT NOT NULL DEFAULT 1,
    age_bands      TEXT NOT NULL DEFAULT '',
    genders        TEXT NOT NULL DEFAULT '',
    languages      TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    last_used_at   BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX cards_code ON cards (base_id, code_hmac);
CREATE INDEX cards_base ON cards (org_id, base_id, last_used_at);

-- Optional personal fields (a name or nickname, a phone number), only where
-- the base turned them on: sealed with AES-256-GCM under a key kept outside
-- the database. Every read is written to card_access_log.
CREATE TABLE card_fields (
    card_id BIGINT PRIMARY KEY REFERENCES cards(id),
    org_id  BIGINT NOT NULL,
    sealed  {{bytes}} NOT NULL
);

-- Each base's card settings; a base without a row has the defaults
-- (personal fields off, an unused card kept 90 days).
CREATE TABLE card_settings (
    base_id         BIGINT PRIMARY KEY REFERENCES bases(id),
    org_id          BIGINT NOT NULL,
    personal_fields BOOLEAN NOT NULL DEFAULT FALSE,
    retention_days  BIGINT NOT NULL DEFAULT 90
);

-- Who read or looked up what of a card: every read of personal fields, every
-- lookup by an administrator, every export. Kept only as long as the base's
-- retention; an erased card's entries lose their card id.
CREATE TABLE card_access_log (
    id      {{pk}},
    org_id  BIGINT NOT NULL,
    base_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL DEFAULT 0,
    card_id BIGINT,
    what    TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX card_access_log_base ON card_access_log (org_id, base_id, at);

-- What outlives the cards: how many cards were served each week (weeks begin
-- Monday 00:00 UTC), counted when a card is first used in a week.
CREATE TABLE card_weeks (
    org_id       BIGINT NOT NULL,
    base_id      BIGINT NOT NULL REFERENCES bases(id),
    week         BIGINT NOT NULL,
    cards_served BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (base_id, week)
);
