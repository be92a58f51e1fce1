//! `messages` (union): the inspector writes to the reporter; a reporter with an account is told.

use crate::{
    actions::{authorize, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, Audience, By, Step},
};
use app::domain::{forms::union::MessageForm, policy::Action, workflow::Party};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn message(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: MessageForm,
) -> Result<(), AppError> {
    authorize(&state.db, who.actor, Action::MessageReporter, report).await?;
    let body = form.parse(who.lang)?;
    let step = Step::new(
        report,
        "union_message",
        By::Party(Party::Union),
        who.user_id(),
    )
    .extra(crate::actions::sealed_message(state, report, false, &body).await?)
    .tell(
        Audience::Reporter,
        "reporter",
        who.lang.tr().notify_union_message(),
    );
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(())
}
