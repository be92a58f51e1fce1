//! Receipt codes at rest, and looking a report up by one under the rate limits (a code is the
//! only key an anonymous reporter holds, so guessing must be slow). Used by the receipt page and
//! the REST API.
//!
//! The database never holds a code as typed: `reports.receipt_hash` is its keyed hash (HMAC
//! under a key derived from the server secret, which is not in the database), so a copy of the
//! database cannot be searched for a code; `receipt_sealed` is the code encrypted, opened only
//! to show the reporter their own codes (their account's list, a resent report's answer).

use super::{
    identity::IdentityKey,
    keyed::{purpose, KeyedHash},
    ratelimit::{Limit, RateLimiter},
    reports, Db,
};
use crate::{
    domain::receipt::{ReceiptCode, ReceiptCodeError},
    views::ReceiptView,
};
use std::time::Duration;

/// The keys of receipt codes at rest.
#[derive(Clone, Debug)]
pub struct ReceiptKeys {
    hash: KeyedHash,
    seal: IdentityKey,
}

impl ReceiptKeys {
    pub fn from_secret(secret: &[u8]) -> ReceiptKeys {
        ReceiptKeys {
            hash: KeyedHash::from_secret(secret, purpose::RECEIPT),
            seal: IdentityKey::derived(secret, "receipt-code seal v1"),
        }
    }

    /// What `reports.receipt_hash` holds for a code.
    pub fn hash(&self, code: &ReceiptCode) -> String {
        self.hash.hex(code.as_str())
    }

    /// What `reports.receipt_sealed` holds for a code.
    pub fn seal(&self, code: &ReceiptCode) -> String {
        self.seal.seal(code.as_str())
    }

    /// The code a sealed value holds (`None` if it does not open with this key).
    pub fn open(&self, sealed: &str) -> Option<ReceiptCode> {
        ReceiptCode::parse(&self.seal.open(sealed)?).ok()
    }
}

#[derive(Debug)]
pub enum LookupError {
    RateLimited(Duration),
    Invalid(ReceiptCodeError),
    NotFound,
    Db(sqlx::Error),
}

/// Every lookup takes a token; a lookup of an unknown code takes one more from a much smaller
/// bucket, and an empty one blocks all lookups from that address until it refills.
pub async fn lookup(
    db: &Db,
    keys: &ReceiptKeys,
    vault: &super::vault::Vault,
    limiter: &RateLimiter,
    addr: &str,
    typed: &str,
) -> Result<ReceiptView, LookupError> {
    limiter
        .peek(Limit::ReceiptMiss, addr)
        .map_err(LookupError::RateLimited)?;
    limiter
        .check(Limit::ReceiptLookup, addr)
        .map_err(LookupError::RateLimited)?;
    let code = ReceiptCode::parse(typed).map_err(LookupError::Invalid)?;
    match reports::receipt(db, keys, vault, &code)
        .await
        .map_err(LookupError::Db)?
    {
        Some(view) => Ok(view),
        None => {
            let _ = limiter.check(Limit::ReceiptMiss, addr);
            Err(LookupError::NotFound)
        }
    }
}
