//! Heat and cold alerts in storage: creating one (with the enterprises it reaches), updating and
//! cancelling, the officers' acknowledgements, the admin's progress view, the worker page's list,
//! Web Push subscriptions, and the fan-out that puts a notification in every officer's inbox and
//! queues a push delivery for each of their devices (sent later by the server's push worker).

use super::{BeginWrite, Db};
use crate::{
    access::Access,
    db_run,
    domain::heat::{obligations, Celsius10, CityRules, Event, Forecast, Level},
    domain::policy::{decide, Action, Actor, AlertFacts, Object, Role},
    domain::time::LocalTime,
    views::{
        AlertCard, AlertDashboard, AlertPage, AlertView, AlertsDesk, DeliveryView,
        DistrictProgress, HeatToday, ObligationLine, PushDevice, ReceivedAlert,
    },
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Most devices one account may subscribe (a named limit; the oldest is replaced beyond it).
pub const MAX_DEVICES_PER_USER: i64 = 10;
/// Longest a push service keeps an undelivered alert notice (RFC 8030 `TTL`, seconds).
pub const MAX_PUSH_TTL_SECS: i64 = 24 * 3600;

/// A push delivery, due at once: (id, notification, target origin, now, topic, urgency, TTL
/// seconds, subscription).
const INSERT_PUSH_DELIVERY: &str =
    "INSERT INTO deliveries (id, notification_id, channel, target, state, attempts,
    next_attempt_at, topic, urgency, ttl_secs, subscription_id)
    VALUES ($1, $2, 'push', $3, 'pending', 0, $4, $5, $6, $7, $8)";

/// An alert to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    pub sender: String,
    pub identifier: String,
    pub sent_at: i64,
    pub source_id: Option<Uuid>,
    pub issued_by: Option<Uuid>,
    pub event: Event,
    pub level: Level,
    pub temperature: Option<i32>,
    pub valid_from: i64,
    pub valid_to: i64,
    pub headline: String,
    pub instruction: String,
    pub districts: BTreeSet<String>,
    /// The alert this one updates (CAP `Update`).
    pub replaces: Option<Uuid>,
}

/// Why an alert could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum AlertWriteError {
    /// (sender, identifier) already stored.
    #[error("an alert with this sender and identifier exists")]
    Duplicate(Uuid),
    /// The alert to update or cancel is not active (or does not exist).
    #[error("the referenced alert is not active")]
    NotActive,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

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
    let (
        id,
        event,
        level,
        temperature,
        valid_from,
        valid_to,
        headline,
        instruction,
        status,
        sender,
        identifier,
        sent_at,
        replaces,
        created_at,
        user,
        source,
    ) = row;
    AlertView {
        id,
        event,
        level,
        temperature,
        valid_from,
        valid_to,
        headline,
        instruction,
        districts,
        status,
        issued_by: user.or(source).unwrap_or_default(),
        sender,
        identifier,
        sent_at,
        replaces,
        created_at,
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

/// The alert stored for a CAP message's (sender, identifier).
pub async fn find_by_identity(
    db: &Db,
    sender: &str,
    identifier: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM alerts WHERE sender = $1 AND identifier = $2"
    )
    .bind(sender)
    .bind(identifier)
    .fetch_optional(pool)
    .await)
}

/// The alert a stored cancel message cancelled.
pub async fn find_cancel(
    db: &Db,
    sender: &str,
    identifier: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_scalar(
        "SELECT alert_id FROM alert_cancels WHERE sender = $1 AND identifier = $2"
    )
    .bind(sender)
    .bind(identifier)
    .fetch_optional(pool)
    .await)
}

/// Stores an alert, its districts and the enterprises it reaches (all of those in its districts,
/// with their outdoor flag as it is now). An update supersedes the alert it replaces.
pub async fn create(db: &Db, a: &NewAlert, now: i64) -> Result<Uuid, AlertWriteError> {
    if let Some(existing) = find_by_identity(db, &a.sender, &a.identifier).await? {
        return Err(AlertWriteError::Duplicate(existing));
    }
    let id = Uuid::now_v7();
    let outcome: Result<Uuid, AlertWriteError> = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let mut chain = id;
        if let Some(old) = a.replaces {
            let old_chain: Option<Uuid> = sqlx::query_scalar(
                "SELECT chain_id FROM alerts WHERE id = $1 AND status = 'active'",
            )
            .bind(old)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(old_chain) = old_chain else {
                return Err(AlertWriteError::NotActive);
            };
            chain = old_chain;
            // Conditional, so of two concurrent updates of one alert only one supersedes it.
            let n = sqlx::query(
                "UPDATE alerts SET status = 'superseded' WHERE id = $1 AND status = 'active'",
            )
            .bind(old)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(AlertWriteError::NotActive);
            }
        }
        sqlx::query(
            "INSERT INTO alerts (id, sender, identifier, sent_at, source_id, issued_by, event, level,
                temperature, valid_from, valid_to, headline, instruction, status, replaces, chain_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'active', $14, $15, $16)",
        )
        .bind(id)
        .bind(&a.sender)
        .bind(&a.identifier)
        .bind(a.sent_at)
        .bind(a.source_id)
        .bind(a.issued_by)
        .bind(a.event.as_str())
        .bind(a.level.as_str())
        .bind(a.temperature)
        .bind(a.valid_from)
        .bind(a.valid_to)
        .bind(&a.headline)
        .bind(&a.instruction)
        .bind(a.replaces)
        .bind(chain)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for d in &a.districts {
            sqlx::query("INSERT INTO alert_districts (alert_id, district_code) VALUES ($1, $2)")
                .bind(id)
                .bind(d)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO alert_recipients (alert_id, enterprise_id, district_code, outdoor)
             SELECT $1, e.id, e.district_code, e.has_outdoor_work FROM enterprises e
             JOIN alert_districts d ON d.district_code = e.district_code AND d.alert_id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    });
    match outcome {
        // The same message posted twice at once: the second one loses the unique constraint.
        Err(AlertWriteError::Db(e))
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
            match find_by_identity(db, &a.sender, &a.identifier).await? {
                Some(existing) => Err(AlertWriteError::Duplicate(existing)),
                None => Err(AlertWriteError::Db(e)),
            }
        }
        other => other,
    }
}

/// Cancels an active alert (`cancel` is the CAP cancel message's (sender, identifier), kept so
/// the same message posted again is recognised). `false` when it was not active.
pub async fn cancel(
    db: &Db,
    alert: Uuid,
    cancel: Option<(&str, &str)>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let n = sqlx::query(
            "UPDATE alerts SET status = 'cancelled', cancelled_at = $2 WHERE id = $1 AND status = 'active'",
        )
        .bind(alert)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            if let Some((sender, identifier)) = cancel {
                sqlx::query(
                    "INSERT INTO alert_cancels (sender, identifier, alert_id, received_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(sender)
                .bind(identifier)
                .bind(alert)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            // Pending pushes of a cancelled alert are no longer worth sending.
            sqlx::query(
                "UPDATE deliveries SET state = 'failed', last_error = 'cancelled'
                 WHERE state = 'pending' AND channel = 'push'
                   AND notification_id IN (SELECT id FROM notifications WHERE alert_id = $1)",
            )
            .bind(alert)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    })
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
            let sql =
                format!("SELECT {ALERT_COLUMNS} FROM alerts a ORDER BY a.created_at DESC, a.id DESC LIMIT $1");
            db_run!(db, |pool| sqlx::query_as(&sql)
                .bind(limit)
                .fetch_all(pool)
                .await)?
        }
        Some(set) => {
            let Some(first) = set.iter().next() else {
                return Ok(Vec::new());
            };
            // Admins hold one district (or the city), so one district is what is asked.
            let sql = format!(
                "SELECT {ALERT_COLUMNS} FROM alerts a WHERE a.id IN
                   (SELECT alert_id FROM alert_districts WHERE district_code = $1)
                 ORDER BY a.created_at DESC, a.id DESC LIMIT $2"
            );
            db_run!(db, |pool| sqlx::query_as(&sql)
                .bind(first)
                .bind(limit)
                .fetch_all(pool)
                .await)?
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

/// Records an enterprise's acknowledgement with the measures taken. `false` when already
/// acknowledged or not a recipient. Marks the officers' deliveries of the alert acknowledged.
pub async fn acknowledge(
    db: &Db,
    alert: Uuid,
    enterprise: Uuid,
    user: Uuid,
    measures: &[String],
    note: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let measures = serde_json::to_string(measures).unwrap_or_else(|_| "[]".into());
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let n = sqlx::query(
            "UPDATE alert_recipients SET acknowledged_at = $3, acknowledged_by = $4, measures = $5, note = $6
             WHERE alert_id = $1 AND enterprise_id = $2 AND acknowledged_at IS NULL",
        )
        .bind(alert)
        .bind(enterprise)
        .bind(now)
        .bind(user)
        .bind(&measures)
        .bind(note)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            sqlx::query(
                "UPDATE deliveries SET state = 'acknowledged', acknowledged_at = $3
                 WHERE state IN ('sent', 'pending') AND notification_id IN
                   (SELECT n.id FROM notifications n JOIN enterprise_officers o ON o.user_id = n.user_id
                    WHERE n.alert_id = $1 AND o.enterprise_id = $2
                      -- an officer of another recipient still waiting keeps being told
                      AND NOT EXISTS (SELECT 1 FROM enterprise_officers o2
                                      JOIN alert_recipients r2 ON r2.enterprise_id = o2.enterprise_id
                                      WHERE o2.user_id = n.user_id AND r2.alert_id = $1
                                        AND r2.acknowledged_at IS NULL))",
            )
            .bind(alert)
            .bind(enterprise)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    })
}

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
    );
    let rows: Vec<Row> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT u.display_name, e.name, r.district_code, d.channel, d.state, d.attempts, d.last_error, d.sent_at
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
            |(officer, enterprise, district, channel, state, attempts, last_error, sent_at)| {
                DeliveryView {
                    officer,
                    enterprise,
                    district,
                    channel,
                    state,
                    attempts,
                    last_error,
                    sent_at,
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

/// What a fan-out tells each officer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Telling {
    /// A new alert (or an update of one).
    Issued,
    /// A reminder to the enterprises that have not acknowledged.
    Reminder,
    /// The alert was cancelled.
    Cancelled,
}

/// How many notifications and push deliveries a fan-out queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FanOut {
    pub notifications: usize,
    pub pushes: usize,
}

/// The obligations' first lines for a notification body.
fn summary(rules: &CityRules, alert: &AlertView, outdoor: bool) -> String {
    let t = crate::i18n::Lang::ZhCn.tr();
    let Some(forecast) = forecast_of(rules, alert) else {
        return String::new();
    };
    obligations(rules, &forecast, outdoor)
        .iter()
        .take(3)
        .map(|o| o.text(t))
        .collect::<Vec<_>>()
        .join("；")
}

/// Tells the officers of the alert's recipients (all, or only those not acknowledged for a
/// reminder): one inbox notification per officer and one queued push delivery per subscribed
/// device, in one transaction. Push deliveries share the alert chain's topic, so an update or a
/// cancellation replaces the earlier notice on the device.
pub async fn fan_out(
    db: &Db,
    rules: &CityRules,
    alert: &AlertView,
    telling: Telling,
    now: i64,
) -> Result<FanOut, sqlx::Error> {
    let people = officers(db, alert.id, telling == Telling::Reminder).await?;
    fan_out_to(db, rules, alert, telling, &people, now).await
}

/// The officers of the alert's recipients (only of those not acknowledged yet, if asked), each
/// with whether one of their enterprises has outdoor work.
async fn officers(
    db: &Db,
    alert: Uuid,
    only_waiting: bool,
) -> Result<BTreeMap<Uuid, bool>, sqlx::Error> {
    let rows: Vec<(Uuid, bool)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT o.user_id, r.outdoor FROM alert_recipients r
             JOIN enterprise_officers o ON o.enterprise_id = r.enterprise_id
             JOIN users u ON u.id = o.user_id
             WHERE r.alert_id = $1 AND NOT u.disabled AND ($2 = FALSE OR r.acknowledged_at IS NULL)
             ORDER BY o.user_id",
        )
        .bind(alert)
        .bind(only_waiting)
        .fetch_all(pool)
        .await
    })?;
    // One notification per officer; an officer of an outdoor enterprise is told the outdoor rules.
    let mut people: BTreeMap<Uuid, bool> = BTreeMap::new();
    for (user, outdoor) in rows {
        *people.entry(user).or_default() |= outdoor;
    }
    Ok(people)
}

/// The officers of the enterprises that have not acknowledged an alert.
pub async fn waiting_officers(db: &Db, alert: Uuid) -> Result<BTreeMap<Uuid, bool>, sqlx::Error> {
    officers(db, alert, true).await
}

/// [`fan_out`] to the given officers.
pub async fn fan_out_to(
    db: &Db,
    rules: &CityRules,
    alert: &AlertView,
    telling: Telling,
    people: &BTreeMap<Uuid, bool>,
    now: i64,
) -> Result<FanOut, sqlx::Error> {
    let t = crate::i18n::Lang::ZhCn.tr();
    // (A reminder still claims its recipients when none of them has an officer to tell.)
    if people.is_empty() && telling != Telling::Reminder {
        return Ok(FanOut::default());
    }
    let devices: Vec<(Uuid, Uuid, String)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT s.id, s.user_id, s.endpoint FROM push_subscriptions s WHERE s.user_id IN
               (SELECT o.user_id FROM alert_recipients r JOIN enterprise_officers o ON o.enterprise_id = r.enterprise_id
                WHERE r.alert_id = $1)",
        )
        .bind(alert.id)
        .fetch_all(pool)
        .await
    })?;
    let mut by_user: BTreeMap<Uuid, Vec<(Uuid, String)>> = BTreeMap::new();
    for (id, user, endpoint) in devices {
        by_user
            .entry(user)
            .or_default()
            .push((id, origin_of(&endpoint)));
    }
    let chain: Uuid = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT chain_id FROM alerts WHERE id = $1"
    )
    .bind(alert.id)
    .fetch_one(pool)
    .await)?;
    let topic = chain.simple().to_string();
    let urgency = if alert.level == "red" || telling == Telling::Cancelled {
        "high"
    } else {
        "normal"
    };
    let ttl = ((alert.valid_to - now) / 1000).clamp(60, MAX_PUSH_TTL_SECS);
    let title = crate::i18n::fill(
        match telling {
            Telling::Issued => t.alerts_note_issued(),
            Telling::Reminder => t.alerts_note_reminder(),
            Telling::Cancelled => t.alerts_note_cancelled(),
        },
        &[("headline", &alert.headline)],
    );
    let kind = match telling {
        Telling::Issued => "alert",
        Telling::Reminder => "alert_reminder",
        Telling::Cancelled => "alert_cancelled",
    };
    let link = format!("/alerts/{}", alert.id);
    let mut out = FanOut::default();
    let claimed = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        // A reminder claims the waiting recipients in the same transaction that tells their
        // officers: with several processes only one reminds, and a failure leaves it to retry.
        let mine = if telling == Telling::Reminder {
            let n = sqlx::query(
                "UPDATE alert_recipients SET reminded_at = $2
                 WHERE alert_id = $1 AND acknowledged_at IS NULL AND reminded_at IS NULL",
            )
            .bind(alert.id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            n > 0
        } else {
            true
        };
        // Not ours to send: nothing written (the transaction rolls back when dropped).
        for (user, outdoor) in people.iter().filter(|_| mine) {
            let body = match telling {
                Telling::Cancelled => String::new(),
                _ => summary(rules, alert, *outdoor),
            };
            let note = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO notifications (id, user_id, kind, alert_id, title, body, link, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(note)
            .bind(user)
            .bind(kind)
            .bind(alert.id)
            .bind(&title)
            .bind(&body)
            .bind(&link)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(super::notify::INSERT_INBOX_DELIVERY)
                .bind(Uuid::now_v7())
                .bind(note)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            out.notifications += 1;
            for (device, origin) in by_user.get(user).map(Vec::as_slice).unwrap_or_default() {
                sqlx::query(INSERT_PUSH_DELIVERY)
                    .bind(Uuid::now_v7())
                    .bind(note)
                    .bind(origin)
                    .bind(now)
                    .bind(&topic)
                    .bind(urgency)
                    .bind(ttl as i32)
                    .bind(device)
                    .execute(&mut *tx)
                    .await?;
                out.pushes += 1;
            }
        }
        if mine {
            tx.commit().await?;
        }
        Ok::<bool, sqlx::Error>(mine)
    })?;
    Ok(if claimed { out } else { FanOut::default() })
}

/// Active alerts issued before `issued_before` with recipients neither acknowledged nor
/// reminded: the reminder job's work.
pub async fn due_reminders(
    db: &Db,
    issued_before: i64,
    now: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    db_run!(db, |pool| {
        sqlx::query_scalar(
        "SELECT a.id FROM alerts a WHERE a.status = 'active' AND a.valid_to > $2 AND a.created_at < $1
           AND EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id
                       AND r.acknowledged_at IS NULL AND r.reminded_at IS NULL)
         ORDER BY a.created_at LIMIT 100"
    )
    .bind(issued_before)
    .bind(now)
    .fetch_all(pool)
    .await
    })
}

/// `scheme://host[:port]` of a URL (what a push delivery's `target` shows).
pub fn origin_of(endpoint: &str) -> String {
    let Some((scheme, rest)) = endpoint.split_once("://") else {
        return String::new();
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{host}")
}

/// Saves a device's subscription for a user (the same endpoint again replaces its keys and owner).
pub async fn subscribe(
    db: &Db,
    user: Uuid,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    user_agent: &str,
    now: i64,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
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
        // Keep the newest devices only.
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

/// A user's subscribed devices.
pub async fn devices(db: &Db, user: Uuid) -> Result<Vec<PushDevice>, sqlx::Error> {
    let rows: Vec<(Uuid, String, String, i64)> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT id, user_agent, endpoint, created_at FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC"
    )
    .bind(user)
    .fetch_all(pool)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, user_agent, endpoint, created_at)| PushDevice {
            id,
            user_agent,
            service: origin_of(&endpoint),
            created_at,
        })
        .collect())
}

/// Queues a test notification to each of a user's devices (and their inbox). How many pushes.
pub async fn test_push(db: &Db, user: Uuid, now: i64) -> Result<usize, sqlx::Error> {
    let t = crate::i18n::Lang::ZhCn.tr();
    let devices = devices(db, user).await?;
    let note = Uuid::now_v7();
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query(
            "INSERT INTO notifications (id, user_id, kind, title, body, link, created_at)
             VALUES ($1, $2, 'push_test', $3, $4, '/me', $5)",
        )
        .bind(note)
        .bind(user)
        .bind(t.push_test_title())
        .bind(t.push_test_body())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(super::notify::INSERT_INBOX_DELIVERY)
            .bind(Uuid::now_v7())
            .bind(note)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        for d in &devices {
            sqlx::query(INSERT_PUSH_DELIVERY)
                .bind(Uuid::now_v7())
                .bind(note)
                .bind(&d.service)
                .bind(now)
                .bind("test")
                .bind("normal")
                .bind(600)
                .bind(d.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(devices.len())
}

/// The value of a server key, created by `make` on first use (several processes may race: the
/// first insert wins and everyone reads it back).
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

/// Registers a CAP source by the SHA-256 of its API key.
pub async fn add_source(
    db: &Db,
    name: &str,
    key_hash: &str,
    now: i64,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    db_run!(db, |pool| sqlx::query(
        "INSERT INTO alert_sources (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(id)
    .bind(name)
    .bind(key_hash)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(id)
}

/// The CAP source an alert came from (`None`: issued in the UI).
pub async fn source_of(db: &Db, alert: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
    let source: Option<Option<Uuid>> = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT source_id FROM alerts WHERE id = $1"
    )
    .bind(alert)
    .fetch_optional(pool)
    .await)?;
    Ok(source.flatten())
}

/// The enabled source with this key hash.
pub async fn source_by_key(db: &Db, key_hash: &str) -> Result<Option<(Uuid, String)>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_as(
        "SELECT id, name FROM alert_sources WHERE key_hash = $1 AND NOT disabled"
    )
    .bind(key_hash)
    .fetch_optional(pool)
    .await)
}

/// An alert with its obligations rendered in `lang` (outdoor and indoor enterprises).
pub fn card(rules: &CityRules, alert: AlertView, lang: crate::i18n::Lang) -> AlertCard {
    let t = lang.tr();
    let lines = |outdoor: bool| -> Vec<ObligationLine> {
        let Some(forecast) = forecast_of(rules, &alert) else {
            return Vec::new();
        };
        obligations(rules, &forecast, outdoor)
            .iter()
            .map(|o| ObligationLine {
                key: o.key().to_string(),
                text: o.text(t),
                right: o.worker_right_text(t),
            })
            .collect()
    };
    let outdoor = lines(true);
    let indoor = lines(false);
    AlertCard {
        alert,
        outdoor,
        indoor,
    }
}

/// The forecast an alert states (a heat alert without a temperature is taken at its level's
/// threshold).
pub fn forecast_of(rules: &CityRules, alert: &AlertView) -> Option<Forecast> {
    let event = Event::parse(&alert.event)?;
    let level = Level::parse(&alert.level)?;
    let temperature = match (alert.temperature, event) {
        (Some(t), _) => Celsius10(t),
        (None, Event::Heat) => match level {
            Level::Red => rules.stop_outdoor_from,
            Level::Orange => rules.limit_outdoor_from,
            _ => rules.high_temperature,
        },
        (None, Event::Cold) => Celsius10(0),
    };
    Some(Forecast {
        event,
        level,
        temperature,
        month: LocalTime::shanghai(alert.valid_from).month,
    })
}

fn alert_facts(alert: &AlertView, recipients: BTreeSet<Uuid>) -> AlertFacts {
    AlertFacts {
        districts: alert.districts.iter().cloned().collect(),
        recipients,
    }
}

/// The districts of an admin's scope (`None`: the whole city).
fn admin_scope(actor: &Actor) -> Option<BTreeSet<String>> {
    match &actor.admin_of {
        Some(Some(d)) => Some([d.clone()].into_iter().collect()),
        _ => None,
    }
}

/// The 高温提醒 page's data (open to everyone).
pub async fn heat_today(
    db: &Db,
    rules: &CityRules,
    district: Option<String>,
    lang: crate::i18n::Lang,
    now: i64,
) -> Result<HeatToday, sqlx::Error> {
    let district = district.filter(|d| crate::domain::DistrictCode::parse(d).is_ok());
    let alerts = match &district {
        Some(d) => current_for_district(db, d, now)
            .await?
            .into_iter()
            .map(|a| card(rules, a, lang))
            .collect(),
        None => Vec::new(),
    };
    Ok(HeatToday { district, alerts })
}

/// The alerts desk for an admin and/or officer.
pub async fn desk(db: &Db, actor: Option<&Actor>) -> Result<Access<AlertsDesk>, sqlx::Error> {
    let Some(a) = actor else {
        return Ok(Access::SignIn);
    };
    let admin = a.has(Role::UnionAdmin);
    let officer = a.has(Role::EnterpriseOfficer) && !a.enterprises.is_empty();
    if !admin && !officer {
        return Ok(Access::Denied);
    }
    let mut out = AlertsDesk {
        issue_districts: Vec::new(),
        issued: Vec::new(),
        received: Vec::new(),
    };
    if admin {
        out.issue_districts = crate::domain::district::DISTRICTS
            .iter()
            .map(|d| d.code.to_string())
            .filter(|d| decide(actor, Action::IssueAlert, &Object::District(d)).allowed())
            .collect();
        let scope = admin_scope(a);
        for alert in recent(db, scope.as_ref(), 30).await? {
            let p = progress(db, alert.id, scope.as_ref()).await?;
            let (n, reached, acked) = p.iter().fold((0, 0, 0), |(n, r, k), d| {
                (n + d.enterprises, r + d.reached, k + d.acknowledged)
            });
            out.issued.push((alert, n, reached, acked));
        }
    }
    if officer {
        out.received = received_by(db, &a.enterprises, 30).await?;
    }
    Ok(Access::Ok(out))
}

/// One alert's page: anyone may read the alert; an admin in scope sees its dashboard; an
/// officer of a recipient sees their acknowledgement form.
pub async fn page(
    db: &Db,
    rules: &CityRules,
    actor: Option<&Actor>,
    id: Uuid,
    lang: crate::i18n::Lang,
) -> Result<Access<AlertPage>, sqlx::Error> {
    let Some(alert) = get(db, id).await? else {
        return Ok(Access::NotFound);
    };
    let recipients = recipients(db, id).await?;
    let facts = alert_facts(&alert, recipients);
    if !decide(actor, Action::ReadAlerts, &Object::Alert(&facts)).allowed() {
        return Ok(Access::Denied);
    }
    let mut dashboard = None;
    let mut received = Vec::new();
    if let Some(a) = actor {
        if decide(actor, Action::ViewAlertDelivery, &Object::Alert(&facts)).allowed() {
            let scope = admin_scope(a);
            let can_change = decide(actor, Action::IssueAlert, &Object::Alert(&facts)).allowed();
            dashboard = Some(dashboard_of(db, alert.clone(), scope.as_ref(), can_change).await?);
        }
        if decide(actor, Action::AcknowledgeAlert, &Object::Alert(&facts)).allowed() {
            let mine: BTreeSet<Uuid> = a
                .enterprises
                .intersection(&facts.recipients)
                .copied()
                .collect();
            received = received_by(db, &mine, 200)
                .await?
                .into_iter()
                .filter(|r| r.alert.id == id)
                .collect();
        }
    }
    Ok(Access::Ok(AlertPage {
        card: card(rules, alert, lang),
        dashboard,
        received,
    }))
}

/// The policy's facts about an alert.
pub async fn facts(db: &Db, alert: &AlertView) -> Result<AlertFacts, sqlx::Error> {
    Ok(alert_facts(alert, recipients(db, alert.id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_push_target_is_the_origin_of_its_endpoint() {
        assert_eq!(
            origin_of("https://fcm.googleapis.com/fcm/send/abc?x=1"),
            "https://fcm.googleapis.com"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080/push/1"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin_of("nonsense"), "");
    }
}
