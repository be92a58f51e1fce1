-- Reports as workers submit them, their photos, the union-only evidence and reporter identity,
-- and the timeline of every transition. Portable SQL (SQLite and PostgreSQL).

CREATE TABLE reports (
    id                   UUID PRIMARY KEY,
    -- The client's idempotency key: a retry with the same id returns the same receipt.
    client_id            UUID NOT NULL UNIQUE,
    -- Hash of what was sent with that id: a reuse of the id with other content is refused.
    fingerprint          TEXT NOT NULL,
    receipt_code         TEXT NOT NULL UNIQUE,
    category             TEXT NOT NULL,
    answers              TEXT NOT NULL DEFAULT '{}',
    enterprise_id        UUID REFERENCES enterprises (id),
    district_code        TEXT NOT NULL REFERENCES districts (code),
    -- Only when the worker did not know the enterprise.
    address              TEXT,
    site                 TEXT,
    description          TEXT,
    severity             TEXT NOT NULL CHECK (severity IN ('immediate', 'stop_production', 'life_threatening')),
    urgent               BOOLEAN NOT NULL,
    state                TEXT NOT NULL,
    lat                  DOUBLE PRECISION,
    lon                  DOUBLE PRECISION,
    location_accuracy_m  DOUBLE PRECISION,
    lang                 TEXT NOT NULL,
    via                  TEXT NOT NULL CHECK (via IN ('app', 'form')),
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX reports_enterprise_created ON reports (enterprise_id, created_at);
CREATE INDEX reports_district_created ON reports (district_code, created_at);

-- Who reported (实名). Union-only: kept out of `reports` so no enterprise-facing query can
-- select it by accident.
CREATE TABLE report_reporters (
    report_id  UUID PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    phone      TEXT NOT NULL,
    user_id    UUID REFERENCES users (id)
);

-- Photos anyone allowed to see the report may see: stripped derivatives only. Keys are the
-- SHA-256 of the stored file (content-addressed).
CREATE TABLE report_photos (
    id              UUID PRIMARY KEY,
    report_id       UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL DEFAULT 'hazard' CHECK (kind IN ('hazard', 'rectification')),
    position        INTEGER NOT NULL,
    display_key     TEXT NOT NULL,
    display_width   INTEGER NOT NULL,
    display_height  INTEGER NOT NULL,
    display_bytes   INTEGER NOT NULL,
    thumb_key       TEXT NOT NULL,
    thumb_width     INTEGER NOT NULL,
    thumb_height    INTEGER NOT NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (report_id, kind, position)
);

-- The evidence behind each photo (union-only): the file as received, its metadata, and what
-- the browser read from the original before compressing it.
CREATE TABLE photo_evidence (
    photo_id            UUID PRIMARY KEY REFERENCES report_photos (id) ON DELETE CASCADE,
    original_key        TEXT NOT NULL,
    received_bytes      BIGINT NOT NULL,
    received_format     TEXT NOT NULL,
    original_width      INTEGER NOT NULL,
    original_height     INTEGER NOT NULL,
    exif_orientation    INTEGER,
    exif_taken_at       TEXT,
    exif_lat            DOUBLE PRECISION,
    exif_lon            DOUBLE PRECISION,
    client_sha256       TEXT,
    client_bytes        BIGINT,
    client_taken_at     TEXT,
    client_lat          DOUBLE PRECISION,
    client_lon          DOUBLE PRECISION,
    client_orientation  INTEGER
);

-- Every transition: who, when, from, to, note; and who may read the entry.
CREATE TABLE report_events (
    id             UUID PRIMARY KEY,
    report_id      UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    at             BIGINT NOT NULL,
    actor          TEXT NOT NULL CHECK (actor IN ('reporter', 'inspector', 'enterprise', 'admin', 'system')),
    actor_user_id  UUID REFERENCES users (id),
    from_state     TEXT,
    to_state       TEXT,
    note           TEXT,
    -- all: reporter, enterprise and union; reporter: reporter and union; enterprise: enterprise
    -- and union; union: the union only.
    visibility     TEXT NOT NULL DEFAULT 'all' CHECK (visibility IN ('all', 'reporter', 'enterprise', 'union'))
);
CREATE INDEX report_events_report_at ON report_events (report_id, at);
