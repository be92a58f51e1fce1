//! `verify`: the inspector passes the fix (the reporter is then asked to confirm it within
//! the window) or fails it (back to rectifying, with a note the enterprise reads).

use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, Audience, By, Set, Step, Visibility},
};
use app::domain::{
    forms::union::{labelled, Verdict, VerifyForm},
    policy::Action,
    workflow::{Event, Party},
};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn verify(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: VerifyForm,
) -> Result<(), AppError> {
    authorize(&state.db, who.actor, Action::Verify, report).await?;
    let now = state.clock.now_ms();
    let step = Step::new(report, "verify", By::Party(Party::Union), who.user_id());
    let step = match form.parse(who.lang)? {
        Verdict::Pass { note } => step
            .event(Event::VerifyPass)
            .entry(
                labelled(rec().verify_passed(), note.as_deref()),
                Visibility::All,
            )
            .set(Set::ConfirmDue(Some(state.deadlines.confirm_due(now))))
            .tell(Audience::Officers, "verified", rec().notify_verified())
            .tell(Audience::Reporter, "reporter", rec().notify_confirm()),
        Verdict::Fail { note } => step
            .event(Event::VerifyFail)
            .entry(
                labelled(rec().verify_failed(), Some(&note)),
                Visibility::All,
            )
            .tell(Audience::Officers, "verified", rec().notify_verify_failed()),
    };
    steps::record(&state.db, &step, now, who.lang).await?;
    Ok(())
}
