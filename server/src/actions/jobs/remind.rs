//! Reminds the enterprises that have not acknowledged an alert `reminder_after_hours` after it
//! was issued, once. The recipients are claimed by a conditional update in the transaction that
//! writes the reminders ([`store::remind`]), so with several processes only one sends them.

use super::RunReport;
use crate::{error::AppError, state::AppState, store::alerts as store};
use app::backend::alerts;

#[tracing::instrument(skip_all)]
pub(super) async fn run(state: &AppState, now: i64, out: &mut RunReport) -> Result<(), AppError> {
    let after = i64::from(state.heat_rules.reminder_after_hours) * 3_600_000;
    for id in store::due_reminders(&state.db, now - after, now).await? {
        let Some(alert) = alerts::get(&state.db, id).await? else {
            continue;
        };
        let told = store::remind(&state.db, &state.heat_rules, &alert, now).await?;
        // Nobody told: another process reminded them, or no waiting enterprise has an officer.
        if told.notifications == 0 {
            continue;
        }
        state.pusher.wake.notify_one();
        out.reminded.push(id);
    }
    Ok(())
}
