//! Notifications and their inbox deliveries. Every notification lands in the recipient's in-app
//! inbox first (a delivery on the `inbox` channel, delivered the moment it is written); other
//! channels (Web Push) are further deliveries of the same notification with their own state,
//! sent by a worker. Notifications are written only inside the transaction of what they tell
//! about (a report's step, an alert's fan-out): both commit, or neither does.

use app::{backend::Db, db_run};
use uuid::Uuid;

/// The inbox delivery of a notification: delivered the moment it is written.
pub const INSERT_INBOX_DELIVERY: &str = "INSERT INTO deliveries (id, notification_id, channel, state, attempts, sent_at) VALUES ($1, $2, 'inbox', 'sent', 1, $3)";

/// The notification row itself.
pub const INSERT_NOTIFICATION: &str = "INSERT INTO notifications (id, user_id, kind, report_id, alert_id, title, body, link, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Writes one notification and its inbox delivery inside a transaction and evaluates to the
/// notification's id: `queue_notification!(tx, user, kind, report_id, alert_id, &title, &body,
/// &link, now)`.
macro_rules! queue_notification {
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
pub(crate) use queue_notification;

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
