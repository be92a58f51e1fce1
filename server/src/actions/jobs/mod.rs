//! The background jobs: closing verified reports the reporter did not answer within the window,
//! escalating overdue reports up the ladder (inspector → district union → city union),
//! reminding enterprises that have not acknowledged an alert, and deleting the identity and
//! evidence of reports closed longer than the retention time; and, at start and hourly, the
//! photo sweep ([`sweep`]).
//!
//! Several server processes may run them against one PostgreSQL: each report is claimed with
//! `FOR UPDATE SKIP LOCKED` and re-checked under the lock, and every escalation rung is a row
//! with a primary key, so each is done (and told) exactly once. On SQLite the single writer
//! (`BEGIN IMMEDIATE`) serialises the same steps.

mod close_unanswered;
mod escalate;
mod purge;
mod remind;
pub mod sweep;

use crate::{error::AppError, state::AppState};
use app::domain::deadlines::Escalation;
use std::time::Duration;
use uuid::Uuid;

/// How often a server runs the jobs (`SAFESNAP_JOBS_INTERVAL_SECS`; 0 turns them off).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
/// Most reports one run closes or escalates (the rest wait for the next run).
pub const BATCH: i64 = 1000;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    pub escalations: Vec<(Uuid, Escalation)>,
    pub closed: Vec<Uuid>,
    /// Alerts whose unacknowledged recipients were reminded.
    pub reminded: Vec<Uuid>,
    /// Reports whose identity and evidence were deleted (retention).
    pub purged: Vec<Uuid>,
}

/// One pass of every job.
#[tracing::instrument(skip_all)]
pub async fn run_once(state: &AppState) -> Result<RunReport, AppError> {
    let now = state.clock.now_ms();
    let mut report = RunReport::default();
    close_unanswered::run(state, now, &mut report).await?;
    escalate::run(state, now, &mut report).await?;
    remind::run(state, now, &mut report).await?;
    purge::run(state, now, &mut report).await?;
    Ok(report)
}

/// Runs the jobs every `interval` until the process stops.
pub fn spawn(state: AppState, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut swept_at: Option<std::time::Instant> = None;
        loop {
            tick.tick().await;
            if swept_at.is_none_or(|at| at.elapsed() >= sweep::SWEEP_EVERY) {
                swept_at = Some(std::time::Instant::now());
                if let Err(e) = sweep::run_now(&state).await {
                    e.log();
                }
            }
            match run_once(&state).await {
                Ok(r) if !r.escalations.is_empty() || !r.closed.is_empty() => {
                    tracing::info!(
                        escalations = r.escalations.len(),
                        closed = r.closed.len(),
                        "jobs ran"
                    )
                }
                Ok(_) => {}
                Err(e) => e.log(),
            }
        }
    })
}
