//! `test_push`: a signed-in user sends themselves a test notification, to their inbox and to
//! each of their devices.

use crate::{
    actions::Caller,
    error::{allow, AppError},
    state::AppState,
    store::push as store,
};
use app::domain::policy::{decide, Action, Object};

/// How many devices it was queued for.
#[tracing::instrument(skip_all)]
pub async fn test_push(state: &AppState, who: Caller<'_>) -> Result<usize, AppError> {
    allow(decide(who.actor, Action::ManageOwnAccount, &Object::None))?;
    let Some(user) = who.user_id() else {
        return Err(AppError::SignIn);
    };
    let pushes = store::test_push(&state.db, user, state.clock.now_ms()).await?;
    state.pusher.wake.notify_one();
    Ok(pushes)
}
