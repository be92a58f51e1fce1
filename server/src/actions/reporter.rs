//! The reporter's steps, by receipt code (no account needed): confirm or dispute a verified fix,
//! and write to the union. The enterprise never sees any of it.

use super::rec;
use super::{apply, required, ActionError, Extra, Step, Val};
use crate::startup::AppState;
use app::{
    backend::notify,
    db_run,
    domain::{
        receipt::ReceiptCode,
        workflow::{Event, Party},
    },
    i18n::{Lang, Localize},
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Longest message.
pub const MAX_MESSAGE_CHARS: usize = 1000;

async fn report_of(state: &AppState, typed: &str, lang: Lang) -> Result<Uuid, ActionError> {
    let code = ReceiptCode::parse(typed)
        .map_err(|e| ActionError::Invalid(e.localize(lang), Vec::new()))?;
    let id: Option<Uuid> = db_run!(&state.db, |pool| sqlx::query_scalar(
        "SELECT id FROM reports WHERE receipt_code = $1"
    )
    .bind(code.as_str())
    .fetch_optional(pool)
    .await)?;
    id.ok_or(ActionError::NotFound)
}

async fn tell_union(state: &AppState, report: Uuid, kind: &'static str, title: &str) {
    let to = notify::union_desk(&state.db, report)
        .await
        .unwrap_or_default();
    let note = notify::Note {
        kind,
        report_id: Some(report),
        title: title.to_string(),
        body: String::new(),
        link: format!("/union/reports/{report}"),
    };
    let _ = notify::send(&state.db, &to, &note, state.clock.now_ms()).await;
}

pub async fn confirm(state: &AppState, code: &str, lang: Lang) -> Result<(), ActionError> {
    let report = report_of(state, code, lang).await?;
    let step = Step {
        report,
        event: Some(Event::ReporterConfirm),
        party: Party::Reporter,
        actor: None,
        note: Some(rec().reporter_confirmed_note().to_string()),
        visibility: "reporter",
        updates: vec![("confirm_due_at", Val::Int(None))],
        extra: Extra::None,
    };
    apply(state, step, lang).await?;
    tell_union(
        state,
        report,
        "confirmed",
        rec().notify_reporter_confirmed(),
    )
    .await;
    Ok(())
}

pub async fn dispute(
    state: &AppState,
    code: &str,
    form: &BTreeMap<String, String>,
    lang: Lang,
) -> Result<(), ActionError> {
    let report = report_of(state, code, lang).await?;
    let mut errors = Vec::new();
    let body = required(form, "body", MAX_MESSAGE_CHARS, lang, &mut errors);
    if !errors.is_empty() {
        return Err(ActionError::invalid(lang, errors));
    }
    let step = Step {
        report,
        event: Some(Event::ReporterDispute),
        party: Party::Reporter,
        actor: None,
        note: Some(rec().reporter_disputed_note().to_string()),
        visibility: "reporter",
        updates: vec![("confirm_due_at", Val::Int(None))],
        extra: Extra::Message {
            from_reporter: true,
            body,
        },
    };
    apply(state, step, lang).await?;
    tell_union(state, report, "disputed", rec().notify_reporter_disputed()).await;
    Ok(())
}

/// The reporter writes to the union.
pub async fn message(
    state: &AppState,
    code: &str,
    form: &BTreeMap<String, String>,
    lang: Lang,
) -> Result<(), ActionError> {
    let report = report_of(state, code, lang).await?;
    let mut errors = Vec::new();
    let body = required(form, "body", MAX_MESSAGE_CHARS, lang, &mut errors);
    if !errors.is_empty() {
        return Err(ActionError::invalid(lang, errors));
    }
    write_message(state, report, true, None, &body).await?;
    tell_union(state, report, "message", rec().notify_reporter_message()).await;
    Ok(())
}

/// Adds a message to a report's thread.
pub async fn write_message(
    state: &AppState,
    report: Uuid,
    from_reporter: bool,
    author: Option<Uuid>,
    body: &str,
) -> Result<(), ActionError> {
    let now = state.clock.now_ms();
    db_run!(&state.db, |pool| {
        sqlx::query(
        "INSERT INTO report_messages (id, report_id, at, from_reporter, author_user_id, body) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(Uuid::now_v7())
    .bind(report)
    .bind(now)
    .bind(from_reporter)
    .bind(author)
    .bind(body)
    .execute(pool)
    .await
    .map(|_| ())
    })?;
    Ok(())
}
