-- The warehouse: donations, boxes, their tags, pre-printed labels, kits.

-- What came in, without anything about who gave it.
CREATE TABLE donations (
    id          {{pk}},
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    base_id     BIGINT NOT NULL REFERENCES bases(id),
    source      TEXT NOT NULL,
    received_on TEXT NOT NULL,
    weight_g    BIGINT NOT NULL DEFAULT 0,
    item_count  BIGINT NOT NULL DEFAULT 0,
    note        TEXT NOT NULL DEFAULT '',
    created_by  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX donations_base ON donations (org_id, base_id, id);

-- A box holds one product. Codes are unique across the server, so a label
-- scanned anywhere resolves to one box (and answers "not found" outside its
-- organisation). measure is in milli-units of the product's base unit (grams
-- for kg goods, millilitres for litre goods), 0 for counted goods.
CREATE TABLE boxes (
    id          {{pk}},
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    base_id     BIGINT NOT NULL REFERENCES bases(id),
    code        TEXT NOT NULL UNIQUE,
    product_id  BIGINT NOT NULL REFERENCES products(id),
    size        TEXT NOT NULL DEFAULT '',
    measure     BIGINT NOT NULL DEFAULT 0,
    items       BIGINT NOT NULL,
    location_id BIGINT NOT NULL REFERENCES locations(id),
    state       TEXT NOT NULL,
    expires_on  TEXT NOT NULL DEFAULT '',
    comment     TEXT NOT NULL DEFAULT '',
    donation_id BIGINT REFERENCES donations(id),
    version     BIGINT NOT NULL DEFAULT 1,
    created_by  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
-- The list, newest first, and its filters.
CREATE INDEX boxes_list ON boxes (org_id, base_id, id);
CREATE INDEX boxes_product ON boxes (base_id, product_id, size, id);
CREATE INDEX boxes_location ON boxes (base_id, location_id, id);
CREATE INDEX boxes_state ON boxes (base_id, state, id);
-- The stock overview reads only this index.
CREATE INDEX boxes_overview ON boxes (org_id, base_id, state, product_id, size, location_id, items, measure);

CREATE TABLE tags (
    id      {{pk}},
    org_id  BIGINT NOT NULL REFERENCES organisations(id),
    base_id BIGINT NOT NULL REFERENCES bases(id),
    name    TEXT NOT NULL,
    UNIQUE (base_id, name)
);

CREATE TABLE box_tags (
    box_id BIGINT NOT NULL REFERENCES boxes(id),
    tag_id BIGINT NOT NULL REFERENCES tags(id),
    PRIMARY KEY (box_id, tag_id)
);
CREATE INDEX box_tags_tag ON box_tags (tag_id, box_id);

-- Pre-printed labels: codes handed out before any box exists. Scanning one
-- offers to make a box with it; box_id is set once it is used.
CREATE TABLE label_codes (
    code       TEXT PRIMARY KEY,
    org_id     BIGINT NOT NULL REFERENCES organisations(id),
    base_id    BIGINT NOT NULL REFERENCES bases(id),
    box_id     BIGINT REFERENCES boxes(id),
    created_at BIGINT NOT NULL
);

-- A kit is a product made of others (a shelter kit: tent, sleeping bag, mat, tarp).
CREATE TABLE kit_components (
    kit_id       BIGINT NOT NULL REFERENCES products(id),
    component_id BIGINT NOT NULL REFERENCES products(id),
    quantity     BIGINT NOT NULL,
    PRIMARY KEY (kit_id, component_id)
);
