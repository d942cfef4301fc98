-- The quick count (internal/headcount): people served at a site, as
-- anonymous counts only. One row per tap as the device sent it (n is +1, or
-- -1 for an undo); totals are sums. age is '' (not noted), 'child' or
-- 'adult'; gender '' (not noted), 'woman', 'man', 'other' or 'unknown'.
-- day is the UTC date of the device's made_at.
CREATE TABLE headcounts (
    id         {{pk}},
    org_id     BIGINT NOT NULL REFERENCES organisations(id),
    base_id    BIGINT NOT NULL REFERENCES bases(id),
    site_id    BIGINT NOT NULL REFERENCES sites(id),
    day        TEXT NOT NULL,
    age        TEXT NOT NULL,
    gender     TEXT NOT NULL,
    n          BIGINT NOT NULL,
    made_at    BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX headcounts_site_day ON headcounts (org_id, base_id, site_id, day);
