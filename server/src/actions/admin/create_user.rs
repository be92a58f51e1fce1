//! `create_user`: an admin makes an account with a login (username or phone number), a name, an
//! initial password and roles with their scopes, which they must be able to manage afterwards.

use super::{known_enterprises, may_grant};
use crate::{
    actions::Caller,
    error::{allow, AppError},
    state::AppState,
    store::users::{self, UserError},
};
use app::domain::{
    forms::admin::UserForm,
    policy::{decide, Action, Object},
    report::FieldError,
};
use uuid::Uuid;

/// Returns the new user's id.
#[tracing::instrument(skip_all)]
pub async fn create_user(
    state: &AppState,
    who: Caller<'_>,
    form: UserForm,
) -> Result<Uuid, AppError> {
    allow(decide(who.actor, Action::CreateUsers, &Object::None))?;
    let t = who.lang.tr();
    let known = known_enterprises(&state.db, &form.grants).await?;
    let new = form.parse(who.lang, &known)?;
    may_grant(&state.db, who, Uuid::nil(), &new.grants).await?;
    let now = state.clock.now_ms();
    users::create(&state.db, &state.vault, &new, who.user_id(), who.addr, now)
        .await
        .map_err(|e| match e {
            UserError::Taken(field) => AppError::Conflict {
                message: t.api_check_fields().to_string(),
                fields: vec![FieldError::new(field, t.admin_taken())],
            },
            e => e.into(),
        })
}
