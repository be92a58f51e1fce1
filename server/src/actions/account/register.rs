//! `register`: a worker makes an account with their phone number (proved by the code sent to
//! it) and a password, and is signed in with it. A wrong code, and a number that already has an
//! account (no code was sent to it), get the same answer.

use super::{limited, signed_in_after, take_code, wrong_code};
use crate::{
    actions::Caller,
    error::AppError,
    state::AppState,
    store::{
        codes::Purpose,
        sessions::NewSession,
        users::{self, UserError},
    },
};
use app::domain::forms::account::{RegisterForm, Registration};

/// The new account's session (`None` if signing in failed after the account was made: the
/// worker then signs in by hand).
#[tracing::instrument(skip_all)]
pub async fn register(
    state: &AppState,
    who: Caller<'_>,
    user_agent: &str,
    form: RegisterForm,
) -> Result<Option<NewSession>, AppError> {
    limited(state, who)?;
    let Registration { user: new, code } = form.parse(who.lang)?;
    let now = state.clock.now_ms();
    let phone = new.phone.clone().ok_or_else(|| wrong_code(who))?;
    take_code(state, who, Purpose::Register, &phone, &code, now).await?;
    users::create(&state.db, &state.vault, &new, None, who.addr, now)
        .await
        .map_err(|e| match e {
            // Registered in the meantime: answered like any wrong code.
            UserError::Taken(_) => wrong_code(who),
            e => e.into(),
        })?;
    Ok(signed_in_after(state, who, &phone, new.password.expose(), user_agent, now).await)
}
