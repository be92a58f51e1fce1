//! `acknowledge`: an officer acknowledges an alert for one of their enterprises that received
//! it, ticking the measures taken (each one of that enterprise's obligations under the alert)
//! with a note. The officers' deliveries of the alert stop being "waiting".

use super::alert_for;
use crate::{
    actions::Caller,
    error::{allow, AppError},
    state::AppState,
    store::alerts as store,
};
use app::{
    backend::alerts,
    domain::{
        forms::alerts::AcknowledgeForm,
        heat::obligations,
        policy::{decide, Action, Object},
    },
};
use std::collections::BTreeSet;
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(alert = %id))]
pub async fn acknowledge(
    state: &AppState,
    who: Caller<'_>,
    id: Uuid,
    form: AcknowledgeForm,
) -> Result<(), AppError> {
    let (alert, facts) = alert_for(state, who, id, Action::AcknowledgeAlert).await?;
    let Some(actor) = who.actor else {
        return Err(AppError::SignIn);
    };
    let t = who.lang.tr();
    let enterprise = form.enterprise(who.lang)?;
    allow(decide(
        who.actor,
        Action::AcknowledgeAlert,
        &Object::Alert(&facts.for_recipient(enterprise)),
    ))?;
    if alert.status != "active" {
        return Err(AppError::conflict(t.alerts_err_not_active()));
    }
    // The measures must be among this enterprise's obligations.
    let outdoor = alerts::received_by(&state.db, &BTreeSet::from([enterprise]), 200)
        .await?
        .into_iter()
        .find(|r| r.alert.id == id)
        .is_some_and(|r| r.outdoor);
    let rules = &state.heat_rules;
    let owed: BTreeSet<String> = alerts::forecast_of(rules, &alert)
        .map(|f| {
            obligations(rules, &f, outdoor)
                .iter()
                .map(|o| o.key().to_string())
                .collect()
        })
        .unwrap_or_default();
    let valid = form.parse(who.lang, &owed)?;
    let now = state.clock.now_ms();
    let recorded = store::acknowledge(
        &state.db,
        id,
        enterprise,
        actor.user_id,
        &valid.measures,
        &valid.note,
        now,
    )
    .await?;
    if !recorded {
        return Err(AppError::conflict(t.alerts_err_already()));
    }
    Ok(())
}
