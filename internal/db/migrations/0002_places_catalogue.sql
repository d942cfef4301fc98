-- Living sites and locations of a base, and the relief-item catalogue.

-- Sites are named zones (never GPS positions of people).
CREATE TABLE sites (
    id          {{pk}},
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    base_id     BIGINT NOT NULL REFERENCES bases(id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    archived    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    UNIQUE (base_id, name)
);

-- Locations hold boxes: shelves, rooms, vans, distribution points.
CREATE TABLE locations (
    id            {{pk}},
    org_id        BIGINT NOT NULL REFERENCES organisations(id),
    base_id       BIGINT NOT NULL REFERENCES bases(id),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    default_state TEXT NOT NULL DEFAULT 'in_stock',
    position      BIGINT NOT NULL DEFAULT 0,
    archived      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    UNIQUE (base_id, name)
);

-- Size ranges and sizes, units for measured goods (seeded, shared by all).
CREATE TABLE size_ranges (
    id      BIGINT PRIMARY KEY,
    name    TEXT NOT NULL,
    measure TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sizes (
    range_id BIGINT NOT NULL REFERENCES size_ranges(id),
    position BIGINT NOT NULL,
    label    TEXT NOT NULL,
    PRIMARY KEY (range_id, position)
);

CREATE TABLE units (
    symbol        TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    per_base_unit DOUBLE PRECISION NOT NULL,
    dimension     TEXT NOT NULL
);

CREATE TABLE categories (
    id   {{pk}},
    name TEXT NOT NULL UNIQUE
);

-- Standard products have base_id NULL; a base may add its own.
CREATE TABLE products (
    id            {{pk}},
    org_id        BIGINT REFERENCES organisations(id),
    base_id       BIGINT REFERENCES bases(id),
    category_id   BIGINT NOT NULL REFERENCES categories(id),
    name          TEXT NOT NULL,
    gender        TEXT NOT NULL DEFAULT '',
    size_range_id BIGINT NOT NULL REFERENCES size_ranges(id),
    standard_id   BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX products_base ON products (base_id);

CREATE TABLE products_hidden (
    base_id    BIGINT NOT NULL REFERENCES bases(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    PRIMARY KEY (base_id, product_id)
);
