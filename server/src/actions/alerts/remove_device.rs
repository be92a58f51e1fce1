//! `remove_device`: a signed-in user stops push notifications to one of their devices (one that
//! is not theirs, or already gone, is just as removed).

use crate::{
    actions::Caller,
    error::{allow, AppError},
    state::AppState,
    store::push as store,
};
use app::domain::policy::{decide, Action, Object};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(device = %device))]
pub async fn remove_device(
    state: &AppState,
    who: Caller<'_>,
    device: Uuid,
) -> Result<(), AppError> {
    allow(decide(who.actor, Action::ManageOwnAccount, &Object::None))?;
    let Some(user) = who.user_id() else {
        return Err(AppError::SignIn);
    };
    store::unsubscribe(&state.db, user, Some(device), None).await?;
    Ok(())
}
