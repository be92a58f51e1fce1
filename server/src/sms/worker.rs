//! The SMS delivery worker: claims due `sms` deliveries (exactly once across processes, as the
//! push worker does), opens each recipient's sealed phone, and sends the kind's text with the
//! notification's short link through the configured gateway.
//!
//! - At most [`SmsConfig::per_phone_per_hour`] messages to one number in any hour: a message
//!   over the limit waits until the oldest of that hour is an hour old (it is never dropped).
//! - Taken: `sent` with the provider's id, which its delivery receipt names. Flow control and
//!   the provider's own failures: tried again with exponential backoff until
//!   [`MAX_SMS_ATTEMPTS`]. Refused (a bad number, a template not approved): `failed` at once.
//! - An account whose phone was removed or changed since the delivery was queued, or that was
//!   disabled: `failed`, nothing sent.

use super::{channels, SendError, Sms, SmsGateway};
use crate::store::{notifications::Outcome, sms as store};
use app::{
    backend::{clock::SharedClock, vault::Vault, Db},
    domain::phone::PhoneNumber,
};
use futures::StreamExt;
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio::sync::Notify;

/// Attempts before a message is given up as failed.
pub const MAX_SMS_ATTEMPTS: i32 = 8;
/// Deliveries claimed per round.
pub const SMS_CLAIM_BATCH: i64 = 100;
/// Messages in flight at once.
pub const SMS_AT_ONCE: usize = 8;
/// Outcomes written per transaction while a round is being sent.
pub const SMS_RECORD_EVERY: usize = 8;
/// How long a claimed round stays reserved for the process that claimed it (longer than a
/// round of [`SMS_CLAIM_BATCH`] messages each timing out).
pub const SMS_CLAIM_LEASE: Duration = Duration::from_secs(600);
/// Messages one number may get in an hour unless configured otherwise.
pub const DEFAULT_SMS_PER_PHONE_PER_HOUR: u32 = 5;
/// How often the worker looks for due messages.
pub const SMS_POLL_EVERY: Duration = Duration::from_secs(5);

const HOUR_MS: i64 = 3_600_000;

/// The worker's settings.
#[derive(Debug, Clone)]
pub struct SmsConfig {
    /// The sign name (签名) the texts start with, in 【】.
    pub sign_name: String,
    /// The site's address as people open it (`https://…`), which short links start with.
    pub public_url: String,
    pub per_phone_per_hour: u32,
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmsRun {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    /// Held back by the per-number limit.
    pub deferred: usize,
}

/// The sender.
#[derive(Debug)]
pub struct SmsWorker {
    gateway: Arc<dyn SmsGateway>,
    vault: Arc<Vault>,
    config: SmsConfig,
    /// Wakes the worker at once.
    pub wake: Notify,
}

/// Delay before retry `attempts` (the count including the failed one): 30 s doubling, at most
/// an hour.
pub fn backoff(attempts: i32) -> Duration {
    crate::push::worker::backoff(attempts)
}

enum Plan {
    Send(Box<Sms>),
    Wait { at: i64, reason: String },
    Fail(String),
}

impl SmsWorker {
    pub fn new(gateway: Arc<dyn SmsGateway>, vault: Arc<Vault>, config: SmsConfig) -> SmsWorker {
        SmsWorker {
            gateway,
            vault,
            config,
            wake: Notify::new(),
        }
    }

    /// Claims due messages and sends them, round after round, until none is due.
    pub async fn run_once(&self, db: &Db, clock: &SharedClock) -> Result<SmsRun, sqlx::Error> {
        let mut run = SmsRun::default();
        loop {
            let now = clock.now_ms();
            let lease_until = now + SMS_CLAIM_LEASE.as_millis() as i64;
            let due = store::claim(db, now, lease_until, SMS_CLAIM_BATCH).await?;
            if due.is_empty() {
                return Ok(run);
            }
            let key = app::backend::vault::users_key(db, &self.vault).await?;
            // Decided one by one (the per-number counts include this round's), sent together.
            let mut counted: HashMap<String, (i64, Option<i64>)> = HashMap::new();
            let mut plans = Vec::with_capacity(due.len());
            for c in &due {
                let plan = match c
                    .phone_sealed
                    .as_deref()
                    .and_then(|s| key.open(&app::backend::reports::field::phone(c.user), s))
                    .and_then(|p| PhoneNumber::parse(&p).ok())
                {
                    None => Plan::Fail("the account has no phone number (any more)".into()),
                    Some(to) => {
                        let entry = match counted.get(&c.phone_hash) {
                            Some(e) => *e,
                            None => store::sent_since(db, &c.phone_hash, now - HOUR_MS).await?,
                        };
                        let limit = i64::from(self.config.per_phone_per_hour.max(1));
                        if entry.0 >= limit {
                            Plan::Wait {
                                at: entry.1.unwrap_or(now) + HOUR_MS,
                                reason: format!("{limit} text messages an hour to one number"),
                            }
                        } else {
                            counted
                                .insert(c.phone_hash.clone(), (entry.0 + 1, entry.1.or(Some(now))));
                            Plan::Send(Box::new(self.message(c, to)))
                        }
                    }
                };
                plans.push((c.id, c.attempts, plan));
            }
            let (gateway, clock_now) = (&self.gateway, clock);
            let mut sending = futures::stream::iter(plans)
                .map(move |(id, attempts, plan)| async move {
                    let outcome = match plan {
                        Plan::Fail(reason) => Outcome::Failed {
                            reason,
                            remove: None,
                        },
                        Plan::Wait { at, reason } => Outcome::Wait { at, reason },
                        Plan::Send(sms) => match gateway.send(&sms).await {
                            Ok(a) => Outcome::Sent {
                                provider_ref: a.provider_ref,
                            },
                            Err(SendError::Refused(reason)) => Outcome::Failed {
                                reason,
                                remove: None,
                            },
                            Err(e) if attempts < MAX_SMS_ATTEMPTS => Outcome::Retry {
                                at: clock_now.now_ms() + backoff(attempts).as_millis() as i64,
                                reason: e.to_string(),
                            },
                            Err(e) => Outcome::Failed {
                                reason: e.to_string(),
                                remove: None,
                            },
                        },
                    };
                    (id, outcome)
                })
                .buffer_unordered(SMS_AT_ONCE);
            // Written a few at a time as they finish: a process that dies mid-round sends again
            // at most one unwritten group, and a receipt finds its send written within moments.
            let mut outcomes = Vec::with_capacity(SMS_RECORD_EVERY);
            while let Some((id, o)) = sending.next().await {
                match &o {
                    Outcome::Sent { .. } => run.sent += 1,
                    Outcome::Failed { .. } => run.failed += 1,
                    Outcome::Wait { .. } => run.deferred += 1,
                    Outcome::Retry { .. } => run.retried += 1,
                }
                outcomes.push((id, o));
                if outcomes.len() >= SMS_RECORD_EVERY {
                    crate::store::notifications::record(db, clock.now_ms(), &outcomes).await?;
                    outcomes.clear();
                }
            }
            crate::store::notifications::record(db, clock.now_ms(), &outcomes).await?;
        }
    }

    /// The text of a claimed delivery.
    fn message(&self, c: &store::Claimed, to: PhoneNumber) -> Sms {
        let url = match &c.short_code {
            Some(code) => format!("{}/n/{code}", self.config.public_url.trim_end_matches('/')),
            None => self.config.public_url.clone(),
        };
        let template = channels::template_of(&c.template);
        Sms {
            to,
            template,
            text: channels::notice_text(&self.config.sign_name, &c.template, &url),
            params: vec![("url", url)],
            out_id: Some(c.id.to_string()),
        }
    }

    /// Runs the worker until the process stops: at once when woken, else every
    /// [`SMS_POLL_EVERY`].
    pub fn spawn(self: Arc<Self>, db: Db, clock: SharedClock) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.run_once(&db, &clock).await {
                    tracing::warn!(error = %e, "SMS delivery round failed");
                }
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(SMS_POLL_EVERY) => {}
                }
            }
        })
    }
}
