-- Text messages (短信) as a channel of notifications. An `sms` delivery names no number: the
-- worker opens the recipient's sealed phone when it sends; `phone_hash` is the account's keyed
-- phone hash at the time it was queued (the per-number rate limit counts by it).
-- `provider_ref` is what the SMS provider called the message (Alibaba Cloud's `BizId`), which
-- its delivery receipt names; `delivered_at` is when that receipt said the phone received it.
-- An `sms` delivery's `topic` is the template its text uses (`urgent`, `alert_red`, …).
ALTER TABLE deliveries ADD COLUMN provider_ref TEXT;
ALTER TABLE deliveries ADD COLUMN delivered_at BIGINT;
ALTER TABLE deliveries ADD COLUMN phone_hash TEXT;
CREATE INDEX deliveries_phone_sent ON deliveries (phone_hash, sent_at);

-- The short link of a notification sent by text message (`/n/<code>`, which redirects to the
-- notification's page): a text has room for about 70 characters.
ALTER TABLE notifications ADD COLUMN short_code TEXT;
CREATE UNIQUE INDEX notifications_short_code ON notifications (short_code);
