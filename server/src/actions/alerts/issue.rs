//! `issue`: a union admin issues a heat or cold alert for districts in their scope. It reaches
//! every enterprise in those districts; their officers are told at once (inbox, and a push to
//! each device).

use super::{publish, DeskAlert};
use crate::{
    actions::Caller,
    error::{allow, AppError},
    state::AppState,
};
use app::{
    components::page::district_name,
    domain::{
        forms::alerts::IssueForm,
        policy::{decide, Action, Object},
    },
    i18n::fill,
};
use uuid::Uuid;

/// The new alert's id.
#[tracing::instrument(skip_all)]
pub async fn issue(state: &AppState, who: Caller<'_>, form: IssueForm) -> Result<Uuid, AppError> {
    // Some district in scope lets the form be used; each district chosen is checked below.
    allow(decide(who.actor, Action::IssueAlert, &Object::None))?;
    let valid = form.parse(who.lang)?;
    if let Some(outside) = valid
        .districts
        .iter()
        .find(|d| !decide(who.actor, Action::IssueAlert, &Object::District(d)).allowed())
    {
        let t = who.lang.tr();
        return Err(AppError::Forbidden(Some(fill(
            t.alerts_err_not_yours(),
            &[("district", &district_name(outside, who.lang))],
        ))));
    }
    let alert = DeskAlert {
        event: valid.event,
        level: valid.level,
        temperature: Some(valid.temperature.0),
        valid_from: valid.valid_from,
        valid_to: valid.valid_to,
        districts: valid.districts,
        instruction: valid.instruction,
        replaces: None,
    };
    publish(state, who, alert).await
}
