//! `mark_read`: one of one's inbox notices is read. Someone else's, or one already read, is
//! left as it is.

use super::own_account;
use crate::{actions::Caller, error::AppError, state::AppState, store::notifications};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(notification = %notification))]
pub async fn mark_read(
    state: &AppState,
    who: Caller<'_>,
    notification: Uuid,
) -> Result<(), AppError> {
    let user = own_account(who)?;
    notifications::mark_read(&state.db, user, notification, state.clock.now_ms()).await?;
    Ok(())
}
