-- Incidents at living sites (evictions, seizures, arrests...), as a monitor
-- observes and states them. People affected are counts only; nothing here
-- names or describes a person.
CREATE TABLE incidents (
    id                   {{pk}},
    org_id               BIGINT NOT NULL REFERENCES organisations(id),
    base_id              BIGINT NOT NULL REFERENCES bases(id),
    site_id              BIGINT NOT NULL REFERENCES sites(id),
    kind                 TEXT NOT NULL,
    starts_at            BIGINT NOT NULL,
    ends_at              BIGINT NOT NULL DEFAULT 0,
    legal_basis          TEXT NOT NULL,
    bailiff              TEXT NOT NULL,
    interpreter          TEXT NOT NULL,
    notice               TEXT NOT NULL,
    recovery_offered     TEXT NOT NULL,
    people_present       BIGINT NOT NULL DEFAULT 0,
    people_arrested      BIGINT NOT NULL DEFAULT 0,
    bus_shelter          BIGINT NOT NULL DEFAULT 0,
    bus_detention        BIGINT NOT NULL DEFAULT 0,
    force_used           TEXT NOT NULL DEFAULT '',
    observers_checked    BIGINT NOT NULL DEFAULT 0,
    observers_fined      BIGINT NOT NULL DEFAULT 0,
    observers_obstructed BIGINT NOT NULL DEFAULT 0,
    notes                TEXT NOT NULL DEFAULT '',
    command_id           TEXT NOT NULL DEFAULT '',
    created_at           BIGINT NOT NULL
);
CREATE INDEX incidents_base ON incidents (org_id, base_id, starts_at);

-- Forces present, one line per kind of force, with what was counted.
CREATE TABLE incident_forces (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    force       TEXT NOT NULL,
    org_id      BIGINT NOT NULL,
    vehicles    BIGINT NOT NULL DEFAULT 0,
    officers    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (incident_id, force)
);

-- Items seized, destroyed and later recovered per product, and the need that
-- asks for their replacement (0 when nothing is owed).
CREATE TABLE incident_items (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    product_id  BIGINT NOT NULL REFERENCES products(id),
    org_id      BIGINT NOT NULL,
    seized      BIGINT NOT NULL DEFAULT 0,
    destroyed   BIGINT NOT NULL DEFAULT 0,
    recovered   BIGINT NOT NULL DEFAULT 0,
    need_id     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (incident_id, product_id)
);
