//! How far an alert got, for the admin: per district, the enterprises it was addressed to, how
//! many an officer's inbox reached and how many acknowledged; and every delivery (inbox and
//! push, text message) of its notifications with its state, attempts and last error. Both limited to the
//! districts the admin follows.

use crate::{
    backend::Db,
    db_run,
    views::{AlertDashboard, AlertView, DeliveryView, DistrictProgress},
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Per district: how many enterprises the alert was addressed to, reached (an officer's inbox has
/// it), acknowledged, and which are still waiting. Only the districts in `scope` (`None`: all).
pub async fn progress(
    db: &Db,
    alert: Uuid,
    scope: Option<&BTreeSet<String>>,
) -> Result<Vec<DistrictProgress>, sqlx::Error> {
    let rows: Vec<(String, Uuid, String, Option<i64>, i64)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT r.district_code, r.enterprise_id, e.name, r.acknowledged_at,
                    (SELECT COUNT(*) FROM notifications n JOIN enterprise_officers o ON o.user_id = n.user_id
                      WHERE n.alert_id = r.alert_id AND o.enterprise_id = r.enterprise_id)
             FROM alert_recipients r JOIN enterprises e ON e.id = r.enterprise_id
             WHERE r.alert_id = $1 ORDER BY r.district_code, e.name",
        )
        .bind(alert)
        .fetch_all(pool)
        .await
    })?;
    let mut by: BTreeMap<String, DistrictProgress> = BTreeMap::new();
    for (district, id, name, acked, notes) in rows {
        if scope.is_some_and(|s| !s.contains(&district)) {
            continue;
        }
        let p = by
            .entry(district.clone())
            .or_insert_with(|| DistrictProgress {
                district,
                enterprises: 0,
                reached: 0,
                acknowledged: 0,
                waiting: Vec::new(),
            });
        p.enterprises += 1;
        if notes > 0 {
            p.reached += 1;
        }
        if acked.is_some() {
            p.acknowledged += 1;
        } else {
            p.waiting.push((id, name, notes > 0));
        }
    }
    Ok(by.into_values().collect())
}

/// Every delivery of the alert's notifications (inbox and push), for the admin.
pub async fn deliveries(
    db: &Db,
    alert: Uuid,
    scope: Option<&BTreeSet<String>>,
) -> Result<Vec<DeliveryView>, sqlx::Error> {
    type Row = (
        String,
        String,
        String,
        String,
        String,
        i32,
        Option<String>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT u.display_name, e.name, r.district_code, d.channel, d.state, d.attempts, d.last_error, d.sent_at, d.delivered_at
             FROM notifications n
             JOIN deliveries d ON d.notification_id = n.id
             JOIN users u ON u.id = n.user_id
             JOIN enterprise_officers o ON o.user_id = n.user_id
             JOIN alert_recipients r ON r.enterprise_id = o.enterprise_id AND r.alert_id = n.alert_id
             JOIN enterprises e ON e.id = r.enterprise_id
             WHERE n.alert_id = $1
             ORDER BY r.district_code, e.name, u.display_name, d.channel",
        )
        .bind(alert)
        .fetch_all(pool)
        .await
    })?;
    Ok(rows
        .into_iter()
        .filter(|r| scope.is_none_or(|s| s.contains(&r.2)))
        .map(
            |(
                officer,
                enterprise,
                district,
                channel,
                state,
                attempts,
                last_error,
                sent_at,
                delivered_at,
            )| {
                DeliveryView {
                    officer,
                    enterprise,
                    district,
                    channel,
                    state,
                    attempts,
                    last_error,
                    sent_at,
                    delivered_at,
                }
            },
        )
        .collect())
}

/// The admin's view of an alert, limited to the districts in `scope`.
pub async fn dashboard_of(
    db: &Db,
    alert: AlertView,
    scope: Option<&BTreeSet<String>>,
    can_change: bool,
) -> Result<AlertDashboard, sqlx::Error> {
    let progress = progress(db, alert.id, scope).await?;
    let deliveries = deliveries(db, alert.id, scope).await?;
    Ok(AlertDashboard {
        alert,
        progress,
        deliveries,
        can_change,
    })
}
