//! The audit log: who did what, when, from where. Written in the same transaction as the action
//! where there is one.

use super::Db;
use crate::db_run;
pub use crate::views::AuditRow as Row;
use uuid::Uuid;

/// One entry to record.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub at: i64,
    pub actor: Option<Uuid>,
    /// What happened: `login`, `login_failed`, `logout`, `user_created`, `roles_changed`,
    /// `user_disabled`, `user_enabled`, `password_changed`, `identity_revealed`, …
    pub action: &'a str,
    pub subject_type: Option<&'a str>,
    pub subject_id: Option<String>,
    pub address: &'a str,
    /// JSON object with details (never a password; phone numbers masked).
    pub detail: String,
}

pub const INSERT: &str = "INSERT INTO audit_log (id, at, actor_user_id, action, subject_type, subject_id, address, detail)
                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Records an entry on its own.
pub async fn record(db: &Db, e: Entry<'_>) -> Result<(), sqlx::Error> {
    db_run!(db, |pool| sqlx::query(INSERT)
        .bind(Uuid::now_v7())
        .bind(e.at)
        .bind(e.actor)
        .bind(e.action)
        .bind(e.subject_type)
        .bind(&e.subject_id)
        .bind(e.address)
        .bind(if e.detail.is_empty() {
            "{}"
        } else {
            e.detail.as_str()
        })
        .execute(pool)
        .await
        .map(|_| ()))
}

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
