-- A report's state is one of the state machine's (app::domain::report::ReportState). SQLite
-- cannot add a CHECK to an existing table, so two triggers refuse any other value on insert and
-- on update, with the same effect. PostgreSQL adds a CHECK constraint instead
-- (../postgres/20261201000005_report_state_check.sql); a test holds both lists equal to the enum.
CREATE TRIGGER reports_state_check_insert BEFORE INSERT ON reports
WHEN NEW.state NOT IN ('acknowledged', 'closed', 'notice_sent', 'rectification_submitted', 'rejected', 'reopened', 'submitted', 'triaged', 'verified')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: reports.state');
END;

CREATE TRIGGER reports_state_check_update BEFORE UPDATE OF state ON reports
WHEN NEW.state NOT IN ('acknowledged', 'closed', 'notice_sent', 'rectification_submitted', 'rejected', 'reopened', 'submitted', 'triaged', 'verified')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: reports.state');
END;
