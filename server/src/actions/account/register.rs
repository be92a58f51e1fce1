//! `register`: a worker makes an account with their phone number and a password, and is signed
//! in with it.

use super::limited;
use crate::{
    actions::Caller,
    error::AppError,
    state::AppState,
    store::{
        sessions::{self, Attempt, NewSession},
        users::{self, UserError},
    },
};
use app::domain::{forms::account::RegisterForm, report::FieldError};

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
    let t = who.lang.tr();
    let new = form.parse(who.lang)?;
    let now = state.clock.now_ms();
    users::create(&state.db, &new, None, who.addr, now)
        .await
        .map_err(|e| match e {
            UserError::Taken(_) => AppError::Conflict {
                message: t.api_check_fields().to_string(),
                fields: vec![FieldError::new("phone", t.account_phone_taken())],
            },
            e => e.into(),
        })?;
    let phone = new.phone.as_ref().map(|p| p.as_str()).unwrap_or_default();
    let attempt = Attempt {
        login: phone,
        password: new.password.expose(),
        address: who.addr,
        user_agent,
        replaces: None,
        known: None,
    };
    match sessions::login(&state.db, &state.sign_in, &attempt, now).await {
        Ok(session) => Ok(Some(session)),
        Err(e) => {
            tracing::warn!(error = %e, "a new account could not sign in");
            Ok(None)
        }
    }
}
