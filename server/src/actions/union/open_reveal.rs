//! `open_reveal`: the admin whose request another admin approved opens the reporter's sealed name
//! and phone (within `REVEAL_OPEN_MS` of the approval). Each opening is on the union-only
//! timeline and in the audit log, in the same transaction; the audit keeps who looked, never
//! what they saw.

use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, By, Extra, Step, Visibility},
};
use app::{
    backend::{reports, reveals},
    domain::{forms::union::RevealOpenForm, policy::Action},
};
use uuid::Uuid;

/// Who reported, as the reveal shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Named { name: String, phone: String },
    Anonymous,
}

#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn open_reveal(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: RevealOpenForm,
) -> Result<Identity, AppError> {
    authorize(&state.db, who.actor, Action::RevealIdentity, report).await?;
    let t = who.lang.tr();
    let request = form.parse(who.lang)?;
    let now = state.clock.now_ms();
    let asked = reveals::one(&state.db, report, request)
        .await?
        .ok_or(AppError::NotFound(None))?;
    let user = who.user_id().ok_or(AppError::SignIn)?;
    if !asked.may_open(user, now) {
        return Err(AppError::Forbidden(Some(
            t.reveal_not_approved().to_string(),
        )));
    }
    let identity = match reports::sealed_reporter(&state.db, report).await? {
        Some((name, phone)) => {
            let key = crate::actions::report_key(state, report).await?;
            let open = |field: &str, sealed: &str| {
                key.open(field, sealed).ok_or_else(|| {
                    AppError::internal("a reporter's identity does not open with its report's key")
                })
            };
            Identity::Named {
                name: open(reports::field::REPORTER_NAME, &name)?,
                phone: open(reports::field::REPORTER_PHONE, &phone)?,
            }
        }
        None => Identity::Anonymous,
    };
    let detail = serde_json::json!({
        "request": request,
        "reason": asked.reason,
        "approved_by": asked.decided_by,
        "named": matches!(identity, Identity::Named { .. }),
    })
    .to_string();
    let step = Step::new(report, "reveal", By::Admin, who.user_id())
        .entry(
            format!("{}：{}", rec().reveal_timeline(), asked.reason),
            Visibility::Union,
        )
        .extra(Extra::Audit {
            action: "identity_revealed",
            address: who.addr.to_string(),
            detail,
        });
    steps::record(&state.db, &step, now, who.lang).await?;
    tracing::info!("reporter identity opened after a second admin's approval");
    Ok(identity)
}
