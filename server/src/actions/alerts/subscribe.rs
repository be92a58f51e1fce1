//! `subscribe`: a signed-in user whose role is pushed to (an enterprise officer) subscribes this
//! device to Web Push. The endpoint must be an HTTPS URL on a public host (a subscription must
//! not make the server probe its own network: [`address`]) and the keys must be a valid P-256
//! key and auth secret.

use crate::{
    actions::Caller,
    error::{allow, AppError},
    push::{address, ece},
    state::AppState,
    store::push as store,
};
use app::domain::{
    policy::{decide, Action, Object},
    report::FieldError,
};
use serde::Deserialize;
use std::future::Future;
use uuid::Uuid;

pub use crate::push::address::MAX_ENDPOINT_CHARS;
/// Longest `User-Agent` kept with a device (to tell the devices apart on the account page).
pub const MAX_USER_AGENT_CHARS: usize = 300;

/// A browser's `PushSubscription.toJSON()`.
#[derive(Debug, Deserialize)]
pub struct SubscriptionJson {
    pub endpoint: String,
    #[serde(default)]
    pub keys: Option<KeysJson>,
}

#[derive(Debug, Default, Deserialize)]
pub struct KeysJson {
    #[serde(default)]
    pub p256dh: String,
    #[serde(default)]
    pub auth: String,
}

/// The device's subscription id. `read` gives the subscription; it is read only once the caller
/// may subscribe (an anonymous caller is told to sign in, whatever they sent).
#[tracing::instrument(skip_all)]
pub async fn subscribe(
    state: &AppState,
    who: Caller<'_>,
    user_agent: &str,
    read: impl Future<Output = Result<SubscriptionJson, AppError>>,
) -> Result<Uuid, AppError> {
    allow(decide(who.actor, Action::ReceivePush, &Object::None))?;
    let Some(user) = who.user_id() else {
        return Err(AppError::SignIn);
    };
    let sub = read.await?;
    let t = who.lang.tr();
    let mut fields = Vec::new();
    if address::endpoint(&sub.endpoint, state.push_allow_http).is_err() {
        fields.push(FieldError::new("endpoint", t.push_err_endpoint()));
    }
    let keys = sub.keys.unwrap_or_default();
    if ece::ClientKeys::parse(&keys.p256dh, &keys.auth).is_err() {
        fields.push(FieldError::new("keys", t.push_err_keys()));
    }
    if !fields.is_empty() {
        return Err(AppError::invalid(fields));
    }
    let agent: String = user_agent.chars().take(MAX_USER_AGENT_CHARS).collect();
    let id = store::subscribe(
        &state.db,
        user,
        &sub.endpoint,
        &keys.p256dh,
        &keys.auth,
        &agent,
        state.clock.now_ms(),
    )
    .await?;
    Ok(id)
}
