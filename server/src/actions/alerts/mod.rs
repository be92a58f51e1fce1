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
    store::alerts::{AlertWriteError, Audited, FanOut},
};
use app::{
    backend::alerts,
    domain::policy::{decide, Action, AlertFacts, Object},
    views::AlertView,
};
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
