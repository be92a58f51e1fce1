//! `login`: a phone number or username and the password start a new session (never reusing one
//! the browser had). Too many attempts from one address are slowed down; after a few wrong
//! passwords each try waits longer (never a lock-out: `store::sessions`).

use super::limited;
use crate::{
    actions::Caller,
    error::AppError,
    state::AppState,
    store::sessions::{self, Attempt, LoginError, NewSession},
};
use app::{backend::auth::login_for_log, domain::forms::account::LoginForm};

/// `user_agent`: the browser's, kept with the session; `replaces`: the session token the
/// browser already had.
#[tracing::instrument(skip_all)]
pub async fn login(
    state: &AppState,
    who: Caller<'_>,
    user_agent: &str,
    replaces: Option<&str>,
    known: Option<&str>,
    form: LoginForm,
) -> Result<NewSession, AppError> {
    limited(state, who)?;
    let t = who.lang.tr();
    let credentials = form.parse();
    let attempt = Attempt {
        login: &credentials.login,
        password: credentials.password.expose(),
        address: who.addr,
        user_agent,
        replaces,
        known,
    };
    let shown = login_for_log(&credentials.login);
    match sessions::login(&state.db, &state.sign_in, &attempt, state.clock.now_ms()).await {
        Ok(session) => {
            tracing::info!(login = %shown, "signed in");
            Ok(session)
        }
        Err(e) => {
            tracing::info!(login = %shown, "sign-in refused");
            Err(match e {
                LoginError::Wrong => AppError::Unauthorized(t.login_wrong().to_string()),
                LoginError::Wait(ms) => AppError::RateLimited(std::time::Duration::from_millis(
                    u64::try_from(ms).unwrap_or(0),
                )),
                LoginError::Disabled => AppError::Forbidden(Some(t.login_disabled().to_string())),
                LoginError::Token(why) => AppError::internal(why),
                LoginError::Db(e) => e.into(),
            })
        }
    }
}
