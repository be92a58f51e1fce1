//! `extension` (enterprise): the officer asks, once, for a later rectification deadline; the
//! union decides (`verify::decide_extension`).

use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, Audience, By, Extra, Step, Visibility},
};
use app::{
    backend::cases,
    domain::{
        forms::enterprise::ExtensionRequestForm, policy::Action, time::LocalTime, workflow::Party,
    },
    i18n::fill,
};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn request_extension(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: ExtensionRequestForm,
) -> Result<(), AppError> {
    authorize(&state.db, who.actor, Action::RequestExtension, report).await?;
    let due = cases::fix_due_of(&state.db, report).await?;
    let (until, reason) = form.parse(who.lang, due, state.deadlines.max_extension_days)?;
    let note = fill(
        rec().enterprise_extension_note(),
        &[
            ("date", &LocalTime::shanghai(until).date()),
            ("reason", &reason),
        ],
    );
    let step = Step::new(
        report,
        "extension_request",
        By::Party(Party::Enterprise),
        who.user_id(),
    )
    .entry(note, Visibility::Enterprise)
    .extra(Extra::ExtensionRequest { until, reason })
    .tell(Audience::UnionDesk, "extension", rec().notify_extension());
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(())
}
