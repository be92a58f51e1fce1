//! The enterprise's steps: acknowledge the notice, report the rectification with after-photos,
//! ask once for more time.

use super::rec;
use super::{apply, authorize, required, ActionError, Extra, Step};
use crate::{
    photos::intake::{intake, remove_unused},
    startup::AppState,
};
use app::{
    backend::notify,
    db_run,
    domain::{
        deadlines::DAY_MS,
        policy::{Action, Actor},
        report::{FieldError, MAX_PHOTOS},
        time::LocalTime,
        workflow::{Event, Party},
    },
    i18n::{fill, Lang},
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Longest rectification note or extension reason.
pub const MAX_NOTE_CHARS: usize = 2000;

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

pub async fn acknowledge(
    state: &AppState,
    actor: Option<&Actor>,
    report: Uuid,
    lang: Lang,
) -> Result<(), ActionError> {
    authorize(&state.db, actor, Action::Acknowledge, report).await?;
    let step = Step {
        report,
        event: Some(Event::Acknowledge),
        party: Party::Enterprise,
        actor: actor.map(|a| a.user_id),
        note: Some(rec().enterprise_acknowledged_note().to_string()),
        visibility: "all",
        updates: Vec::new(),
        extra: Extra::None,
    };
    apply(state, step, lang).await?;
    tell_union(state, report, "acknowledged", rec().notify_acknowledged()).await;
    Ok(())
}

pub async fn rectify(
    state: &AppState,
    actor: Option<&Actor>,
    report: Uuid,
    form: &BTreeMap<String, String>,
    photos: Vec<Vec<u8>>,
    lang: Lang,
) -> Result<(), ActionError> {
    authorize(&state.db, actor, Action::SubmitRectification, report).await?;
    let t = lang.tr();
    let mut errors = Vec::new();
    let note = required(form, "note", MAX_NOTE_CHARS, lang, &mut errors);
    if photos.is_empty() {
        errors.push(FieldError::new("photos", t.enterprise_after_photos()));
    }
    if photos.len() > MAX_PHOTOS {
        errors.push(FieldError::new(
            "photos",
            fill(t.field_photos_too_many(), &[("max", &MAX_PHOTOS)]),
        ));
    }
    if !errors.is_empty() {
        return Err(ActionError::invalid(lang, errors));
    }
    let taken = intake(state, photos, &[], lang)
        .await
        .map_err(|e| ActionError::Invalid(e.message().to_string(), e.fields()))?;
    let step = Step {
        report,
        event: Some(Event::SubmitRectification),
        party: Party::Enterprise,
        actor: actor.map(|a| a.user_id),
        note: Some(rec().enterprise_rectified_note().to_string()),
        visibility: "all",
        updates: Vec::new(),
        extra: Extra::Rectification {
            note,
            photos: taken.photos,
        },
    };
    if let Err(e) = apply(state, step, lang).await {
        remove_unused(state, taken.created).await;
        return Err(e);
    }
    tell_union(state, report, "rectified", rec().notify_rectified()).await;
    Ok(())
}

pub async fn request_extension(
    state: &AppState,
    actor: Option<&Actor>,
    report: Uuid,
    form: &BTreeMap<String, String>,
    lang: Lang,
) -> Result<(), ActionError> {
    authorize(&state.db, actor, Action::RequestExtension, report).await?;
    let t = lang.tr();
    let mut errors = Vec::new();
    let reason = required(form, "reason", MAX_NOTE_CHARS, lang, &mut errors);
    let due: Option<i64> = db_run!(&state.db, |pool| sqlx::query_scalar(
        "SELECT fix_due_at FROM reports WHERE id = $1"
    )
    .bind(report)
    .fetch_one(pool)
    .await)?;
    let max_days = state.deadlines.max_extension_days;
    let until = match form.get("until").and_then(|d| super::notice::end_of_day(d)) {
        Some(u)
            if due.is_none_or(|d| u > d)
                && due.is_none_or(|d| u <= d + i64::from(max_days) * DAY_MS) =>
        {
            Some(u)
        }
        Some(_) => {
            errors.push(FieldError::new(
                "until",
                fill(t.action_deadline_too_late(), &[("days", &max_days)]),
            ));
            None
        }
        None => {
            errors.push(FieldError::new("until", t.action_bad_date()));
            None
        }
    };
    let Some(until) = until.filter(|_| errors.is_empty()) else {
        return Err(ActionError::invalid(lang, errors));
    };
    let day = LocalTime::shanghai(until);
    let step = Step {
        report,
        event: None,
        party: Party::Enterprise,
        actor: actor.map(|a| a.user_id),
        note: Some(fill(
            rec().enterprise_extension_note(),
            &[
                (
                    "date",
                    &format!("{:04}-{:02}-{:02}", day.year, day.month, day.day),
                ),
                ("reason", &reason),
            ],
        )),
        visibility: "enterprise",
        updates: Vec::new(),
        extra: Extra::ExtensionRequest { until, reason },
    };
    apply(state, step, lang).await?;
    tell_union(state, report, "extension", rec().notify_extension()).await;
    Ok(())
}
