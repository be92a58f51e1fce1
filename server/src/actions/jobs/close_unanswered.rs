//! Closes a verified report the reporter neither confirmed nor disputed within the window; the
//! timeline says it closed on the inspector's verification.

use super::{RunReport, BATCH};
use crate::{
    actions::rec,
    error::AppError,
    state::AppState,
    store::steps::{self, By, Require, Step, Visibility},
};
use app::{
    domain::workflow::{Event, Party},
    i18n::{fill, Lang},
};

pub(super) async fn run(state: &AppState, now: i64, out: &mut RunReport) -> Result<(), AppError> {
    let note = fill(
        rec().jobs_confirm_timeout(),
        &[("days", &state.deadlines.confirm_days)],
    );
    for id in steps::unanswered(&state.db, now, BATCH).await? {
        let step = Step::new(id, "timeout_close", By::Party(Party::System), None)
            .event(Event::ConfirmationTimeout)
            .require(Require::Unanswered { now })
            // The enterprise reads no entry of it: to it a lapsed window and a confirmation look
            // alike (`workflow::as_the_enterprise_sees`).
            .entry(note.clone(), Visibility::Reporter);
        // `None`: another process closed it, or the reporter answered in the meantime.
        if steps::record(&state.db, &step, now, Lang::ZhCn)
            .await?
            .is_some()
        {
            out.closed.push(id);
        }
    }
    Ok(())
}
