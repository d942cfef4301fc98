-- What the device said about an evidence file at capture: its own id for
-- the file (so a resent upload is the same file, not a second one), the
-- SHA-256 it computed and when the photo was taken (the device's clock).
ALTER TABLE incident_evidence ADD COLUMN client_id TEXT;
ALTER TABLE incident_evidence ADD COLUMN device_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE incident_evidence ADD COLUMN captured_at BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX incident_evidence_client ON incident_evidence (org_id, client_id);
