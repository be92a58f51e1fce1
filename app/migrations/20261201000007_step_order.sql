-- The order of a report's timeline and of its messages is the order they were written (under
-- the report's lock), not their ids' (random, never time-ordered) nor their clocks' (several
-- servers). `seq` counts each report's entries from 1; existing rows keep their earlier order.
ALTER TABLE report_events ADD COLUMN seq BIGINT;
UPDATE report_events SET seq = (
    SELECT COUNT(*) FROM report_events e
    WHERE e.report_id = report_events.report_id
      AND (e.at < report_events.at OR (e.at = report_events.at AND e.id <= report_events.id)));
CREATE UNIQUE INDEX report_events_report_seq ON report_events (report_id, seq);

ALTER TABLE report_messages ADD COLUMN seq BIGINT;
UPDATE report_messages SET seq = (
    SELECT COUNT(*) FROM report_messages m
    WHERE m.report_id = report_messages.report_id
      AND (m.at < report_messages.at OR (m.at = report_messages.at AND m.id <= report_messages.id)));
CREATE UNIQUE INDEX report_messages_report_seq ON report_messages (report_id, seq);
