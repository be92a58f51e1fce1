//! Escalates overdue reports: each rung of the ladder (the inspector, then the district union
//! after `escalate_district_days`, then the city after `escalate_city_days`) once per deadline.

use super::{RunReport, BATCH};
use crate::{actions::rec, error::AppError, state::AppState, store::steps};
use app::{
    domain::deadlines::{Deadlines, Escalation},
    i18n::fill,
};

pub(super) async fn run(state: &AppState, now: i64, out: &mut RunReport) -> Result<(), AppError> {
    let d = state.deadlines;
    for id in steps::overdue(&state.db, now, BATCH).await? {
        for rung in
            steps::escalate(&state.db, id, now, &d, |rung, which| note(rung, which, &d)).await?
        {
            out.escalations.push((id, rung));
        }
    }
    Ok(())
}

/// The timeline entry and notification of a rung (`which`: the `ack` or `fix` deadline).
fn note(rung: Escalation, which: &str, d: &Deadlines) -> String {
    let t = rec();
    let what = if which == "ack" {
        t.jobs_late_ack()
    } else {
        t.jobs_late_fix()
    };
    match rung {
        Escalation::Inspector => fill(t.jobs_to_inspector(), &[("what", &what)]),
        Escalation::District => fill(
            t.jobs_to_district(),
            &[("what", &what), ("days", &d.escalate_district_days)],
        ),
        Escalation::City => fill(
            t.jobs_to_city(),
            &[("what", &what), ("days", &d.escalate_city_days)],
        ),
    }
}
