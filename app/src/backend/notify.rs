//! Notifications: every one lands in the recipient's in-app inbox first (a delivery on the
//! `inbox` channel, sent at once); other channels (Web Push) are further deliveries of the same
//! notification with their own state, sent by a worker. Enqueued after an action's transaction.

use super::Db;
use crate::db_run;
use uuid::Uuid;

/// The inbox delivery of a notification: delivered the moment it is written.
pub const INSERT_INBOX_DELIVERY: &str = "INSERT INTO deliveries (id, notification_id, channel, state, attempts, sent_at) VALUES ($1, $2, 'inbox', 'sent', 1, $3)";

/// What to tell people.
#[derive(Debug, Clone)]
pub struct Note {
    /// `assigned`, `urgent`, `acknowledged`, `rectified`, `verify`, `overdue`, `escalated`,
    /// `confirm`, `message`, `notice`, `extension`, `alert`, …
    pub kind: &'static str,
    pub report_id: Option<Uuid>,
    pub title: String,
    pub body: String,
    pub link: String,
}

/// Puts a notification in each user's inbox (once per user).
pub async fn send(
    db: &Db,
    users: &[Uuid],
    note: &Note,
    now: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let mut seen = std::collections::BTreeSet::new();
    let mut ids = Vec::new();
    for user in users.iter().filter(|u| seen.insert(**u)) {
        let id = Uuid::now_v7();
        db_run!(db, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO notifications (id, user_id, kind, report_id, title, body, link, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(user)
            .bind(note.kind)
            .bind(note.report_id)
            .bind(&note.title)
            .bind(&note.body)
            .bind(&note.link)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(INSERT_INBOX_DELIVERY)
                .bind(Uuid::now_v7())
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        ids.push(id);
    }
    Ok(ids)
}

/// A district's own union admins.
async fn district_admins(db: &Db, district: &str) -> Result<Vec<Uuid>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_scalar(
        "SELECT s.user_id FROM admin_scopes s JOIN users u ON u.id = s.user_id
         WHERE NOT u.disabled AND s.district_code = $1"
    )
    .bind(district)
    .fetch_all(pool)
    .await)
}

/// A district's union desk: its admins, or the city union's when the district has none.
pub async fn desk_for(db: &Db, district: &str) -> Result<Vec<Uuid>, sqlx::Error> {
    let admins = district_admins(db, district).await?;
    if admins.is_empty() {
        city_admins(db).await
    } else {
        Ok(admins)
    }
}

/// City union admins.
pub async fn city_admins(db: &Db) -> Result<Vec<Uuid>, sqlx::Error> {
    db_run!(db, |pool| {
        sqlx::query_scalar(
        "SELECT s.user_id FROM admin_scopes s JOIN users u ON u.id = s.user_id WHERE NOT u.disabled AND s.district_code IS NULL"
    )
    .fetch_all(pool)
    .await
    })
}

/// Officers of an enterprise.
pub async fn officers(db: &Db, enterprise: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    db_run!(db, |pool| {
        sqlx::query_scalar(
        "SELECT o.user_id FROM enterprise_officers o JOIN users u ON u.id = o.user_id WHERE NOT u.disabled AND o.enterprise_id = $1"
    )
    .bind(enterprise)
    .fetch_all(pool)
    .await
    })
}

/// Accounts a report was linked to by its reporter.
pub async fn reporter_accounts(db: &Db, report: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_scalar(
        "SELECT user_id FROM account_reports WHERE report_id = $1"
    )
    .bind(report)
    .fetch_all(pool)
    .await)
}

/// Who on the union side answers for a report now: its assignee, or the district desk (the
/// district's admins, or the city's when the district has none) when it has none.
pub async fn union_desk(db: &Db, report: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    let row: Option<(Option<Uuid>, String)> = db_run!(db, |pool| sqlx::query_as(
        "SELECT assignee_id, district_code FROM reports WHERE id = $1"
    )
    .bind(report)
    .fetch_optional(pool)
    .await)?;
    match row {
        Some((Some(assignee), _)) => Ok(vec![assignee]),
        Some((None, district)) => desk_for(db, &district).await,
        None => Ok(Vec::new()),
    }
}

/// Marks one of a user's notifications read.
pub async fn mark_read(db: &Db, user: Uuid, id: Uuid, now: i64) -> Result<bool, sqlx::Error> {
    let n = db_run!(db, |pool| {
        sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL"
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
