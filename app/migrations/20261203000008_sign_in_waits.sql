-- Wrong passwords are counted per keyed hash of what was typed (an account or not, so the
-- answers do not tell which) and of the address, each try counted atomically before the password
-- is checked; after a few, each try waits, doubling. This replaces the account lock-out:
-- `users.failed_logins` and `users.locked_until` are no longer read or written.
CREATE TABLE sign_in_failures (
    key        TEXT PRIMARY KEY,
    failures   BIGINT NOT NULL,
    retry_at   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_updated ON sign_in_failures (updated_at);
