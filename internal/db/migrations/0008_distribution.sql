-- Distributions: what a site shows the public, rounds with their packing
-- lists, boxes and anonymous tallies, and the needs they meet.

-- A short public description of a site and an optional pin for the site
-- itself (never the position of a person), in millionths of a degree.
ALTER TABLE sites ADD COLUMN public_note TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN lat_e6 BIGINT;
ALTER TABLE sites ADD COLUMN lon_e6 BIGINT;

-- A round: a team takes a load to a site within a time window.
CREATE TABLE rounds (
    id         {{pk}},
    org_id     BIGINT NOT NULL REFERENCES organisations(id),
    base_id    BIGINT NOT NULL REFERENCES bases(id),
    site_id    BIGINT NOT NULL REFERENCES sites(id),
    kind       TEXT NOT NULL,
    public     BOOLEAN NOT NULL DEFAULT FALSE,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    state      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX rounds_base ON rounds (org_id, base_id, starts_at);

-- The packing list, one line per product, and what came back of it by
-- count (loose items, outside any scanned box).
CREATE TABLE round_lines (
    round_id   BIGINT NOT NULL REFERENCES rounds(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    org_id     BIGINT NOT NULL,
    planned    BIGINT NOT NULL DEFAULT 0,
    returned   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, product_id)
);

-- What was missing at the end, per product and reason.
CREATE TABLE round_losses (
    round_id   BIGINT NOT NULL REFERENCES rounds(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    reason     TEXT NOT NULL,
    org_id     BIGINT NOT NULL,
    quantity   BIGINT NOT NULL,
    PRIMARY KEY (round_id, product_id, reason)
);

-- Boxes packed into a round: items as packed, and returned once scanned back.
CREATE TABLE round_boxes (
    round_id   BIGINT NOT NULL REFERENCES rounds(id),
    box_id     BIGINT NOT NULL REFERENCES boxes(id),
    org_id     BIGINT NOT NULL,
    code       TEXT NOT NULL,
    product_id BIGINT NOT NULL,
    items      BIGINT NOT NULL,
    returned   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (round_id, box_id)
);
CREATE INDEX round_boxes_box ON round_boxes (box_id);

-- Tallies: hand-outs per product, people served as anonymous counts (age
-- band and gender, each optional), meals with their variant. Nothing in a
-- row identifies a person. An undone tally stays, marked.
CREATE TABLE round_tallies (
    id         {{pk}},
    org_id     BIGINT NOT NULL,
    round_id   BIGINT NOT NULL REFERENCES rounds(id),
    kind       TEXT NOT NULL,
    product_id BIGINT NOT NULL DEFAULT 0,
    age        TEXT NOT NULL DEFAULT '',
    gender     TEXT NOT NULL DEFAULT '',
    variant    TEXT NOT NULL DEFAULT '',
    quantity   BIGINT NOT NULL,
    undone     BOOLEAN NOT NULL DEFAULT FALSE,
    command_id TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX round_tallies_round ON round_tallies (round_id, kind);
CREATE INDEX round_tallies_command ON round_tallies (round_id, command_id);

-- Needs: a product or a category wanted at a site.
CREATE TABLE needs (
    id          {{pk}},
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    base_id     BIGINT NOT NULL REFERENCES bases(id),
    site_id     BIGINT NOT NULL REFERENCES sites(id),
    product_id  BIGINT NOT NULL DEFAULT 0,
    category_id BIGINT NOT NULL DEFAULT 0,
    quantity    BIGINT NOT NULL,
    met         BIGINT NOT NULL DEFAULT 0,
    urgency     BIGINT NOT NULL,
    source      TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX needs_open ON needs (org_id, base_id, site_id, state);

-- Which tally met how much of which need, so an undo gives it back.
CREATE TABLE need_meets (
    need_id  BIGINT NOT NULL REFERENCES needs(id),
    tally_id BIGINT NOT NULL REFERENCES round_tallies(id),
    org_id   BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (need_id, tally_id)
);
CREATE INDEX need_meets_tally ON need_meets (tally_id);
