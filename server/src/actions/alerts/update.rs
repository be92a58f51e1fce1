//! `update`: a new level, forecast or instruction for an alert in force. The alert is replaced
//! by an update (CAP `Update`) with the same districts and validity, which reaches the officers
//! under the same push topic (replacing the earlier notice on their phones).

use super::{alert_for, audited, wake, write_refused};
use crate::{
    actions::Caller,
    error::AppError,
    state::AppState,
    store::alerts::{self as store, NewAlert},
};
use app::domain::{
    forms::alerts::{headline, UpdateForm},
    heat::{Celsius10, Event},
    policy::Action,
};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The update's id (the alert's new version).
#[tracing::instrument(skip_all, fields(alert = %id))]
pub async fn update(
    state: &AppState,
    who: Caller<'_>,
    id: Uuid,
    form: UpdateForm,
) -> Result<Uuid, AppError> {
    let (old, _) = alert_for(state, who, id, Action::IssueAlert).await?;
    let event = Event::parse(&old.event).unwrap_or(Event::Heat);
    let valid = form.parse(who.lang, event, old.temperature.map(Celsius10))?;
    let districts: BTreeSet<String> = old.districts.iter().cloned().collect();
    let now = state.clock.now_ms();
    let new = NewAlert {
        sender: state.alert_sender.clone(),
        identifier: format!("safesnap-{}", Uuid::new_v4()),
        sent_at: now,
        source_id: None,
        issued_by: who.user_id(),
        event,
        level: valid.level,
        temperature: valid.temperature.map(|c| c.0),
        valid_from: old.valid_from,
        valid_to: old.valid_to,
        headline: headline(event, valid.level, &districts),
        instruction: valid.instruction,
        districts,
        replaces: Some(id),
    };
    let issued = store::issue(&state.db, &state.heat_rules, &new, Some(audited(&who)), now)
        .await
        .map_err(|e| write_refused(who, e))?;
    wake(state, issued.told);
    Ok(issued.id)
}
