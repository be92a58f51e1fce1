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
