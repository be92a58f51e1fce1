//! The closed loop's actions, one file each kind, each a script: load the report, ask the policy,
//! check the input, then one transaction that re-checks the state machine under a row lock and
//! writes the state, the timeline entry and the action's own rows; then notifications.

pub mod enterprise;
pub mod jobs;
pub mod notice;
pub mod reporter;
pub mod triage;
pub mod union;
pub mod verify;

use crate::startup::AppState;
use app::{
    backend::{cases, BeginWrite, Db},
    db_run,
    domain::{
        policy::{decide, Action, Actor, Decision, Object, ReportFacts},
        report::{FieldError, ReportState},
        workflow::{transition, Event, Party, Refusal},
    },
    i18n::Lang,
};
use uuid::Uuid;

/// Why an action did not happen.
#[derive(Debug)]
pub enum ActionError {
    SignIn,
    Denied,
    NotFound,
    /// Input is wrong: a message and one per field.
    Invalid(String, Vec<FieldError>),
    /// The report is not (any more) in a state that allows this.
    WrongState(String),
    Internal(String),
}

impl ActionError {
    pub fn status(&self) -> u16 {
        match self {
            ActionError::SignIn => 401,
            ActionError::Denied => 403,
            ActionError::NotFound => 404,
            ActionError::Invalid(..) => 422,
            ActionError::WrongState(_) => 409,
            ActionError::Internal(_) => 500,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let t = lang.tr();
        match self {
            ActionError::SignIn => t.access_sign_in().to_string(),
            ActionError::Denied => t.access_denied().to_string(),
            ActionError::NotFound => t.access_not_found().to_string(),
            ActionError::Invalid(m, _) | ActionError::WrongState(m) => m.clone(),
            ActionError::Internal(_) => t.api_internal().to_string(),
        }
    }

    pub fn fields(&self) -> Vec<FieldError> {
        match self {
            ActionError::Invalid(_, f) => f.clone(),
            _ => Vec::new(),
        }
    }

    pub fn invalid(lang: Lang, fields: Vec<FieldError>) -> ActionError {
        ActionError::Invalid(lang.tr().api_check_fields().to_string(), fields)
    }
}

impl From<sqlx::Error> for ActionError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "action failed");
        ActionError::Internal(e.to_string())
    }
}

/// Loads a report's facts and asks the policy whether `actor` may do `action` on it.
pub async fn authorize(
    db: &Db,
    actor: Option<&Actor>,
    action: Action,
    report: Uuid,
) -> Result<ReportFacts, ActionError> {
    let facts = cases::facts(db, report)
        .await?
        .ok_or(ActionError::NotFound)?;
    match decide(actor, action, &Object::Report(&facts)) {
        Decision::Allow => Ok(facts),
        Decision::SignIn => Err(ActionError::SignIn),
        // Someone who may not see a report is not told it exists.
        Decision::Deny => {
            let may_see = decide(actor, Action::ViewReport, &Object::Report(&facts)).allowed()
                || decide(
                    actor,
                    Action::ViewReportAsEnterprise,
                    &Object::Report(&facts),
                )
                .allowed();
            Err(if may_see {
                ActionError::Denied
            } else {
                ActionError::NotFound
            })
        }
    }
}

/// A value for one of the report's columns.
#[derive(Debug, Clone)]
pub enum Val {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
    Id(Option<Uuid>),
}

/// Rows an action writes besides the report and its timeline entry.
#[derive(Debug, Clone)]
pub enum Extra {
    None,
    Notice(notice::NoticeRow),
    Rectification {
        note: String,
        photos: Vec<app::backend::reports::NewPhoto>,
    },
    ExtensionRequest {
        until: i64,
        reason: String,
    },
    ExtensionDecision {
        granted: bool,
    },
    Message {
        from_reporter: bool,
        body: String,
    },
}

/// One step of the loop.
#[derive(Debug, Clone)]
pub struct Step {
    pub report: Uuid,
    /// The state-machine event, or `None` for a step that keeps the state (extension, message).
    pub event: Option<Event>,
    pub party: Party,
    pub actor: Option<Uuid>,
    pub note: Option<String>,
    /// Who may read the timeline entry: `all`, `reporter`, `enterprise`, `union`.
    pub visibility: &'static str,
    /// Columns of the report to set.
    pub updates: Vec<(&'static str, Val)>,
    pub extra: Extra,
}

/// Applies a step in one transaction. The current state is read under a row lock (PostgreSQL
/// `FOR UPDATE`; SQLite's single writer) and checked against the state machine there, so two
/// people acting at once cannot both move the report.
pub async fn apply(state: &AppState, step: Step, lang: Lang) -> Result<ReportState, ActionError> {
    let now = state.clock.now_ms();
    let lock = if matches!(state.db, Db::Postgres(_)) {
        " FOR UPDATE"
    } else {
        ""
    };
    let select = format!("SELECT state FROM reports WHERE id = $1{lock}");
    let t = lang.tr();
    let mut sets = vec!["updated_at = $2".to_string()];
    for (i, (col, _)) in step.updates.iter().enumerate() {
        sets.push(format!("{col} = ${}", i + 4));
    }
    let update = format!(
        "UPDATE reports SET state = $1, {} WHERE id = $3",
        sets.join(", ")
    );
    db_run!(&state.db, |pool| {
        let mut tx = pool.begin_write().await?;
        let current: Option<String> = sqlx::query_scalar(&select)
            .bind(step.report)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(current) = current.as_deref().and_then(ReportState::parse) else {
            return Err(ActionError::NotFound);
        };
        let to = match step.event {
            Some(event) => transition(current, event, step.party).map_err(|r| match r {
                Refusal::WrongState => {
                    ActionError::WrongState(crate::i18n_fill(t.action_wrong_state(), current, lang))
                }
                Refusal::WrongParty => ActionError::Denied,
            })?,
            None => current,
        };
        let mut q = sqlx::query(&update)
            .bind(to.as_str())
            .bind(now)
            .bind(step.report);
        for (_, v) in &step.updates {
            q = match v {
                Val::Text(s) => q.bind(s.clone()),
                Val::Int(n) => q.bind(*n),
                Val::Bool(b) => q.bind(*b),
                Val::Id(u) => q.bind(*u),
            };
        }
        q.execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO report_events (id, report_id, at, actor, actor_user_id, from_state, to_state, note, visibility)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(Uuid::now_v7())
        .bind(step.report)
        .bind(now)
        .bind(step.party.as_str())
        .bind(step.actor)
        .bind(step.event.map(|_| current.as_str()))
        .bind(step.event.map(|_| to.as_str()))
        .bind(&step.note)
        .bind(step.visibility)
        .execute(&mut *tx)
        .await?;
        match &step.extra {
            Extra::None => {}
            Extra::Notice(n) => {
                sqlx::query(
                    "INSERT INTO notices (id, report_id, sent_at, sent_by, responsible_person, measures, deadline_at, standard,
                        acceptance_person, plan_goal, plan_resources, plan_people, plan_safety, plan_emergency)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(Uuid::now_v7())
                .bind(step.report)
                .bind(now)
                .bind(step.actor)
                .bind(&n.responsible_person)
                .bind(&n.measures)
                .bind(n.deadline_at)
                .bind(&n.standard)
                .bind(&n.acceptance_person)
                .bind(&n.plan_goal)
                .bind(&n.plan_resources)
                .bind(&n.plan_people)
                .bind(&n.plan_safety)
                .bind(&n.plan_emergency)
                .execute(&mut *tx)
                .await?;
            }
            Extra::Rectification { note, photos } => {
                sqlx::query("INSERT INTO rectifications (id, report_id, submitted_at, submitted_by, note) VALUES ($1, $2, $3, $4, $5)")
                    .bind(Uuid::now_v7())
                    .bind(step.report)
                    .bind(now)
                    .bind(step.actor)
                    .bind(note)
                    .execute(&mut *tx)
                    .await?;
                let first: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM report_photos WHERE report_id = $1 AND kind = 'rectification'",
                )
                .bind(step.report)
                .fetch_one(&mut *tx)
                .await?;
                let first = first as usize;
                app::insert_photo_rows!(tx, step.report, "rectification", first, photos, now);
            }
            Extra::ExtensionRequest { until, reason } => {
                let done = sqlx::query(
                    "INSERT INTO extension_requests (report_id, requested_at, requested_by, requested_until, reason)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (report_id) DO NOTHING",
                )
                .bind(step.report)
                .bind(now)
                .bind(step.actor)
                .bind(until)
                .bind(reason)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done == 0 {
                    return Err(ActionError::WrongState(
                        t.action_extension_once().to_string(),
                    ));
                }
            }
            Extra::ExtensionDecision { granted } => {
                let done = sqlx::query(
                    "UPDATE extension_requests SET decided_at = $1, decided_by = $2, granted = $3
                     WHERE report_id = $4 AND decided_at IS NULL",
                )
                .bind(now)
                .bind(step.actor)
                .bind(*granted)
                .bind(step.report)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done == 0 {
                    return Err(ActionError::WrongState(
                        t.action_no_pending_extension().to_string(),
                    ));
                }
            }
            Extra::Message {
                from_reporter,
                body,
            } => {
                sqlx::query(
                    "INSERT INTO report_messages (id, report_id, at, from_reporter, author_user_id, body) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(Uuid::now_v7())
                .bind(step.report)
                .bind(now)
                .bind(*from_reporter)
                .bind(step.actor)
                .bind(body)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok::<ReportState, ActionError>(to)
    })
}

/// Trims a form value; `None` when empty.
pub fn text(form: &std::collections::BTreeMap<String, String>, name: &str) -> Option<String> {
    form.get(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A required text of at most `max` characters, or a field error.
pub fn required(
    form: &std::collections::BTreeMap<String, String>,
    name: &str,
    max: usize,
    lang: Lang,
    errors: &mut Vec<FieldError>,
) -> String {
    match text(form, name) {
        Some(v) if v.chars().count() <= max => v,
        Some(_) => {
            errors.push(FieldError::new(
                name,
                app::i18n::fill(lang.tr().action_too_long(), &[("max", &max)]),
            ));
            String::new()
        }
        None => {
            errors.push(FieldError::new(name, lang.tr().action_required()));
            String::new()
        }
    }
}

/// The strings of the record: timeline notes and notifications are stored, and stored in
/// Chinese (the union's working language), whatever language the person acting reads.
pub(crate) fn rec() -> &'static app::i18n::Tr {
    app::i18n::Lang::ZhCn.tr()
}
