//! The rectification notice (整改通知) with the 五定 fields; for a major hazard also the
//! governance plan (治理方案), and the report is then supervised (挂牌督办).

use super::rec;
use super::{apply, authorize, required, ActionError, Extra, Step, Val};
use crate::startup::AppState;
use app::{
    backend::notify,
    db_run,
    domain::{
        policy::{Action, Actor},
        report::FieldError,
        time::LocalTime,
        workflow::{Event, Grade, Party},
    },
    i18n::{fill, Lang},
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Longest short field (names, standard).
pub const MAX_SHORT: usize = 100;
/// Longest long field (measures, plan sections).
pub const MAX_LONG: usize = 2000;

/// The notice as stored.
#[derive(Debug, Clone)]
pub struct NoticeRow {
    pub responsible_person: String,
    pub measures: String,
    pub deadline_at: i64,
    pub standard: String,
    pub acceptance_person: String,
    pub plan_goal: Option<String>,
    pub plan_resources: Option<String>,
    pub plan_people: Option<String>,
    pub plan_safety: Option<String>,
    pub plan_emergency: Option<String>,
}

/// `2026-07-31` → the end of that day in Shanghai (epoch ms).
pub fn end_of_day(date: &str) -> Option<i64> {
    let d = date.trim();
    let (y, rest) = d.split_once('-')?;
    let (m, day) = rest.split_once('-')?;
    let (y, m, day): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, day.parse().ok()?);
    if !(2000..=2100).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from civil (H. Hinnant), then 23:59:59 at UTC+8.
    let yy = if m <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = (days * 86_400 + 86_399 - 8 * 3600) * 1000;
    (LocalTime::shanghai(ms).day == day).then_some(ms)
}

pub async fn send(
    state: &AppState,
    actor: Option<&Actor>,
    report: Uuid,
    form: &BTreeMap<String, String>,
    lang: Lang,
) -> Result<(), ActionError> {
    let facts = authorize(&state.db, actor, Action::SendNotice, report).await?;
    let t = lang.tr();
    let now = state.clock.now_ms();
    let grade: Option<String> = db_run!(&state.db, |pool| sqlx::query_scalar(
        "SELECT grade FROM reports WHERE id = $1"
    )
    .bind(report)
    .fetch_one(pool)
    .await)?;
    let grade = grade.as_deref().and_then(Grade::parse);
    let Some(grade) = grade else {
        return Err(ActionError::WrongState(t.notice_grade_first().to_string()));
    };
    let Some(enterprise) = facts.enterprise else {
        return Err(ActionError::WrongState(
            t.notice_enterprise_first().to_string(),
        ));
    };
    let mut errors = Vec::new();
    let responsible_person = required(form, "responsible_person", MAX_SHORT, lang, &mut errors);
    let measures = required(form, "measures", MAX_LONG, lang, &mut errors);
    let standard = required(form, "standard", MAX_SHORT * 5, lang, &mut errors);
    let acceptance_person = required(form, "acceptance_person", MAX_SHORT, lang, &mut errors);
    let deadline_at = match form
        .get("deadline")
        .map(String::as_str)
        .filter(|d| !d.trim().is_empty())
    {
        None => Some(state.deadlines.default_fix_due(now, grade)),
        Some(d) => match end_of_day(d) {
            Some(at) if at > now => Some(at),
            Some(_) => {
                errors.push(FieldError::new("deadline", t.action_deadline_past()));
                None
            }
            None => {
                errors.push(FieldError::new("deadline", t.action_bad_date()));
                None
            }
        },
    };
    let plan = |name: &str, errors: &mut Vec<FieldError>| -> Option<String> {
        if grade == Grade::Major {
            Some(required(form, name, MAX_LONG, lang, errors))
        } else {
            super::text(form, name).map(|v| v.chars().take(MAX_LONG).collect())
        }
    };
    let plan_goal = plan("plan_goal", &mut errors);
    let plan_resources = plan("plan_resources", &mut errors);
    let plan_people = plan("plan_people", &mut errors);
    let plan_safety = plan("plan_safety", &mut errors);
    let plan_emergency = plan("plan_emergency", &mut errors);
    if !errors.is_empty() {
        let message =
            if grade == Grade::Major && errors.iter().any(|e| e.field.starts_with("plan_")) {
                t.action_plan_required().to_string()
            } else {
                t.api_check_fields().to_string()
            };
        return Err(ActionError::Invalid(message, errors));
    }
    let Some(deadline_at) = deadline_at else {
        return Err(ActionError::invalid(lang, errors));
    };
    let row = NoticeRow {
        responsible_person,
        measures,
        deadline_at,
        standard,
        acceptance_person,
        plan_goal,
        plan_resources,
        plan_people,
        plan_safety,
        plan_emergency,
    };
    let due = LocalTime::shanghai(deadline_at);
    let step = Step {
        report,
        event: Some(Event::SendNotice),
        party: Party::Union,
        actor: actor.map(|a| a.user_id),
        note: Some(fill(
            rec().notice_sent_note(),
            &[(
                "date",
                &format!("{:04}-{:02}-{:02}", due.year, due.month, due.day),
            )],
        )),
        visibility: "all",
        updates: vec![
            ("ack_due_at", Val::Int(Some(state.deadlines.ack_due(now)))),
            ("fix_due_at", Val::Int(Some(deadline_at))),
            ("supervised", Val::Bool(grade == Grade::Major)),
            ("confirm_due_at", Val::Int(None)),
        ],
        extra: Extra::Notice(row),
    };
    apply(state, step, lang).await?;
    let officers = notify::officers(&state.db, enterprise)
        .await
        .unwrap_or_default();
    let note = notify::Note {
        kind: "notice",
        report_id: Some(report),
        title: rec().notify_notice().to_string(),
        body: fill(
            rec().notice_sent_note(),
            &[(
                "date",
                &format!("{:04}-{:02}-{:02}", due.year, due.month, due.day),
            )],
        ),
        link: format!("/enterprise/reports/{report}"),
    };
    let _ = notify::send(&state.db, &officers, &note, now).await;
    super::triage::tell_reporter(state, report, rec().notify_notice_to_reporter()).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::end_of_day;
    use app::domain::time::LocalTime;

    #[test]
    fn a_date_means_the_end_of_that_day_in_zhengzhou() {
        let at = end_of_day("2026-07-31").unwrap();
        let t = LocalTime::shanghai(at);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2026, 7, 31, 23, 59, 59)
        );
        assert_eq!(end_of_day("2026-02-30"), None);
        assert_eq!(end_of_day("31/07/2026"), None);
        assert_eq!(
            end_of_day("2024-02-29").map(|a| LocalTime::shanghai(a).day),
            Some(29)
        );
    }
}
