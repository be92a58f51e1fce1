//! Text-message deliveries: what the SMS worker claims ([`claim`]), how many messages a number
//! was sent lately (the per-number limit), the provider's delivery receipts ([`receipts`]) and
//! the short links the texts carry ([`link_of`]). Queuing is
//! [`crate::store::notifications::queue_sms!`]; outcomes are
//! [`crate::store::notifications::record`].

use crate::store::notifications::claim_due;
use app::{
    backend::{BeginWrite, Db},
    db_run,
};
use uuid::Uuid;

/// An SMS delivery claimed for sending.
#[derive(Clone)]
pub struct Claimed {
    pub id: Uuid,
    /// Including this one.
    pub attempts: i32,
    /// Which text (`crate::sms::channels::NOTICE_TEXTS`).
    pub template: String,
    pub short_code: Option<String>,
    pub user: Uuid,
    /// The account's phone as stored now (sealed), `None` once removed.
    pub phone_sealed: Option<String>,
    /// The keyed hash the delivery was queued for.
    pub phone_hash: String,
}

impl std::fmt::Debug for Claimed {
    // The phone is the recipient's: not for a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claimed")
            .field("id", &self.id)
            .field("attempts", &self.attempts)
            .field("template", &self.template)
            .finish()
    }
}

/// Reserves up to `batch` due SMS deliveries until `lease_until` and reads what sending them
/// needs.
#[tracing::instrument(skip(db))]
pub async fn claim(
    db: &Db,
    now: i64,
    lease_until: i64,
    batch: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let ids = claim_due(db, "sms", now, lease_until, batch).await?;
    type Row = (
        Uuid,
        i32,
        String,
        Option<String>,
        Uuid,
        Option<String>,
        Option<String>,
    );
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT d.id, d.attempts, d.topic, n.short_code, n.user_id, u.phone_sealed, d.phone_hash
             FROM deliveries d JOIN notifications n ON n.id = d.notification_id
             LEFT JOIN users u ON u.id = n.user_id AND u.phone = d.phone_hash AND NOT u.disabled
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
        out.extend(rows.into_iter().map(|r| Claimed {
            id: r.0,
            attempts: r.1,
            template: r.2,
            short_code: r.3,
            user: r.4,
            phone_sealed: r.5,
            phone_hash: r.6.unwrap_or_default(),
        }));
    }
    Ok(out)
}

/// How many text messages went to a number (by its keyed hash) since `since`, and when the
/// oldest of them went.
pub async fn sent_since(
    db: &Db,
    phone_hash: &str,
    since: i64,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    db_run!(db, |pool| sqlx::query_as(
        "SELECT COUNT(*), MIN(sent_at) FROM deliveries
         WHERE channel = 'sms' AND phone_hash = $1 AND sent_at > $2"
    )
    .bind(phone_hash)
    .bind(since)
    .fetch_one(pool)
    .await)
}

/// One delivery receipt: our delivery (`out_id`), the provider's id of the message, whether
/// the phone received it and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub delivery: Uuid,
    pub provider_ref: String,
    pub delivered: bool,
    pub reason: String,
}

/// What a batch of receipts did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Receipted {
    /// Deliveries changed.
    pub changed: u64,
    /// Receipts for deliveries whose send is not written yet (still `pending`): to be pushed
    /// again.
    pub early: u64,
}

/// Writes delivery receipts; a receipt that names no sent SMS delivery of ours (or repeats
/// one already written) changes nothing.
#[tracing::instrument(skip_all, fields(receipts = receipts.len()))]
pub async fn receipts(db: &Db, receipts: &[Receipt], now: i64) -> Result<Receipted, sqlx::Error> {
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let mut changed = 0;
        let mut early = 0;
        for r in receipts {
            let pending: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM deliveries WHERE id = $1 AND channel = 'sms' AND state = 'pending'",
            )
            .bind(r.delivery)
            .fetch_one(&mut *tx)
            .await?;
            if pending > 0 {
                early += 1;
                continue;
            }
            let q = if r.delivered {
                sqlx::query(
                    "UPDATE deliveries SET delivered_at = $3
                     WHERE id = $1 AND provider_ref = $2 AND channel = 'sms'
                       AND state IN ('sent', 'acknowledged') AND delivered_at IS NULL",
                )
                .bind(r.delivery)
                .bind(&r.provider_ref)
                .bind(now)
            } else {
                sqlx::query(
                    "UPDATE deliveries SET state = 'failed', last_error = $3
                     WHERE id = $1 AND provider_ref = $2 AND channel = 'sms' AND state = 'sent'",
                )
                .bind(r.delivery)
                .bind(&r.provider_ref)
                .bind(format!("not received: {}", r.reason))
            };
            changed += q.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok::<Receipted, sqlx::Error>(Receipted { changed, early })
    })
}

/// The page a short link's code stands for.
pub async fn link_of(db: &Db, code: &str) -> Result<Option<String>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_scalar(
        "SELECT link FROM notifications WHERE short_code = $1"
    )
    .bind(code)
    .fetch_optional(pool)
    .await)
}
