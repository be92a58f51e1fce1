//! `update_user`: an admin replaces a user's roles and scopes (both as they were and as they
//! will be must be theirs to manage); the reports the user may no longer hold are routed again.

use super::{known_enterprises, may_grant, may_manage};
use crate::{
    actions::{rec, reports::reroute_for, Caller},
    error::AppError,
    state::AppState,
    store::users,
};
use app::domain::forms::admin::GrantsForm;
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn update_user(
    state: &AppState,
    who: Caller<'_>,
    user: Uuid,
    form: GrantsForm,
) -> Result<(), AppError> {
    may_manage(state, who, user).await?;
    let known = known_enterprises(&state.db, &form).await?;
    let grants = form.parse(who.lang, &known)?;
    may_grant(&state.db, who, user, &grants).await?;
    let by = who.user_id().ok_or(AppError::SignIn)?;
    let now = state.clock.now_ms();
    users::set_grants(&state.db, user, &grants, by, who.addr, now).await?;
    reroute_for(state, user, rec().admin_reroute_coverage()).await?;
    Ok(())
}
