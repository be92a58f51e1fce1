-- Accounts (sessions, role scopes, audit log) and the closed loop (assignment, grading, notices,
-- rectification, verification, escalation, messages, the inbox). Portable SQL.

-- Users: brute-force lock-out and password age.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT;
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;

-- Scopes of roles.
CREATE TABLE inspector_coverage (
    user_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    district_code  TEXT NOT NULL REFERENCES districts (code),
    industry_code  TEXT NOT NULL REFERENCES industries (code),
    PRIMARY KEY (user_id, district_code, industry_code)
);
CREATE INDEX inspector_coverage_area ON inspector_coverage (district_code, industry_code);

CREATE TABLE mine_supervisors (
    user_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    enterprise_id  UUID NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, enterprise_id)
);
CREATE INDEX mine_supervisors_mine ON mine_supervisors (enterprise_id);

CREATE TABLE enterprise_officers (
    user_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    enterprise_id  UUID NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, enterprise_id)
);
CREATE INDEX enterprise_officers_enterprise ON enterprise_officers (enterprise_id);

-- A union admin's scope: a district, or NULL for the city union.
CREATE TABLE admin_scopes (
    user_id        UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    district_code  TEXT REFERENCES districts (code)
);

-- Each enterprise may have a designated inspector (the first routing rule).
ALTER TABLE enterprises ADD COLUMN designated_inspector_id UUID REFERENCES users (id);

-- Sessions: the id is the SHA-256 of the cookie's token (the token itself is never stored).
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Who did what, when, from where.
CREATE TABLE audit_log (
    id             UUID PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor_user_id  UUID REFERENCES users (id),
    action         TEXT NOT NULL,
    subject_type   TEXT,
    subject_id     TEXT,
    address        TEXT NOT NULL DEFAULT '',
    detail         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id);

-- Reports a worker linked to their account (by holding the receipt code).
CREATE TABLE account_reports (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    report_id  UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    linked_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, report_id)
);
CREATE INDEX account_reports_report ON account_reports (report_id);

-- The closed loop on the report itself. Overdue is derived from the deadlines, never stored.
ALTER TABLE reports ADD COLUMN industry_code TEXT REFERENCES industries (code);
ALTER TABLE reports ADD COLUMN is_coal_mine BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE reports ADD COLUMN assignee_id UUID REFERENCES users (id);
ALTER TABLE reports ADD COLUMN routed_by TEXT;
ALTER TABLE reports ADD COLUMN grade TEXT CHECK (grade IN ('ordinary', 'major'));
ALTER TABLE reports ADD COLUMN supervised BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE reports ADD COLUMN closure_reason TEXT;
ALTER TABLE reports ADD COLUMN duplicate_of UUID REFERENCES reports (id);
ALTER TABLE reports ADD COLUMN ack_due_at BIGINT;
ALTER TABLE reports ADD COLUMN fix_due_at BIGINT;
ALTER TABLE reports ADD COLUMN confirm_due_at BIGINT;
-- The queue's keyset: urgent first, then newest. (urgent, created_at, id) identifies a row, and
-- every queue index ends with it so a page is one ordered index range (no sort, no OFFSET).
CREATE INDEX reports_queue ON reports (urgent, created_at, id);
CREATE INDEX reports_assignee_queue ON reports (assignee_id, urgent, created_at, id);
CREATE INDEX reports_district_queue ON reports (district_code, urgent, created_at, id);
CREATE INDEX reports_enterprise_queue ON reports (enterprise_id, urgent, created_at, id);
-- Open reports, what desks look at, have partial indexes of their own (the predicate is the
-- queue's `OPEN_SQL`, word for word), so an open queue never walks past years of closed reports.
CREATE INDEX reports_open_queue ON reports (urgent, created_at, id) WHERE state NOT IN ('closed', 'rejected');
CREATE INDEX reports_open_assignee_queue ON reports (assignee_id, urgent, created_at, id) WHERE state NOT IN ('closed', 'rejected');
CREATE INDEX reports_open_district_queue ON reports (district_code, urgent, created_at, id) WHERE state NOT IN ('closed', 'rejected');
CREATE INDEX reports_open_enterprise_queue ON reports (enterprise_id, urgent, created_at, id) WHERE state NOT IN ('closed', 'rejected');
-- Finished reports (a desk looking back), with the queue's `CLOSED_SQL` as predicate.
CREATE INDEX reports_closed_queue ON reports (urgent, created_at, id) WHERE state IN ('closed', 'rejected');
CREATE INDEX reports_ack_due ON reports (ack_due_at);
CREATE INDEX reports_fix_due ON reports (fix_due_at);
CREATE INDEX reports_confirm_due ON reports (confirm_due_at);

-- The rectification notice (五定) and, for a major hazard, its governance plan (治理方案).
CREATE TABLE notices (
    id                  UUID PRIMARY KEY,
    report_id           UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    sent_at             BIGINT NOT NULL,
    sent_by             UUID REFERENCES users (id),
    responsible_person  TEXT NOT NULL,
    measures            TEXT NOT NULL,
    deadline_at         BIGINT NOT NULL,
    standard            TEXT NOT NULL,
    acceptance_person   TEXT NOT NULL,
    plan_goal           TEXT,
    plan_resources      TEXT,
    plan_people         TEXT,
    plan_safety         TEXT,
    plan_emergency      TEXT
);
CREATE INDEX notices_report ON notices (report_id, sent_at);

-- The enterprise's rectification records (the after-photos are report_photos of kind 'rectification').
CREATE TABLE rectifications (
    id            UUID PRIMARY KEY,
    report_id     UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    submitted_at  BIGINT NOT NULL,
    submitted_by  UUID REFERENCES users (id),
    note          TEXT NOT NULL
);
CREATE INDEX rectifications_report ON rectifications (report_id, submitted_at);

-- One deadline extension request per report.
CREATE TABLE extension_requests (
    report_id       UUID PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    requested_at    BIGINT NOT NULL,
    requested_by    UUID REFERENCES users (id),
    requested_until BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    decided_at      BIGINT,
    decided_by      UUID REFERENCES users (id),
    granted         BOOLEAN
);

-- Escalations done (each level once per deadline).
CREATE TABLE escalations (
    report_id    UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    deadline     TEXT NOT NULL CHECK (deadline IN ('ack', 'fix')),
    deadline_at  BIGINT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('inspector', 'district', 'city')),
    at           BIGINT NOT NULL,
    PRIMARY KEY (report_id, deadline, deadline_at, level)
);

-- The thread between the reporter (through the receipt) and the union. Never shown to the enterprise.
CREATE TABLE report_messages (
    id              UUID PRIMARY KEY,
    report_id       UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    at              BIGINT NOT NULL,
    from_reporter   BOOLEAN NOT NULL,
    author_user_id  UUID REFERENCES users (id),
    body            TEXT NOT NULL
);
CREATE INDEX report_messages_report ON report_messages (report_id, at);

-- The inbox: every notification lands here first; other channels are deliveries of it.
CREATE TABLE notifications (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    report_id   UUID REFERENCES reports (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    link        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    read_at     BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

-- Delivery of a notification over one channel, with its own state.
CREATE TABLE deliveries (
    id               UUID PRIMARY KEY,
    notification_id  UUID NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    channel          TEXT NOT NULL CHECK (channel IN ('inbox', 'push', 'sms')),
    target           TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'acknowledged')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    next_attempt_at  BIGINT,
    sent_at          BIGINT,
    acknowledged_at  BIGINT
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_notification ON deliveries (notification_id);
