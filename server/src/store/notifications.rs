//! Notifications and their deliveries. Every notification lands in the recipient's in-app inbox
//! first (a delivery on the `inbox` channel, delivered the moment it is written); the other
//! channels are further deliveries of the same notification with their own state, sent by a
//! worker: Web Push to each of the recipient's devices, and a text message when the kind goes by
//! SMS ([`crate::sms::channels`]) and the account has a phone. Notifications are written only
//! inside the transaction of what they tell about (a report's step, an alert's fan-out): all
//! commit, or none does. The workers claim due deliveries here ([`claim_due`]) and write what
//! the services answered ([`record`]).

use app::{
    backend::{BeginWrite, Db},
    db_run,
};
use uuid::Uuid;

/// The inbox delivery of a notification: delivered the moment it is written.
pub const INSERT_INBOX_DELIVERY: &str = "INSERT INTO deliveries (id, notification_id, channel, state, attempts, sent_at) VALUES ($1, $2, 'inbox', 'sent', 1, $3)";

/// The notification row itself.
pub const INSERT_NOTIFICATION: &str = "INSERT INTO notifications (id, user_id, kind, report_id, alert_id, title, body, link, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// A text-message delivery, due at once, when the recipient's account has a phone and is not
/// disabled: (id, notification, now, user, template). The number itself is opened only when
/// sending; the row keeps the account's keyed phone hash for the per-number limit.
pub const INSERT_SMS_DELIVERY: &str =
    "INSERT INTO deliveries (id, notification_id, channel, state, attempts, next_attempt_at, phone_hash, topic)
     SELECT $1, $2, 'sms', 'pending', 0, $3, u.phone, $5 FROM users u
     WHERE u.id = $4 AND u.phone IS NOT NULL AND u.phone_sealed IS NOT NULL AND NOT u.disabled";

/// How long a push of a report's notice waits at the push service for a device that is off.
pub const NOTICE_PUSH_TTL_SECS: i32 = 7 * 24 * 3600;

/// Letters of a short link's code (`/n/<code>`): 62^10 codes, none guessable.
pub const SHORT_CODE_CHARS: usize = 10;

/// A new random short-link code.
// No randomness from the operating system is a broken machine: better to stop than to hand out
// guessable links.
#[allow(clippy::expect_used)]
pub fn new_short_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(SHORT_CODE_CHARS);
    while out.len() < SHORT_CODE_CHARS {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the system's random source");
        // 62 * 4 = 248: bytes from 248 up are skipped, so every letter is equally likely.
        for b in bytes {
            if b < 248 && out.len() < SHORT_CODE_CHARS {
                out.push(ALPHABET[(b % 62) as usize] as char);
            }
        }
    }
    out
}

/// How urgently a push of a notice of this kind should reach a sleeping phone (RFC 8030).
pub fn push_urgency(kind: &str) -> &'static str {
    match kind {
        "urgent" | "overdue" | "escalated" => "high",
        _ => "normal",
    }
}

/// Writes one notification and its inbox delivery inside a transaction and evaluates to the
/// notification's id: `queue_inbox!(tx, user, kind, report_id, alert_id, &title, &body, &link,
/// now)`. Nothing else: [`queue_notification!`] is the whole fan-out.
macro_rules! queue_inbox {
    ($tx:ident, $user:expr, $kind:expr, $report:expr, $alert:expr, $title:expr, $body:expr, $link:expr, $now:expr) => {{
        let id = uuid::Uuid::new_v4();
        sqlx::query($crate::store::notifications::INSERT_NOTIFICATION)
            .bind(id)
            .bind($user)
            .bind($kind)
            .bind($report)
            .bind($alert)
            .bind($title)
            .bind($body)
            .bind($link)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        sqlx::query($crate::store::notifications::INSERT_INBOX_DELIVERY)
            .bind(uuid::Uuid::new_v4())
            .bind(id)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        id
    }};
}
pub(crate) use queue_inbox;

/// Queues the text message of a notification when `kind` goes by SMS and the recipient has a
/// phone, and gives the notification its short link: `queue_sms!(tx, notification, user, kind,
/// now)`.
macro_rules! queue_sms {
    ($tx:ident, $note:expr, $user:expr, $kind:expr, $now:expr) => {{
        let kind: &str = $kind;
        if $crate::sms::channels::by_sms(kind) {
            let queued = sqlx::query($crate::store::notifications::INSERT_SMS_DELIVERY)
                .bind(uuid::Uuid::new_v4())
                .bind($note)
                .bind($now)
                .bind($user)
                .bind($crate::sms::channels::template_of(kind))
                .execute(&mut *$tx)
                .await?
                .rows_affected();
            if queued > 0 {
                sqlx::query("UPDATE notifications SET short_code = $1 WHERE id = $2")
                    .bind($crate::store::notifications::new_short_code())
                    .bind($note)
                    .execute(&mut *$tx)
                    .await?;
            }
        }
    }};
}
pub(crate) use queue_sms;

/// Queues one Web Push delivery of a notification to each of the recipient's devices (the
/// pushes of one report share its topic: a device that was off gets the latest):
/// `queue_pushes!(tx, notification, user, kind, report, now)`.
macro_rules! queue_pushes {
    ($tx:ident, $note:expr, $user:expr, $kind:expr, $report:expr, $now:expr) => {{
        // Never what a reporter is told (only the inbox has it; see `by_sms`).
        let devices: Vec<(uuid::Uuid, String)> = if $kind == $crate::sms::channels::REPORTER_KIND {
            Vec::new()
        } else {
            sqlx::query_as("SELECT id, endpoint FROM push_subscriptions WHERE user_id = $1")
                .bind($user)
                .fetch_all(&mut *$tx)
                .await?
        };
        let report: Option<uuid::Uuid> = $report;
        let topic = report.map(|r| r.simple().to_string()).unwrap_or_default();
        for (device, endpoint) in devices {
            let origin = app::backend::alerts::origin_of(&endpoint);
            $crate::store::push::queue_push!(
                $tx,
                $note,
                &origin,
                $now,
                &topic,
                $crate::store::notifications::push_urgency($kind),
                $crate::store::notifications::NOTICE_PUSH_TTL_SECS,
                device
            );
        }
    }};
}
pub(crate) use queue_pushes;

/// The whole fan-out of one notification inside a transaction — the inbox, a text message when
/// its kind goes by SMS, a push to each device — evaluating to the notification's id:
/// `queue_notification!(tx, user, kind, report_id, alert_id, &title, &body, &link, now)`.
macro_rules! queue_notification {
    ($tx:ident, $user:expr, $kind:expr, $report:expr, $alert:expr, $title:expr, $body:expr, $link:expr, $now:expr) => {{
        let user: uuid::Uuid = $user;
        let kind: &str = $kind;
        let report: Option<uuid::Uuid> = $report;
        let note = $crate::store::notifications::queue_inbox!(
            $tx, user, kind, report, $alert, $title, $body, $link, $now
        );
        $crate::store::notifications::queue_sms!($tx, note, user, kind, $now);
        $crate::store::notifications::queue_pushes!($tx, note, user, kind, report, $now);
        note
    }};
}
pub(crate) use queue_notification;

fn lock_clause(db: &Db) -> &'static str {
    if matches!(db, Db::Postgres(_)) {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    }
}

/// Reserves up to `batch` due pending deliveries of a channel for this process until
/// `lease_until`: their next attempt moves there in the statement that selects them (`FOR
/// UPDATE SKIP LOCKED` on PostgreSQL, the single writer on SQLite), so another process skips
/// them and a process that dies mid-send leaves them to be tried again when the lease ends.
pub async fn claim_due(
    db: &Db,
    channel: &str,
    now: i64,
    lease_until: i64,
    batch: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let claim = format!(
        "UPDATE deliveries SET next_attempt_at = $1, attempts = attempts + 1
         WHERE id IN (SELECT id FROM deliveries WHERE channel = $4 AND state = 'pending'
                      AND next_attempt_at <= $2 ORDER BY next_attempt_at LIMIT $3{})
         RETURNING id",
        lock_clause(db)
    );
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let ids: Vec<Uuid> = sqlx::query_scalar(&claim)
            .bind(lease_until)
            .bind(now)
            .bind(batch)
            .bind(channel)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(ids)
    })
}

/// What became of one claimed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The service took it (and what it calls the message, for its delivery receipt).
    Sent { provider_ref: Option<String> },
    /// Given up (with why); `remove`: the subscription is gone and is deleted too.
    Failed {
        reason: String,
        remove: Option<Uuid>,
    },
    /// To be tried again at `at` (with why this try failed).
    Retry { at: i64, reason: String },
    /// Not tried: held back until `at` (a limit), so the claim does not count as a try.
    Wait { at: i64, reason: String },
}

/// Writes the outcomes of sent deliveries in one transaction. A delivery acknowledged (or
/// cancelled) meanwhile keeps that state.
#[tracing::instrument(skip_all, fields(outcomes = outcomes.len()))]
pub async fn record(db: &Db, now: i64, outcomes: &[(Uuid, Outcome)]) -> Result<(), sqlx::Error> {
    if outcomes.is_empty() {
        return Ok(());
    }
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        for (delivery, outcome) in outcomes {
            match outcome {
                Outcome::Sent { provider_ref } => {
                    sqlx::query(
                        "UPDATE deliveries SET state = 'sent', sent_at = $2, last_error = NULL, provider_ref = $3
                         WHERE id = $1 AND state = 'pending'",
                    )
                    .bind(delivery)
                    .bind(now)
                    .bind(provider_ref)
                    .execute(&mut *tx)
                    .await?;
                }
                Outcome::Failed { reason, remove } => {
                    sqlx::query(
                        "UPDATE deliveries SET state = 'failed', last_error = $2
                         WHERE id = $1 AND state = 'pending'",
                    )
                    .bind(delivery)
                    .bind(reason)
                    .execute(&mut *tx)
                    .await?;
                    if let Some(subscription) = remove {
                        sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
                            .bind(subscription)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                Outcome::Wait { at, reason } => {
                    sqlx::query(
                        "UPDATE deliveries SET next_attempt_at = $2, last_error = $3, attempts = attempts - 1
                         WHERE id = $1 AND state = 'pending'",
                    )
                    .bind(delivery)
                    .bind(at)
                    .bind(reason)
                    .execute(&mut *tx)
                    .await?;
                }
                Outcome::Retry { at, reason } => {
                    sqlx::query(
                        "UPDATE deliveries SET next_attempt_at = $2, last_error = $3
                         WHERE id = $1 AND state = 'pending'",
                    )
                    .bind(delivery)
                    .bind(at)
                    .bind(reason)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok::<(), sqlx::Error>(())
    })
}

/// Marks one of a user's notifications read. `false` when it was not theirs or already read.
#[tracing::instrument(skip(db))]
pub async fn mark_read(db: &Db, user: Uuid, id: Uuid, now: i64) -> Result<bool, sqlx::Error> {
    let n = db_run!(db, |pool| {
        sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(user)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(n > 0)
}
