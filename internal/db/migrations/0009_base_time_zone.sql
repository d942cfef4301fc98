-- Each base keeps the IANA time zone its people live in (e.g. Europe/Paris);
-- times are still stored in UTC and shown in this zone. Bases made before
-- this column show UTC until an administrator sets their zone.
ALTER TABLE bases ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
