//! `change_password`: one's own password, with the current one; every other session of the
//! account ends.

use super::own_account;
use crate::{
    actions::Caller,
    error::AppError,
    state::AppState,
    store::users::{self, UserError},
};
use app::domain::{
    forms::account::{too_short, PasswordForm},
    report::FieldError,
};

/// `session`: the token of the session asking (the one that stays).
#[tracing::instrument(skip_all)]
pub async fn change_password(
    state: &AppState,
    who: Caller<'_>,
    session: Option<&str>,
    form: PasswordForm,
) -> Result<(), AppError> {
    let user = own_account(who)?;
    let session = session.ok_or(AppError::SignIn)?;
    let change = form.parse(who.lang)?;
    let now = state.clock.now_ms();
    users::change_password(
        &state.db,
        user,
        change.current.expose(),
        change.new.expose(),
        session,
        who.addr,
        now,
    )
    .await
    .map_err(|e| match e {
        UserError::WrongPassword => AppError::invalid(vec![FieldError::new(
            "current",
            who.lang.tr().account_current_wrong(),
        )]),
        UserError::PasswordTooShort => {
            AppError::invalid(vec![FieldError::new("new", too_short(who.lang))])
        }
        e => e.into(),
    })
}
