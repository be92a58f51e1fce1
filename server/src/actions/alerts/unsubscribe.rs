//! `unsubscribe`: a signed-in user's browser forgets this device. Idempotent: a device that is
//! not (or no longer) subscribed is just as unsubscribed.

use crate::{
    actions::Caller,
    error::{allow, AppError},
    state::AppState,
    store::push as store,
};
use app::domain::policy::{decide, Action, Object};
use serde::Deserialize;
use std::future::Future;

/// `{"endpoint": …}`: the device to forget.
#[derive(Debug, Deserialize)]
pub struct EndpointJson {
    pub endpoint: String,
}

/// `read` gives the device; it is read only once the caller may unsubscribe.
#[tracing::instrument(skip_all)]
pub async fn unsubscribe(
    state: &AppState,
    who: Caller<'_>,
    read: impl Future<Output = Result<EndpointJson, AppError>>,
) -> Result<(), AppError> {
    allow(decide(who.actor, Action::ManageOwnAccount, &Object::None))?;
    let Some(user) = who.user_id() else {
        return Err(AppError::SignIn);
    };
    let device = read.await?;
    store::unsubscribe(&state.db, user, None, Some(&device.endpoint)).await?;
    Ok(())
}
