-- Heat and cold alerts: the alerts (issued in the UI or received as CAP 1.2), the enterprises
-- each one reached and their acknowledgements, Web Push subscriptions, the server's VAPID key,
-- and the sources allowed to post CAP messages. Portable SQL.

-- Keys the server creates once and keeps (the VAPID key pair for Web Push).
CREATE TABLE server_keys (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Programs allowed to post CAP messages (a weather service's feed), by API key (stored hashed).
CREATE TABLE alert_sources (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    key_hash    TEXT NOT NULL UNIQUE,
    disabled    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE alerts (
    id            UUID PRIMARY KEY,
    -- The CAP identity of the message this alert came from (or was issued as).
    sender        TEXT NOT NULL,
    identifier    TEXT NOT NULL,
    sent_at       BIGINT NOT NULL,
    source_id     UUID REFERENCES alert_sources (id),
    issued_by     UUID REFERENCES users (id),
    event         TEXT NOT NULL CHECK (event IN ('heat', 'cold')),
    level         TEXT NOT NULL CHECK (level IN ('blue', 'yellow', 'orange', 'red')),
    -- Forecast maximum (heat) or minimum (cold), tenths of a degree Celsius.
    temperature   INTEGER,
    valid_from    BIGINT NOT NULL,
    valid_to      BIGINT NOT NULL,
    headline      TEXT NOT NULL,
    instruction   TEXT NOT NULL DEFAULT '',
    -- active; superseded (an Update replaced it); cancelled.
    status        TEXT NOT NULL CHECK (status IN ('active', 'superseded', 'cancelled')),
    -- The alert this one updates, and the first of the chain (its Web Push topic).
    replaces      UUID REFERENCES alerts (id),
    chain_id      UUID NOT NULL,
    cancelled_at  BIGINT,
    created_at    BIGINT NOT NULL,
    UNIQUE (sender, identifier)
);
CREATE INDEX alerts_valid ON alerts (status, valid_to);

CREATE TABLE alert_districts (
    alert_id       UUID NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    district_code  TEXT NOT NULL REFERENCES districts (code),
    PRIMARY KEY (alert_id, district_code)
);
CREATE INDEX alert_districts_district ON alert_districts (district_code, alert_id);

-- Cancel messages received (an alert's cancellation has its own CAP identity).
CREATE TABLE alert_cancels (
    sender        TEXT NOT NULL,
    identifier    TEXT NOT NULL,
    alert_id      UUID NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    received_at   BIGINT NOT NULL,
    PRIMARY KEY (sender, identifier)
);

-- Each enterprise an alert reached, with what it was told (outdoor or indoor obligations) and
-- its acknowledgement.
CREATE TABLE alert_recipients (
    alert_id         UUID NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    enterprise_id    UUID NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    district_code    TEXT NOT NULL,
    outdoor          BOOLEAN NOT NULL,
    acknowledged_at  BIGINT,
    acknowledged_by  UUID REFERENCES users (id),
    -- JSON array of the obligation keys the officer ticked.
    measures         TEXT NOT NULL DEFAULT '[]',
    note             TEXT NOT NULL DEFAULT '',
    reminded_at      BIGINT,
    PRIMARY KEY (alert_id, enterprise_id)
);
CREATE INDEX alert_recipients_enterprise ON alert_recipients (enterprise_id, alert_id);
CREATE INDEX alert_recipients_district ON alert_recipients (alert_id, district_code);

-- A device's Web Push subscription (what `PushSubscription.toJSON()` gives).
CREATE TABLE push_subscriptions (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint    TEXT NOT NULL UNIQUE,
    p256dh      TEXT NOT NULL,
    auth        TEXT NOT NULL,
    user_agent  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- Notifications about an alert, and how a push delivery is to be sent.
ALTER TABLE notifications ADD COLUMN alert_id UUID REFERENCES alerts (id) ON DELETE CASCADE;
ALTER TABLE deliveries ADD COLUMN topic TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN urgency TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE deliveries ADD COLUMN ttl_secs INTEGER NOT NULL DEFAULT 86400;
ALTER TABLE deliveries ADD COLUMN subscription_id UUID REFERENCES push_subscriptions (id) ON DELETE SET NULL;
CREATE INDEX deliveries_push_due ON deliveries (channel, state, next_attempt_at);
CREATE INDEX notifications_alert ON notifications (alert_id, user_id);

-- A report made from the heat page's "本单位未落实" names the alert it is about.
ALTER TABLE reports ADD COLUMN alert_id UUID REFERENCES alerts (id);
