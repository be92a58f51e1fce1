//! `acknowledge`: the officer acknowledges the notice (the acknowledgement deadline is met).

use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, Audience, By, Step, Visibility},
};
use app::domain::{
    policy::Action,
    workflow::{Event, Party},
};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn acknowledge(state: &AppState, who: Caller<'_>, report: Uuid) -> Result<(), AppError> {
    authorize(&state.db, who.actor, Action::Acknowledge, report).await?;
    let step = Step::new(
        report,
        "acknowledge",
        By::Party(Party::Enterprise),
        who.user_id(),
    )
    .event(Event::Acknowledge)
    .entry(
        rec().enterprise_acknowledged_note().to_string(),
        Visibility::All,
    )
    .tell(
        Audience::UnionDesk,
        "acknowledged",
        rec().notify_acknowledged(),
    );
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(())
}
