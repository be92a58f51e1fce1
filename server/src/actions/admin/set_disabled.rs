//! `set_disabled`: an admin disables a user (every session of theirs ends, and their open
//! reports go to whoever routing picks now) or enables them again.

use super::may_manage;
use crate::{
    actions::{rec, reports::reroute_for, Caller},
    error::AppError,
    state::AppState,
    store::users,
};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(user = %user, disabled))]
pub async fn set_disabled(
    state: &AppState,
    who: Caller<'_>,
    user: Uuid,
    disabled: bool,
) -> Result<(), AppError> {
    may_manage(state, who, user).await?;
    let by = who.user_id().ok_or(AppError::SignIn)?;
    let now = state.clock.now_ms();
    users::set_disabled(&state.db, user, disabled, by, who.addr, now).await?;
    if disabled {
        reroute_for(state, user, rec().admin_reroute_disabled()).await?;
    }
    Ok(())
}
