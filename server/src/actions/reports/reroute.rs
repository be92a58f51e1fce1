//! Re-routing: when a person is disabled or their coverage changes, each open report they may
//! no longer hold goes to whoever routing picks now, with the reason on the union's timeline.

use crate::{
    actions::rec,
    error::AppError,
    state::AppState,
    store::{
        routing,
        steps::{self, By, Set, Step, Visibility},
    },
};
use app::{
    domain::{routing::route, workflow::Party},
    i18n::{fill, Lang},
};
use uuid::Uuid;

/// Routes again the open reports `user` holds but may no longer hold (disabled, or neither
/// covering, designated nor supervising). `why` starts the timeline note. Returns how many moved.
#[tracing::instrument(skip(state, why))]
pub async fn reroute_for(state: &AppState, user: Uuid, why: &str) -> Result<usize, AppError> {
    let db = &state.db;
    let disabled = routing::is_disabled(db, user).await?;
    let mut moved = 0;
    for open in routing::open_reports_of(db, user).await? {
        let mut facts = routing::facts(
            db,
            open.enterprise,
            &open.district,
            open.industry.as_deref(),
            open.coal_mine,
        )
        .await?;
        let still_holds = !disabled
            && (facts.designated.as_ref().is_some_and(|d| d.0 == user)
                || facts.mine_supervisor.as_ref().is_some_and(|m| m.0 == user)
                || facts.covering.iter().any(|c| c.id == user));
        if still_holds {
            continue;
        }
        facts.covering.retain(|c| c.id != user);
        facts.designated = facts.designated.filter(|(id, _)| *id != user);
        facts.mine_supervisor = facts.mine_supervisor.filter(|(id, _)| *id != user);
        let routed = route(&facts);
        let reason = fill(
            rec().routing_why_rerouted(),
            &[("why", &why), ("reason", &routed.reason)],
        );
        let step = Step::new(open.id, "reroute", By::Party(Party::System), None)
            .entry(reason, Visibility::Union)
            .set(Set::Assignee {
                to: routed.assignee,
                rule: routed.rule.as_str().to_string(),
            });
        steps::record(db, &step, state.clock.now_ms(), Lang::ZhCn).await?;
        moved += 1;
    }
    Ok(moved)
}
