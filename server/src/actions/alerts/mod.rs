//! The alerts: a union admin issues, updates and cancels an alert for the districts in their
//! scope; an enterprise officer acknowledges one with the measures taken; a registered weather
//! feed posts CAP 1.2 messages ([`ingest`]); a signed-in user subscribes a device to Web Push,
//! removes one, or sends themselves a test push.
//!
//! Each reads as its script: the policy, the typed form parsed into a valid value or field
//! errors, one store call — the alert with its audit entry and the notices to the officers in
//! one transaction ([`crate::store::alerts`], [`crate::store::push`]) — and the push worker woken
//! when pushes were queued.

mod acknowledge;
mod cancel;
pub mod ingest;
mod issue;
mod remove_device;
mod subscribe;
mod test_push;
mod unsubscribe;
mod update;

pub use acknowledge::acknowledge;
pub use cancel::cancel;
pub use ingest::{ingest, CapAnswer};
pub use issue::issue;
pub use remove_device::remove_device;
pub use subscribe::{subscribe, KeysJson, SubscriptionJson, MAX_ENDPOINT_CHARS};
pub use test_push::test_push;
pub use unsubscribe::{unsubscribe, EndpointJson};
pub use update::update;

use crate::{
    actions::Caller,
    error::{allow, AppError},
    state::AppState,
    store::alerts::{self as store, AlertWriteError, Audited, FanOut, NewAlert},
};
use app::{
    backend::alerts,
    domain::{
        forms::alerts::headline,
        heat::{Event, Level},
        policy::{decide, Action, AlertFacts, Object},
    },
    views::AlertView,
};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The alert and the policy's facts about it, when the caller may do `action` on it.
async fn alert_for(
    state: &AppState,
    who: Caller<'_>,
    id: Uuid,
    action: Action,
) -> Result<(AlertView, AlertFacts), AppError> {
    let alert = alerts::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound(None))?;
    let facts = alerts::facts(&state.db, &alert).await?;
    allow(decide(who.actor, action, &Object::Alert(&facts)))?;
    Ok((alert, facts))
}

/// What an admin decides of an alert on the desk (a new one, or the update of one in force).
struct DeskAlert {
    event: Event,
    level: Level,
    /// Tenths of a degree.
    temperature: Option<i32>,
    valid_from: i64,
    valid_to: i64,
    districts: BTreeSet<String>,
    instruction: String,
    replaces: Option<Uuid>,
}

/// Stores an alert from the desk, with its audit entry, and tells the officers: this server is
/// its sender, under a new identifier, sent now by the caller, with the desk's headline.
/// Returns its id.
async fn publish(state: &AppState, who: Caller<'_>, alert: DeskAlert) -> Result<Uuid, AppError> {
    let now = state.clock.now_ms();
    let new = NewAlert {
        sender: state.alert_sender.clone(),
        identifier: format!("safesnap-{}", Uuid::new_v4()),
        sent_at: now,
        source_id: None,
        issued_by: who.user_id(),
        headline: headline(alert.event, alert.level, &alert.districts),
        event: alert.event,
        level: alert.level,
        temperature: alert.temperature,
        valid_from: alert.valid_from,
        valid_to: alert.valid_to,
        instruction: alert.instruction,
        districts: alert.districts,
        replaces: alert.replaces,
    };
    let issued = store::issue(&state.db, &state.heat_rules, &new, Some(audited(&who)), now)
        .await
        .map_err(|e| write_refused(who, e))?;
    wake(state, issued.told);
    Ok(issued.id)
}

/// The caller as the audit log records them.
fn audited<'a>(who: &Caller<'a>) -> Audited<'a> {
    Audited {
        actor: who.user_id(),
        address: who.addr,
    }
}

/// An alert write refused: the alert to update is no longer in force.
fn write_refused(who: Caller<'_>, e: AlertWriteError) -> AppError {
    match e {
        AlertWriteError::NotActive => AppError::conflict(who.lang.tr().alerts_err_not_active()),
        AlertWriteError::Duplicate(existing) => {
            AppError::internal(format!("alert identifier reused (alert {existing})"))
        }
        AlertWriteError::Db(e) => AppError::from(e),
    }
}

/// Pushes were queued: the worker sends them now rather than at its next poll.
fn wake(state: &AppState, told: FanOut) {
    if told.pushes > 0 {
        state.pusher.wake.notify_one();
    }
}
