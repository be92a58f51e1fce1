//! `messages` (reporter): the reporter writes to the union; whoever holds the report is told.

use super::report_of;
use crate::{
    actions::{rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, Audience, By, Step},
};
use app::domain::{forms::union::MessageForm, workflow::Party};

#[tracing::instrument(skip_all)]
pub async fn message(
    state: &AppState,
    who: Caller<'_>,
    code: &str,
    form: MessageForm,
) -> Result<(), AppError> {
    let report = report_of(state, code, who.lang).await?;
    let body = form.parse(who.lang)?;
    let step = Step::new(report, "reporter_message", By::Party(Party::Reporter), None)
        .extra(crate::actions::sealed_message(state, report, true, &body).await?)
        .tell(
            Audience::UnionDesk,
            "message",
            rec().notify_reporter_message(),
        );
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(())
}
