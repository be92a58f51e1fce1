//! `cancel`: an admin ends an alert in force. Its pending pushes are dropped and its officers
//! are told (under the same push topic).

use super::{alert_for, audited, wake};
use crate::{actions::Caller, error::AppError, state::AppState, store::alerts as store};
use app::domain::{forms::alerts::CancelForm, policy::Action};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(alert = %id))]
pub async fn cancel(
    state: &AppState,
    who: Caller<'_>,
    id: Uuid,
    form: CancelForm,
) -> Result<(), AppError> {
    let (alert, _) = alert_for(state, who, id, Action::IssueAlert).await?;
    form.parse(who.lang)?;
    let now = state.clock.now_ms();
    let told = store::cancel(
        &state.db,
        &state.heat_rules,
        &alert,
        None,
        Some(audited(&who)),
        now,
    )
    .await?
    .ok_or_else(|| AppError::conflict(who.lang.tr().alerts_err_not_active()))?;
    wake(state, told);
    Ok(())
}
