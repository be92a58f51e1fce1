-- Encryption at rest. Each report has a data key, and accounts' phone numbers share the data key
-- `users`; every data key is stored here wrapped by a master key that lives only in the master
-- key file (never in the database or the photo store). `master_id` names the master key that
-- wrapped it, so a rotation can re-wrap row by row while servers keep running.
CREATE TABLE data_keys (
    owner      TEXT PRIMARY KEY,
    master_id  TEXT NOT NULL,
    wrapped    TEXT NOT NULL
);
CREATE INDEX data_keys_master ON data_keys (master_id);

-- Where the worker stood, sealed with the report's key (lat, lon and accuracy stay NULL).
ALTER TABLE reports ADD COLUMN location_sealed TEXT;
-- A photo's evidence (hashes, EXIF time and place, what the browser read), sealed with the
-- report's key; the plain evidence columns stay NULL for sealed rows.
ALTER TABLE photo_evidence ADD COLUMN sealed TEXT;
-- An account's phone number sealed with the `users` key; `users.phone` then holds its keyed
-- hash (`h:` and 64 hex digits), which is what sign-in and registration look up.
ALTER TABLE users ADD COLUMN phone_sealed TEXT;
