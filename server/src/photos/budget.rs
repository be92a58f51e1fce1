//! The process-wide memory budget for decoding photos, in bytes.
//!
//! A photo's decode cost is known from its header before any pixel is decoded
//! ([`super::decode_cost`]: width × height × channels × bytes per channel of every buffer the
//! pipeline will hold for it). Each photo reserves its cost here before it is decoded and gives
//! it back when its derivatives are encoded, so the photos being decoded at once never hold more
//! than the budget, however many requests arrive together. A photo that costs more than the whole
//! budget is refused; one that cannot get its share within [`BUDGET_WAIT`] is answered "busy,
//! send again later" (503 with `Retry-After`: the phone's outbox sends it again by itself).

use super::PhotoError;
use std::{sync::Arc, time::Duration};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Default budget: fits a server with 2 GB of memory beside the request bodies buffered at once
/// (`MAX_UPLOADS_AT_ONCE` × the body limit) and the process itself.
pub const DEFAULT_DECODE_BUDGET_MB: u64 = 768;
/// Longest a photo waits for its share of the budget before the request is answered 503.
pub const BUDGET_WAIT: Duration = Duration::from_secs(10);
/// Permits are KiB: a semaphore counts in `u32` per acquisition.
const UNIT: u64 = 1024;

/// The decode budget (cheap to clone: one semaphore shared by the process).
#[derive(Clone, Debug)]
pub struct Budget {
    permits: Arc<Semaphore>,
    total_units: u32,
    wait: Duration,
}

/// A photo's share of the budget, given back when dropped.
#[derive(Debug)]
pub struct Share {
    _permit: OwnedSemaphorePermit,
}

impl Budget {
    /// A budget of `bytes` (at least 64 MiB: one display-sized photo must always fit).
    pub fn new(bytes: u64, wait: Duration) -> Budget {
        let units = (bytes.max(64 << 20) / UNIT).min(u64::from(u32::MAX)) as u32;
        Budget {
            permits: Arc::new(Semaphore::new(units as usize)),
            total_units: units,
            wait,
        }
    }

    /// The whole budget, in bytes.
    pub fn total(&self) -> u64 {
        u64::from(self.total_units) * UNIT
    }

    /// What is not reserved right now, in bytes.
    pub fn available(&self) -> u64 {
        self.permits.available_permits() as u64 * UNIT
    }

    /// Reserves `bytes` of the budget, waiting at most the budget's wait.
    pub async fn reserve(&self, bytes: u64) -> Result<Share, PhotoError> {
        let units = bytes.div_ceil(UNIT);
        if units > u64::from(self.total_units) {
            return Err(PhotoError::TooCostly { bytes });
        }
        match tokio::time::timeout(
            self.wait,
            self.permits.clone().acquire_many_owned(units as u32),
        )
        .await
        {
            Ok(Ok(permit)) => Ok(Share { _permit: permit }),
            Ok(Err(_)) => Err(PhotoError::Busy),
            Err(_) => {
                tracing::warn!(
                    wanted = bytes,
                    available = self.available(),
                    "photo decode budget exhausted: answering busy"
                );
                Err(PhotoError::Busy)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn shares_are_given_back_and_more_than_the_budget_is_refused() {
        let budget = Budget::new(100 << 20, Duration::from_millis(50));
        assert_eq!(budget.total(), 100 << 20);
        let a = budget.reserve(60 << 20).await.unwrap();
        assert_eq!(budget.available(), 40 << 20);
        // Does not fit beside `a`: busy after the wait.
        assert_eq!(
            budget.reserve(50 << 20).await.unwrap_err(),
            PhotoError::Busy
        );
        drop(a);
        assert_eq!(budget.available(), 100 << 20);
        let _b = budget.reserve(50 << 20).await.unwrap();
        assert!(matches!(
            budget.reserve(101 << 20).await,
            Err(PhotoError::TooCostly { .. })
        ));
    }
}
