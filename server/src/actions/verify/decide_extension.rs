//! `extension` (union): grant the enterprise's request (the deadline moves to the asked date)
//! or refuse it; the officers are told.

use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, Audience, By, Extra, Set, Step, Visibility},
};
use app::{
    backend::cases,
    domain::{
        forms::union::{labelled, ExtensionDecisionForm},
        policy::Action,
        workflow::Party,
    },
};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn decide_extension(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: ExtensionDecisionForm,
) -> Result<(), AppError> {
    authorize(&state.db, who.actor, Action::DecideExtension, report).await?;
    let (granted, note) = form.parse(who.lang)?;
    let Some(until) = cases::pending_extension(&state.db, report).await? else {
        return Err(AppError::conflict(
            who.lang.tr().action_no_pending_extension(),
        ));
    };
    let label = if granted {
        rec().extension_granted()
    } else {
        rec().extension_refused()
    };
    let mut step = Step::new(
        report,
        "extension_decision",
        By::Party(Party::Union),
        who.user_id(),
    )
    .entry(labelled(label, note.as_deref()), Visibility::Enterprise)
    .extra(Extra::ExtensionDecision { granted })
    .tell(Audience::Officers, "verified", label);
    if granted {
        step = step.set(Set::FixDue(until));
    }
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(())
}
