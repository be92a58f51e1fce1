-- One-time codes sent by text message (registering a phone number, resetting its password). One
-- row per number's keyed hash and purpose, kept whether or not a code was sent (the answers do
-- not tell whether the number has an account); only the code's keyed hash is stored.
CREATE TABLE phone_codes (
    phone_hash TEXT NOT NULL,
    purpose    TEXT NOT NULL CHECK (purpose IN ('register', 'reset')),
    code_hash  TEXT,
    sent_at    BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    tries      BIGINT NOT NULL,
    PRIMARY KEY (phone_hash, purpose)
);
CREATE INDEX phone_codes_expires ON phone_codes (expires_at);
