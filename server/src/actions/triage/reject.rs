//! `reject`: the report is closed at triage (not a hazard, a duplicate of an earlier one, out of
//! scope) with a message the reporter reads on the receipt page.

use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, Audience, By, Set, Step, Visibility},
};
use app::{
    backend::cases,
    domain::{
        forms::union::{labelled, RejectForm},
        policy::Action,
        workflow::{Event, Party, RejectReason},
    },
};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn reject(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: RejectForm,
) -> Result<(), AppError> {
    authorize(&state.db, who.actor, Action::Triage, report).await?;
    let candidates: Vec<Uuid> = if form.is_duplicate() {
        cases::duplicate_candidates(&state.db, report)
            .await?
            .into_iter()
            .map(|c| c.0)
            .collect()
    } else {
        Vec::new()
    };
    let valid = form.parse(who.lang, &candidates)?;
    let label = match valid.reason {
        RejectReason::NotAHazard => rec().triage_not_a_hazard(),
        RejectReason::Duplicate => rec().triage_duplicate(),
        RejectReason::OutOfScope => rec().triage_out_of_scope(),
    };
    let shown = labelled(label, Some(&valid.message));
    let step = Step::new(report, "reject", By::Party(Party::Union), who.user_id())
        .event(Event::Reject)
        .entry(shown.clone(), Visibility::Reporter)
        .set(Set::ClosureReason(shown))
        .set(Set::DuplicateOf(valid.duplicate_of))
        // A reopened report closed here is the union's decision: the enterprise sees it now.
        .set(Set::ConfirmDue(None))
        .tell(Audience::Reporter, "reporter", rec().notify_rejected());
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(())
}
