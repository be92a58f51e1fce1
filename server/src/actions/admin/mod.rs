//! The union admin's desk: users (create, change their roles and scopes, disable and enable)
//! and the enterprise directory (create, edit, CSV import). Each asks the policy about the user
//! or the enterprise as it is and as it would be: an admin may make only what they could then
//! manage.

mod create_user;
mod import_enterprises;
mod save_enterprise;
mod set_disabled;
mod update_user;

pub use create_user::create_user;
pub use import_enterprises::{import_enterprises, may_import};
pub use save_enterprise::save_enterprise;
pub use set_disabled::set_disabled;
pub use update_user::update_user;

use super::Caller;
use crate::error::{allow, AppError};
use app::{
    backend::{directory, users, Db},
    domain::{
        enterprise_import::EnterpriseInput,
        forms::admin::GrantsForm,
        policy::{decide, Action, Grants, Object},
        DistrictCode,
    },
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// The user as they are, if the admin may manage them.
async fn may_manage(
    state: &crate::state::AppState,
    who: Caller<'_>,
    id: Uuid,
) -> Result<users::UserSummary, AppError> {
    let db = &state.db;
    let user = users::one(db, &state.vault, id)
        .await?
        .ok_or(AppError::NotFound(None))?;
    let facts = users::facts(db, id, &user.grants).await?;
    allow(decide(who.actor, Action::ManageUser, &Object::User(&facts)))?;
    Ok(user)
}

/// Refused unless the admin could manage someone with these grants (`id`: the user, or nil
/// for one not made yet).
async fn may_grant(db: &Db, who: Caller<'_>, id: Uuid, grants: &Grants) -> Result<(), AppError> {
    let facts = users::facts(db, id, grants).await?;
    allow(decide(who.actor, Action::ManageUser, &Object::User(&facts)))
        .map_err(|_| AppError::Forbidden(Some(who.lang.tr().admin_outside_scope().to_string())))
}

/// The enterprise of each credit code in the grants that the directory holds.
async fn known_enterprises(
    db: &Db,
    grants: &GrantsForm,
) -> Result<BTreeMap<String, Uuid>, AppError> {
    Ok(directory::ids_by_uscc(db, &grants.scope_codes())
        .await?
        .into_iter()
        .filter_map(|(code, id)| Some((code, id?)))
        .collect())
}

/// The districts (names) of rows the admin may not write: the row's own district, or that of
/// the enterprise the row would overwrite (same credit code).
async fn outside_scope(
    db: &Db,
    who: Caller<'_>,
    rows: &[EnterpriseInput],
) -> Result<BTreeSet<String>, AppError> {
    let allowed =
        |d: &str| decide(who.actor, Action::ManageDirectory, &Object::District(d)).allowed();
    let name = |d: &str| {
        DistrictCode::parse(d)
            .map(|c| c.district().name_zh.to_string())
            .unwrap_or_else(|_| d.to_string())
    };
    let mut out: BTreeSet<String> = rows
        .iter()
        .filter(|r| !allowed(r.district.as_str()))
        .map(|r| name(r.district.as_str()))
        .collect();
    let codes: Vec<&str> = rows.iter().map(|r| r.uscc.as_str()).collect();
    let existing = directory::districts_by_uscc(db, &codes).await?;
    out.extend(
        existing
            .iter()
            .filter(|(_, d)| !allowed(d))
            .map(|(_, d)| name(d)),
    );
    Ok(out)
}
