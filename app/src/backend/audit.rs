//! Reading the audit log: who did what, when, from where. Entries are written by
//! `server::store::audit`, in the same transaction as the action wherever there is one.

use super::Db;
use crate::db_run;
pub use crate::views::AuditRow as Row;

/// The newest entries first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Row>, sqlx::Error> {
    db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT a.at, a.actor_user_id, u.display_name AS actor_name, a.action, a.subject_type, a.subject_id, a.address, a.detail
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
         ORDER BY a.at DESC, a.id DESC LIMIT $1"
    )
    .bind(limit)
    .fetch_all(pool)
    .await
    })
}

/// The newest push and text-message deliveries, newest first: of every notification (`district`
/// `None`), or of those about a district's reports. Never what a reporter was told.
pub async fn deliveries(
    db: &Db,
    district: Option<&str>,
    limit: i64,
) -> Result<Vec<crate::views::DeliveryRow>, sqlx::Error> {
    db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT n.created_at AS at, u.display_name AS recipient, n.kind, n.title, d.channel,
                    d.state, d.attempts, d.last_error, d.sent_at, d.delivered_at
             FROM deliveries d JOIN notifications n ON n.id = d.notification_id
             JOIN users u ON u.id = n.user_id
             LEFT JOIN reports r ON r.id = n.report_id
             WHERE d.channel IN ('push', 'sms') AND n.kind <> 'reporter'
               AND ($2 IS NULL OR r.district_code = $2)
             ORDER BY n.created_at DESC, d.id DESC LIMIT $1",
        )
        .bind(limit)
        .bind(district)
        .fetch_all(pool)
        .await
    })
}
