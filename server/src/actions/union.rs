//! The union's other steps: reassign a report (with a note), write to the reporter, and reveal a
//! reporter's identity (union admins only, with a written reason, in the audit log and on the
//! internal timeline).

use super::rec;
use super::{authorize, reporter::write_message, required, triage::tell_reporter, ActionError};
use crate::startup::AppState;
use app::{
    backend::{assign, audit, notify, BeginWrite},
    db_run,
    domain::{
        policy::{Action, Actor},
        report::FieldError,
    },
    i18n::Lang,
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Longest note or reason.
pub const MAX_NOTE_CHARS: usize = 500;
/// A reveal's reason must say at least this much.
pub const MIN_REVEAL_REASON_CHARS: usize = 5;

pub async fn reassign(
    state: &AppState,
    actor: Option<&Actor>,
    report: Uuid,
    form: &BTreeMap<String, String>,
    lang: Lang,
) -> Result<(), ActionError> {
    authorize(&state.db, actor, Action::Reassign, report).await?;
    let t = lang.tr();
    let mut errors = Vec::new();
    let note = required(form, "note", MAX_NOTE_CHARS, lang, &mut errors);
    let target = match form.get("assignee").map(|s| s.trim()) {
        Some("desk") => Some(None),
        Some(id) => match Uuid::parse_str(id) {
            Ok(id) => {
                let facts = app::backend::cases::facts(&state.db, report)
                    .await?
                    .ok_or(ActionError::NotFound)?;
                let holders =
                    assign::possible_holders(&state.db, &facts.district, facts.enterprise).await?;
                if holders.iter().any(|(h, _)| *h == id) {
                    Some(Some(id))
                } else {
                    errors.push(FieldError::new("assignee", t.reassign_bad_target()));
                    None
                }
            }
            Err(_) => {
                errors.push(FieldError::new("assignee", t.reassign_bad_target()));
                None
            }
        },
        None => {
            errors.push(FieldError::new("assignee", t.action_required()));
            None
        }
    };
    let Some(target) = target.filter(|_| errors.is_empty()) else {
        return Err(ActionError::invalid(lang, errors));
    };
    let by = actor.map(|a| a.user_id);
    let name = match target {
        Some(id) => app::backend::auth::display_name(&state.db, id)
            .await?
            .unwrap_or_default(),
        None => rec().reassign_desk().to_string(),
    };
    let reason = format!("{}{name}：{note}", rec().reassign_to());
    assign::reassign(
        &state.db,
        report,
        target,
        "manual",
        &reason,
        by,
        state.clock.now_ms(),
    )
    .await?;
    if let Some(id) = target {
        let n = notify::Note {
            kind: "assigned",
            report_id: Some(report),
            title: rec().notify_reassigned().to_string(),
            body: note,
            link: format!("/union/reports/{report}"),
        };
        let _ = notify::send(&state.db, &[id], &n, state.clock.now_ms()).await;
    }
    Ok(())
}

pub async fn message(
    state: &AppState,
    actor: Option<&Actor>,
    report: Uuid,
    form: &BTreeMap<String, String>,
    lang: Lang,
) -> Result<(), ActionError> {
    authorize(&state.db, actor, Action::MessageReporter, report).await?;
    let mut errors = Vec::new();
    let body = required(
        form,
        "body",
        super::reporter::MAX_MESSAGE_CHARS,
        lang,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ActionError::invalid(lang, errors));
    }
    write_message(state, report, false, actor.map(|a| a.user_id), &body).await?;
    tell_reporter(state, report, lang.tr().notify_union_message()).await;
    Ok(())
}

/// Who reported, as the reveal shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Named { name: String, phone: String },
    Anonymous,
}

pub async fn reveal(
    state: &AppState,
    actor: Option<&Actor>,
    report: Uuid,
    form: &BTreeMap<String, String>,
    address: &str,
    lang: Lang,
) -> Result<Identity, ActionError> {
    authorize(&state.db, actor, Action::RevealIdentity, report).await?;
    let t = lang.tr();
    let reason = form
        .get("reason")
        .map(|r| r.trim().to_string())
        .unwrap_or_default();
    if reason.chars().count() < MIN_REVEAL_REASON_CHARS || reason.chars().count() > MAX_NOTE_CHARS {
        return Err(ActionError::invalid(
            lang,
            vec![FieldError::new("reason", t.reveal_reason_required())],
        ));
    }
    let sealed: Option<(String, String)> = db_run!(&state.db, |pool| sqlx::query_as(
        "SELECT name, phone FROM report_reporters WHERE report_id = $1"
    )
    .bind(report)
    .fetch_optional(pool)
    .await)?;
    let identity = match sealed {
        Some((name, phone)) => Identity::Named {
            name: state.identity.open(&name).ok_or_else(|| {
                ActionError::Internal("identity does not open with this key".into())
            })?,
            phone: state.identity.open(&phone).ok_or_else(|| {
                ActionError::Internal("identity does not open with this key".into())
            })?,
        },
        None => Identity::Anonymous,
    };
    let now = state.clock.now_ms();
    let by = actor.map(|a| a.user_id);
    let detail = serde_json::json!({ "reason": reason, "named": matches!(identity, Identity::Named { .. }) }).to_string();
    let note = format!("{}：{reason}", rec().reveal_timeline());
    db_run!(&state.db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query(audit::INSERT)
            .bind(Uuid::now_v7())
            .bind(now)
            .bind(by)
            .bind("identity_revealed")
            .bind("report")
            .bind(report.to_string())
            .bind(address)
            .bind(&detail)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO report_events (id, report_id, at, actor, actor_user_id, note, visibility) VALUES ($1, $2, $3, 'admin', $4, $5, 'union')",
        )
        .bind(Uuid::now_v7())
        .bind(report)
        .bind(now)
        .bind(by)
        .bind(&note)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    });
    tracing::info!(%report, "reporter identity revealed by a union admin");
    Ok(identity)
}
