//! `dispute`: the reporter says the verified fix is not a fix; the report reopens, the message
//! goes to the union's thread, the union is told.

use super::report_of;
use crate::{
    actions::{rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, Audience, By, Step, Visibility},
};
use app::domain::{
    forms::reporter::DisputeForm,
    workflow::{Event, Party},
};

#[tracing::instrument(skip_all)]
pub async fn dispute(
    state: &AppState,
    who: Caller<'_>,
    code: &str,
    form: DisputeForm,
) -> Result<(), AppError> {
    let report = report_of(state, code, who.lang).await?;
    let body = form.parse(who.lang)?;
    let step = Step::new(report, "dispute", By::Party(Party::Reporter), None)
        .event(Event::ReporterDispute)
        .entry(
            rec().reporter_disputed_note().to_string(),
            Visibility::Reporter,
        )
        .extra(crate::actions::sealed_message(state, report, true, &body).await?)
        .tell(
            Audience::UnionDesk,
            "disputed",
            rec().notify_reporter_disputed(),
        );
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(())
}
