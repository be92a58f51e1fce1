//! Heat and cold alerts' writes, each one transaction holding everything it owes:
//!
//! - [`issue`]: an alert, its districts and the enterprises it reaches (those in its districts,
//!   with their outdoor flag as it is now); an update ([`NewAlert::replaces`]) supersedes the
//!   alert it replaces and joins its chain. The admin's audit entry and the officers' notices
//!   commit with it.
//! - [`cancel`]: the alert ends, its pending pushes are dropped, the cancellation is told.
//! - [`acknowledge`]: an enterprise's acknowledgement with the measures taken; its officers'
//!   deliveries are marked acknowledged.
//! - [`remind`]: the recipients that have not acknowledged are claimed in the transaction that
//!   reminds their officers, so of several processes only one reminds, and a failure leaves it
//!   to the next run.
//!
//! Telling the officers is one inbox notification each ([`queue_inbox!`]), a text message for a
//! red alert when red alerts go by SMS ([`queue_sms!`]) and one queued push delivery per device
//! ([`queue_push!`]); the pushes of one alert chain share a topic, so an
//! update or a cancellation replaces the earlier notice on a phone. Also here: the reads only
//! these writes need (a CAP message's alert, a stored cancellation, an alert's feed, the
//! reminder job's work). Pages read alerts through `app::backend::alerts`.

use crate::store::{
    audit::{self, audit_row},
    notifications::{queue_inbox, queue_sms},
    push::queue_push,
};
use app::{
    backend::{
        alerts::{forecast, forecast_of, origin_of},
        BeginWrite, Db,
    },
    db_run,
    domain::heat::{obligations, CityRules, Event, Forecast, Level},
    i18n::{fill, Lang},
    views::AlertView,
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Longest a push service keeps an undelivered alert notice (RFC 8030 `TTL`, seconds).
pub const MAX_PUSH_TTL_SECS: i64 = 24 * 3600;

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

/// Who did it, for the audit log (an admin on the desk; a feed's messages are not audited).
#[derive(Debug, Clone, Copy)]
pub struct Audited<'a> {
    pub actor: Option<Uuid>,
    pub address: &'a str,
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

/// A stored alert and who was told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Issued {
    pub id: Uuid,
    pub told: FanOut,
}

/// The alert as its notices show it.
struct About<'a> {
    id: Uuid,
    /// The chain of updates it belongs to: the push topic.
    chain: Uuid,
    red: bool,
    valid_to: i64,
    headline: &'a str,
    forecast: Option<Forecast>,
}

impl<'a> About<'a> {
    fn of(rules: &CityRules, alert: &'a AlertView, chain: Uuid) -> About<'a> {
        About {
            id: alert.id,
            chain,
            red: alert.level == Level::Red.as_str(),
            valid_to: alert.valid_to,
            headline: &alert.headline,
            forecast: forecast_of(rules, alert),
        }
    }
}

/// What every officer told about an alert gets (the body aside, which depends on their work).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Notice {
    kind: &'static str,
    /// What the text message is (`alert_red` for a red alert as issued; see
    /// `crate::sms::channels`).
    sms_kind: &'static str,
    title: String,
    link: String,
    topic: String,
    urgency: &'static str,
    ttl_secs: i32,
}

fn notice(about: &About<'_>, telling: Telling, now: i64) -> Notice {
    // Notifications are stored in Chinese, the union's working language.
    let t = Lang::ZhCn.tr();
    let (kind, template) = match telling {
        Telling::Issued => ("alert", t.alerts_note_issued()),
        Telling::Reminder => ("alert_reminder", t.alerts_note_reminder()),
        Telling::Cancelled => ("alert_cancelled", t.alerts_note_cancelled()),
    };
    Notice {
        kind,
        // A red alert goes as `alert_red` where that kind is texted, else as any alert.
        sms_kind: if about.red
            && telling == Telling::Issued
            && crate::sms::channels::by_sms("alert_red")
        {
            "alert_red"
        } else {
            kind
        },
        title: fill(template, &[("headline", &about.headline)]),
        link: format!("/alerts/{}", about.id),
        topic: about.chain.simple().to_string(),
        urgency: if about.red || telling == Telling::Cancelled {
            "high"
        } else {
            "normal"
        },
        ttl_secs: ((about.valid_to - now) / 1000).clamp(60, MAX_PUSH_TTL_SECS) as i32,
    }
}

/// A notice's body: the first obligations for the officer's kind of work (none for a
/// cancellation).
fn body(rules: &CityRules, about: &About<'_>, telling: Telling, outdoor: bool) -> String {
    let t = Lang::ZhCn.tr();
    match (&about.forecast, telling) {
        (_, Telling::Cancelled) | (None, _) => String::new(),
        (Some(forecast), _) => obligations(rules, forecast, outdoor)
            .iter()
            .take(3)
            .map(|o| o.text(t))
            .collect::<Vec<_>>()
            .join("；"),
    }
}

/// The officers of the alert's recipients (of those not acknowledged yet, for a reminder), each
/// once, with whether one of their enterprises works outdoors.
const OFFICERS: &str = "SELECT o.user_id, r.outdoor FROM alert_recipients r
     JOIN enterprise_officers o ON o.enterprise_id = r.enterprise_id
     JOIN users u ON u.id = o.user_id
     WHERE r.alert_id = $1 AND NOT u.disabled AND ($2 = FALSE OR r.acknowledged_at IS NULL)
     ORDER BY o.user_id";

/// The subscribed devices of the officers of the alert's recipients.
const DEVICES: &str =
    "SELECT s.id, s.user_id, s.endpoint FROM push_subscriptions s WHERE s.user_id IN
       (SELECT o.user_id FROM alert_recipients r JOIN enterprise_officers o ON o.enterprise_id = r.enterprise_id
        WHERE r.alert_id = $1)";

/// One entry per officer; an officer of an outdoor enterprise is told the outdoor rules.
fn by_officer(rows: Vec<(Uuid, bool)>) -> BTreeMap<Uuid, bool> {
    let mut people: BTreeMap<Uuid, bool> = BTreeMap::new();
    for (user, outdoor) in rows {
        *people.entry(user).or_default() |= outdoor;
    }
    people
}

/// Each user's devices: (subscription, push service origin).
fn by_user(devices: Vec<(Uuid, Uuid, String)>) -> BTreeMap<Uuid, Vec<(Uuid, String)>> {
    let mut out: BTreeMap<Uuid, Vec<(Uuid, String)>> = BTreeMap::new();
    for (id, user, endpoint) in devices {
        out.entry(user)
            .or_default()
            .push((id, origin_of(&endpoint)));
    }
    out
}

/// Tells the officers of an alert's recipients inside a transaction and evaluates to the
/// [`FanOut`]: `tell_officers!(tx, rules, &about, telling, now)`.
macro_rules! tell_officers {
    ($tx:ident, $rules:expr, $about:expr, $telling:expr, $now:expr) => {{
        let about: &About<'_> = $about;
        let telling: Telling = $telling;
        let rows: Vec<(Uuid, bool)> = sqlx::query_as(OFFICERS)
            .bind(about.id)
            .bind(telling == Telling::Reminder)
            .fetch_all(&mut *$tx)
            .await?;
        let people = by_officer(rows);
        let devices: Vec<(Uuid, Uuid, String)> = sqlx::query_as(DEVICES)
            .bind(about.id)
            .fetch_all(&mut *$tx)
            .await?;
        let devices = by_user(devices);
        let n = notice(about, telling, $now);
        let mut out = FanOut::default();
        for (user, outdoor) in &people {
            let text = body($rules, about, telling, *outdoor);
            let note = queue_inbox!(
                $tx,
                *user,
                n.kind,
                None::<Uuid>,
                Some(about.id),
                &n.title,
                &text,
                &n.link,
                $now
            );
            out.notifications += 1;
            queue_sms!($tx, note, *user, n.sms_kind, $now);
            for (device, origin) in devices.get(user).map(Vec::as_slice).unwrap_or_default() {
                queue_push!($tx, note, origin, $now, &n.topic, n.urgency, n.ttl_secs, device);
                out.pushes += 1;
            }
        }
        out
    }};
}

/// Stores an alert (or an update of one) with its districts and recipients, the audit entry
/// when an admin issued it, and the notices to the officers — all or nothing.
#[tracing::instrument(skip_all, fields(sender = %new.sender, identifier = %new.identifier, replaces = ?new.replaces))]
pub async fn issue(
    db: &Db,
    rules: &CityRules,
    new: &NewAlert,
    audited: Option<Audited<'_>>,
    now: i64,
) -> Result<Issued, AlertWriteError> {
    if let Some(existing) = find_by_identity(db, &new.sender, &new.identifier).await? {
        return Err(AlertWriteError::Duplicate(existing));
    }
    let id = Uuid::new_v4();
    match insert(db, rules, id, new, audited, now).await {
        Ok(told) => {
            tracing::debug!(alert = %id, notifications = told.notifications, pushes = told.pushes, "alert issued");
            Ok(Issued { id, told })
        }
        // The same message posted twice at once: the second one loses the unique constraint.
        Err(AlertWriteError::Db(e))
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
            match find_by_identity(db, &new.sender, &new.identifier).await? {
                Some(existing) => Err(AlertWriteError::Duplicate(existing)),
                None => Err(AlertWriteError::Db(e)),
            }
        }
        Err(e) => Err(e),
    }
}

/// [`issue`]'s transaction.
async fn insert(
    db: &Db,
    rules: &CityRules,
    id: Uuid,
    a: &NewAlert,
    audited: Option<Audited<'_>>,
    now: i64,
) -> Result<FanOut, AlertWriteError> {
    let entry = audited.map(|by| audit::Entry {
        at: now,
        actor: by.actor,
        action: if a.replaces.is_some() {
            "alert_updated"
        } else {
            "alert_issued"
        },
        subject_type: Some("alert"),
        subject_id: Some(id.to_string()),
        address: by.address,
        detail: serde_json::json!({
            "event": a.event.as_str(),
            "level": a.level.as_str(),
            "districts": a.districts,
            "replaces": a.replaces,
        })
        .to_string(),
    });
    db_run!(db, |pool| {
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
        if let Some(e) = &entry {
            audit_row!(tx, e);
        }
        let about = About {
            id,
            chain,
            red: a.level == Level::Red,
            valid_to: a.valid_to,
            headline: &a.headline,
            forecast: Some(forecast(
                rules,
                a.event,
                a.level,
                a.temperature,
                a.valid_from,
            )),
        };
        let told = tell_officers!(tx, rules, &about, Telling::Issued, now);
        tx.commit().await?;
        Ok(told)
    })
}

/// Cancels an active alert and tells its officers (`message`: the CAP cancel message's
/// (sender, identifier), kept so the same message posted again is recognised). `None` when it
/// was not active: nothing is written.
#[tracing::instrument(skip(db, rules, alert, audited), fields(alert = %alert.id))]
pub async fn cancel(
    db: &Db,
    rules: &CityRules,
    alert: &AlertView,
    message: Option<(&str, &str)>,
    audited: Option<Audited<'_>>,
    now: i64,
) -> Result<Option<FanOut>, sqlx::Error> {
    let entry = audited.map(|by| audit::Entry {
        at: now,
        actor: by.actor,
        action: "alert_cancelled",
        subject_type: Some("alert"),
        subject_id: Some(alert.id.to_string()),
        address: by.address,
        detail: String::new(),
    });
    let told = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let n = sqlx::query(
            "UPDATE alerts SET status = 'cancelled', cancelled_at = $2 WHERE id = $1 AND status = 'active'",
        )
        .bind(alert.id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(None);
        }
        if let Some((sender, identifier)) = message {
            sqlx::query(
                "INSERT INTO alert_cancels (sender, identifier, alert_id, received_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(sender)
            .bind(identifier)
            .bind(alert.id)
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
        .bind(alert.id)
        .execute(&mut *tx)
        .await?;
        if let Some(e) = &entry {
            audit_row!(tx, e);
        }
        let chain: Uuid = sqlx::query_scalar("SELECT chain_id FROM alerts WHERE id = $1")
            .bind(alert.id)
            .fetch_one(&mut *tx)
            .await?;
        let about = About::of(rules, alert, chain);
        let told = tell_officers!(tx, rules, &about, Telling::Cancelled, now);
        tx.commit().await?;
        told
    });
    tracing::debug!(
        notifications = told.notifications,
        pushes = told.pushes,
        "alert cancelled"
    );
    Ok(Some(told))
}

/// Reminds the officers of the recipients that have not acknowledged, once: the recipients are
/// claimed in the transaction that writes the reminders. Nothing is told when another process
/// claimed them first (or nobody waits).
#[tracing::instrument(skip(db, rules, alert), fields(alert = %alert.id))]
pub async fn remind(
    db: &Db,
    rules: &CityRules,
    alert: &AlertView,
    now: i64,
) -> Result<FanOut, sqlx::Error> {
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE alert_recipients SET reminded_at = $2
             WHERE alert_id = $1 AND acknowledged_at IS NULL AND reminded_at IS NULL",
        )
        .bind(alert.id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Ok(FanOut::default());
        }
        let chain: Uuid = sqlx::query_scalar("SELECT chain_id FROM alerts WHERE id = $1")
            .bind(alert.id)
            .fetch_one(&mut *tx)
            .await?;
        let about = About::of(rules, alert, chain);
        // (The claim stands even when none of the waiting recipients has an officer to tell.)
        let told = tell_officers!(tx, rules, &about, Telling::Reminder, now);
        tx.commit().await?;
        Ok(told)
    })
}

/// Records an enterprise's acknowledgement with the measures taken. `false` when already
/// acknowledged or not a recipient. Marks the officers' deliveries of the alert acknowledged.
#[tracing::instrument(skip(db, measures, note))]
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

/// Active alerts issued before `issued_before` with recipients neither acknowledged nor
/// reminded: the reminder job's work.
#[tracing::instrument(skip(db))]
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

/// The alert stored for a CAP message's (sender, identifier).
#[tracing::instrument(skip(db))]
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
#[tracing::instrument(skip(db))]
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

/// The CAP source an alert came from (`None`: issued on the desk).
#[tracing::instrument(skip(db))]
pub async fn source_of(db: &Db, alert: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
    let source: Option<Option<Uuid>> = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT source_id FROM alerts WHERE id = $1"
    )
    .bind(alert)
    .fetch_optional(pool)
    .await)?;
    Ok(source.flatten())
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::heat::Celsius10;

    fn about(red: bool, valid_to: i64) -> About<'static> {
        About {
            id: Uuid::from_u128(7),
            chain: Uuid::from_u128(0xabc),
            red,
            valid_to,
            headline: "郑州市金水区高温红色预警",
            forecast: Some(Forecast {
                event: Event::Heat,
                level: Level::Red,
                temperature: Celsius10(405),
                month: 7,
            }),
        }
    }

    #[test]
    fn each_telling_has_its_title_kind_and_urgency_under_the_chains_topic() {
        let a = about(false, 3_600_000);
        let issued = notice(&a, Telling::Issued, 0);
        assert_eq!(issued.title, "【预警】郑州市金水区高温红色预警");
        assert_eq!((issued.kind, issued.urgency), ("alert", "normal"));
        assert_eq!(issued.link, format!("/alerts/{}", a.id));
        assert_eq!(issued.topic, a.chain.simple().to_string());
        let reminder = notice(&a, Telling::Reminder, 0);
        assert_eq!(reminder.title, "【请确认】郑州市金水区高温红色预警");
        assert_eq!(reminder.topic, issued.topic);
        let cancelled = notice(&a, Telling::Cancelled, 0);
        assert_eq!(
            (cancelled.kind, cancelled.urgency),
            ("alert_cancelled", "high")
        );
        assert_eq!(notice(&about(true, 0), Telling::Issued, 0).urgency, "high");
    }

    #[test]
    fn a_push_lives_until_the_alert_ends_within_a_minute_and_a_day() {
        assert_eq!(
            notice(&about(false, 3_600_000), Telling::Issued, 0).ttl_secs,
            3600
        );
        assert_eq!(
            notice(&about(false, 1_000), Telling::Issued, 0).ttl_secs,
            60
        );
        assert_eq!(
            notice(&about(false, 10 * 86_400_000), Telling::Issued, 0).ttl_secs,
            MAX_PUSH_TTL_SECS as i32
        );
    }

    #[test]
    fn a_notice_says_the_first_obligations_and_a_cancellation_nothing() {
        let rules = CityRules::default();
        let a = about(true, 0);
        let outdoor = body(&rules, &a, Telling::Issued, true);
        assert!(outdoor.contains("今天停止安排室外露天作业"), "{outdoor}");
        let all = obligations(&rules, a.forecast.as_ref().unwrap(), true);
        assert!(all.len() > 3);
        let first: Vec<String> = all
            .iter()
            .take(3)
            .map(|o| o.text(Lang::ZhCn.tr()))
            .collect();
        assert_eq!(outdoor, first.join("；"));
        assert_eq!(body(&rules, &a, Telling::Cancelled, true), "");
    }

    #[test]
    fn an_officer_of_an_outdoor_and_an_indoor_enterprise_is_told_the_outdoor_rules() {
        let (u, v) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let people = by_officer(vec![(u, false), (u, true), (v, false)]);
        assert_eq!(people, BTreeMap::from([(u, true), (v, false)]));
    }
}
