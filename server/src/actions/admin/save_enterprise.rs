//! `save_enterprise`: an admin adds an enterprise to the directory (or updates the one with the
//! same credit code) or edits one, with its designated inspector, within their districts: the
//! enterprise's district as it is and as it will be.

use super::outside_scope;
use crate::{
    actions::Caller,
    error::{allow, AppError},
    state::AppState,
    store::directory as store,
};
use app::{
    backend::{db::is_unique_violation, directory},
    domain::{
        forms::admin::EnterpriseForm,
        policy::{decide, Action, Object},
        report::FieldError,
    },
};
use uuid::Uuid;

/// `id`: the enterprise edited, or `None` for a new one. Returns the one edited.
#[tracing::instrument(skip_all, fields(enterprise = ?id))]
pub async fn save_enterprise(
    state: &AppState,
    who: Caller<'_>,
    id: Option<Uuid>,
    form: EnterpriseForm,
) -> Result<Option<Uuid>, AppError> {
    let t = who.lang.tr();
    let existing = match id {
        Some(id) => Some(
            directory::record_by_id(&state.db, id)
                .await?
                .ok_or(AppError::NotFound(None))?,
        ),
        None => None,
    };
    let here = match &existing {
        Some(e) => Object::District(&e.district_code),
        None => Object::None,
    };
    allow(decide(who.actor, Action::ManageDirectory, &here))?;
    let valid = form.parse(who.lang).map_err(|message| AppError::Invalid {
        message: Some(message),
        fields: Vec::new(),
    })?;
    if !outside_scope(&state.db, who, std::slice::from_ref(&valid.input))
        .await?
        .is_empty()
    {
        return Err(AppError::Forbidden(Some(
            t.directory_outside_scope().to_string(),
        )));
    }
    if let Some(inspector) = valid.designated {
        // Only an active inspector covering the enterprise's district can be its designated one.
        if !store::may_be_designated(&state.db, inspector, valid.input.district.as_str()).await? {
            return Err(AppError::invalid(vec![FieldError::new(
                "designated_inspector_id",
                t.directory_designated_bad(),
            )]));
        }
    }
    let now = state.clock.now_ms();
    let saved = match id {
        Some(id) => store::update(&state.db, id, &valid.input, valid.designated, now).await,
        None => store::upsert(&state.db, std::slice::from_ref(&valid.input), now)
            .await
            .map(|_| ()),
    };
    match saved {
        Ok(()) => Ok(id),
        Err(e) if is_unique_violation(&e, "uscc") => Err(AppError::Conflict {
            message: t.admin_taken().to_string(),
            fields: vec![FieldError::new("uscc", t.admin_taken())],
        }),
        Err(e) => Err(e.into()),
    }
}
