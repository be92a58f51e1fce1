//! Triage: grade a report (一般 / 重大), or close it as not a hazard, a duplicate, or out of
//! scope with a reason the reporter reads.

use super::rec;
use super::{apply, authorize, required, text, ActionError, Extra, Step, Val};
use crate::startup::AppState;
use app::{
    backend::{cases, directory, notify},
    domain::{
        policy::{Action, Actor},
        report::FieldError,
        workflow::{Event, Grade, Party, RejectReason},
    },
    i18n::Lang,
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Longest reason or note.
pub const MAX_NOTE_CHARS: usize = 500;

pub async fn grade(
    state: &AppState,
    actor: Option<&Actor>,
    report: Uuid,
    form: &BTreeMap<String, String>,
    lang: Lang,
) -> Result<(), ActionError> {
    authorize(&state.db, actor, Action::Triage, report).await?;
    let t = lang.tr();
    let mut errors = Vec::new();
    let grade = form.get("grade").and_then(|g| Grade::parse(g));
    if grade.is_none() {
        errors.push(FieldError::new("grade", t.triage_grade_required()));
    }
    let note = text(form, "note");
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        errors.push(FieldError::new(
            "note",
            app::i18n::fill(t.action_too_long(), &[("max", &MAX_NOTE_CHARS)]),
        ));
    }
    // A report made without knowing the enterprise gets it now (the notice needs one).
    let mut updates = Vec::new();
    if let Some(typed) = text(form, "enterprise") {
        match directory::resolve(&state.db, &typed).await? {
            directory::Resolved::One(e) => {
                updates.push(("enterprise_id", Val::Id(Some(e.id))));
                updates.push(("industry_code", Val::Text(Some(e.industry_code.clone()))));
                updates.push(("is_coal_mine", Val::Bool(e.is_coal_mine)));
            }
            directory::Resolved::None => errors.push(FieldError::new(
                "enterprise",
                t.field_enterprise_not_found(),
            )),
            directory::Resolved::Many(_) => errors.push(FieldError::new(
                "enterprise",
                t.field_enterprise_ambiguous(),
            )),
        }
    }
    let Some(grade) = grade.filter(|_| errors.is_empty()) else {
        return Err(ActionError::invalid(lang, errors));
    };
    updates.push(("grade", Val::Text(Some(grade.as_str().to_string()))));
    let label = match grade {
        Grade::Ordinary => rec().grade_ordinary(),
        Grade::Major => rec().grade_major(),
    };
    let note = match note {
        Some(n) => format!("{label}：{n}"),
        None => label.to_string(),
    };
    let step = Step {
        report,
        event: Some(Event::Grade),
        party: Party::Union,
        actor: actor.map(|a| a.user_id),
        note: Some(note),
        visibility: "reporter",
        updates,
        extra: Extra::None,
    };
    apply(state, step, lang).await?;
    tell_reporter(state, report, rec().notify_triaged()).await;
    Ok(())
}

pub async fn reject(
    state: &AppState,
    actor: Option<&Actor>,
    report: Uuid,
    form: &BTreeMap<String, String>,
    lang: Lang,
) -> Result<(), ActionError> {
    authorize(&state.db, actor, Action::Triage, report).await?;
    let t = lang.tr();
    let mut errors = Vec::new();
    let reason = form.get("reason").and_then(|r| RejectReason::parse(r));
    if reason.is_none() {
        errors.push(FieldError::new("reason", t.triage_reason_required()));
    }
    let message = required(form, "message", MAX_NOTE_CHARS, lang, &mut errors);
    let mut duplicate_of = None;
    if reason == Some(RejectReason::Duplicate) {
        let candidates = cases::duplicate_candidates(&state.db, report).await?;
        duplicate_of = form
            .get("duplicate_of")
            .and_then(|d| Uuid::parse_str(d.trim()).ok())
            .filter(|d| candidates.iter().any(|c| c.0 == *d));
        if duplicate_of.is_none() {
            errors.push(FieldError::new("duplicate_of", t.action_duplicate_of()));
        }
    }
    let Some(reason) = reason.filter(|_| errors.is_empty()) else {
        return Err(ActionError::invalid(lang, errors));
    };
    let label = match reason {
        RejectReason::NotAHazard => rec().triage_not_a_hazard(),
        RejectReason::Duplicate => rec().triage_duplicate(),
        RejectReason::OutOfScope => rec().triage_out_of_scope(),
    };
    let shown = format!("{label}：{message}");
    let step = Step {
        report,
        event: Some(Event::Reject),
        party: Party::Union,
        actor: actor.map(|a| a.user_id),
        note: Some(shown.clone()),
        visibility: "reporter",
        updates: vec![
            ("closure_reason", Val::Text(Some(shown))),
            ("duplicate_of", Val::Id(duplicate_of)),
        ],
        extra: Extra::None,
    };
    apply(state, step, lang).await?;
    tell_reporter(state, report, rec().notify_rejected()).await;
    Ok(())
}

/// Tells a reporter who linked the report to an account (others read the receipt page).
pub async fn tell_reporter(state: &AppState, report: Uuid, title: &str) {
    let db = &state.db;
    let users = notify::reporter_accounts(db, report)
        .await
        .unwrap_or_default();
    if users.is_empty() {
        return;
    }
    let code: Option<String> = app::db_run!(db, |pool| sqlx::query_scalar(
        "SELECT receipt_code FROM reports WHERE id = $1"
    )
    .bind(report)
    .fetch_optional(pool)
    .await)
    .ok()
    .flatten();
    let note = notify::Note {
        kind: "reporter",
        report_id: Some(report),
        title: title.to_string(),
        body: String::new(),
        link: code.map(|c| format!("/r/{c}")).unwrap_or_default(),
    };
    let _ = notify::send(db, &users, &note, state.clock.now_ms()).await;
}
