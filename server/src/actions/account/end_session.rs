//! `end_session`: sign out another of one's devices from the account page. A session that is
//! already gone is no error.

use super::own_account;
use crate::{actions::Caller, error::AppError, state::AppState, store::sessions};

/// `session`: the stored id of the session (as the account page lists it).
#[tracing::instrument(skip_all)]
pub async fn end_session(state: &AppState, who: Caller<'_>, session: &str) -> Result<(), AppError> {
    let user = own_account(who)?;
    sessions::end_own_session(&state.db, user, session).await?;
    Ok(())
}
