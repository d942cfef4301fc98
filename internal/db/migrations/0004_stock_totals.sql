-- The warehouse at 100,000 boxes in one base (measured: docs/benchmarks.md).

-- Stock totals: boxes, items and quantity per product, size, location and
-- state, kept by the stock domain in the same transaction as each change of
-- a box. The stock overview reads these (one row per group) instead of
-- summing every box, which took 70-100 ms at 100,000 boxes on both
-- databases. The index it replaces is no longer read.
CREATE TABLE stock_totals (
    org_id      BIGINT NOT NULL,
    base_id     BIGINT NOT NULL,
    product_id  BIGINT NOT NULL,
    size        TEXT NOT NULL,
    location_id BIGINT NOT NULL,
    state       TEXT NOT NULL,
    boxes       BIGINT NOT NULL,
    items       BIGINT NOT NULL,
    measure     BIGINT NOT NULL,
    PRIMARY KEY (org_id, base_id, product_id, size, location_id, state)
);
INSERT INTO stock_totals (org_id, base_id, product_id, size, location_id, state, boxes, items, measure)
    SELECT org_id, base_id, product_id, size, location_id, state, COUNT(*), SUM(items), SUM(measure)
    FROM boxes GROUP BY org_id, base_id, product_id, size, location_id, state;
DROP INDEX boxes_overview;

-- The box list filters by category and by gender. Looked up through the
-- product, a rare category made SQLite read every box of the base (50-120
-- ms a page); copied into the box, each has an index in list order. A
-- product's category and gender never change (the catalogue has no way to),
-- so the copies stay true.
ALTER TABLE boxes ADD COLUMN category_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE boxes ADD COLUMN gender TEXT NOT NULL DEFAULT '';
UPDATE boxes SET
    category_id = (SELECT p.category_id FROM products p WHERE p.id = boxes.product_id),
    gender = (SELECT p.gender FROM products p WHERE p.id = boxes.product_id);
CREATE INDEX boxes_category ON boxes (org_id, base_id, category_id, id);
CREATE INDEX boxes_gender ON boxes (org_id, base_id, gender, id);
