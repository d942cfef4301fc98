-- Evidence attached to incidents: the original file is kept outside the
-- database, encrypted, named by its SHA-256; a row says which incident it
-- belongs to. Images also have a shareable copy with every tag removed.
CREATE TABLE incident_evidence (
    id            {{pk}},
    org_id        BIGINT NOT NULL REFERENCES organisations(id),
    base_id       BIGINT NOT NULL REFERENCES bases(id),
    incident_id   BIGINT NOT NULL REFERENCES incidents(id),
    sha256        TEXT NOT NULL,
    size          BIGINT NOT NULL,
    media_type    TEXT NOT NULL,
    shared_sha256 TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX incident_evidence_incident ON incident_evidence (incident_id);
