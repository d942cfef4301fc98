-- The free shop (internal/shop): entitlement rules per base, and checkouts
-- that take items out of boxes in shop locations. A checkout names a card by
-- its id only (internal/people owns cards and their codes); card_id is not a
-- foreign key so that erasing a card leaves the anonymous counts behind.

-- A rule: a quantity of a product, of a category, or of anything (a token
-- allowance: one token per item) per card or per household member, in a
-- rolling period of days. Exactly one of product_id and category_id is set,
-- or neither for a token rule.
CREATE TABLE shop_rules (
    id          {{pk}},
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    base_id     BIGINT NOT NULL REFERENCES bases(id),
    product_id  BIGINT NOT NULL DEFAULT 0,
    category_id BIGINT NOT NULL DEFAULT 0,
    quantity    BIGINT NOT NULL,
    per         TEXT NOT NULL,
    period_days BIGINT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX shop_rules_base ON shop_rules (org_id, base_id);

-- A checkout: one card served at one time. first_in_week is whether it was
-- the card's first checkout of its ISO week in the base's zone, so "cards
-- served per week" is a sum that survives the card's erasure (card_id set
-- to 0). override_reason is what a coordinator wrote when a rule was set
-- aside ('' when none); it stays out of the ledger.
CREATE TABLE shop_checkouts (
    id              {{pk}},
    org_id          BIGINT NOT NULL REFERENCES organisations(id),
    base_id         BIGINT NOT NULL REFERENCES bases(id),
    card_id         BIGINT NOT NULL,
    week            TEXT NOT NULL,
    first_in_week   BOOLEAN NOT NULL,
    overridden      BOOLEAN NOT NULL DEFAULT FALSE,
    override_reason TEXT NOT NULL DEFAULT '',
    command_id      TEXT NOT NULL DEFAULT '',
    made_at         BIGINT NOT NULL,
    created_by      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX shop_checkouts_card ON shop_checkouts (org_id, base_id, card_id, created_at);
CREATE INDEX shop_checkouts_week ON shop_checkouts (org_id, base_id, week);

-- What one checkout took: a product, how many, from which box.
CREATE TABLE shop_checkout_lines (
    id          {{pk}},
    checkout_id BIGINT NOT NULL REFERENCES shop_checkouts(id),
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    base_id     BIGINT NOT NULL REFERENCES bases(id),
    card_id     BIGINT NOT NULL,
    product_id  BIGINT NOT NULL REFERENCES products(id),
    category_id BIGINT NOT NULL,
    box_id      BIGINT NOT NULL REFERENCES boxes(id),
    quantity    BIGINT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX shop_checkout_lines_card ON shop_checkout_lines (org_id, base_id, card_id, at);
CREATE INDEX shop_checkout_lines_checkout ON shop_checkout_lines (checkout_id);

-- Refusals by rule and week: anonymous counts for "the rules that refused
-- most" (no card, no time finer than the week).
CREATE TABLE shop_refusals (
    org_id  BIGINT NOT NULL REFERENCES organisations(id),
    base_id BIGINT NOT NULL REFERENCES bases(id),
    rule_id BIGINT NOT NULL,
    week    TEXT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (org_id, base_id, rule_id, week)
);
