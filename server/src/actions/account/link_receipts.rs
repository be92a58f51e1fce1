//! `link_receipts`: the receipts kept on a phone are linked to the signed-in worker's account,
//! so their reports follow them to a new phone. Each code counts against the receipt lookup
//! limit (a code is a key to a report).

use super::own_account;
use crate::{actions::Caller, error::AppError, state::AppState, store::users};
use app::{backend::ratelimit::Limit, domain::receipt::ReceiptCode};

/// Most codes linked at once.
pub const MAX_LINKED_AT_ONCE: usize = 100;

/// `codes` as typed or stored on the phone (malformed ones and unknown ones are skipped).
/// Returns how many reports were linked.
#[tracing::instrument(skip_all, fields(codes = codes.len()))]
pub async fn link_receipts(
    state: &AppState,
    who: Caller<'_>,
    codes: &[String],
) -> Result<usize, AppError> {
    let user = own_account(who)?;
    let mut linked = 0;
    for typed in codes.iter().take(MAX_LINKED_AT_ONCE) {
        if state.limiter.check(Limit::ReceiptLookup, who.addr).is_err() {
            break;
        }
        let Ok(code) = ReceiptCode::parse(typed) else {
            continue;
        };
        if users::link_receipt(
            &state.db,
            &state.receipts,
            user,
            &code,
            state.clock.now_ms(),
        )
        .await?
        {
            linked += 1;
        }
    }
    Ok(linked)
}
