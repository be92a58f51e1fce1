//! `update`: a new level, forecast or instruction for an alert in force. The alert is replaced
//! by an update (CAP `Update`) with the same districts and validity, which reaches the officers
//! under the same push topic (replacing the earlier notice on their phones).

use super::{alert_for, publish, DeskAlert};
use crate::{actions::Caller, error::AppError, state::AppState};
use app::domain::{
    forms::alerts::UpdateForm,
    heat::{Celsius10, Event},
    policy::Action,
};
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
    let alert = DeskAlert {
        event,
        level: valid.level,
        temperature: valid.temperature.map(|c| c.0),
        valid_from: old.valid_from,
        valid_to: old.valid_to,
        districts: old.districts.iter().cloned().collect(),
        instruction: valid.instruction,
        replaces: Some(id),
    };
    publish(state, who, alert).await
}
