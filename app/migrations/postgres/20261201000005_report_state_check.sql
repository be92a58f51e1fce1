-- A report's state is one of the state machine's (app::domain::report::ReportState); SQLite
-- gets the same rule as two triggers (../sqlite/20261201000005_report_state_check.sql). A test
-- holds both lists equal to the enum.
ALTER TABLE reports ADD CONSTRAINT reports_state_check
    CHECK (state IN ('acknowledged', 'closed', 'notice_sent', 'rectification_submitted', 'rejected', 'reopened', 'submitted', 'triaged', 'verified'));
