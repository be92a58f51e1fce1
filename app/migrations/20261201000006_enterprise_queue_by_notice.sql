-- The enterprise's list is ordered by the notice's own time, never by when the report was made
-- (a submission time, with a shift roster, names the reporter). `noticed_at` is the time of the
-- report's latest notice; its keyset index serves the officer's queue.
ALTER TABLE reports ADD COLUMN noticed_at BIGINT;
UPDATE reports SET noticed_at = (SELECT MAX(n.sent_at) FROM notices n WHERE n.report_id = reports.id);
CREATE INDEX reports_enterprise_notice_queue ON reports (enterprise_id, urgent, noticed_at, id) WHERE noticed_at IS NOT NULL;
