//! An alert as stored, read into an [`AlertView`]: one by id, those in force today in a district,
//! the recent ones of some districts, the enterprises it reached (the policy's
//! [`AlertFacts`]) and what a set of enterprises received.

use crate::{
    backend::Db,
    db_run,
    domain::policy::AlertFacts,
    views::{AlertView, ReceivedAlert},
};
use std::collections::BTreeSet;
use uuid::Uuid;

type AlertRow = (
    Uuid,
    String,
    String,
    Option<i32>,
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<Uuid>,
    i64,
    Option<String>,
    Option<String>,
);

const ALERT_COLUMNS: &str =
    "a.id, a.event, a.level, a.temperature, a.valid_from, a.valid_to, a.headline,
    a.instruction, a.status, a.sender, a.identifier, a.sent_at, a.replaces, a.created_at,
    (SELECT u.display_name FROM users u WHERE u.id = a.issued_by),
    (SELECT s.name FROM alert_sources s WHERE s.id = a.source_id)";

fn alert_view(row: AlertRow, districts: Vec<String>) -> AlertView {
    AlertView {
        id: row.0,
        event: row.1,
        level: row.2,
        temperature: row.3,
        valid_from: row.4,
        valid_to: row.5,
        headline: row.6,
        instruction: row.7,
        districts,
        status: row.8,
        // The person who issued it, or else the feed it came from.
        issued_by: row.14.or(row.15).unwrap_or_default(),
        sender: row.9,
        identifier: row.10,
        sent_at: row.11,
        replaces: row.12,
        created_at: row.13,
    }
}

async fn districts_of(db: &Db, alert: Uuid) -> Result<Vec<String>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_scalar(
        "SELECT district_code FROM alert_districts WHERE alert_id = $1 ORDER BY district_code"
    )
    .bind(alert)
    .fetch_all(pool)
    .await)
}

async fn views_of(db: &Db, rows: Vec<AlertRow>) -> Result<Vec<AlertView>, sqlx::Error> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let districts = districts_of(db, row.0).await?;
        out.push(alert_view(row, districts));
    }
    Ok(out)
}

/// One alert.
pub async fn get(db: &Db, id: Uuid) -> Result<Option<AlertView>, sqlx::Error> {
    let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts a WHERE a.id = $1");
    let row: Option<AlertRow> = db_run!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    Ok(views_of(db, row.into_iter().collect()).await?.pop())
}

/// Alerts in force (or starting) today in a district, for the worker page: active, not expired,
/// starting before the end of today in Zhengzhou.
pub async fn current_for_district(
    db: &Db,
    district: &str,
    now: i64,
) -> Result<Vec<AlertView>, sqlx::Error> {
    let end_of_today = end_of_local_day(now);
    let sql = format!(
        "SELECT {ALERT_COLUMNS} FROM alerts a JOIN alert_districts d ON d.alert_id = a.id
         WHERE d.district_code = $1 AND a.status = 'active' AND a.valid_to > $2 AND a.valid_from < $3
         ORDER BY a.valid_from DESC LIMIT 20"
    );
    let rows: Vec<AlertRow> = db_run!(db, |pool| sqlx::query_as(&sql)
        .bind(district)
        .bind(now)
        .bind(end_of_today)
        .fetch_all(pool)
        .await)?;
    views_of(db, rows).await
}

/// The end (exclusive: the next midnight) of the day `now` falls in, in Asia/Shanghai.
pub fn end_of_local_day(now: i64) -> i64 {
    let offset = crate::domain::time::SHANGHAI_OFFSET_SECS * 1000;
    let day = 86_400_000;
    (now + offset).div_euclid(day) * day + day - offset
}

/// Recent alerts touching any of these districts (`None`: the whole city), newest first.
pub async fn recent(
    db: &Db,
    districts: Option<&BTreeSet<String>>,
    limit: i64,
) -> Result<Vec<AlertView>, sqlx::Error> {
    let rows: Vec<AlertRow> = match districts {
        None => {
            let sql = format!(
                "SELECT {ALERT_COLUMNS} FROM alerts a ORDER BY a.created_at DESC, a.id DESC LIMIT $1"
            );
            db_run!(db, |pool| sqlx::query_as(&sql)
                .bind(limit)
                .fetch_all(pool)
                .await)?
        }
        Some(set) if set.is_empty() => return Ok(Vec::new()),
        Some(set) => {
            let marks: Vec<String> = (1..=set.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {ALERT_COLUMNS} FROM alerts a WHERE a.id IN
                   (SELECT alert_id FROM alert_districts WHERE district_code IN ({}))
                 ORDER BY a.created_at DESC, a.id DESC LIMIT ${}",
                marks.join(", "),
                set.len() + 1
            );
            db_run!(db, |pool| {
                let mut q = sqlx::query_as::<_, AlertRow>(&sql);
                for d in set {
                    q = q.bind(d);
                }
                q.bind(limit).fetch_all(pool).await
            })?
        }
    };
    views_of(db, rows).await
}

/// The enterprises an alert reached (ids), for the policy.
pub async fn recipients(db: &Db, alert: Uuid) -> Result<BTreeSet<Uuid>, sqlx::Error> {
    let ids: Vec<Uuid> = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT enterprise_id FROM alert_recipients WHERE alert_id = $1"
    )
    .bind(alert)
    .fetch_all(pool)
    .await)?;
    Ok(ids.into_iter().collect())
}

/// The policy's facts about an alert: its districts and the enterprises it reached.
pub async fn facts(db: &Db, alert: &AlertView) -> Result<AlertFacts, sqlx::Error> {
    Ok(AlertFacts {
        districts: alert.districts.iter().cloned().collect(),
        recipients: recipients(db, alert.id).await?,
    })
}

/// Alerts the given enterprises received, newest first.
pub async fn received_by(
    db: &Db,
    enterprises: &BTreeSet<Uuid>,
    limit: usize,
) -> Result<Vec<ReceivedAlert>, sqlx::Error> {
    let mut out = Vec::new();
    let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts a WHERE a.id = $1");
    for enterprise in enterprises {
        let rows: Vec<(Uuid, String, bool, Option<i64>, String, String)> = db_run!(db, |pool| {
            sqlx::query_as(
                "SELECT r.alert_id, e.name, r.outdoor, r.acknowledged_at, r.measures, r.note
                 FROM alert_recipients r JOIN enterprises e ON e.id = r.enterprise_id
                 WHERE r.enterprise_id = $1 ORDER BY r.alert_id DESC LIMIT $2",
            )
            .bind(enterprise)
            .bind(limit as i64)
            .fetch_all(pool)
            .await
        })?;
        for (alert_id, name, outdoor, acknowledged_at, measures, note) in rows {
            let row: Option<AlertRow> = db_run!(db, |pool| sqlx::query_as(&sql)
                .bind(alert_id)
                .fetch_optional(pool)
                .await)?;
            let Some(alert) = views_of(db, row.into_iter().collect()).await?.pop() else {
                continue;
            };
            out.push(ReceivedAlert {
                alert,
                enterprise_id: *enterprise,
                enterprise_name: name,
                outdoor,
                acknowledged_at,
                measures: serde_json::from_str(&measures).unwrap_or_default(),
                note,
            });
        }
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.alert.created_at));
    out.truncate(limit);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::LocalTime;

    #[test]
    fn the_local_day_ends_at_midnight_in_zhengzhou() {
        // 2026-07-15T02:22:33Z is 10:22 in Zhengzhou; the day ends at 2026-07-15T16:00:00Z.
        let end = end_of_local_day(1_784_082_153_000);
        assert_eq!(
            LocalTime::shanghai(end).rfc3339(),
            "2026-07-16T00:00:00+08:00"
        );
        assert_eq!(LocalTime::shanghai(end - 1).minutes(), "2026-07-15 23:59");
        assert_eq!(
            end_of_local_day(end),
            end + 86_400_000,
            "midnight starts the next day"
        );
    }
}
