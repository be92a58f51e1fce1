//! `confirm`: the reporter confirms the verified fix; the report is closed and the union told.

use super::report_of;
use crate::{
    actions::{rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, Audience, By, Step, Visibility},
};
use app::domain::workflow::{Event, Party};

#[tracing::instrument(skip_all)]
pub async fn confirm(state: &AppState, who: Caller<'_>, code: &str) -> Result<(), AppError> {
    let report = report_of(state, code, who.lang).await?;
    let step = Step::new(report, "confirm", By::Party(Party::Reporter), None)
        .event(Event::ReporterConfirm)
        .entry(
            rec().reporter_confirmed_note().to_string(),
            Visibility::Reporter,
        )
        .tell(
            Audience::UnionDesk,
            "confirmed",
            rec().notify_reporter_confirmed(),
        );
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(())
}
