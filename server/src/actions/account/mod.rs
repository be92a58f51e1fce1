//! One's own account: signing in and out, registering as a worker (with a code sent to the
//! phone), resetting a forgotten password the same way, changing one's password,
//! ending a session on another device, linking the receipts kept on a phone, and marking inbox
//! notices read.

mod change_password;
mod end_session;
mod link_receipts;
mod login;
mod logout;
mod mark_read;
mod register;
mod reset_password;
mod send_code;

pub use change_password::change_password;
pub use end_session::end_session;
pub use link_receipts::link_receipts;
pub use login::login;
pub use logout::logout;
pub use mark_read::mark_read;
pub use register::register;
pub use reset_password::reset_password;
pub use send_code::send_code;

use super::Caller;
use crate::error::{allow, AppError};
use app::{
    backend::ratelimit::Limit,
    domain::policy::{decide, Action, Object},
};
use uuid::Uuid;

/// The signed-in user acting on their own account.
fn own_account(who: Caller<'_>) -> Result<Uuid, AppError> {
    allow(decide(who.actor, Action::ManageOwnAccount, &Object::None))?;
    who.user_id().ok_or(AppError::SignIn)
}

/// Sign-ins and registrations share one limit per address (guessing passwords, making accounts).
fn limited(state: &crate::state::AppState, who: Caller<'_>) -> Result<(), AppError> {
    state
        .limiter
        .check(Limit::Login, who.addr)
        .map_err(AppError::RateLimited)
}

/// Signs the browser in right after its account's password was set (registration, reset).
/// `None` if that failed: the worker then signs in by hand.
async fn signed_in_after(
    state: &crate::state::AppState,
    who: Caller<'_>,
    phone: &app::domain::phone::PhoneNumber,
    password: &str,
    user_agent: &str,
    now: i64,
) -> Option<crate::store::sessions::NewSession> {
    let attempt = crate::store::sessions::Attempt {
        login: phone.as_str(),
        password,
        address: who.addr,
        user_agent,
        replaces: None,
        known: None,
    };
    match crate::store::sessions::login(&state.db, &state.sign_in, &attempt, now).await {
        Ok(session) => Some(session),
        Err(e) => {
            tracing::warn!(error = %e, "an account could not sign in after its password was set");
            None
        }
    }
}

/// The answer to a wrong or expired one-time code (also to a number the code was never sent to:
/// the same words, so that nothing tells the two apart).
fn wrong_code(who: Caller<'_>) -> AppError {
    AppError::invalid(vec![app::domain::report::FieldError::new(
        "code",
        who.lang.tr().account_code_wrong(),
    )])
}

/// Uses up the code sent to `phone` for `purpose`, or answers [`wrong_code`].
async fn take_code(
    state: &crate::state::AppState,
    who: Caller<'_>,
    purpose: crate::store::codes::Purpose,
    phone: &app::domain::phone::PhoneNumber,
    code: &str,
    now: i64,
) -> Result<(), AppError> {
    let key = &state.sign_in.counters;
    if crate::store::codes::take(&state.db, key, purpose, phone, code, now).await? {
        Ok(())
    } else {
        Err(wrong_code(who))
    }
}
