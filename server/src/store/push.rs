//! Web Push storage: the devices' subscriptions (at most [`MAX_DEVICES_PER_USER`] per account),
//! the server's own keys (`server_keys`: the VAPID key every process signs with), the push
//! deliveries queued beside a notification ([`queue_push!`], inside the transaction that writes
//! the notification), and the push worker's side of them: claiming the due ones ([`claim`]);
//! what the push services answered is written by [`crate::store::notifications::record`].

use crate::store::notifications::claim_due;
use app::{
    backend::{alerts::devices, BeginWrite, Db},
    db_run,
};
use uuid::Uuid;

/// Most devices one account may subscribe (a named limit; the oldest is replaced beyond it).
pub const MAX_DEVICES_PER_USER: i64 = 10;

/// A push delivery, due at once: (id, notification, target origin, now, topic, urgency, TTL
/// seconds, subscription).
pub const INSERT_PUSH_DELIVERY: &str =
    "INSERT INTO deliveries (id, notification_id, channel, target, state, attempts,
    next_attempt_at, topic, urgency, ttl_secs, subscription_id)
    VALUES ($1, $2, 'push', $3, 'pending', 0, $4, $5, $6, $7, $8)";

/// Queues one push delivery of a notification to one device inside a transaction:
/// `queue_push!(tx, notification, &origin, now, &topic, urgency, ttl_secs, subscription)`.
macro_rules! queue_push {
    ($tx:ident, $notification:expr, $origin:expr, $now:expr, $topic:expr, $urgency:expr, $ttl:expr, $subscription:expr) => {{
        sqlx::query($crate::store::push::INSERT_PUSH_DELIVERY)
            .bind(uuid::Uuid::new_v4())
            .bind($notification)
            .bind($origin)
            .bind($now)
            .bind($topic)
            .bind($urgency)
            .bind($ttl)
            .bind($subscription)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use queue_push;

/// Saves a device's subscription for a user (the same endpoint again replaces its keys and
/// owner); only the user's newest [`MAX_DEVICES_PER_USER`] devices are kept.
#[tracing::instrument(skip(db, endpoint, p256dh, auth, user_agent))]
pub async fn subscribe(
    db: &Db,
    user: Uuid,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    user_agent: &str,
    now: i64,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, user_agent, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (endpoint) DO UPDATE SET user_id = $2, p256dh = $4, auth = $5, user_agent = $6
             RETURNING id",
        )
        .bind(id)
        .bind(user)
        .bind(endpoint)
        .bind(p256dh)
        .bind(auth)
        .bind(user_agent)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM push_subscriptions WHERE user_id = $1 AND id NOT IN
               (SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)",
        )
        .bind(user)
        .bind(MAX_DEVICES_PER_USER)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    })
}

/// Removes one of a user's devices (by id or endpoint). `false` when it was not theirs.
#[tracing::instrument(skip(db, endpoint))]
pub async fn unsubscribe(
    db: &Db,
    user: Uuid,
    id: Option<Uuid>,
    endpoint: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let n = db_run!(db, |pool| sqlx::query(
        "DELETE FROM push_subscriptions WHERE user_id = $1 AND (id = $2 OR endpoint = $3)"
    )
    .bind(user)
    .bind(id)
    .bind(endpoint)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Queues a test notification to the user's inbox and one push delivery to each of their
/// devices, in one transaction. How many pushes.
#[tracing::instrument(skip(db))]
pub async fn test_push(db: &Db, user: Uuid, now: i64) -> Result<usize, sqlx::Error> {
    // Stored in Chinese, the union's working language, like every notification.
    let t = app::i18n::Lang::ZhCn.tr();
    let devices = devices(db, user).await?;
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let note = crate::store::notifications::queue_inbox!(
            tx,
            user,
            "push_test",
            None::<Uuid>,
            None::<Uuid>,
            t.push_test_title(),
            t.push_test_body(),
            "/me",
            now
        );
        for d in &devices {
            queue_push!(tx, note, &d.service, now, "test", "normal", 600, d.id);
        }
        tx.commit().await?;
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(devices.len())
}

/// The value of a server key, created by `make` on first use (several processes may race: the
/// first insert wins and everyone reads it back).
#[tracing::instrument(skip(db, make))]
pub async fn server_key(
    db: &Db,
    name: &str,
    make: impl FnOnce() -> String,
    now: i64,
) -> Result<String, sqlx::Error> {
    let value = make();
    db_run!(db, |pool| {
        sqlx::query(
            "INSERT INTO server_keys (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(&value)
        .bind(now)
        .execute(pool)
        .await?;
        sqlx::query_scalar("SELECT value FROM server_keys WHERE name = $1")
            .bind(name)
            .fetch_one(pool)
            .await
    })
}

/// A push delivery claimed for sending, with its notification and its device.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    /// Including this one.
    pub attempts: i32,
    pub topic: String,
    pub urgency: String,
    pub ttl_secs: i32,
    pub title: String,
    pub body: String,
    pub link: String,
    pub alert: Option<Uuid>,
    /// The subscription (`None` once it was removed).
    pub device: Option<Device>,
}

/// Where a push goes: the subscription and its keys.
#[derive(Clone)]
pub struct Device {
    pub id: Uuid,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

impl std::fmt::Debug for Device {
    // The endpoint and keys are the device's secrets: not for a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device").field("id", &self.id).finish()
    }
}

/// Reserves up to `batch` due push deliveries for this process until `lease_until` and reads
/// what sending them needs.
#[tracing::instrument(skip(db))]
pub async fn claim(
    db: &Db,
    now: i64,
    lease_until: i64,
    batch: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let ids = claim_due(db, "push", now, lease_until, batch).await?;
    type Row = (
        Uuid,
        i32,
        String,
        String,
        i32,
        String,
        String,
        String,
        Option<Uuid>,
        Option<Uuid>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT d.id, d.attempts, d.topic, d.urgency, d.ttl_secs, n.title, n.body, n.link, n.alert_id,
                    s.id, s.endpoint, s.p256dh, s.auth
             FROM deliveries d JOIN notifications n ON n.id = d.notification_id
             LEFT JOIN push_subscriptions s ON s.id = d.subscription_id
             WHERE d.id IN ({})",
            marks.join(", ")
        );
        let rows: Vec<Row> = db_run!(db, |pool| {
            let mut q = sqlx::query_as(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            q.fetch_all(pool).await
        })?;
        for r in rows {
            // The device, while its subscription is still stored (the LEFT JOIN finds it).
            let device = match (r.9, r.10, r.11, r.12) {
                (Some(id), Some(endpoint), Some(p256dh), Some(auth)) => Some(Device {
                    id,
                    endpoint,
                    p256dh,
                    auth,
                }),
                _ => None,
            };
            out.push(Claimed {
                id: r.0,
                attempts: r.1,
                topic: r.2,
                urgency: r.3,
                ttl_secs: r.4,
                title: r.5,
                body: r.6,
                link: r.7,
                alert: r.8,
                device,
            });
        }
    }
    Ok(out)
}
