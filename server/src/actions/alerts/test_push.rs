//! `test_push`: a user whose role is pushed to sends themselves a test notification, to their
//! inbox and to each of their devices, at most [`TEST_PUSHES_PER_USER`] times in its window.

use crate::{
    actions::Caller,
    error::{allow, AppError},
    state::AppState,
    store::push as store,
};
#[cfg(doc)]
use app::backend::ratelimit::TEST_PUSHES_PER_USER;
use app::{
    backend::ratelimit::Limit,
    domain::policy::{decide, Action, Object},
};

/// How many devices it was queued for.
#[tracing::instrument(skip_all)]
pub async fn test_push(state: &AppState, who: Caller<'_>) -> Result<usize, AppError> {
    allow(decide(who.actor, Action::ReceivePush, &Object::None))?;
    let Some(user) = who.user_id() else {
        return Err(AppError::SignIn);
    };
    state
        .limiter
        .check(Limit::TestPush, &user.to_string())
        .map_err(AppError::RateLimited)?;
    let pushes = store::test_push(&state.db, user, state.clock.now_ms()).await?;
    state.pusher.wake.notify_one();
    Ok(pushes)
}
