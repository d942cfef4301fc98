-- Sign-in throttling, kept in the database so that counts survive a restart
-- and are shared by every server on one PostgreSQL (internal/account's
-- Throttle). One row per key: the SHA-256 of "account:EMAIL",
-- "address:IP" or "password:USER-ID", never the email or address itself.
-- A window starts at its first attempt; attempts counts every attempt
-- reserved in it, those still being checked included. Rows whose window
-- has passed are deleted now and then.
CREATE TABLE signin_attempts (
    throttle_key {{bytes}} PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts     BIGINT NOT NULL
);
CREATE INDEX signin_attempts_window ON signin_attempts (window_start);
