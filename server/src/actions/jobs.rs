//! The background jobs: escalating overdue reports up the ladder (inspector → district union →
//! city union), and closing verified reports the reporter did not answer within the window.
//!
//! Several server processes may run them against one PostgreSQL: each report is claimed with
//! `FOR UPDATE SKIP LOCKED` and re-checked under the lock, and every escalation rung is a row
//! with a primary key, so each is done (and told) exactly once. On SQLite the single writer
//! (`BEGIN IMMEDIATE`) serialises the same steps.

use crate::startup::AppState;
use app::{
    backend::{cases::OVERDUE_SQL, notify, BeginWrite, Db},
    db_run,
    domain::{
        deadlines::Escalation,
        report::ReportState,
        workflow::{transition, Event, Party},
    },
};
use std::time::Duration;
use uuid::Uuid;

/// How often a server runs the jobs (`SAFESNAP_JOBS_INTERVAL_SECS`; 0 turns them off).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    pub escalations: Vec<(Uuid, Escalation)>,
    pub closed: Vec<Uuid>,
    /// Alerts whose unacknowledged recipients were reminded.
    pub reminded: Vec<Uuid>,
}

fn lock(db: &Db) -> &'static str {
    if matches!(db, Db::Postgres(_)) {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    }
}

/// One pass of every job.
pub async fn run_once(state: &AppState) -> Result<RunReport, sqlx::Error> {
    let now = state.clock.now_ms();
    let mut report = RunReport::default();
    close_unanswered(state, now, &mut report).await?;
    escalate(state, now, &mut report).await?;
    remind(state, now, &mut report).await?;
    Ok(report)
}

async fn close_unanswered(
    state: &AppState,
    now: i64,
    out: &mut RunReport,
) -> Result<(), sqlx::Error> {
    let db = &state.db;
    let due: Vec<Uuid> = db_run!(db, |pool| {
        sqlx::query_scalar(
        "SELECT id FROM reports WHERE state = 'verified' AND confirm_due_at < $1 ORDER BY confirm_due_at LIMIT 500"
    )
    .bind(now)
    .fetch_all(pool)
    .await
    })?;
    let claim = format!(
        "SELECT state FROM reports WHERE id = $1 AND state = 'verified' AND confirm_due_at < $2{}",
        lock(db)
    );
    // Stored history is written in Chinese, the language of the union's records.
    let t = app::i18n::Lang::ZhCn.tr();
    let note = app::i18n::fill(
        t.jobs_confirm_timeout(),
        &[("days", &state.deadlines.confirm_days)],
    );
    for id in due {
        let closed: bool = db_run!(db, |pool| {
            let mut tx = pool.begin_write().await?;
            let claimed: Option<String> = sqlx::query_scalar(&claim)
                .bind(id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            if claimed.is_none() {
                tx.rollback().await?;
                false
            } else {
                let to = transition(
                    ReportState::Verified,
                    Event::ConfirmationTimeout,
                    Party::System,
                )
                .unwrap_or(ReportState::Closed);
                sqlx::query("UPDATE reports SET state = $1, confirm_due_at = NULL, updated_at = $2 WHERE id = $3")
                    .bind(to.as_str())
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO report_events (id, report_id, at, actor, from_state, to_state, note, visibility)
                     VALUES ($1, $2, $3, 'system', 'verified', $4, $5, 'all')",
                )
                .bind(Uuid::now_v7())
                .bind(id)
                .bind(now)
                .bind(to.as_str())
                .bind(&note)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                true
            }
        });
        if closed {
            out.closed.push(id);
        }
    }
    Ok(())
}

async fn escalate(state: &AppState, now: i64, out: &mut RunReport) -> Result<(), sqlx::Error> {
    let db = &state.db;
    let overdue = OVERDUE_SQL.replace("$NOW", "$1");
    let list = format!("SELECT r.id FROM reports r WHERE {overdue} ORDER BY r.id LIMIT 1000");
    let due: Vec<Uuid> = db_run!(db, |pool| sqlx::query_scalar(&list)
        .bind(now)
        .fetch_all(pool)
        .await)?;
    let claim = format!(
        "SELECT r.state, r.ack_due_at, r.fix_due_at, r.district_code, r.assignee_id FROM reports r WHERE r.id = $2 AND {overdue}{}",
        lock(db)
    );
    for id in due {
        // Inside the lock: which deadline passed, how long ago, which rungs are new.
        let done: Vec<(Escalation, &'static str, String, Option<Uuid>)> = db_run!(db, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: Option<(String, Option<i64>, Option<i64>, String, Option<Uuid>)> =
                sqlx::query_as(&claim)
                    .bind(now)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let mut done = Vec::new();
            if let Some((st, ack_due, fix_due, district, assignee)) = row {
                let (which, due_at) = match (st.as_str(), ack_due, fix_due) {
                    ("notice_sent", Some(a), _) if now > a => ("ack", a),
                    (_, _, Some(f)) => ("fix", f),
                    _ => ("fix", now),
                };
                if let Some(level) = state.deadlines.escalation(due_at, now) {
                    for rung in level.up_to() {
                        let fresh = sqlx::query(
                            "INSERT INTO escalations (report_id, deadline, deadline_at, level, at) VALUES ($1, $2, $3, $4, $5)
                             ON CONFLICT (report_id, deadline, deadline_at, level) DO NOTHING",
                        )
                        .bind(id)
                        .bind(which)
                        .bind(due_at)
                        .bind(rung.as_str())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if fresh == 1 {
                            let note = escalation_note(rung, which, &state.deadlines);
                            sqlx::query(
                                "INSERT INTO report_events (id, report_id, at, actor, note, visibility) VALUES ($1, $2, $3, 'system', $4, 'union')",
                            )
                            .bind(Uuid::now_v7())
                            .bind(id)
                            .bind(now)
                            .bind(&note)
                            .execute(&mut *tx)
                            .await?;
                            done.push((rung, which, district.clone(), assignee));
                        }
                    }
                }
            }
            tx.commit().await?;
            done
        });
        for (rung, which, district, assignee) in done {
            let to = match rung {
                Escalation::Inspector => match assignee {
                    Some(a) => vec![a],
                    None => notify::desk_for(db, &district).await?,
                },
                Escalation::District => notify::desk_for(db, &district).await?,
                Escalation::City => notify::city_admins(db).await?,
            };
            let note = notify::Note {
                kind: if rung == Escalation::Inspector {
                    "overdue"
                } else {
                    "escalated"
                },
                report_id: Some(id),
                title: escalation_note(rung, which, &state.deadlines),
                body: String::new(),
                link: format!("/union/reports/{id}"),
            };
            notify::send(db, &to, &note, now).await?;
            out.escalations.push((id, rung));
        }
    }
    Ok(())
}

fn escalation_note(rung: Escalation, which: &str, d: &app::domain::deadlines::Deadlines) -> String {
    let t = app::i18n::Lang::ZhCn.tr();
    let what = if which == "ack" {
        t.jobs_late_ack()
    } else {
        t.jobs_late_fix()
    };
    match rung {
        Escalation::Inspector => app::i18n::fill(t.jobs_to_inspector(), &[("what", &what)]),
        Escalation::District => app::i18n::fill(
            t.jobs_to_district(),
            &[("what", &what), ("days", &d.escalate_district_days)],
        ),
        Escalation::City => app::i18n::fill(
            t.jobs_to_city(),
            &[("what", &what), ("days", &d.escalate_city_days)],
        ),
    }
}

/// Runs the jobs every `interval` until the process stops.
/// Reminds the enterprises that have not acknowledged an alert `reminder_after_hours` after it
/// was issued, once. The recipients are claimed by a conditional update in the transaction that
/// writes the reminders, so with several processes only one sends them.
async fn remind(state: &AppState, now: i64, out: &mut RunReport) -> Result<(), sqlx::Error> {
    let after = i64::from(state.heat_rules.reminder_after_hours) * 3_600_000;
    for id in app::backend::alerts::due_reminders(&state.db, now - after, now).await? {
        let Some(alert) = app::backend::alerts::get(&state.db, id).await? else {
            continue;
        };
        // The fan-out claims the waiting recipients in its own transaction (none left: another
        // process reminded them).
        let waiting = app::backend::alerts::waiting_officers(&state.db, id).await?;
        let told = app::backend::alerts::fan_out_to(
            &state.db,
            &state.heat_rules,
            &alert,
            app::backend::alerts::Telling::Reminder,
            &waiting,
            now,
        )
        .await?;
        if told.notifications == 0 {
            continue;
        }
        state.pusher.wake.notify_one();
        out.reminded.push(id);
    }
    Ok(())
}

pub fn spawn(state: AppState, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match run_once(&state).await {
                Ok(r) if !r.escalations.is_empty() || !r.closed.is_empty() => {
                    tracing::info!(
                        escalations = r.escalations.len(),
                        closed = r.closed.len(),
                        "jobs ran"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "jobs failed"),
            }
        }
    })
}
