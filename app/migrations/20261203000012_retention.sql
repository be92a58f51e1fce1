-- Retention: a set time after a report closes (`SAFESNAP_RETENTION_DAYS`), the reporter's
-- identity, the account link, the photo evidence and the original files are deleted by a job,
-- which leaves a tombstone on the timeline. `purged_at` says when (each report once).
ALTER TABLE reports ADD COLUMN purged_at BIGINT;
