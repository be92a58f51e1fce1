//! Looking a report up by receipt code, under the rate limits (a code is the only key an
//! anonymous reporter holds, so guessing must be slow). Used by the receipt page and the REST API.

use super::{
    ratelimit::{Limit, RateLimiter},
    reports, Db,
};
use crate::{
    domain::receipt::{ReceiptCode, ReceiptCodeError},
    views::ReceiptView,
};
use std::time::Duration;

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
    match reports::receipt(db, &code).await.map_err(LookupError::Db)? {
        Some(view) => Ok(view),
        None => {
            let _ = limiter.check(Limit::ReceiptMiss, addr);
            Err(LookupError::NotFound)
        }
    }
}
