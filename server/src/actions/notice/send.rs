//! `notice`: the union sends the enterprise its rectification notice. The deadlines start
//! (acknowledge within working days, fix by the date); the officers and the reporter are told.

use super::review;
use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, Audience, By, Extra, Set, Step, Visibility},
};
use app::{
    backend::cases,
    domain::{
        forms::union::NoticeForm,
        policy::Action,
        time::LocalTime,
        workflow::{Event, Grade, Party},
    },
    i18n::fill,
};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn send(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: NoticeForm,
) -> Result<(), AppError> {
    let facts = authorize(&state.db, who.actor, Action::SendNotice, report).await?;
    let t = who.lang.tr();
    let now = state.clock.now_ms();
    let Some(grade) = cases::grade_of(&state.db, report).await? else {
        return Err(AppError::conflict(t.notice_grade_first()));
    };
    if facts.enterprise.is_none() {
        return Err(AppError::conflict(t.notice_enterprise_first()));
    }
    let notice = form
        .parse(
            who.lang,
            grade,
            now,
            state.deadlines.default_fix_due(now, grade),
        )
        .map_err(|p| AppError::Invalid {
            message: p.plan_missing.then(|| t.action_plan_required().to_string()),
            fields: p.fields,
        })?;
    // The photos last: masked copies are made only for a notice that is otherwise complete.
    let releases = review::releases(state, report, &form.mask, &form.withhold, who.lang).await?;
    let reviewed = review::note(&releases, app::i18n::Lang::ZhCn);
    let note = fill(
        rec().notice_sent_note(),
        &[("date", &LocalTime::shanghai(notice.deadline_at).date())],
    );
    let mut step = Step::new(report, "notice", By::Party(Party::Union), who.user_id())
        .event(Event::SendNotice)
        .entry(note.clone(), Visibility::All)
        .set(Set::AckDue(state.deadlines.ack_due(now)))
        .set(Set::FixDue(notice.deadline_at))
        .set(Set::Supervised(grade == Grade::Major))
        .set(Set::ConfirmDue(None))
        .set(Set::Noticed(now))
        .extra(Extra::Notice {
            notice: Box::new(notice),
            releases,
            address: who.addr.to_string(),
        })
        .tell_with(Audience::Officers, "notice", rec().notify_notice(), note)
        .tell(
            Audience::Reporter,
            "reporter",
            rec().notify_notice_to_reporter(),
        );
    if let Some(reviewed) = reviewed {
        step = step.also(reviewed, Visibility::Union);
    }
    steps::record(&state.db, &step, now, who.lang).await?;
    Ok(())
}
