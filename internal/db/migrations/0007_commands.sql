-- Offline commands (internal/command): every command a device sent, once per
-- id and organisation, so that a resend is answered from here and applies
-- nothing again; and the review items of commands that could not apply.

-- client_id is the device's UUID; content_hash the SHA-256 of the command's
-- canonical content (type, target, payload, made_at). outcome is 'applied' or
-- 'needs_review' (then review_item_id names the item); result is the
-- handler's answer as JSON, sent again to a resend.
CREATE TABLE commands (
    id             {{pk}},
    org_id         BIGINT NOT NULL REFERENCES organisations(id),
    base_id        BIGINT NOT NULL REFERENCES bases(id),
    client_id      TEXT NOT NULL,
    type           TEXT NOT NULL,
    target         TEXT NOT NULL,
    content_hash   {{bytes}} NOT NULL,
    made_at        BIGINT NOT NULL,
    received_at    BIGINT NOT NULL,
    actor_id       BIGINT NOT NULL,
    outcome        TEXT NOT NULL,
    result         TEXT NOT NULL DEFAULT '',
    review_item_id BIGINT,
    UNIQUE (org_id, client_id)
);

-- A command for a coordinator to decide: kind 'needs_review' (it could not
-- apply: reason_key and reason_args say why) or 'conflict' (its id came
-- before with other content; this is the other content). state is 'open',
-- 'applied' (to target and payload, maybe changed) or 'dismissed' (with a
-- note).
CREATE TABLE review_items (
    id           {{pk}},
    org_id       BIGINT NOT NULL REFERENCES organisations(id),
    base_id      BIGINT NOT NULL REFERENCES bases(id),
    client_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    type         TEXT NOT NULL,
    target       TEXT NOT NULL,
    payload      TEXT NOT NULL,
    content_hash {{bytes}} NOT NULL,
    made_at      BIGINT NOT NULL,
    reason_key   TEXT NOT NULL,
    reason_args  TEXT NOT NULL DEFAULT '[]',
    state        TEXT NOT NULL DEFAULT 'open',
    note         TEXT NOT NULL DEFAULT '',
    result       TEXT NOT NULL DEFAULT '',
    created_by   BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    resolved_by  BIGINT NOT NULL DEFAULT 0,
    resolved_at  BIGINT NOT NULL DEFAULT 0,
    version      BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX review_items_base ON review_items (org_id, base_id, state, id);
CREATE INDEX review_items_command ON review_items (org_id, client_id);
