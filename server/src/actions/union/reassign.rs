//! `reassign`: an inspector or admin gives the report to another person who may hold it, or to
//! the district desk, with a note on the union's timeline; the new holder is told.

use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, Audience, By, Set, Step, Visibility},
};
use app::{
    backend::{assign, auth},
    domain::{
        forms::union::{Holder, ReassignForm},
        policy::Action,
        workflow::Party,
    },
};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn reassign(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: ReassignForm,
) -> Result<(), AppError> {
    let facts = authorize(&state.db, who.actor, Action::Reassign, report).await?;
    let holders: Vec<Uuid> = assign::possible_holders(&state.db, &facts.district, facts.enterprise)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let (holder, note) = form.parse(who.lang, &holders)?;
    let (to, name) = match holder {
        Holder::Person(id) => (
            Some(id),
            auth::display_name(&state.db, id).await?.unwrap_or_default(),
        ),
        Holder::Desk => (None, rec().reassign_desk().to_string()),
    };
    let reason = format!("{}{name}：{note}", rec().reassign_to());
    let mut step = Step::new(report, "reassign", By::Party(Party::Union), who.user_id())
        .entry(reason, Visibility::Union)
        .set(Set::Assignee {
            to,
            rule: "manual".into(),
        });
    if let Some(id) = to {
        step = step.tell_with(
            Audience::User(id),
            "assigned",
            rec().notify_reassigned(),
            note,
        );
    }
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(())
}
