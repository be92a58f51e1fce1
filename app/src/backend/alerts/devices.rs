//! A user's devices subscribed to Web Push, as the account page lists them (the push service's
//! origin only: an endpoint is the device's secret).

use crate::{
    backend::{db::fetch_all_for, Db},
    views::PushDevice,
};
use uuid::Uuid;

/// A user's subscribed devices, newest first.
pub async fn devices(db: &Db, user: Uuid) -> Result<Vec<PushDevice>, sqlx::Error> {
    let rows: Vec<(Uuid, String, String, i64)> = fetch_all_for(
        db,
        "SELECT id, user_agent, endpoint, created_at FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC",
        user,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, user_agent, endpoint, created_at)| PushDevice {
            id,
            user_agent,
            service: origin_of(&endpoint),
            created_at,
        })
        .collect())
}

/// `scheme://host[:port]` of a URL (what a push delivery's `target` shows).
pub fn origin_of(endpoint: &str) -> String {
    let Some((scheme, rest)) = endpoint.split_once("://") else {
        return String::new();
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_target_is_the_origin_of_its_endpoint() {
        assert_eq!(
            origin_of("https://fcm.googleapis.com/fcm/send/abc?x=1"),
            "https://fcm.googleapis.com"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080/push/1"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin_of("nonsense"), "");
    }
}
