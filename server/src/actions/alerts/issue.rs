//! `issue`: a union admin issues a heat or cold alert for districts in their scope. It reaches
//! every enterprise in those districts; their officers are told at once (inbox, and a push to
//! each device).

use super::{audited, wake, write_refused};
use crate::{
    actions::Caller,
    error::{allow, AppError},
    state::AppState,
    store::alerts::{self as store, NewAlert},
};
use app::{
    components::page::district_name,
    domain::{
        forms::alerts::{headline, IssueForm},
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
    let now = state.clock.now_ms();
    let new = NewAlert {
        sender: state.alert_sender.clone(),
        identifier: format!("safesnap-{}", Uuid::new_v4()),
        sent_at: now,
        source_id: None,
        issued_by: who.user_id(),
        event: valid.event,
        level: valid.level,
        temperature: Some(valid.temperature.0),
        valid_from: valid.valid_from,
        valid_to: valid.valid_to,
        headline: headline(valid.event, valid.level, &valid.districts),
        instruction: valid.instruction,
        districts: valid.districts,
        replaces: None,
    };
    let issued = store::issue(&state.db, &state.heat_rules, &new, Some(audited(&who)), now)
        .await
        .map_err(|e| write_refused(who, e))?;
    wake(state, issued.told);
    Ok(issued.id)
}
