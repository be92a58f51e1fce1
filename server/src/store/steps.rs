//! The only writer of a report's life. Every step — the submission, triage, the notice, the
//! enterprise's acknowledgement and rectification, verification, the reporter's confirmation or
//! dispute, messages, extensions, reassignment and re-routing, escalation, the timeout close and
//! a reveal — is written here and nowhere else: `reports.state`, the report's deadlines and
//! holder, the step's own rows, its timeline entry (`report_events`) and the notifications it
//! owes, in one transaction (a transactional outbox: the step and its notices commit together,
//! or neither does).
//!
//! A [`Step`] says what happens; [`record`] reads the report's state under a row lock
//! (PostgreSQL `FOR UPDATE`; SQLite's single writer), asks the state machine
//! ([`app::domain::workflow::transition`]) and refuses a transition it does not allow with an
//! error — two people acting at once cannot both move a report.

use crate::{
    error::AppError,
    store::{audit::audit_row, notifications::queue_notification, photos::insert_photo_rows},
};
use app::{
    backend::{
        reports::{new_receipt_code, NewPhoto, NewReport, Stored},
        BeginWrite, Db,
    },
    db_run,
    domain::{
        deadlines::Escalation,
        forms::union::Notice,
        report::ReportState,
        workflow::{transition, Event, Grade, Party, Refusal},
    },
    i18n::Lang,
};
use uuid::Uuid;

/// What a step does to the report's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A state-machine event (checked under the lock).
    To(Event),
    /// The state stays (messages, extensions, reassignment, a reveal).
    Keep,
}

/// Who may read a timeline entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The reporter, the enterprise and the union.
    All,
    /// The reporter and the union.
    Reporter,
    /// The enterprise and the union.
    Enterprise,
    /// The union only.
    Union,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::All => "all",
            Visibility::Reporter => "reporter",
            Visibility::Enterprise => "enterprise",
            Visibility::Union => "union",
        }
    }
}

/// Who the timeline says acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Party(Party),
    /// A union admin acting as admin (a reveal); the state machine sees the union.
    Admin,
}

impl By {
    fn party(self) -> Party {
        match self {
            By::Party(p) => p,
            By::Admin => Party::Union,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            By::Party(p) => p.as_str(),
            By::Admin => "admin",
        }
    }
}

/// A column of the report a step sets.
#[derive(Debug, Clone, PartialEq)]
pub enum Set {
    Grade(Grade),
    ClosureReason(String),
    DuplicateOf(Option<Uuid>),
    /// A report made without knowing the enterprise gets it at triage.
    Enterprise {
        id: Uuid,
        industry: String,
        coal_mine: bool,
    },
    AckDue(i64),
    FixDue(i64),
    ConfirmDue(Option<i64>),
    /// When the latest notice went out: the enterprise's list is ordered by it.
    Noticed(i64),
    Supervised(bool),
    /// Who holds the report (`None`: the district desk), and by which routing rule.
    Assignee {
        to: Option<Uuid>,
        rule: String,
    },
}

/// Rows a step writes besides the report and its timeline entry.
#[derive(Debug, Clone, Default)]
pub enum Extra {
    #[default]
    None,
    /// The rectification notice (五定, and the governance plan of a 重大 hazard), and what the
    /// inspector released of each hazard photo with it (the audit entry of the review too).
    Notice {
        notice: Box<Notice>,
        releases: Vec<Release>,
        address: String,
    },
    Rectification {
        note: String,
        photos: Vec<NewPhoto>,
    },
    /// At most one per report: a second is refused.
    ExtensionRequest {
        until: i64,
        reason: String,
    },
    /// Refused when no request is waiting.
    ExtensionDecision {
        granted: bool,
    },
    /// A message of the thread: its id and its body sealed for it
    /// (`crate::actions::sealed_message`).
    Message {
        id: Uuid,
        from_reporter: bool,
        body: String,
    },
    /// An audit-log entry (a reveal): `action`, the caller's address and a JSON detail.
    Audit {
        action: &'static str,
        address: String,
        detail: String,
    },
    /// A request to reveal the reporter (the step's actor asks), with its audit entry.
    RevealRequest {
        id: Uuid,
        reason: String,
        address: String,
    },
    /// Retention: the reporter's identity, the account link and the photo evidence are deleted
    /// (the original files go after the commit: `actions::jobs::purge`). Refused when done
    /// before.
    Purge,
    /// Another admin's decision on a waiting reveal request, with its audit entry. Refused when
    /// the request is not waiting, or the actor is the one who asked.
    RevealDecision {
        request: Uuid,
        approved: bool,
        address: String,
    },
}

/// What the enterprise gets of one hazard photo with the notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub photo: Uuid,
    /// Not given to the enterprise at all.
    pub withheld: bool,
    /// Rectangles painted over in the released copy.
    pub masks: usize,
    /// The copies the enterprise is served (`None` when withheld).
    pub display_key: Option<String>,
    pub thumb_key: Option<String>,
}

/// Whom a notification of a step goes to, resolved inside the step's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The accounts the reporter linked the report to (others read the receipt page).
    Reporter,
    /// The officers of the report's enterprise.
    Officers,
    /// Whoever answers for the report on the union side: its holder, else the district desk.
    UnionDesk,
    /// The district's union admins, else the city's.
    DistrictDesk,
    /// The city union's admins.
    City,
    User(Uuid),
}

/// One notification a step owes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tell {
    pub to: Audience,
    /// `assigned`, `urgent`, `notice`, `acknowledged`, `rectified`, `verified`, `reporter`, …
    pub kind: &'static str,
    pub title: String,
    pub body: String,
}

/// A condition the report must still meet when locked, or the step is skipped (a job's claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Require {
    /// Verified, and the reporter's window to answer closed before `now`.
    Unanswered { now: i64 },
}

/// One step of a report's life.
#[derive(Debug, Clone)]
pub struct Step {
    pub report: Uuid,
    /// What the step is called in logs (`grade`, `notice`, `timeout_close`, …).
    pub name: &'static str,
    pub change: Change,
    pub by: By,
    pub actor: Option<Uuid>,
    /// The timeline entry: a note and who may read it (`None`: a message, which is its own
    /// record).
    pub entry: Option<(Option<String>, Visibility)>,
    /// Further timeline entries of the same step (a notice's photo review, union-only).
    pub also: Vec<(String, Visibility)>,
    pub set: Vec<Set>,
    pub extra: Extra,
    pub tell: Vec<Tell>,
    pub require: Option<Require>,
}

impl Step {
    /// A step that keeps the state and writes nothing yet.
    pub fn new(report: Uuid, name: &'static str, by: By, actor: Option<Uuid>) -> Step {
        Step {
            report,
            name,
            change: Change::Keep,
            by,
            actor,
            entry: None,
            also: Vec::new(),
            set: Vec::new(),
            extra: Extra::None,
            tell: Vec::new(),
            require: None,
        }
    }

    /// The state-machine event this step is.
    pub fn event(mut self, event: Event) -> Step {
        self.change = Change::To(event);
        self
    }

    /// Its timeline entry.
    pub fn entry(mut self, note: impl Into<Option<String>>, visibility: Visibility) -> Step {
        self.entry = Some((note.into(), visibility));
        self
    }

    /// One more timeline entry (no change of state of its own).
    pub fn also(mut self, note: impl Into<String>, visibility: Visibility) -> Step {
        self.also.push((note.into(), visibility));
        self
    }

    pub fn set(mut self, column: Set) -> Step {
        self.set.push(column);
        self
    }

    pub fn extra(mut self, extra: Extra) -> Step {
        self.extra = extra;
        self
    }

    /// A notification to queue with the step.
    pub fn tell(mut self, to: Audience, kind: &'static str, title: impl Into<String>) -> Step {
        self.tell.push(Tell {
            to,
            kind,
            title: title.into(),
            body: String::new(),
        });
        self
    }

    /// The same, with a body.
    pub fn tell_with(
        mut self,
        to: Audience,
        kind: &'static str,
        title: impl Into<String>,
        body: impl Into<String>,
    ) -> Step {
        self.tell.push(Tell {
            to,
            kind,
            title: title.into(),
            body: body.into(),
        });
        self
    }

    pub fn require(mut self, require: Require) -> Step {
        self.require = Some(require);
        self
    }
}

impl Set {
    /// The columns and how many values they bind.
    fn sql(&self) -> &'static [&'static str] {
        match self {
            Set::Grade(_) => &["grade"],
            Set::ClosureReason(_) => &["closure_reason"],
            Set::DuplicateOf(_) => &["duplicate_of"],
            Set::Enterprise { .. } => &["enterprise_id", "industry_code", "is_coal_mine"],
            Set::AckDue(_) => &["ack_due_at"],
            Set::FixDue(_) => &["fix_due_at"],
            Set::ConfirmDue(_) => &["confirm_due_at"],
            Set::Noticed(_) => &["noticed_at"],
            Set::Supervised(_) => &["supervised"],
            Set::Assignee { .. } => &["assignee_id", "routed_by"],
        }
    }
}

/// The page a notification links to, by audience. The reporter's is their list of reports (a
/// notice never holds the receipt code: the database keeps codes only as keyed hashes).
fn link(to: Audience, report: Uuid) -> String {
    match to {
        Audience::Reporter => "/my".to_string(),
        Audience::Officers => app::desks::EnterpriseAction::page(report),
        _ => app::desks::UnionAction::page(report),
    }
}

fn lock_clause(db: &Db) -> &'static str {
    if matches!(db, Db::Postgres(_)) {
        " FOR UPDATE"
    } else {
        ""
    }
}

/// `SELECT` of a district's desk (its admins) and the city's admins.
const DISTRICT_ADMINS: &str =
    "SELECT s.user_id FROM admin_scopes s JOIN users u ON u.id = s.user_id
     WHERE NOT u.disabled AND s.district_code = $1";
const CITY_ADMINS: &str = "SELECT s.user_id FROM admin_scopes s JOIN users u ON u.id = s.user_id
     WHERE NOT u.disabled AND s.district_code IS NULL";
const OFFICERS: &str =
    "SELECT o.user_id FROM enterprise_officers o JOIN users u ON u.id = o.user_id
     WHERE NOT u.disabled AND o.enterprise_id = $1";
const REPORTER_ACCOUNTS: &str = "SELECT user_id FROM account_reports WHERE report_id = $1";

/// The people an [`Audience`] is, inside a transaction: `recipients!(tx, audience, report,
/// district, enterprise, assignee)`.
macro_rules! recipients {
    ($tx:ident, $to:expr, $report:expr, $district:expr, $enterprise:expr, $assignee:expr) => {{
        let mut users: Vec<Uuid> = match ($to, $assignee) {
            (Audience::User(u), _) => vec![u],
            (Audience::Reporter, _) => {
                sqlx::query_scalar(REPORTER_ACCOUNTS)
                    .bind($report)
                    .fetch_all(&mut *$tx)
                    .await?
            }
            (Audience::Officers, _) => match $enterprise {
                Some(e) => {
                    sqlx::query_scalar(OFFICERS)
                        .bind(e)
                        .fetch_all(&mut *$tx)
                        .await?
                }
                None => Vec::new(),
            },
            (Audience::City, _) => sqlx::query_scalar(CITY_ADMINS).fetch_all(&mut *$tx).await?,
            (Audience::UnionDesk, Some(holder)) => vec![holder],
            (Audience::UnionDesk | Audience::DistrictDesk, _) => {
                let admins: Vec<Uuid> = sqlx::query_scalar(DISTRICT_ADMINS)
                    .bind($district)
                    .fetch_all(&mut *$tx)
                    .await?;
                if admins.is_empty() {
                    sqlx::query_scalar(CITY_ADMINS).fetch_all(&mut *$tx).await?
                } else {
                    admins
                }
            }
        };
        users.sort();
        users.dedup();
        users
    }};
}

/// Writes a timeline entry inside a transaction.
macro_rules! timeline_entry {
    ($tx:ident, $report:expr, $now:expr, $by:expr, $actor:expr, $from:expr, $to:expr, $note:expr, $visibility:expr) => {{
        sqlx::query(
            "INSERT INTO report_events (id, report_id, at, actor, actor_user_id, from_state, to_state, note, visibility, seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                     (SELECT COALESCE(MAX(e.seq), 0) + 1 FROM report_events e WHERE e.report_id = $2))",
        )
        .bind(Uuid::new_v4())
        .bind($report)
        .bind($now)
        .bind($by)
        .bind($actor)
        .bind($from)
        .bind($to)
        .bind($note)
        .bind($visibility)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// The audit row of a step on a report.
fn report_entry<'a>(
    step: &Step,
    now: i64,
    action: &'a str,
    address: &'a str,
    detail: String,
) -> crate::store::audit::Entry<'a> {
    crate::store::audit::Entry {
        at: now,
        actor: step.actor,
        action,
        subject_type: Some("report"),
        subject_id: Some(step.report.to_string()),
        address,
        detail,
    }
}

/// Records a step: the new state, or `None` when its [`Require`] no longer held (nothing was
/// written). Refusals: [`AppError::NotFound(None)`] (no such report), [`AppError::Conflict`] (the state
/// does not allow the event, or an extension is asked twice / decided with none waiting),
/// [`AppError::Forbidden`] (the event is not this party's).
#[tracing::instrument(skip_all, fields(report = %step.report, step = step.name))]
pub async fn record(
    db: &Db,
    step: &Step,
    now: i64,
    lang: Lang,
) -> Result<Option<ReportState>, AppError> {
    let t = lang.tr();
    let select = format!(
        "SELECT state, enterprise_id, district_code, assignee_id, confirm_due_at
         FROM reports WHERE id = $1{}",
        lock_clause(db)
    );
    let mut sets = vec!["state = $1".to_string(), "updated_at = $2".to_string()];
    let mut n = 3;
    for s in &step.set {
        for col in s.sql() {
            n += 1;
            sets.push(format!("{col} = ${n}"));
        }
    }
    let update = format!("UPDATE reports SET {} WHERE id = $3", sets.join(", "));
    let outcome = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        type Locked = (String, Option<Uuid>, String, Option<Uuid>, Option<i64>);
        let row: Option<Locked> = sqlx::query_as(&select)
            .bind(step.report)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((state, mut enterprise, district, mut assignee, confirm_due)) = row else {
            return Err(AppError::NotFound(None));
        };
        let current = ReportState::parse(&state).ok_or_else(|| {
            AppError::internal(format!(
                "report {} has an unknown state {state:?}",
                step.report
            ))
        })?;
        let holds = match step.require {
            None => true,
            Some(Require::Unanswered { now }) => {
                current == ReportState::Verified && confirm_due.is_some_and(|d| d < now)
            }
        };
        if !holds {
            tx.rollback().await?;
            return Ok(None);
        }
        // Asking for more time, and deciding on it, only while the rectification is awaited.
        if matches!(
            step.extra,
            Extra::ExtensionRequest { .. } | Extra::ExtensionDecision { .. }
        ) && !current.awaits_rectification()
        {
            return Err(AppError::conflict(crate::i18n_fill(
                t.action_wrong_state(),
                current,
                lang,
            )));
        }
        let to = match step.change {
            Change::To(event) => {
                transition(current, event, step.by.party()).map_err(|r| match r {
                    Refusal::WrongState => {
                        AppError::conflict(crate::i18n_fill(t.action_wrong_state(), current, lang))
                    }
                    Refusal::WrongParty => AppError::Forbidden(None),
                })?
            }
            Change::Keep => current,
        };
        let mut q = sqlx::query(&update)
            .bind(to.as_str())
            .bind(now)
            .bind(step.report);
        for s in &step.set {
            q = match s {
                Set::Grade(g) => q.bind(g.as_str()),
                Set::ClosureReason(r) => q.bind(r.clone()),
                Set::DuplicateOf(d) => q.bind(*d),
                Set::Enterprise {
                    id,
                    industry,
                    coal_mine,
                } => {
                    enterprise = Some(*id);
                    q.bind(*id).bind(industry.clone()).bind(*coal_mine)
                }
                Set::AckDue(at) | Set::FixDue(at) | Set::Noticed(at) => q.bind(*at),
                Set::ConfirmDue(at) => q.bind(*at),
                Set::Supervised(b) => q.bind(*b),
                Set::Assignee { to, rule } => {
                    assignee = *to;
                    q.bind(*to).bind(rule.clone())
                }
            };
        }
        // A step that changes nothing of the report (a message) leaves its row alone: not even
        // `updated_at` moves at a moment the reporter chose.
        if step.change != Change::Keep || !step.set.is_empty() {
            q.execute(&mut *tx).await?;
        }
        match &step.extra {
            Extra::None => {}
            Extra::Notice {
                notice: n,
                releases,
                address,
            } => {
                for r in releases {
                    sqlx::query(
                        "UPDATE report_photos SET released_at = $1, withheld = $2, masks = $3,
                            released_display_key = $4, released_thumb_key = $5
                         WHERE id = $6 AND report_id = $7 AND kind = 'hazard'",
                    )
                    .bind(now)
                    .bind(r.withheld)
                    .bind(i32::try_from(r.masks).unwrap_or(i32::MAX))
                    .bind(&r.display_key)
                    .bind(&r.thumb_key)
                    .bind(r.photo)
                    .bind(step.report)
                    .execute(&mut *tx)
                    .await?;
                }
                if !releases.is_empty() {
                    let detail = serde_json::json!({
                        "withheld": releases.iter().filter(|r| r.withheld).map(|r| r.photo).collect::<Vec<_>>(),
                        "masked": releases.iter().filter(|r| r.masks > 0).map(|r| (r.photo.to_string(), r.masks)).collect::<std::collections::BTreeMap<_, _>>(),
                        "released": releases.iter().filter(|r| !r.withheld).count(),
                    });
                    let entry =
                        report_entry(step, now, "photos_released", address, detail.to_string());
                    audit_row!(tx, &entry);
                }
                sqlx::query(
                    "INSERT INTO notices (id, report_id, sent_at, sent_by, responsible_person, measures, deadline_at, standard,
                        acceptance_person, plan_goal, plan_resources, plan_people, plan_safety, plan_emergency)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(Uuid::new_v4())
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
                sqlx::query(
                    "INSERT INTO rectifications (id, report_id, submitted_at, submitted_by, note) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(Uuid::new_v4())
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
                insert_photo_rows!(
                    tx,
                    step.report,
                    "rectification",
                    first as usize,
                    photos,
                    now
                );
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
                    return Err(AppError::conflict(t.action_extension_once()));
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
                    return Err(AppError::conflict(t.action_no_pending_extension()));
                }
            }
            Extra::Message {
                id,
                from_reporter,
                body,
            } => {
                sqlx::query(
                    "INSERT INTO report_messages (id, report_id, at, from_reporter, author_user_id, body, seq)
                     VALUES ($1, $2, $3, $4, $5, $6,
                             (SELECT COALESCE(MAX(m.seq), 0) + 1 FROM report_messages m WHERE m.report_id = $2))",
                )
                .bind(id)
                .bind(step.report)
                .bind(now)
                .bind(*from_reporter)
                .bind(step.actor)
                .bind(body)
                .execute(&mut *tx)
                .await?;
            }
            Extra::Audit {
                action,
                address,
                detail,
            } => {
                let entry = report_entry(step, now, action, address, detail.clone());
                audit_row!(tx, &entry);
            }
            Extra::Purge => {
                let first = sqlx::query(
                    "UPDATE reports SET purged_at = $1, location_sealed = NULL, lat = NULL, lon = NULL,
                            location_accuracy_m = NULL
                     WHERE id = $2 AND purged_at IS NULL",
                )
                .bind(now)
                .bind(step.report)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if first == 0 {
                    return Err(AppError::conflict("purged before"));
                }
                sqlx::query(
                    "DELETE FROM photo_evidence WHERE photo_id IN
                        (SELECT id FROM report_photos WHERE report_id = $1 AND kind = 'hazard')",
                )
                .bind(step.report)
                .execute(&mut *tx)
                .await?;
                for table in ["report_reporters", "account_reports"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE report_id = $1"))
                        .bind(step.report)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            Extra::RevealRequest {
                id,
                reason,
                address,
            } => {
                sqlx::query(
                    "INSERT INTO reveal_requests (id, report_id, requested_by, reason, requested_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(step.report)
                .bind(step.actor)
                .bind(reason)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let entry = report_entry(
                    step,
                    now,
                    "identity_reveal_requested",
                    address,
                    serde_json::json!({ "request": id, "reason": reason }).to_string(),
                );
                audit_row!(tx, &entry);
            }
            Extra::RevealDecision {
                request,
                approved,
                address,
            } => {
                let decided = sqlx::query(
                    "UPDATE reveal_requests SET decided_by = $1, decided_at = $2, approved = $3
                     WHERE id = $4 AND report_id = $5 AND decided_by IS NULL AND requested_by <> $1",
                )
                .bind(step.actor)
                .bind(now)
                .bind(*approved)
                .bind(request)
                .bind(step.report)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if decided == 0 {
                    return Err(AppError::conflict(t.reveal_not_waiting()));
                }
                let entry = report_entry(
                    step,
                    now,
                    if *approved {
                        "identity_reveal_approved"
                    } else {
                        "identity_reveal_refused"
                    },
                    address,
                    serde_json::json!({ "request": request }).to_string(),
                );
                audit_row!(tx, &entry);
            }
        }
        // The step's own entry, with its change of state, then the further ones.
        let change = match step.change {
            Change::To(_) => (Some(current.as_str()), Some(to.as_str())),
            Change::Keep => (None, None),
        };
        let own = step
            .entry
            .iter()
            .map(|(note, v)| (note.as_deref(), v, change));
        let further = step
            .also
            .iter()
            .map(|(note, v)| (Some(note.as_str()), v, (None, None)));
        for (note, visibility, (from, to_state)) in own.chain(further) {
            timeline_entry!(
                tx,
                step.report,
                now,
                step.by.as_str(),
                step.actor,
                from,
                to_state,
                note,
                visibility.as_str()
            );
        }
        for tell in &step.tell {
            let users = recipients!(tx, tell.to, step.report, &district, enterprise, assignee);
            let link = link(tell.to, step.report);
            for user in users {
                queue_notification!(
                    tx,
                    user,
                    tell.kind,
                    Some(step.report),
                    None::<Uuid>,
                    &tell.title,
                    &tell.body,
                    &link,
                    now
                );
            }
        }
        tx.commit().await?;
        Ok::<Option<ReportState>, AppError>(Some(to))
    })?;
    if let Some(to) = outcome {
        tracing::info!(state = to.as_str(), "step recorded");
    }
    Ok(outcome)
}

/// How many times a (astronomically unlikely) receipt-code collision is retried.
const CODE_ATTEMPTS: usize = 5;

/// Stores a new report — the report, its sealed reporter, photos, evidence, the `submitted`
/// entry, the routing note and the notifications `tell` asks for — in one transaction. A second
/// call with the same client id stores nothing and answers with the first report's receipt.
#[tracing::instrument(skip_all, fields(client_id = %report.client_id))]
pub async fn submit(
    db: &Db,
    keys: &app::backend::receipts::ReceiptKeys,
    report: &NewReport,
    tell: &[Tell],
    now: i64,
) -> Result<Stored, AppError> {
    let mut attempt = 0;
    let id = report.id;
    loop {
        attempt += 1;
        let code = new_receipt_code();
        match insert_report(db, keys, report, tell, id, &code, now).await {
            Ok(true) => return Ok(Stored::Created { id, code }),
            Ok(false) => {
                return app::backend::reports::by_client_id(db, keys, report.client_id)
                    .await?
                    .map(|b| Stored::Existing {
                        id: b.id,
                        code: b.code,
                    })
                    .ok_or_else(|| AppError::internal("a stored client id vanished"))
            }
            Err(e)
                if attempt < CODE_ATTEMPTS
                    && app::backend::db::is_unique_violation(&e, "receipt_") =>
            {
                continue
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// `Ok(false)` when the client id already exists (nothing written).
async fn insert_report(
    db: &Db,
    keys: &app::backend::receipts::ReceiptKeys,
    r: &NewReport,
    tell: &[Tell],
    id: Uuid,
    code: &app::domain::receipt::ReceiptCode,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let assignee = r.routed.as_ref().and_then(|x| x.0);
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO reports (id, client_id, fingerprint, receipt_hash, category, answers, enterprise_id,
                district_code, address, site, description, severity, urgent, state, location_sealed,
                lang, via, created_at, updated_at, industry_code, is_coal_mine, assignee_id, routed_by, alert_id,
                receipt_sealed)
             VALUES ($1, $2, $18, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17,
                     $19, $20, $21, $22, $23, $24)
             ON CONFLICT (client_id) DO NOTHING",
        )
        .bind(id)
        .bind(r.client_id)
        .bind(keys.hash(code))
        .bind(&r.category)
        .bind(&r.answers_json)
        .bind(r.enterprise_id)
        .bind(&r.district_code)
        .bind(&r.address)
        .bind(&r.site)
        .bind(&r.description)
        .bind(r.severity.as_str())
        .bind(r.severity.is_urgent())
        .bind(ReportState::Submitted.as_str())
        .bind(&r.location_sealed)
        .bind(&r.lang)
        .bind(r.via.as_str())
        .bind(now)
        .bind(&r.fingerprint)
        .bind(&r.industry_code)
        .bind(r.is_coal_mine)
        .bind(assignee)
        .bind(r.routed.as_ref().map(|x| x.1.clone()))
        .bind(r.alert)
        .bind(keys.seal(code))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("INSERT INTO data_keys (owner, master_id, wrapped) VALUES ($1, $2, $3)")
            .bind(app::backend::vault::report_owner(id))
            .bind(&r.data_key.master_id)
            .bind(&r.data_key.wrapped)
            .execute(&mut *tx)
            .await?;
        if let Some((name, phone)) = &r.reporter {
            sqlx::query(
                "INSERT INTO report_reporters (report_id, name, phone) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(name)
            .bind(phone)
            .execute(&mut *tx)
            .await?;
        }
        insert_photo_rows!(tx, id, "hazard", 0, &r.photos, now);
        timeline_entry!(
            tx,
            id,
            now,
            Party::Reporter.as_str(),
            None::<Uuid>,
            None::<&str>,
            Some(ReportState::Submitted.as_str()),
            None::<String>,
            Visibility::Reporter.as_str()
        );
        if let Some((_, _, reason)) = &r.routed {
            // Routing is the union's business: the reporter's timeline does not show it.
            timeline_entry!(
                tx,
                id,
                now,
                Party::System.as_str(),
                None::<Uuid>,
                None::<&str>,
                None::<&str>,
                Some(reason),
                Visibility::Union.as_str()
            );
        }
        let mut told: Vec<Uuid> = Vec::new();
        for t in tell {
            let users = recipients!(tx, t.to, id, &r.district_code, r.enterprise_id, assignee);
            let link = link(t.to, id);
            for user in users {
                if told.contains(&user) {
                    continue;
                }
                queue_notification!(
                    tx,
                    user,
                    t.kind,
                    Some(id),
                    None::<Uuid>,
                    &t.title,
                    &t.body,
                    &link,
                    now
                );
                told.push(user);
            }
        }
        tx.commit().await?;
        Ok(true)
    })
}

/// The reports whose reporter did not answer a verified fix before `now` (at most `limit`).
pub async fn unanswered(db: &Db, now: i64, limit: i64) -> Result<Vec<Uuid>, sqlx::Error> {
    db_run!(db, |pool| {
        sqlx::query_scalar(
        "SELECT id FROM reports WHERE state = 'verified' AND confirm_due_at < $1 ORDER BY confirm_due_at LIMIT $2"
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
    })
}

/// The closed reports not purged yet whose last change of state was before `cutoff` (retention),
/// at most `limit`.
pub async fn purgeable(db: &Db, cutoff: i64, limit: i64) -> Result<Vec<Uuid>, sqlx::Error> {
    let sql = format!(
        "SELECT r.id FROM reports r
         WHERE {} AND r.purged_at IS NULL
           AND (SELECT MAX(e.at) FROM report_events e
                WHERE e.report_id = r.id AND e.to_state IS NOT NULL) < $1
         ORDER BY r.id LIMIT $2",
        app::backend::cases::closed_sql()
    );
    db_run!(db, |pool| sqlx::query_scalar(&sql)
        .bind(cutoff)
        .bind(limit)
        .fetch_all(pool)
        .await)
}

/// The original files of a report's photos (what retention deletes after its step).
pub async fn original_keys(db: &Db, report: Uuid) -> Result<Vec<String>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_scalar(
        "SELECT v.original_key FROM photo_evidence v JOIN report_photos p ON p.id = v.photo_id
         WHERE p.report_id = $1 AND p.kind = 'hazard'"
    )
    .bind(report)
    .fetch_all(pool)
    .await)
}

/// Whether any photo evidence still names a stored file.
pub async fn original_in_use(db: &Db, key: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM photo_evidence WHERE original_key = $1"
    )
    .bind(key)
    .fetch_one(pool)
    .await)?;
    Ok(n > 0)
}

/// The overdue reports (by [`app::backend::cases::overdue_sql`]), at most `limit`.
pub async fn overdue(db: &Db, now: i64, limit: i64) -> Result<Vec<Uuid>, sqlx::Error> {
    let sql = format!(
        "SELECT r.id FROM reports r WHERE {} ORDER BY r.id LIMIT $2",
        app::backend::cases::overdue_sql("$1")
    );
    db_run!(db, |pool| sqlx::query_scalar(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await)
}

/// Which deadline of an overdue report passed (`ack`, `fix`) and when.
fn passed_deadline(
    state: &str,
    ack_due: Option<i64>,
    fix_due: Option<i64>,
    now: i64,
) -> (&'static str, i64) {
    match (state, ack_due, fix_due) {
        ("notice_sent", Some(a), _) if now > a => ("ack", a),
        (_, _, Some(f)) => ("fix", f),
        _ => ("fix", now),
    }
}

/// Climbs an overdue report up the ladder (inspector → district union → city union): each rung
/// reached for the first time is a row with a primary key, a union-only timeline entry and a
/// notification to that rung, in one transaction under the report's lock (`SKIP LOCKED` on
/// PostgreSQL: another process has it). `note(rung, deadline)` words the entry. Returns the new
/// rungs.
#[tracing::instrument(skip(db, deadlines, note))]
pub async fn escalate(
    db: &Db,
    report: Uuid,
    now: i64,
    deadlines: &app::domain::deadlines::Deadlines,
    note: impl Fn(Escalation, &str) -> String,
) -> Result<Vec<Escalation>, AppError> {
    let claim = format!(
        "SELECT r.state, r.ack_due_at, r.fix_due_at, r.district_code, r.assignee_id, r.enterprise_id
         FROM reports r WHERE r.id = $2 AND {}{}",
        app::backend::cases::overdue_sql("$1"),
        if matches!(db, Db::Postgres(_)) {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        }
    );
    let done = db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        type Claimed = (
            String,
            Option<i64>,
            Option<i64>,
            String,
            Option<Uuid>,
            Option<Uuid>,
        );
        let row: Option<Claimed> = sqlx::query_as(&claim)
            .bind(now)
            .bind(report)
            .fetch_optional(&mut *tx)
            .await?;
        let mut done = Vec::new();
        if let Some((state, ack_due, fix_due, district, assignee, enterprise)) = row {
            let (which, due_at) = passed_deadline(&state, ack_due, fix_due, now);
            for rung in deadlines
                .escalation(due_at, now)
                .map(Escalation::up_to)
                .unwrap_or_default()
            {
                let fresh = sqlx::query(
                    "INSERT INTO escalations (report_id, deadline, deadline_at, level, at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (report_id, deadline, deadline_at, level) DO NOTHING",
                )
                .bind(report)
                .bind(which)
                .bind(due_at)
                .bind(rung.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if fresh == 0 {
                    continue;
                }
                let text = note(rung, which);
                timeline_entry!(
                    tx,
                    report,
                    now,
                    Party::System.as_str(),
                    None::<Uuid>,
                    None::<&str>,
                    None::<&str>,
                    Some(&text),
                    Visibility::Union.as_str()
                );
                let (to, kind) = match rung {
                    Escalation::Inspector => (Audience::UnionDesk, "overdue"),
                    Escalation::District => (Audience::DistrictDesk, "escalated"),
                    Escalation::City => (Audience::City, "escalated"),
                };
                let users = recipients!(tx, to, report, &district, enterprise, assignee);
                let link = link(to, report);
                for user in users {
                    queue_notification!(
                        tx,
                        user,
                        kind,
                        Some(report),
                        None::<Uuid>,
                        &text,
                        "",
                        &link,
                        now
                    );
                }
                done.push(rung);
            }
        }
        tx.commit().await?;
        Ok::<Vec<Escalation>, AppError>(done)
    })?;
    Ok(done)
}
