//! Reminds the enterprises that have not acknowledged an alert `reminder_after_hours` after it
//! was issued, once. The recipients are claimed by a conditional update in the transaction that
//! writes the reminders, so with several processes only one sends them.

use super::RunReport;
use crate::{error::AppError, state::AppState};
use app::backend::{alerts, alerts as store};

pub(super) async fn run(state: &AppState, now: i64, out: &mut RunReport) -> Result<(), AppError> {
    let after = i64::from(state.heat_rules.reminder_after_hours) * 3_600_000;
    for id in store::due_reminders(&state.db, now - after, now).await? {
        let Some(alert) = alerts::get(&state.db, id).await? else {
            continue;
        };
        // The fan-out claims the waiting recipients in its own transaction (none left: another
        // process reminded them).
        let waiting = store::waiting_officers(&state.db, id).await?;
        let told = store::fan_out_to(
            &state.db,
            &state.heat_rules,
            &alert,
            store::Telling::Reminder,
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
