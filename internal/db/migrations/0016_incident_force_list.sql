-- The forces a monitor may mark present are a list of each organisation's:
-- the seven every organisation starts with (code set, name empty: shown in
-- the reader's language) and the ones it adds (code empty, name as typed).
-- A retired force stays on the incidents that name it and is no longer
-- offered on new ones.
CREATE TABLE incident_force_list (
    id         {{pk}},
    org_id     BIGINT NOT NULL REFERENCES organisations(id),
    code       TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL DEFAULT '',
    retired_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX incident_force_list_code ON incident_force_list (org_id, code) WHERE code <> '';

INSERT INTO incident_force_list (org_id, code, created_at)
SELECT o.id, d.code, 0 FROM organisations o CROSS JOIN (
    SELECT 1 AS pos, 'national_police' AS code UNION ALL SELECT 2, 'riot_police' UNION ALL SELECT 3, 'gendarmerie'
    UNION ALL SELECT 4, 'border_police' UNION ALL SELECT 5, 'municipal_police' UNION ALL SELECT 6, 'cleaning_contractor'
    UNION ALL SELECT 7, 'other') d
ORDER BY o.id, d.pos;

-- An incident's forces name the organisation's forces by id; the lines of
-- incidents recorded before keep their forces, now by id.
CREATE TABLE incident_force_lines (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    force_id    BIGINT NOT NULL REFERENCES incident_force_list(id),
    org_id      BIGINT NOT NULL,
    vehicles    BIGINT NOT NULL DEFAULT 0,
    officers    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (incident_id, force_id)
);
INSERT INTO incident_force_lines (incident_id, force_id, org_id, vehicles, officers)
SELECT f.incident_id, l.id, f.org_id, f.vehicles, f.officers
FROM incident_forces f JOIN incident_force_list l ON l.org_id = f.org_id AND l.code = f.force;
DROP TABLE incident_forces;
