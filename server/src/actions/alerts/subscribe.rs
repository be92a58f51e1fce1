//! `subscribe`: a signed-in user's browser subscribes this device to Web Push. The endpoint must
//! be an HTTPS URL on a public host (a subscription must not make the server probe its own
//! network) and the keys must be a valid P-256 key and auth secret.

use crate::{
    actions::Caller,
    error::{allow, AppError},
    push::ece,
    state::AppState,
    store::push as store,
};
use app::{
    backend::alerts::origin_of,
    domain::{
        policy::{decide, Action, Object},
        report::FieldError,
    },
};
use serde::Deserialize;
use std::future::Future;
use uuid::Uuid;

/// Longest push endpoint URL accepted.
pub const MAX_ENDPOINT_CHARS: usize = 1024;
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
    allow(decide(who.actor, Action::ManageOwnAccount, &Object::None))?;
    let Some(user) = who.user_id() else {
        return Err(AppError::SignIn);
    };
    let sub = read.await?;
    let t = who.lang.tr();
    let mut fields = Vec::new();
    if !endpoint_ok(&sub.endpoint, state.push_allow_http) {
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

/// Whether an endpoint may be pushed to: HTTPS to a public host name or address — no loopback,
/// private, link-local or unspecified address and no `localhost`, so a subscription cannot
/// make the server probe its own network. (`allow_local` — the tests' push service on
/// loopback — lifts both rules.)
fn endpoint_ok(endpoint: &str, allow_local: bool) -> bool {
    let origin = origin_of(endpoint);
    let Some((_, authority)) = origin.split_once("://") else {
        return false;
    };
    if authority.is_empty() || authority.contains(['@', ' ']) {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    }
    .to_ascii_lowercase();
    let local_name = host == "localhost"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host.ends_with(".internal")
        || !host.contains('.') && host.parse::<std::net::IpAddr>().is_err();
    let local_address = match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => {
            a.is_loopback()
                || a.is_private()
                || a.is_link_local()
                || a.is_unspecified()
                || a.is_broadcast()
                || a.octets()[0] == 100 && (a.octets()[1] & 0xc0) == 64
        }
        Ok(std::net::IpAddr::V6(a)) => {
            a.is_loopback()
                || a.is_unspecified()
                || (a.segments()[0] & 0xfe00) == 0xfc00
                || (a.segments()[0] & 0xffc0) == 0xfe80
                || a.to_ipv4_mapped().is_some()
        }
        Err(_) => false,
    };
    endpoint.chars().count() <= MAX_ENDPOINT_CHARS
        && (endpoint.starts_with("https://") || (allow_local && endpoint.starts_with("http://")))
        && (allow_local || !(local_name || local_address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_endpoints_must_be_https_on_public_hosts() {
        for ok in [
            "https://fcm.googleapis.com/fcm/send/abc",
            "https://updates.push.services.mozilla.com/wpush/v2/x",
            "https://8.8.8.8/x",
        ] {
            assert!(endpoint_ok(ok, false), "{ok}");
        }
        for bad in [
            "http://fcm.googleapis.com/x",
            "https://localhost/x",
            "https://127.0.0.1:8443/x",
            "https://10.0.0.5/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest",
            "https://100.64.0.1/x",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://intranet/x",
            "https://db.internal/x",
            "https://user@push.example/x",
            "ftp://push.example/x",
        ] {
            assert!(!endpoint_ok(bad, false), "{bad}");
        }
        assert!(endpoint_ok("http://127.0.0.1:8080/push/1", true));
    }
}
