//! What people and the background jobs do: one file per action, grouped by feature
//! (`<feature>/<verb>.rs`). Each reads as a script: guards (the policy, then the typed form
//! parsed by its domain function into a valid value or field errors), the write through
//! [`crate::store`] — for a report, one [`crate::store::steps`] step whose notifications commit
//! with it — and what the caller is told. No SQL here, and no form field looked up by name.

pub mod account;
pub mod admin;
pub mod alerts;
pub mod enterprise;
pub mod jobs;
pub mod notice;
pub mod reporter;
pub mod reports;
pub mod triage;
pub mod union;
pub mod verify;

use crate::error::AppError;
use app::{
    backend::{cases, Db},
    domain::policy::{decide, Action, Actor, Decision, Object, ReportFacts},
    i18n::Lang,
};
use uuid::Uuid;

/// Who is acting, in which language they read, and from which address.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub actor: Option<&'a Actor>,
    pub lang: Lang,
    pub addr: &'a str,
}

impl Caller<'_> {
    /// The signed-in user, if any.
    pub fn user_id(&self) -> Option<Uuid> {
        self.actor.map(|a| a.user_id)
    }
}

/// Loads a report's facts and asks the policy whether the caller may do `action` on it.
/// Someone who may not even see the report is told it does not exist.
#[tracing::instrument(skip(db, actor))]
pub async fn authorize(
    db: &Db,
    actor: Option<&Actor>,
    action: Action,
    report: Uuid,
) -> Result<ReportFacts, AppError> {
    let facts = cases::facts(db, report)
        .await?
        .ok_or(AppError::NotFound(None))?;
    let object = Object::Report(&facts);
    match decide(actor, action, &object) {
        Decision::Allow => Ok(facts),
        Decision::SignIn => Err(AppError::SignIn),
        Decision::Deny => {
            let may_see = decide(actor, Action::ViewReport, &object).allowed()
                || decide(actor, Action::ViewReportAsEnterprise, &object).allowed();
            Err(if may_see {
                AppError::Forbidden(None)
            } else {
                AppError::NotFound(None)
            })
        }
    }
}

/// The strings of the record: timeline notes and notifications are stored, and stored in
/// Chinese (the union's working language), whatever language the person acting reads.
pub(crate) fn rec() -> &'static app::i18n::Tr {
    Lang::ZhCn.tr()
}

/// A message for the report's thread, sealed with the report's data key (bound to its own id).
pub(crate) async fn sealed_message(
    state: &crate::state::AppState,
    report: uuid::Uuid,
    from_reporter: bool,
    body: &str,
) -> Result<crate::store::steps::Extra, crate::error::AppError> {
    let key = report_key(state, report).await?;
    let id = uuid::Uuid::new_v4();
    Ok(crate::store::steps::Extra::Message {
        id,
        from_reporter,
        body: key.seal(&app::backend::reports::field::message(id), body),
    })
}

/// A report's data key (every report has one: start-up gives one to reports stored before).
pub(crate) async fn report_key(
    state: &crate::state::AppState,
    report: uuid::Uuid,
) -> Result<app::backend::vault::DataKey, crate::error::AppError> {
    app::backend::vault::report_key(&state.db, &state.vault, report)
        .await?
        .ok_or_else(|| crate::error::AppError::internal("a report's data key does not open"))
}
