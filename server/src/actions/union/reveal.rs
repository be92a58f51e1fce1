//! `reveal`: a union admin asks to see who reported, with a written reason. Nobody sees the
//! identity yet: another admin must approve (`decide_reveal`), then the one who asked may open it
//! (`open_reveal`). The request is on the union-only timeline and in the audit log, in one
//! transaction.

use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, By, Extra, Step, Visibility},
};
use app::domain::{forms::union::RevealForm, policy::Action};
use uuid::Uuid;

/// Returns the request's id.
#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn reveal(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: RevealForm,
) -> Result<Uuid, AppError> {
    authorize(&state.db, who.actor, Action::RevealIdentity, report).await?;
    let reason = form.parse(who.lang)?;
    let id = Uuid::new_v4();
    let step = Step::new(report, "reveal_requested", By::Admin, who.user_id())
        .entry(
            format!("{}：{reason}", rec().reveal_requested_timeline()),
            Visibility::Union,
        )
        .extra(Extra::RevealRequest {
            id,
            reason,
            address: who.addr.to_string(),
        });
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(id)
}
