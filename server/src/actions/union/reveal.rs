//! `reveal`: a union admin opens the reporter's sealed name and phone, with a written reason
//! that goes into the audit log and onto the union-only timeline in the same transaction.

use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, By, Extra, Step, Visibility},
};
use app::{
    backend::reports,
    domain::{forms::union::RevealForm, policy::Action},
};
use uuid::Uuid;

/// Who reported, as the reveal shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Named { name: String, phone: String },
    Anonymous,
}

#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn reveal(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: RevealForm,
) -> Result<Identity, AppError> {
    authorize(&state.db, who.actor, Action::RevealIdentity, report).await?;
    let reason = form.parse(who.lang)?;
    let open = |sealed: &str| {
        state
            .identity
            .open(sealed)
            .ok_or_else(|| AppError::internal("a reporter's identity does not open with this key"))
    };
    let identity = match reports::sealed_reporter(&state.db, report).await? {
        Some((name, phone)) => Identity::Named {
            name: open(&name)?,
            phone: open(&phone)?,
        },
        None => Identity::Anonymous,
    };
    let detail = serde_json::json!({
        "reason": reason,
        "named": matches!(identity, Identity::Named { .. }),
    })
    .to_string();
    let step = Step::new(report, "reveal", By::Admin, who.user_id())
        .entry(
            format!("{}：{reason}", rec().reveal_timeline()),
            Visibility::Union,
        )
        .extra(Extra::Audit {
            action: "identity_revealed",
            address: who.addr.to_string(),
            detail,
        });
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    tracing::info!("reporter identity revealed by a union admin");
    Ok(identity)
}
