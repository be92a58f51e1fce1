//! `logout`: the browser's session ends (and the sign-out is in the audit log). Signing out
//! without a session does nothing.

use crate::{actions::Caller, error::AppError, state::AppState, store::sessions};

/// `token`: the browser's session token, if it had one.
#[tracing::instrument(skip_all)]
pub async fn logout(
    state: &AppState,
    who: Caller<'_>,
    token: Option<&str>,
) -> Result<(), AppError> {
    if let Some(token) = token {
        sessions::end_session(&state.db, token, who.addr, state.clock.now_ms()).await?;
    }
    Ok(())
}
