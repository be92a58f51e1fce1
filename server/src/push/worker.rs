//! The push delivery worker. Notifications are never pushed from a request handler: the action
//! queues a `deliveries` row (channel `push`, state `pending`) per subscribed device, and this
//! worker claims due rows, encrypts each payload for its device, and posts it to the device's
//! push service with the RFC 8030 headers (`TTL`, `Urgency`, `Topic`).
//!
//! - Claiming moves a row's `next_attempt_at` past a lease in the same statement that selects it
//!   (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer on SQLite), so several server
//!   processes on one database never send the same delivery twice; a process that dies mid-send
//!   leaves the row to be retried when the lease runs out.
//! - At most [`PushConfig::per_origin`] requests run at once against one push service origin,
//!   each with a timeout.
//! - `201`/`200`/`202`: sent. `404`/`410`: the subscription is gone, removed, the delivery failed.
//!   `429`: retried after the service's `Retry-After`. Anything else (5xx, timeouts, refused
//!   connections, 4xx): retried with exponential backoff until [`MAX_PUSH_ATTEMPTS`].
//!
//! The rows themselves are read by [`crate::store::push`] and the outcomes written by
//! [`crate::store::notifications::record`].

use super::{address, ece, vapid::VapidKey};
use crate::store::{
    notifications::Outcome as Written,
    push::{self as store, Claimed},
};
use app::backend::{alerts::origin_of, clock::SharedClock, Db};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use tokio::sync::{Notify, Semaphore};
use uuid::Uuid;

/// Attempts before a delivery is given up as failed.
pub const MAX_PUSH_ATTEMPTS: i32 = 8;
/// Deliveries claimed per round.
pub const CLAIM_BATCH: i64 = 1000;
/// Outcomes written per transaction while a round is being sent.
pub const RECORD_EVERY: usize = 100;
/// How long a claimed delivery stays reserved for the process that claimed it.
pub const CLAIM_LEASE: Duration = Duration::from_secs(300);
/// First retry delay; doubled per attempt, at most [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(30);
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Used when a `429` carries no readable `Retry-After`.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);
/// How often the worker looks for due deliveries when nothing wakes it.
pub const POLL_EVERY: Duration = Duration::from_secs(5);
/// How long a VAPID token is valid (RFC 8292 allows at most 24 hours).
pub const VAPID_TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// The worker's settings.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// The VAPID `sub` claim: a `mailto:` or `https:` contact for the push services.
    pub subject: String,
    /// Timeout of one request to a push service.
    pub timeout: Duration,
    /// Requests in flight at once per push service origin.
    pub per_origin: usize,
    /// Push to `http://` and to addresses on the server's own network too (a push service on a
    /// trusted network; the tests' one on loopback). Off: see [`super::address`].
    pub allow_local: bool,
}

impl Default for PushConfig {
    fn default() -> Self {
        PushConfig {
            subject: "mailto:push@safesnap.invalid".into(),
            timeout: Duration::from_secs(10),
            per_origin: 64,
            allow_local: false,
        }
    }
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushRun {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    /// Subscriptions removed because the push service said they are gone.
    pub removed: usize,
}

impl std::fmt::Debug for Pusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pusher")
            .field("public_key", &self.public_key())
            .field("config", &self.config)
            .finish()
    }
}

/// The sender: the VAPID key, an HTTP client, the per-origin limits.
pub struct Pusher {
    key: VapidKey,
    config: PushConfig,
    client: reqwest::Client,
    limits: Mutex<HashMap<String, Arc<Semaphore>>>,
    tokens: Mutex<HashMap<String, (String, u64)>>,
    /// Wakes the worker at once (after an alert is issued).
    pub wake: Notify,
}

/// Name of the VAPID private key in `server_keys`.
const VAPID_KEY_NAME: &str = "vapid_p256";

enum Outcome {
    Sent,
    Gone(String),
    Retry { after: Duration, reason: String },
    Failed(String),
}

/// A claimed delivery with the payload its service worker shows.
struct Due {
    claimed: Claimed,
    payload: Vec<u8>,
}

impl Due {
    fn of(claimed: Claimed) -> Due {
        let tag = if claimed.topic.is_empty() {
            claimed.id.simple().to_string()
        } else {
            claimed.topic.clone()
        };
        let payload = serde_json::json!({
            "title": claimed.title,
            "body": claimed.body,
            "url": claimed.link,
            "tag": tag,
            "alert": claimed.alert,
        })
        .to_string()
        .into_bytes();
        Due { claimed, payload }
    }
}

impl Pusher {
    /// Loads the server's VAPID key, creating it on first start (stored in the database so every
    /// process and every restart signs with the same key the browsers subscribed with).
    pub async fn load(db: &Db, config: PushConfig, now: i64) -> Result<Pusher, String> {
        let stored = store::server_key(
            db,
            VAPID_KEY_NAME,
            || hex::encode(VapidKey::generate().secret_bytes()),
            now,
        )
        .await
        .map_err(|e| format!("VAPID key: {e}"))?;
        let bytes = hex::decode(stored.trim()).map_err(|e| format!("VAPID key: {e}"))?;
        let key = VapidKey::from_secret_bytes(&bytes).map_err(|e| format!("VAPID key: {e}"))?;
        let mut client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .pool_max_idle_per_host(config.per_origin)
            .redirect(reqwest::redirect::Policy::none())
            // No proxy from the environment: the address checked is the one connected to.
            .no_proxy();
        if !config.allow_local {
            client = client.dns_resolver(Arc::new(address::PublicOnly));
        }
        let client = client.build().map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Pusher {
            key,
            config,
            client,
            limits: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            wake: Notify::new(),
        })
    }

    /// The public key browsers subscribe with (`applicationServerKey`), base64url.
    pub fn public_key(&self) -> String {
        self.key.public_key_b64url()
    }

    fn limit(&self, origin: &str) -> Arc<Semaphore> {
        let mut limits = self.limits.lock().unwrap_or_else(|p| p.into_inner());
        limits
            .entry(origin.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.config.per_origin.max(1))))
            .clone()
    }

    /// The `Authorization` header for a push service origin, signed once and reused until an
    /// hour before it expires.
    fn authorization(&self, origin: &str) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((header, exp)) = tokens.get(origin) {
            if *exp > now + 3600 {
                return header.clone();
            }
        }
        let exp = now + VAPID_TOKEN_LIFETIME.as_secs();
        let header = self.key.authorization(origin, &self.config.subject, exp);
        tokens.insert(origin.to_string(), (header.clone(), exp));
        header
    }

    /// How long a claimed round stays reserved: at least [`CLAIM_LEASE`], and longer than the
    /// slowest round the settings allow (every request of one origin queued behind the cap and
    /// timing out), so another process never takes over a round still being sent.
    fn lease(&self) -> Duration {
        let waves = (CLAIM_BATCH as u32).div_ceil(self.config.per_origin.max(1) as u32);
        CLAIM_LEASE.max(self.config.timeout.saturating_mul(waves.saturating_mul(2)))
    }

    /// Claims due deliveries and sends them, round after round, until none is due.
    /// Each send is its own task, so encryption spreads over every core.
    pub async fn run_once(
        self: &Arc<Self>,
        db: &Db,
        clock: &SharedClock,
    ) -> Result<PushRun, sqlx::Error> {
        let mut run = PushRun::default();
        loop {
            let now = clock.now_ms();
            let lease_until = now + self.lease().as_millis() as i64;
            let due: Vec<Due> = store::claim(db, now, lease_until, CLAIM_BATCH)
                .await?
                .into_iter()
                .map(Due::of)
                .collect();
            if due.is_empty() {
                return Ok(run);
            }
            let mut tasks = tokio::task::JoinSet::new();
            for d in due {
                let me = self.clone();
                tasks.spawn(async move {
                    let outcome = me.send(&d).await;
                    (d, outcome)
                });
            }
            // Outcomes are written as they come, a few at a time: a process that dies mid-round
            // leaves at most one unwritten group to be sent again when the lease ends.
            let mut results = Vec::with_capacity(RECORD_EVERY);
            while let Some(done) = tasks.join_next().await {
                match done {
                    Ok(r) => results.push(r),
                    // A panicked send leaves its row leased; it is retried when the lease ends.
                    Err(e) => tracing::error!(error = %e, "push send task failed"),
                }
                if results.len() >= RECORD_EVERY {
                    record(db, clock.now_ms(), &results, &mut run).await?;
                    results.clear();
                }
            }
            record(db, clock.now_ms(), &results, &mut run).await?;
        }
    }

    #[tracing::instrument(skip_all, fields(delivery = %d.claimed.id, attempt = d.claimed.attempts))]
    async fn send(&self, d: &Due) -> Outcome {
        let Some(device) = &d.claimed.device else {
            return Outcome::Failed("subscription removed".into());
        };
        let endpoint = &device.endpoint;
        // Checked again here: a row written before the rules (or by hand) is not trusted, and an
        // address in the URL never reaches the resolver.
        if let Err(refused) = address::connectable(endpoint, self.config.allow_local) {
            return Outcome::Gone(format!("endpoint refused: {refused:?}, removed"));
        }
        let keys = match ece::ClientKeys::parse(&device.p256dh, &device.auth) {
            Ok(k) => k,
            Err(e) => return Outcome::Gone(format!("bad subscription keys: {e}")),
        };
        let body = match ece::encrypt(&keys, &d.payload) {
            Ok(b) => b,
            Err(e) => return Outcome::Failed(format!("encryption: {e}")),
        };
        let origin = origin_of(endpoint);
        let permit = self.limit(&origin).acquire_owned().await;
        let mut req = self
            .client
            .post(endpoint)
            .header("TTL", d.claimed.ttl_secs.max(0).to_string())
            .header("Urgency", d.claimed.urgency.as_str())
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Authorization", self.authorization(&origin))
            .body(body);
        if !d.claimed.topic.is_empty() {
            req = req.header("Topic", d.claimed.topic.as_str());
        }
        let answer = req.send().await;
        drop(permit);
        match answer {
            Ok(res) => {
                let status = res.status().as_u16();
                match status {
                    200..=202 => Outcome::Sent,
                    404 | 410 => Outcome::Gone(format!("{status}: subscription gone, removed")),
                    429 => Outcome::Retry {
                        after: retry_after(res.headers()).unwrap_or(DEFAULT_RETRY_AFTER),
                        reason: "429: push service asked to wait".into(),
                    },
                    _ => Outcome::Retry {
                        after: backoff(d.claimed.attempts),
                        reason: format!("{status}"),
                    },
                }
            }
            Err(e) if e.is_timeout() => Outcome::Retry {
                after: backoff(d.claimed.attempts),
                reason: "timeout".into(),
            },
            Err(e) if address::refused_by_resolver(&e) => {
                Outcome::Failed("the endpoint's host has no public address".into())
            }
            Err(e) => Outcome::Retry {
                after: backoff(d.claimed.attempts),
                // Without the URL: an endpoint is the device's secret, not for the admin's table.
                reason: format!("network: {}", short(&e.without_url().to_string())),
            },
        }
    }

    /// Runs the worker until the process stops: at once when woken, else every [`POLL_EVERY`].
    pub fn spawn(self: Arc<Self>, db: Db, clock: SharedClock) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.run_once(&db, &clock).await {
                    tracing::warn!(error = %e, "push delivery round failed");
                }
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(POLL_EVERY) => {}
                }
            }
        })
    }
}

fn short(s: &str) -> String {
    s.chars().take(200).collect()
}

/// Delay before retry `attempts` (the count including the failed one).
pub fn backoff(attempts: i32) -> Duration {
    let doublings = attempts.clamp(1, 16) as u32 - 1;
    FIRST_BACKOFF
        .saturating_mul(1u32 << doublings)
        .min(MAX_BACKOFF)
}

/// `Retry-After` as seconds (the HTTP-date form counts as unreadable).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s.clamp(1, 24 * 3600)))
}

/// Writes the outcomes of a round (in one transaction) and counts them.
async fn record(
    db: &Db,
    now: i64,
    results: &[(Due, Outcome)],
    run: &mut PushRun,
) -> Result<(), sqlx::Error> {
    let outcomes: Vec<(Uuid, Written)> = results
        .iter()
        .map(|(d, outcome)| {
            let c = &d.claimed;
            let written = match outcome {
                Outcome::Sent => {
                    run.sent += 1;
                    Written::Sent { provider_ref: None }
                }
                Outcome::Gone(reason) => {
                    run.failed += 1;
                    let remove = c.device.as_ref().map(|device| device.id);
                    if remove.is_some() {
                        run.removed += 1;
                    }
                    Written::Failed {
                        reason: reason.clone(),
                        remove,
                    }
                }
                Outcome::Retry { after, reason } if c.attempts < MAX_PUSH_ATTEMPTS => {
                    run.retried += 1;
                    Written::Retry {
                        at: now + after.as_millis() as i64,
                        reason: reason.clone(),
                    }
                }
                Outcome::Retry { reason, .. } | Outcome::Failed(reason) => {
                    run.failed += 1;
                    Written::Failed {
                        reason: reason.clone(),
                        remove: None,
                    }
                }
            };
            (c.id, written)
        })
        .collect();
    crate::store::notifications::record(db, now, &outcomes).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::from_secs(30));
        assert_eq!(backoff(2), Duration::from_secs(60));
        assert_eq!(backoff(3), Duration::from_secs(120));
        assert_eq!(backoff(8), Duration::from_secs(3600));
        assert_eq!(backoff(0), Duration::from_secs(30));
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), None);
    }
}
