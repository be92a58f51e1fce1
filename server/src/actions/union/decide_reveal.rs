//! `decide_reveal`: another union admin of the report's district (or of the city) approves or
//! refuses a request to reveal the reporter; never the one who asked. An approval is what the
//! reporter's receipt page then shows: to whom their identity is disclosed, and why.

use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, By, Extra, Step, Visibility},
};
use app::{
    backend::reveals,
    domain::{forms::union::RevealDecisionForm, policy::Action},
    i18n::fill,
};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn decide_reveal(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: RevealDecisionForm,
) -> Result<(), AppError> {
    authorize(&state.db, who.actor, Action::RevealIdentity, report).await?;
    let t = who.lang.tr();
    let (request, approved) = form.parse(who.lang)?;
    let asked = reveals::one(&state.db, report, request)
        .await?
        .ok_or(AppError::NotFound(None))?;
    if Some(asked.requested_by) == who.user_id() {
        return Err(AppError::Forbidden(Some(
            t.reveal_second_admin().to_string(),
        )));
    }
    let r = rec();
    let (note, visibility) = if approved {
        // The reporter reads this on their receipt page (the enterprise never).
        let note = fill(
            r.reveal_disclosed_timeline(),
            &[("to", &asked.requested_by_name), ("reason", &asked.reason)],
        );
        (note, Visibility::Reporter)
    } else {
        let note = fill(
            r.reveal_refused_timeline(),
            &[("to", &asked.requested_by_name)],
        );
        (note, Visibility::Union)
    };
    let step = Step::new(report, "reveal_decided", By::Admin, who.user_id())
        .entry(note, visibility)
        .extra(Extra::RevealDecision {
            request,
            approved,
            address: who.addr.to_string(),
        });
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(())
}
