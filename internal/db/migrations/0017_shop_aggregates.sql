-- A card's secret: random bytes, erased with the card. A checkout's ledger
-- event carries HMAC(secret, checkout id) instead of the card's id, so the
-- events of one card cannot be linked to each other once the card is gone.
-- Cards made before this get theirs at their next checkout.
ALTER TABLE cards ADD COLUMN secret {{bytes}};

-- What an erased card's checkouts leave: items per product and week, and
-- checkouts and cards served per week (weeks are ISO weeks in the base's
-- zone, named by their Monday, as shop_checkouts.week). The checkout rows
-- themselves are deleted.
CREATE TABLE shop_week_items (
    org_id      BIGINT NOT NULL,
    base_id     BIGINT NOT NULL REFERENCES bases(id),
    week        TEXT NOT NULL,
    product_id  BIGINT NOT NULL,
    category_id BIGINT NOT NULL,
    items       BIGINT NOT NULL,
    PRIMARY KEY (org_id, base_id, week, product_id)
);
CREATE TABLE shop_weeks (
    org_id    BIGINT NOT NULL,
    base_id   BIGINT NOT NULL REFERENCES bases(id),
    week      TEXT NOT NULL,
    checkouts BIGINT NOT NULL,
    cards     BIGINT NOT NULL,
    PRIMARY KEY (org_id, base_id, week)
);

-- Cards served per week are counted in one place, the shop's weeks in the
-- base's zone; this table counted them in UTC weeks and nothing read it.
DROP TABLE card_weeks;
