//! The union checks the rectification (pass, or back to rectifying with a note) and decides on
//! a deadline extension.

use super::rec;
use super::{apply, authorize, text, triage::tell_reporter, ActionError, Extra, Step, Val};
use crate::startup::AppState;
use app::{
    backend::{cases, notify},
    db_run,
    domain::{
        policy::{Action, Actor},
        report::FieldError,
        workflow::{Event, Party},
    },
    i18n::Lang,
};
use std::collections::BTreeMap;
use uuid::Uuid;

async fn tell_enterprise(state: &AppState, report: Uuid, title: &str) {
    let enterprise = cases::facts(&state.db, report)
        .await
        .ok()
        .flatten()
        .and_then(|f| f.enterprise);
    if let Some(e) = enterprise {
        let to = notify::officers(&state.db, e).await.unwrap_or_default();
        let note = notify::Note {
            kind: "verified",
            report_id: Some(report),
            title: title.to_string(),
            body: String::new(),
            link: format!("/enterprise/reports/{report}"),
        };
        let _ = notify::send(&state.db, &to, &note, state.clock.now_ms()).await;
    }
}

pub async fn verify(
    state: &AppState,
    actor: Option<&Actor>,
    report: Uuid,
    form: &BTreeMap<String, String>,
    lang: Lang,
) -> Result<(), ActionError> {
    authorize(&state.db, actor, Action::Verify, report).await?;
    let t = lang.tr();
    let now = state.clock.now_ms();
    let note = text(form, "note");
    let (event, shown, updates) = match form.get("result").map(String::as_str) {
        Some("pass") => (
            Event::VerifyPass,
            match &note {
                Some(n) => format!("{}：{n}", rec().verify_passed()),
                None => rec().verify_passed().to_string(),
            },
            vec![(
                "confirm_due_at",
                Val::Int(Some(state.deadlines.confirm_due(now))),
            )],
        ),
        Some("fail") => {
            let Some(n) = note else {
                return Err(ActionError::invalid(
                    lang,
                    vec![FieldError::new("note", t.verify_fail_needs_note())],
                ));
            };
            (
                Event::VerifyFail,
                format!("{}：{n}", rec().verify_failed()),
                Vec::new(),
            )
        }
        _ => {
            return Err(ActionError::invalid(
                lang,
                vec![FieldError::new("result", t.action_required())],
            ))
        }
    };
    let step = Step {
        report,
        event: Some(event),
        party: Party::Union,
        actor: actor.map(|a| a.user_id),
        note: Some(shown),
        visibility: "all",
        updates,
        extra: Extra::None,
    };
    apply(state, step, lang).await?;
    if event == Event::VerifyPass {
        tell_enterprise(state, report, rec().notify_verified()).await;
        tell_reporter(state, report, rec().notify_confirm()).await;
    } else {
        tell_enterprise(state, report, rec().notify_verify_failed()).await;
    }
    Ok(())
}

pub async fn decide_extension(
    state: &AppState,
    actor: Option<&Actor>,
    report: Uuid,
    form: &BTreeMap<String, String>,
    lang: Lang,
) -> Result<(), ActionError> {
    authorize(&state.db, actor, Action::DecideExtension, report).await?;
    let t = lang.tr();
    let granted = match form.get("decision").map(String::as_str) {
        Some("grant") => true,
        Some("refuse") => false,
        _ => {
            return Err(ActionError::invalid(
                lang,
                vec![FieldError::new("decision", t.action_required())],
            ))
        }
    };
    let until: Option<(i64, Option<bool>)> = db_run!(&state.db, |pool| sqlx::query_as(
        "SELECT requested_until, granted FROM extension_requests WHERE report_id = $1"
    )
    .bind(report)
    .fetch_optional(pool)
    .await)?;
    let Some((until, None)) = until else {
        return Err(ActionError::WrongState(
            t.action_no_pending_extension().to_string(),
        ));
    };
    let updates = if granted {
        vec![("fix_due_at", Val::Int(Some(until)))]
    } else {
        Vec::new()
    };
    let shown = match (granted, text(form, "note")) {
        (true, Some(n)) => format!("{}：{n}", rec().extension_granted()),
        (true, None) => rec().extension_granted().to_string(),
        (false, Some(n)) => format!("{}：{n}", rec().extension_refused()),
        (false, None) => rec().extension_refused().to_string(),
    };
    let step = Step {
        report,
        event: None,
        party: Party::Union,
        actor: actor.map(|a| a.user_id),
        note: Some(shown),
        visibility: "enterprise",
        updates,
        extra: Extra::ExtensionDecision { granted },
    };
    apply(state, step, lang).await?;
    tell_enterprise(
        state,
        report,
        if granted {
            rec().extension_granted()
        } else {
            rec().extension_refused()
        },
    )
    .await;
    Ok(())
}
