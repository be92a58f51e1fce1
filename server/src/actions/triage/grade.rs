//! `grade`: the inspector grades the hazard; a report made without knowing the enterprise gets
//! it now (the notice needs one): one in the report's district, or elsewhere only one the
//! triager covers. The reporter's linked accounts are told.

use crate::{
    actions::{authorize, rec, Caller},
    error::AppError,
    state::AppState,
    store::steps::{self, Audience, By, Set, Step, Visibility},
};
use app::{
    backend::directory,
    domain::{
        forms::union::{labelled, GradeForm},
        policy::{may_attach_enterprise, Action},
        report::FieldError,
        workflow::{Event, Grade, Party},
    },
};
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(report = %report))]
pub async fn grade(
    state: &AppState,
    who: Caller<'_>,
    report: Uuid,
    form: GradeForm,
) -> Result<(), AppError> {
    let facts = authorize(&state.db, who.actor, Action::Triage, report).await?;
    let (valid, mut errors) = match form.parse(who.lang) {
        Ok(v) => (Some(v), Vec::new()),
        Err(e) => (None, e),
    };
    let mut enterprise = None;
    if let Some(typed) = app::domain::forms::text(&form.enterprise) {
        match directory::resolve(&state.db, &typed).await?.one(who.lang) {
            // An enterprise elsewhere only when the triager would follow its report there.
            Ok(e)
                if !who.actor.is_some_and(|a| {
                    may_attach_enterprise(
                        a,
                        &facts,
                        e.id,
                        &e.district_code,
                        &e.industry_code,
                        e.is_coal_mine,
                    )
                }) =>
            {
                errors.push(FieldError::new(
                    "enterprise",
                    who.lang.tr().field_enterprise_out_of_scope(),
                ));
            }
            Ok(e) => enterprise = Some(e),
            Err(field) => errors.push(field),
        }
    }
    let Some(valid) = valid.filter(|_| errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let label = match valid.grade {
        Grade::Ordinary => rec().grade_ordinary(),
        Grade::Major => rec().grade_major(),
    };
    let mut step = Step::new(report, "grade", By::Party(Party::Union), who.user_id())
        .event(Event::Grade)
        .entry(labelled(label, valid.note.as_deref()), Visibility::Reporter)
        .set(Set::Grade(valid.grade))
        .tell(Audience::Reporter, "reporter", rec().notify_triaged());
    if let Some(e) = enterprise {
        step = step.set(Set::Enterprise {
            id: e.id,
            industry: e.industry_code,
            coal_mine: e.is_coal_mine,
        });
    }
    steps::record(&state.db, &step, state.clock.now_ms(), who.lang).await?;
    Ok(())
}
