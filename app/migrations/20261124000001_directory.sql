-- The directory: districts and industries (reference data, kept in step with app/src/domain by
-- the server at start-up), enterprises, and users with their roles.
-- Portable SQL: the same file runs on SQLite and PostgreSQL. Ids are UUIDs, instants are BIGINT
-- milliseconds since the Unix epoch.

CREATE TABLE districts (
    code        TEXT PRIMARY KEY,
    name_zh     TEXT NOT NULL UNIQUE,
    name_en     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('county', 'zone')),
    gb2260      TEXT UNIQUE,
    sort_order  INTEGER NOT NULL
);

CREATE TABLE industries (
    code        TEXT PRIMARY KEY,
    name_zh     TEXT NOT NULL UNIQUE,
    name_en     TEXT NOT NULL,
    gbt4754     TEXT NOT NULL,
    sort_order  INTEGER NOT NULL
);

CREATE TABLE enterprises (
    id               UUID PRIMARY KEY,
    name             TEXT NOT NULL,
    uscc             TEXT NOT NULL UNIQUE CHECK (length(uscc) = 18),
    district_code    TEXT NOT NULL REFERENCES districts (code),
    industry_code    TEXT NOT NULL REFERENCES industries (code),
    address          TEXT NOT NULL DEFAULT '',
    is_coal_mine     BOOLEAN NOT NULL DEFAULT FALSE,
    has_outdoor_work BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX enterprises_district_industry ON enterprises (district_code, industry_code);
CREATE INDEX enterprises_name ON enterprises (name);

CREATE TABLE users (
    id             UUID PRIMARY KEY,
    username       TEXT UNIQUE,
    phone          TEXT UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    CHECK (username IS NOT NULL OR phone IS NOT NULL)
);

CREATE TABLE user_roles (
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('worker', 'inspector', 'mine_supervisor', 'enterprise_officer', 'union_admin')),
    granted_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, role)
);
