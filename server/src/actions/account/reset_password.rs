//! `reset_password`: a worker who forgot their password proves they hold the phone (the code
//! sent to it) and sets a new one; every session of the account ends and this browser is signed
//! in. A wrong code, and a number without an account (no code was sent), get the same answer.

use super::{limited, signed_in_after, take_code, wrong_code};
use crate::{
    actions::Caller,
    error::AppError,
    state::AppState,
    store::{codes::Purpose, sessions::NewSession, users},
};
use app::domain::forms::account::ResetForm;

#[tracing::instrument(skip_all)]
pub async fn reset_password(
    state: &AppState,
    who: Caller<'_>,
    user_agent: &str,
    form: ResetForm,
) -> Result<Option<NewSession>, AppError> {
    limited(state, who)?;
    let reset = form.parse(who.lang)?;
    let now = state.clock.now_ms();
    take_code(state, who, Purpose::Reset, &reset.phone, &reset.code, now).await?;
    let password = reset.password.expose();
    if users::reset_password(
        &state.db,
        &state.vault,
        &reset.phone,
        password,
        who.addr,
        now,
    )
    .await?
    .is_none()
    {
        return Err(wrong_code(who));
    }
    Ok(signed_in_after(state, who, &reset.phone, password, user_agent, now).await)
}
