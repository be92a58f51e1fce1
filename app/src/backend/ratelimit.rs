//! Rate limits: token buckets kept in memory, per limit and key (an address, a device, an
//! account). Each server process counts on its own; behind a load balancer with N processes a
//! client can get up to N times the quota (noted in the README). Keys are kept only as a keyed
//! hash (SipHash under this process's random key): a memory dump lists no address or device.

use std::{
    collections::HashMap,
    hash::{BuildHasher, RandomState},
    sync::Mutex,
    time::{Duration, Instant},
};

/// A quota: `burst` actions, refilled evenly over `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub burst: u32,
    pub per: Duration,
}

impl Quota {
    /// `burst` actions, refilled evenly over `secs` seconds.
    const fn new(burst: u32, secs: u64) -> Quota {
        Quota {
            burst,
            per: Duration::from_secs(secs),
        }
    }
}

/// Reports submitted from one address.
pub const SUBMIT_PER_ADDRESS: Quota = Quota::new(30, 3600);
/// Receipt lookups from one address.
pub const RECEIPT_LOOKUPS_PER_ADDRESS: Quota = Quota::new(120, 600);
/// Lookups of codes that do not exist, from one address (guessing codes).
pub const RECEIPT_MISSES_PER_ADDRESS: Quota = Quota::new(20, 3600);
/// Sign-in attempts from one address (accounts also lock after repeated wrong passwords).
pub const LOGINS_PER_ADDRESS: Quota = Quota::new(20, 600);
/// Reports submitted from one device (the `ss_device` cookie).
pub const SUBMIT_PER_DEVICE: Quota = Quota::new(10, 3600);

/// Enterprise searches from one address.
pub const SEARCHES_PER_ADDRESS: Quota = Quota::new(300, 600);

/// Test notifications one user sends themselves (each is a request to every device's push
/// service, which throttles the server's key, not the user).
pub const TEST_PUSHES_PER_USER: Quota = Quota::new(5, 600);

/// Which limit a key is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    Submit,
    ReceiptLookup,
    ReceiptMiss,
    Search,
    Login,
    SubmitDevice,
    TestPush,
}

impl Limit {
    pub fn quota(self) -> Quota {
        match self {
            Limit::Submit => SUBMIT_PER_ADDRESS,
            Limit::ReceiptLookup => RECEIPT_LOOKUPS_PER_ADDRESS,
            Limit::ReceiptMiss => RECEIPT_MISSES_PER_ADDRESS,
            Limit::Search => SEARCHES_PER_ADDRESS,
            Limit::Login => LOGINS_PER_ADDRESS,
            Limit::SubmitDevice => SUBMIT_PER_DEVICE,
            Limit::TestPush => TEST_PUSHES_PER_USER,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// All the buckets of one process, by limit and the key's hash.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<(Limit, u64), Bucket>>,
    /// The random key of the keys' hashes (new in every process).
    hasher: RandomState,
}

/// Buckets kept before idle full ones are swept.
const SWEEP_ABOVE: usize = 100_000;

impl RateLimiter {
    /// Takes one token; `Err(wait)` when the key is over its quota (nothing is taken).
    pub fn check(&self, limit: Limit, key: &str) -> Result<(), Duration> {
        self.check_at(limit, key, Instant::now())
    }

    /// Whether a token is available, without taking it.
    pub fn peek(&self, limit: Limit, key: &str) -> Result<(), Duration> {
        let quota = limit.quota();
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        match buckets.get(&(limit, self.hasher.hash_one(key))) {
            Some(b) => {
                let tokens = refill(*b, quota, Instant::now());
                if tokens >= 1.0 {
                    Ok(())
                } else {
                    Err(wait_for(tokens, quota))
                }
            }
            None => Ok(()),
        }
    }

    pub fn check_at(&self, limit: Limit, key: &str, now: Instant) -> Result<(), Duration> {
        let quota = limit.quota();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > SWEEP_ABOVE {
            buckets.retain(|(l, _), b| refill(*b, l.quota(), now) < f64::from(l.quota().burst));
        }
        let bucket = buckets
            .entry((limit, self.hasher.hash_one(key)))
            .or_insert(Bucket {
                tokens: f64::from(quota.burst),
                at: now,
            });
        let tokens = refill(*bucket, quota, now);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                at: now,
            };
            Ok(())
        } else {
            *bucket = Bucket { tokens, at: now };
            Err(wait_for(tokens, quota))
        }
    }
}

fn refill(b: Bucket, q: Quota, now: Instant) -> f64 {
    let rate = f64::from(q.burst) / q.per.as_secs_f64();
    (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate).min(f64::from(q.burst))
}

fn wait_for(tokens: f64, q: Quota) -> Duration {
    let rate = f64::from(q.burst) / q.per.as_secs_f64();
    Duration::from_secs_f64(((1.0 - tokens) / rate).max(1.0)).max(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_burst_then_waits_for_refill() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        for _ in 0..RECEIPT_MISSES_PER_ADDRESS.burst {
            assert!(limiter.check_at(Limit::ReceiptMiss, "1.2.3.4", t0).is_ok());
        }
        let wait = limiter
            .check_at(Limit::ReceiptMiss, "1.2.3.4", t0)
            .unwrap_err();
        // 20 per hour: one token every 180 s.
        assert_eq!(wait.as_secs(), 180);
        // Another address is not affected.
        assert!(limiter.check_at(Limit::ReceiptMiss, "5.6.7.8", t0).is_ok());
        // After the refill time one more is allowed.
        assert!(limiter
            .check_at(Limit::ReceiptMiss, "1.2.3.4", t0 + Duration::from_secs(181))
            .is_ok());
        assert!(limiter
            .check_at(Limit::ReceiptMiss, "1.2.3.4", t0 + Duration::from_secs(182))
            .is_err());
    }

    #[test]
    fn limits_are_counted_apart() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        for _ in 0..SUBMIT_PER_ADDRESS.burst {
            limiter.check_at(Limit::Submit, "a", t0).unwrap();
        }
        assert!(limiter.check_at(Limit::Submit, "a", t0).is_err());
        assert!(limiter.check_at(Limit::ReceiptLookup, "a", t0).is_ok());
    }
}
