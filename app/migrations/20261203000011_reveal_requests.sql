-- Revealing a reporter takes two people: a union admin asks, with a written reason; another
-- admin of the report's district (or of the city) approves or refuses; only then may the one who
-- asked open the identity. Every step is in the audit log and on the report's timeline, and the
-- reporter's receipt page says to whom their identity was disclosed and why.
CREATE TABLE reveal_requests (
    id           UUID PRIMARY KEY,
    report_id    UUID NOT NULL REFERENCES reports (id),
    requested_by UUID NOT NULL REFERENCES users (id),
    reason       TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by   UUID REFERENCES users (id),
    decided_at   BIGINT,
    approved     BOOLEAN,
    CHECK (decided_by IS NULL OR decided_by <> requested_by),
    CHECK ((decided_by IS NULL) = (approved IS NULL))
);
CREATE INDEX reveal_requests_report ON reveal_requests (report_id);
