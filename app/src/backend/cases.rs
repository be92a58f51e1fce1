//! Reading reports for the union and the enterprise: the facts the policy needs, the union's
//! internal view, the enterprise's confidential view, the queues (keyset pagination: no
//! `OFFSET`, no `COUNT(*)`), duplicate candidates, the inbox.

use super::cursor::Cursor;
use super::{
    reports::{field, EvidenceFacts, SealedLocation},
    vault::{DataKey, Vault},
    Db,
};
use crate::{
    db_run,
    domain::{
        category::Category,
        deadlines,
        policy::ReportFacts,
        report::{ReportState, Severity},
        workflow::{self, Grade},
    },
    views::{
        EnterpriseReportView, EventView, EvidenceView, ExtensionView, InboxItem,
        InternalReportView, MessageView, NoticeView, PhotoRef, QueueItem, RectificationView,
    },
};
use uuid::Uuid;

/// SQL for "overdue", mirroring [`deadlines::report_overdue`]; `now` is the placeholder of the
/// current instant (`$1`).
pub fn overdue_sql(now: &str) -> String {
    let ack = workflow::sql_list(deadlines::awaits_ack);
    let fix = workflow::sql_list(deadlines::awaits_fix);
    format!("((r.state IN ({ack}) AND r.ack_due_at < {now}) OR (r.state IN ({fix}) AND r.fix_due_at < {now}))")
}

/// SQL for "still open" ([`workflow::is_open`]); the partial indexes' predicate.
pub fn open_sql() -> String {
    format!(
        "r.state NOT IN ({})",
        workflow::sql_list(|s| !workflow::is_open(s))
    )
}

/// SQL for "finished" (the complement of [`open_sql`]).
pub fn closed_sql() -> String {
    format!(
        "r.state IN ({})",
        workflow::sql_list(|s| !workflow::is_open(s))
    )
}

/// A report's facts for the policy, plus what pages need to pick the right view.
pub async fn facts(db: &Db, id: Uuid) -> Result<Option<ReportFacts>, sqlx::Error> {
    let row: Option<(
        String,
        Option<String>,
        Option<Uuid>,
        bool,
        Option<Uuid>,
        String,
    )> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT district_code, industry_code, enterprise_id, is_coal_mine, assignee_id, state FROM reports WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    })?;
    Ok(row.map(
        |(district, industry, enterprise, is_coal_mine, assignee, state)| ReportFacts {
            district,
            industry,
            enterprise,
            is_coal_mine,
            assignee,
            state: ReportState::parse(&state).unwrap_or(ReportState::Submitted),
        },
    ))
}

/// A report's grade, once it has one.
pub async fn grade_of(db: &Db, id: Uuid) -> Result<Option<Grade>, sqlx::Error> {
    let grade: Option<Option<String>> = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT grade FROM reports WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    Ok(grade.flatten().as_deref().and_then(Grade::parse))
}

/// A report's rectification deadline, once a notice set one.
pub async fn fix_due_of(db: &Db, id: Uuid) -> Result<Option<i64>, sqlx::Error> {
    let due: Option<Option<i64>> = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT fix_due_at FROM reports WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    Ok(due.flatten())
}

/// The date an enterprise's undecided extension request asks for.
pub async fn pending_extension(db: &Db, id: Uuid) -> Result<Option<i64>, sqlx::Error> {
    db_run!(db, |pool| {
        sqlx::query_scalar(
        "SELECT requested_until FROM extension_requests WHERE report_id = $1 AND granted IS NULL AND decided_at IS NULL"
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    })
}

/// The report a photo belongs to, and the photo's kind.
pub async fn photo_report(db: &Db, photo: Uuid) -> Result<Option<(Uuid, String)>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_as(
        "SELECT report_id, kind FROM report_photos WHERE id = $1"
    )
    .bind(photo)
    .fetch_optional(pool)
    .await)
}

/// A report's hazard photos in order: id, display copy's key, thumbnail's key (the union's
/// copies: what a review starts from).
pub async fn hazard_photos(
    db: &Db,
    report: Uuid,
) -> Result<Vec<(Uuid, String, String)>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_as(
        "SELECT id, display_key, thumb_key FROM report_photos
         WHERE report_id = $1 AND kind = 'hazard' ORDER BY position"
    )
    .bind(report)
    .fetch_all(pool)
    .await)
}

/// What the enterprise may see of a report's photos: its own rectification photos, and the hazard
/// photos the inspector released (not withheld) with the notice.
const RELEASED: &str = "(kind <> 'hazard' OR (released_at IS NOT NULL AND NOT withheld))";

/// A stored-file key of a photo: `thumb`, `display` or `original`. For the enterprise: the
/// released copies only (masked where the inspector masked), never an original.
pub async fn photo_key(
    db: &Db,
    photo: Uuid,
    size: &str,
    as_enterprise: bool,
) -> Result<Option<String>, sqlx::Error> {
    let sql = match (size, as_enterprise) {
        ("thumb", false) => "SELECT thumb_key FROM report_photos WHERE id = $1".to_string(),
        ("display", false) => "SELECT display_key FROM report_photos WHERE id = $1".to_string(),
        (_, false) => "SELECT original_key FROM photo_evidence WHERE photo_id = $1".to_string(),
        ("thumb" | "display", true) => format!(
            "SELECT CASE WHEN kind = 'hazard' THEN released_{size}_key ELSE {size}_key END
             FROM report_photos WHERE id = $1 AND {RELEASED}"
        ),
        (_, true) => return Ok(None),
    };
    let key: Option<Option<String>> = db_run!(db, |pool| sqlx::query_scalar(&sql)
        .bind(photo)
        .fetch_optional(pool)
        .await)?;
    Ok(key.flatten())
}

async fn photos(db: &Db, id: Uuid, as_enterprise: bool) -> Result<Vec<PhotoRef>, sqlx::Error> {
    let sql = format!(
        "SELECT id, kind, display_width, display_height FROM report_photos
         WHERE report_id = $1 {} ORDER BY kind, position",
        if as_enterprise {
            format!("AND {RELEASED}")
        } else {
            String::new()
        }
    );
    let rows: Vec<(Uuid, String, i32, i32)> = db_run!(db, |pool| {
        sqlx::query_as(&sql).bind(id).fetch_all(pool).await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, width, height)| PhotoRef {
            id,
            kind,
            width,
            height,
        })
        .collect())
}

async fn notice(db: &Db, id: Uuid) -> Result<Option<NoticeView>, sqlx::Error> {
    type Row = (
        i64,
        String,
        String,
        i64,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT sent_at, responsible_person, measures, deadline_at, standard, acceptance_person,
                plan_goal, plan_resources, plan_people, plan_safety, plan_emergency
         FROM notices WHERE report_id = $1 ORDER BY sent_at DESC, id DESC LIMIT 1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    })?;
    Ok(row.map(|r| NoticeView {
        sent_at: r.0,
        notice: crate::domain::forms::union::Notice {
            responsible_person: r.1,
            measures: r.2,
            deadline_at: r.3,
            standard: r.4,
            acceptance_person: r.5,
            plan_goal: r.6,
            plan_resources: r.7,
            plan_people: r.8,
            plan_safety: r.9,
            plan_emergency: r.10,
        },
    }))
}

async fn rectifications(db: &Db, id: Uuid) -> Result<Vec<RectificationView>, sqlx::Error> {
    super::db::fetch_all_for(
        db,
        "SELECT submitted_at, note FROM rectifications WHERE report_id = $1 ORDER BY submitted_at, id",
        id,
    )
    .await
}

async fn extension(db: &Db, id: Uuid) -> Result<Option<ExtensionView>, sqlx::Error> {
    let row: Option<(i64, i64, String, Option<bool>)> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT requested_at, requested_until, reason, granted FROM extension_requests WHERE report_id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    })?;
    Ok(row.map(
        |(requested_at, requested_until, reason, granted)| ExtensionView {
            requested_at,
            requested_until,
            reason,
            granted,
        },
    ))
}

/// Who reads a timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Union,
    Enterprise,
}

async fn timeline(db: &Db, id: Uuid, audience: Audience) -> Result<Vec<EventView>, sqlx::Error> {
    type Row = (
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    );
    let rows: Vec<Row> = db_run!(db, |pool| sqlx::query_as(
        "SELECT e.at, e.actor, u.display_name, e.from_state, e.to_state, e.note, e.visibility
         FROM report_events e LEFT JOIN users u ON u.id = e.actor_user_id
         WHERE e.report_id = $1 ORDER BY e.seq"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    Ok(rows
        .into_iter()
        .filter(|r| match audience {
            Audience::Union => true,
            // The enterprise sees the steps it takes part in; nothing the reporter or the union
            // said among themselves, and no names.
            Audience::Enterprise => r.6 == "all" || r.6 == "enterprise",
        })
        .map(|(at, actor, name, from, to, note, _)| EventView {
            at,
            actor,
            actor_name: if audience == Audience::Union {
                name
            } else {
                None
            },
            from_state: from.as_deref().and_then(ReportState::parse),
            to_state: to.as_deref().and_then(ReportState::parse),
            note,
        })
        .collect())
}

/// The thread between the reporter and the union, opened with the report's data key.
pub async fn messages(db: &Db, vault: &Vault, id: Uuid) -> Result<Vec<MessageView>, sqlx::Error> {
    let rows: Vec<(Uuid, i64, bool, String)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT id, at, from_reporter, body FROM report_messages WHERE report_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(pool)
        .await
    })?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let key = super::vault::report_key(db, vault, id).await?;
    Ok(rows
        .into_iter()
        .map(|(message, at, from_reporter, body)| MessageView {
            at,
            from_reporter,
            body: opened(key.as_ref(), &field::message(message), &body).unwrap_or_default(),
        })
        .collect())
}

/// A sealed value opened with its report's key; `None` (and a line in the log) when it does not
/// open, which only a replaced master key file or a changed row can cause.
fn opened(key: Option<&DataKey>, field: &str, stored: &str) -> Option<String> {
    let open = key.and_then(|k| k.open(field, stored));
    if open.is_none() {
        tracing::error!(field, "a sealed value does not open with its report's key");
    }
    open
}

type CoreRow = (
    Uuid,
    String,
    bool,
    String,
    Option<String>,
    bool,
    String,
    String,
    Option<Uuid>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
);

async fn core(db: &Db, id: Uuid) -> Result<Option<CoreRow>, sqlx::Error> {
    db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT r.id, r.state, r.urgent, r.severity, r.grade, r.supervised, r.category, r.answers, r.enterprise_id, e.name,
                r.district_code, r.site, r.closure_reason, r.created_at, r.ack_due_at, r.fix_due_at
         FROM reports r LEFT JOIN enterprises e ON e.id = r.enterprise_id WHERE r.id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    })
}

/// The union's view (no reporter identity: that takes the reveal action).
pub async fn internal_view(
    db: &Db,
    vault: &Vault,
    id: Uuid,
    lang: crate::i18n::Lang,
) -> Result<Option<InternalReportView>, sqlx::Error> {
    let Some(c) = core(db, id).await? else {
        return Ok(None);
    };
    type More = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<Uuid>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let more: More = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT r.address, r.description, r.location_sealed, r.assignee_id, u.display_name, r.routed_by, r.confirm_due_at
         FROM reports r LEFT JOIN users u ON u.id = r.assignee_id WHERE r.id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await
    })?;
    let named: bool = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) > 0 FROM report_reporters WHERE report_id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)?;
    let linked: bool = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) > 0 FROM account_reports WHERE report_id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)?;
    let evidence: Vec<(Uuid, i64, i32, i32, Option<String>)> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT e.photo_id, e.received_bytes, e.original_width, e.original_height, e.sealed
         FROM photo_evidence e JOIN report_photos p ON p.id = e.photo_id WHERE p.report_id = $1 ORDER BY p.kind, p.position"
    )
    .bind(id)
    .fetch_all(pool)
    .await
    })?;
    let key = super::vault::report_key(db, vault, id).await?;
    let location = more
        .2
        .as_deref()
        .and_then(|sealed| opened(key.as_ref(), field::LOCATION, sealed))
        .and_then(|json| serde_json::from_str::<SealedLocation>(&json).ok());
    Ok(Some(InternalReportView {
        id: c.0,
        state: ReportState::parse(&c.1).unwrap_or(ReportState::Submitted),
        urgent: c.2,
        severity: Severity::parse(&c.3).unwrap_or(Severity::Immediate),
        grade: c.4,
        supervised: c.5,
        answers: describe_answers(&c.6, &c.7, lang),
        category: c.6,
        enterprise_id: c.8,
        enterprise_name: c.9,
        district_code: c.10,
        site: c.11,
        closure_reason: c.12,
        created_at: c.13,
        ack_due_at: c.14,
        fix_due_at: c.15,
        address: more.0,
        description: more.1,
        location: location.map(|l| (l.lat, l.lon)),
        assignee: more.3.zip(more.4),
        routed_by: more.5,
        confirm_due_at: more.6,
        named,
        linked_to_account: linked,
        photos: photos(db, id, false).await?,
        evidence: evidence
            .into_iter()
            .map(|(photo_id, received_bytes, w, h, sealed)| {
                let facts = sealed
                    .as_deref()
                    .and_then(|s| opened(key.as_ref(), &field::evidence(photo_id), s))
                    .and_then(|json| serde_json::from_str::<EvidenceFacts>(&json).ok())
                    .unwrap_or_default();
                EvidenceView {
                    photo_id,
                    sha256: facts.sha256,
                    received_bytes,
                    original_size: (w, h),
                    taken_at: facts.exif_taken_at,
                    exif_location: facts.exif_location,
                    client_sha256: facts.client_sha256,
                    client_taken_at: facts.client_taken_at,
                }
            })
            .collect(),
        notice: notice(db, id).await?,
        rectifications: rectifications(db, id).await?,
        extension: extension(db, id).await?,
        timeline: timeline(db, id, Audience::Union).await?,
        messages: messages(db, vault, id).await?,
    }))
}

/// The enterprise's view: built here and only here; see [`EnterpriseReportView`]. Its state is
/// [`workflow::as_the_enterprise_sees`] at `now`.
pub async fn enterprise_view(
    db: &Db,
    id: Uuid,
    lang: crate::i18n::Lang,
    now: i64,
) -> Result<Option<EnterpriseReportView>, sqlx::Error> {
    let Some(c) = core(db, id).await? else {
        return Ok(None);
    };
    let (Some(enterprise_id), Some(enterprise_name)) = (c.8, c.9) else {
        return Ok(None);
    };
    let state = ReportState::parse(&c.1).unwrap_or(ReportState::Submitted);
    let confirm_due: Option<i64> = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT confirm_due_at FROM reports WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)?;
    Ok(Some(EnterpriseReportView {
        id: c.0,
        state: workflow::as_the_enterprise_sees(state, confirm_due, now),
        urgent: c.2,
        grade: c.4,
        supervised: c.5,
        answers: describe_answers(&c.6, &c.7, lang),
        category: c.6,
        enterprise_id,
        enterprise_name,
        site: c.11,
        ack_due_at: c.14,
        fix_due_at: c.15,
        photos: photos(db, id, true).await?,
        notice: notice(db, id).await?,
        rectifications: rectifications(db, id).await?,
        extension: extension(db, id).await?,
        timeline: timeline(db, id, Audience::Enterprise).await?,
    }))
}

/// Which reports a queue shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueQuery {
    /// The enterprise's list: ordered by the notice's time (never the submission's), states as
    /// the enterprise sees them ([`workflow::as_the_enterprise_sees`]), no thumbnails.
    pub for_enterprise: bool,
    /// Only reports assigned to this person (“my queue”).
    pub assignee: Option<Uuid>,
    /// Only this district.
    pub district: Option<String>,
    /// Only these enterprises (an officer's queue; also a filter).
    pub enterprises: Option<Vec<Uuid>>,
    /// Only reports the enterprise has been sent a notice about.
    pub noticed_only: bool,
    /// A state, or `None` for every open report (`Some("all")` for everything).
    pub state: Option<String>,
    pub grade: Option<String>,
    pub category: Option<String>,
    pub overdue: bool,
    pub urgent: bool,
    /// Coverage of an inspector (district, industry) the queue is limited to, if any.
    pub coverage: Option<Vec<(String, String)>>,
    /// Where the page starts (the previous page's last row).
    pub after: Option<Cursor>,
    pub limit: i64,
}

/// How many rows a queue page holds.
pub const QUEUE_PAGE: i64 = 20;

enum Bind {
    Text(String),
    Id(Uuid),
    Int(i64),
}

/// The SQL and parameters of a queue page (public so the benchmark can show its plan).
pub fn queue_sql(q: &QueueQuery, now: i64) -> (String, Vec<(String, String)>) {
    let (sql, binds) = build_queue(q, now);
    let shown = binds
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let v = match b {
                Bind::Text(s) => format!("'{s}'"),
                Bind::Id(u) => format!("'{u}'"),
                Bind::Int(n) => n.to_string(),
            };
            (format!("${}", i + 1), v)
        })
        .collect();
    (sql, shown)
}

fn build_queue(q: &QueueQuery, now: i64) -> (String, Vec<Bind>) {
    // The time a list is ordered by: the enterprise's by the notice, the union's by submission.
    let at_col = if q.for_enterprise {
        "r.noticed_at"
    } else {
        "r.created_at"
    };
    let mut conds: Vec<String> = Vec::new();
    if q.for_enterprise {
        conds.push("r.noticed_at IS NOT NULL".into());
    }
    let mut binds: Vec<Bind> = Vec::new();
    let param = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    if let Some(a) = q.assignee {
        let p = param(Bind::Id(a), &mut binds);
        conds.push(format!("r.assignee_id = {p}"));
    }
    if let Some(d) = &q.district {
        let p = param(Bind::Text(d.clone()), &mut binds);
        conds.push(format!("r.district_code = {p}"));
    }
    // A set of enterprises, or coverage in several districts, becomes one keyset arm each (see
    // below): every arm is an ordered range of one index, where an `IN`/`OR` would make the
    // database collect every match and sort it.
    let mut arms: Vec<String> = Vec::new();
    if let Some(es) = &q.enterprises {
        if es.is_empty() {
            conds.push("1 = 0".into());
        } else {
            for e in es {
                let p = param(Bind::Id(*e), &mut binds);
                arms.push(format!("r.enterprise_id = {p}"));
            }
        }
    }
    if let Some(cov) = &q.coverage {
        let mut by_district: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for (d, i) in cov {
            by_district.entry(d).or_default().push(i);
        }
        let mut ors = Vec::new();
        for (d, industries) in by_district {
            let pd = param(Bind::Text(d.to_string()), &mut binds);
            let pis: Vec<String> = industries
                .iter()
                .map(|i| param(Bind::Text(i.to_string()), &mut binds))
                .collect();
            ors.push(format!(
                "r.district_code = {pd} AND r.industry_code IN ({})",
                pis.join(", ")
            ));
        }
        if ors.is_empty() {
            conds.push("1 = 0".into());
        } else if arms.is_empty() {
            arms = ors;
        } else {
            let ors: Vec<String> = ors.into_iter().map(|o| format!("({o})")).collect();
            conds.push(format!("({})", ors.join(" OR ")));
        }
    }
    if q.noticed_only {
        conds.push(format!(
            "r.state IN ({})",
            workflow::sql_list(workflow::is_noticed)
        ));
    }
    match q.state.as_deref() {
        None | Some("") | Some("open") => conds.push(open_sql()),
        Some("all") => {}
        Some(s) => {
            let p = param(Bind::Text(s.to_string()), &mut binds);
            conds.push(format!("r.state = {p}"));
            // Redundant for the result, but lets both planners use the partial indexes of open
            // or of finished reports.
            if let Some(state) = ReportState::parse(s) {
                conds.push(if workflow::is_open(state) {
                    open_sql()
                } else {
                    closed_sql()
                });
            }
        }
    }
    if let Some(g) = q.grade.as_deref().filter(|g| !g.is_empty()) {
        let p = param(Bind::Text(g.to_string()), &mut binds);
        conds.push(format!("r.grade = {p}"));
    }
    if let Some(c) = q.category.as_deref().filter(|c| !c.is_empty()) {
        let p = param(Bind::Text(c.to_string()), &mut binds);
        conds.push(format!("r.category = {p}"));
    }
    if q.urgent {
        conds.push("r.urgent = TRUE".into());
    }
    if q.overdue {
        let p = param(Bind::Int(now), &mut binds);
        conds.push(overdue_sql(&p));
    }
    if let Some(c) = &q.after {
        let pa = param(Bind::Int(c.at), &mut binds);
        let pi = param(Bind::Id(c.id), &mut binds);
        // Both forms are one range of the (…, urgent, time, id) indexes. Past the urgent
        // reports the row value leaves `urgent` out: PostgreSQL estimates a row comparison by
        // its first column, and `urgent < FALSE` (“nothing”) made it hash-join and sort the
        // whole table (1 s at a million reports) instead of reading 21 index entries.
        conds.push(if c.urgent {
            format!("(r.urgent, {at_col}, r.id) < (TRUE, {pa}, {pi})")
        } else {
            format!("r.urgent = FALSE AND ({at_col}, r.id) < ({pa}, {pi})")
        });
    }
    let now_p = param(Bind::Int(now), &mut binds);
    let limit_p = param(Bind::Int(q.limit.clamp(1, 100) + 1), &mut binds);
    let order = format!("ORDER BY r.urgent DESC, {at_col} DESC, r.id DESC");
    let where_of = |extra: Option<&String>| {
        let all: Vec<&str> = conds
            .iter()
            .map(String::as_str)
            .chain(extra.map(String::as_str))
            .collect();
        if all.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", all.join(" AND "))
        }
    };
    // One arm: a plain filter. Several: each arm's first page (same conditions, same cursor),
    // merged on the keyset alone; only the page's rows are then joined and described.
    let (from, where_clause) = match arms.len() {
        0 => ("reports r".to_string(), where_of(None)),
        1 => ("reports r".to_string(), where_of(arms.first())),
        _ => {
            let picks: Vec<String> = arms
                .iter()
                .map(|arm| {
                    format!(
                        "SELECT * FROM (SELECT r.id, r.urgent, {at_col} AS at FROM reports r {} {order} LIMIT {limit_p}) a",
                        where_of(Some(arm))
                    )
                })
                .collect();
            (
                format!(
                    "(SELECT m.id FROM ({}) m ORDER BY m.urgent DESC, m.at DESC, m.id DESC LIMIT {limit_p}) k
                     JOIN reports r ON r.id = k.id",
                    picks.join(" UNION ALL ")
                ),
                String::new(),
            )
        }
    };
    let sql = format!(
        "SELECT r.id, r.urgent, r.state, r.grade, r.category, r.district_code, e.name, {at_col},
                {overdue} AS overdue, u.display_name, r.confirm_due_at,
                (SELECT p.id FROM report_photos p WHERE p.report_id = r.id AND p.kind = 'hazard' ORDER BY p.position LIMIT 1) AS thumb
         FROM {from}
         LEFT JOIN enterprises e ON e.id = r.enterprise_id
         LEFT JOIN users u ON u.id = r.assignee_id
         {where_clause}
         {order}
         LIMIT {limit_p}",
        overdue = overdue_sql(&now_p),
    );
    (sql, binds)
}

type QueueRow = (
    Uuid,
    bool,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    i64,
    bool,
    Option<String>,
    Option<i64>,
    Option<Uuid>,
);

/// A page of a queue and where the next one starts (sealed by the caller with its
/// [`super::cursor::CursorKey`]).
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRows {
    pub items: Vec<QueueItem>,
    pub next: Option<Cursor>,
}

/// One page of a queue, urgent first, then newest.
pub async fn queue(db: &Db, q: &QueueQuery, now: i64) -> Result<QueueRows, sqlx::Error> {
    let (sql, binds) = build_queue(q, now);
    let rows: Vec<QueueRow> = db_run!(db, |pool| {
        let mut query = sqlx::query_as(&sql);
        for b in &binds {
            query = match b {
                Bind::Text(s) => query.bind(s.clone()),
                Bind::Id(u) => query.bind(*u),
                Bind::Int(n) => query.bind(*n),
            };
        }
        query.fetch_all(pool).await
    })?;
    let limit = q.limit.clamp(1, 100) as usize;
    let more = rows.len() > limit;
    let mut next = None;
    let items: Vec<QueueItem> = rows
        .into_iter()
        .take(limit)
        .map(|r| {
            next = Some(Cursor {
                urgent: r.1,
                at: r.7,
                id: r.0,
            });
            let state = ReportState::parse(&r.2).unwrap_or(ReportState::Submitted);
            if q.for_enterprise {
                // The enterprise's row: the state as it may see it, and neither when the report
                // was made, nor who holds it, nor a photo the inspector has not released.
                QueueItem {
                    id: r.0,
                    urgent: r.1,
                    state: workflow::as_the_enterprise_sees(state, r.10, now),
                    grade: r.3,
                    category: r.4,
                    district_code: r.5,
                    enterprise_name: r.6,
                    created_at: 0,
                    overdue: r.8,
                    assignee_name: None,
                    thumb: None,
                }
            } else {
                QueueItem {
                    id: r.0,
                    urgent: r.1,
                    state,
                    grade: r.3,
                    category: r.4,
                    district_code: r.5,
                    enterprise_name: r.6,
                    created_at: r.7,
                    overdue: r.8,
                    assignee_name: r.9,
                    thumb: r.11.map(|id| PhotoRef {
                        id,
                        kind: "hazard".into(),
                        width: 0,
                        height: 0,
                    }),
                }
            }
        })
        .collect();
    Ok(QueueRows {
        items,
        next: next.filter(|_| more),
    })
}

/// Reports about the same enterprise in the same category in the 7 days before this one (to
/// close it as a duplicate).
pub async fn duplicate_candidates(
    db: &Db,
    id: Uuid,
) -> Result<Vec<(Uuid, i64, String)>, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_as(
        "SELECT o.id, o.created_at, o.state FROM reports r JOIN reports o
           ON o.enterprise_id = r.enterprise_id AND o.category = r.category AND o.id <> r.id
          AND o.created_at >= r.created_at - 604800000 AND o.created_at <= r.created_at + 604800000
         WHERE r.id = $1 ORDER BY o.created_at DESC LIMIT 10"
    )
    .bind(id)
    .fetch_all(pool)
    .await)
}

/// A user's notifications, newest first.
pub async fn inbox(db: &Db, user: Uuid, limit: i64) -> Result<Vec<InboxItem>, sqlx::Error> {
    let rows: Vec<(Uuid, String, String, String, String, i64, Option<i64>)> = db_run!(
        db,
        |pool| {
            sqlx::query_as(
        "SELECT id, kind, title, body, link, created_at, read_at FROM notifications WHERE user_id = $1
         ORDER BY created_at DESC, id DESC LIMIT $2"
    )
    .bind(user)
    .bind(limit)
    .fetch_all(pool)
    .await
        }
    )?;
    Ok(rows
        .into_iter()
        .map(
            |(id, kind, title, body, link, created_at, read_at)| InboxItem {
                id,
                kind,
                title,
                body,
                link,
                created_at,
                read: read_at.is_some(),
            },
        )
        .collect())
}

/// How many of a user's notifications are unread (at most 100 counted).
pub async fn unread_count(db: &Db, user: Uuid) -> Result<i64, sqlx::Error> {
    db_run!(db, |pool| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = $1 AND read_at IS NULL LIMIT 100) AS unread"
    )
    .bind(user)
    .fetch_one(pool)
    .await
    })
}

/// Stored answers (JSON) as (question, answer) in words, in the category's question order.
pub fn describe_answers(
    category: &str,
    json: &str,
    lang: crate::i18n::Lang,
) -> Vec<(String, String)> {
    let Some(cat) = Category::find(category) else {
        return Vec::new();
    };
    let stored: std::collections::BTreeMap<String, serde_json::Value> =
        serde_json::from_str(json).unwrap_or_default();
    let raw: std::collections::BTreeMap<String, String> = stored
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string()),
            )
        })
        .collect();
    let answers = cat.validate_answers(&raw).unwrap_or_default();
    let t = lang.tr();
    cat.questions
        .iter()
        .filter_map(|q| {
            answers
                .get(q.code)
                .map(|a| ((q.prompt)(t).to_string(), q.describe(a, t)))
        })
        .collect()
}

/// Category label helper for views that need one.
pub fn category_name(code: &str, lang: crate::i18n::Lang) -> String {
    Category::find(code)
        .map(|c| (c.name)(lang.tr()).to_string())
        .unwrap_or_else(|| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOP_MIGRATION: &str =
        include_str!("../../migrations/20261124000003_accounts_and_loop.sql");
    const STATE_CHECKS: [&str; 2] = [
        include_str!("../../migrations/sqlite/20261201000005_report_state_check.sql"),
        include_str!("../../migrations/postgres/20261201000005_report_state_check.sql"),
    ];

    /// The `WHERE …` of every partial index on `reports`.
    fn partial_index_predicates() -> Vec<String> {
        LOOP_MIGRATION
            .lines()
            .filter(|l| l.starts_with("CREATE INDEX") && l.contains(" ON reports "))
            .filter_map(|l| {
                l.split_once(" WHERE ")
                    .map(|(_, w)| w.trim_end_matches(';').to_string())
            })
            .collect()
    }

    #[test]
    fn the_partial_indexes_are_the_open_and_finished_sets_of_the_state_machine() {
        let predicates = partial_index_predicates();
        assert_eq!(predicates.len(), 5, "{predicates:?}");
        let open = open_sql().replace("r.state", "state");
        let closed = closed_sql().replace("r.state", "state");
        for p in &predicates {
            assert!(
                p == &open || p == &closed,
                "index predicate {p:?} is neither {open:?} nor {closed:?}"
            );
        }
        assert!(predicates.contains(&open) && predicates.contains(&closed));
    }

    #[test]
    fn the_states_the_database_accepts_are_the_state_machines() {
        let all = workflow::sql_list(|_| true);
        for sql in STATE_CHECKS {
            let lists: Vec<&str> = sql
                .split("IN (")
                .skip(1)
                .filter_map(|rest| rest.split_once(')').map(|(list, _)| list))
                .collect();
            assert!(!lists.is_empty());
            for list in lists {
                assert_eq!(list, all);
            }
        }
    }

    #[test]
    fn overdue_in_sql_is_overdue_in_the_domain() {
        // Every state, and both deadlines: the SQL's state sets are the domain's.
        let sql = overdue_sql("$1");
        for state in ReportState::ALL {
            let acks = sql.contains(&format!("'{}'", state.as_str()))
                && (deadlines::awaits_ack(state) || deadlines::awaits_fix(state));
            assert_eq!(
                acks,
                deadlines::report_overdue(state, Some(0), Some(0), 1),
                "{state:?}"
            );
        }
    }
}
