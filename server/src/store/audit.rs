//! The audit log's writes: who did what, when, from where. An entry is written in the same
//! transaction as the action it records wherever there is one ([`audit_row!`]); sign-ins and
//! sign-outs, which have no other row, are recorded on their own ([`record`]). Reading the log
//! is `app::backend::audit`.

use app::{backend::Db, db_run};
use uuid::Uuid;

/// One entry to record.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub at: i64,
    pub actor: Option<Uuid>,
    /// What happened: `login`, `login_failed`, `logout`, `user_created`, `roles_changed`,
    /// `user_disabled`, `user_enabled`, `password_changed`, `identity_revealed`, `alert_issued`, …
    pub action: &'a str,
    pub subject_type: Option<&'a str>,
    pub subject_id: Option<String>,
    pub address: &'a str,
    /// JSON object with details (never a password; phone numbers masked).
    pub detail: String,
}

impl<'a> Entry<'a> {
    /// An entry about a user's account, without details.
    pub fn about_user(
        at: i64,
        actor: Option<Uuid>,
        action: &'a str,
        user: Uuid,
        address: &'a str,
    ) -> Entry<'a> {
        Entry {
            at,
            actor,
            action,
            subject_type: Some("user"),
            subject_id: Some(user.to_string()),
            address,
            detail: String::new(),
        }
    }

    /// The detail as stored (`{}` when there is none).
    pub fn detail_json(&self) -> &str {
        if self.detail.is_empty() {
            "{}"
        } else {
            self.detail.as_str()
        }
    }
}

pub const INSERT: &str = "INSERT INTO audit_log (id, at, actor_user_id, action, subject_type, subject_id, address, detail)
                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Writes an [`Entry`] inside a transaction: `audit_row!(tx, &entry)`.
macro_rules! audit_row {
    ($tx:ident, $entry:expr) => {{
        let e: &$crate::store::audit::Entry<'_> = $entry;
        sqlx::query($crate::store::audit::INSERT)
            .bind(uuid::Uuid::new_v4())
            .bind(e.at)
            .bind(e.actor)
            .bind(e.action)
            .bind(e.subject_type)
            .bind(&e.subject_id)
            .bind(e.address)
            .bind(e.detail_json())
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use audit_row;

/// Records an entry on its own (for what writes no other row).
#[tracing::instrument(skip_all, fields(action = e.action))]
pub async fn record(db: &Db, e: Entry<'_>) -> Result<(), sqlx::Error> {
    db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        audit_row!(tx, &e);
        tx.commit().await
    })
}
