//! `rectification`: the officer reports what was done, with after-photos through the same photo
//! pipeline as a report's. The photos' files are stored first; their rows commit with the step.

use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    photos::intake::intake,
    state::AppState,
    store::steps::{self, Audience, By, Extra, Step, Visibility},
};
use app::domain::{
    forms::enterprise::RectificationForm,
    policy::Action,
    workflow::{Event, Party},
};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(report = %report, photos = photos.len()))]
pub async fn rectify(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: RectificationForm,
    photos: Vec<Vec<u8>>,
) -> Result<(), AppError> {
    authorize(&state.db, who.actor, Action::SubmitRectification, report).await?;
    let note = form.parse(who.lang, photos.len())?;
    let key = crate::actions::report_key(state, report).await?;
    let taken = intake(state, &key, photos, &[], who.lang).await?;
    let step = Step::new(
        report,
        "rectification",
        By::Party(Party::Enterprise),
        who.user_id(),
    )
    .event(Event::SubmitRectification)
    .entry(
        rec().enterprise_rectified_note().to_string(),
        Visibility::All,
    )
    .extra(Extra::Rectification {
        note,
        photos: taken.photos,
    })
    .tell(Audience::UnionDesk, "rectified", rec().notify_rectified());
    // Refused, the stored files stay until the photo sweep finds no row naming them.
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(())
}
