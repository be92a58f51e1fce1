//! What pages and the JSON API load, with the policy asked first: each loader returns an
//! [`Access`], so a page and its REST twin refuse the same people the same way.

use super::{
    audit, cases,
    cursor::{Cursor, CursorKey},
    directory, users, Db,
};
pub use crate::views::{Member, QueueParams, UnionReport};
use crate::{
    access::Access,
    db_run,
    domain::policy::{
        decide, union_queue_scope, Action, Actor, Decision, Object, QueueScope, Role, UserFacts,
    },
    i18n::Lang,
    views::{
        AdminEnterprise, AdminUser, EnterpriseList, EnterpriseReportView, InboxItem, QueuePage,
    },
};
use uuid::Uuid;

fn refuse<T>(d: Decision) -> Access<T> {
    match d {
        Decision::SignIn => Access::SignIn,
        _ => Access::Denied,
    }
}

fn flag(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("1" | "true" | "on" | "yes"))
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// What is wrong with a union queue's filters: an unknown state, grade, category, district,
/// enterprise, flag or cursor is an error to name (422), never an empty or a first page.
pub fn queue_problems(p: &QueueParams, lang: Lang) -> Vec<crate::domain::report::FieldError> {
    use crate::domain::{category::Category, report::ReportState, workflow::Grade, DistrictCode};
    let t = lang.tr();
    let mut out = Vec::new();
    let mut check = |field: &str, value: &Option<String>, ok: &dyn Fn(&str) -> bool| {
        if let Some(v) = nonempty(value) {
            if !ok(&v) {
                let message = crate::i18n::fill(
                    t.queue_err_value(),
                    &[
                        ("field", &field),
                        ("value", &v.chars().take(40).collect::<String>()),
                    ],
                );
                out.push(crate::domain::report::FieldError::new(field, message));
            }
        }
    };
    check("view", &p.view, &|v| v == "mine" || v == "area");
    check("district", &p.district, &|v| DistrictCode::parse(v).is_ok());
    check("state", &p.state, &|v| {
        v == "open" || v == "all" || ReportState::parse(v).is_some()
    });
    check("grade", &p.grade, &|v| Grade::parse(v).is_some());
    check("category", &p.category, &|v| Category::find(v).is_some());
    check("enterprise", &p.enterprise, &|v| Uuid::parse_str(v).is_ok());
    let yes_no = |v: &str| {
        matches!(
            v,
            "1" | "true" | "on" | "yes" | "0" | "false" | "off" | "no"
        )
    };
    check("overdue", &p.overdue, &yes_no);
    check("urgent", &p.urgent, &yes_no);
    out
}

/// A cursor this server did not seal (tampered, or made up: a REST caller gets `400`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadCursor;

/// The cursor a page was asked to start at: `Ok(None)` for the first page.
pub fn open_cursor(key: &CursorKey, after: Option<&str>) -> Result<Option<Cursor>, BadCursor> {
    match after.map(str::trim).filter(|a| !a.is_empty()) {
        None => Ok(None),
        Some(a) => key.open(a).map(Some).ok_or(BadCursor),
    }
}

/// A page of rows as the browser gets it: the next page's cursor sealed.
fn page_of(rows: cases::QueueRows, key: &CursorKey) -> QueuePage {
    QueuePage {
        items: rows.items,
        next: rows.next.map(|c| key.seal(&c)),
    }
}

/// A union queue page (a cursor that does not open starts from the first page).
pub async fn union_queue(
    db: &Db,
    actor: Option<&Actor>,
    p: &QueueParams,
    now: i64,
    key: &CursorKey,
) -> Result<Access<QueuePage>, sqlx::Error> {
    let view = p.view.as_deref().unwrap_or("mine");
    let district = nonempty(&p.district);
    let scope = match union_queue_scope(actor, view, district.as_deref()) {
        Ok(s) => s,
        Err(d) => return Ok(refuse(d)),
    };
    let mut q = cases::QueueQuery {
        state: nonempty(&p.state),
        grade: nonempty(&p.grade),
        category: nonempty(&p.category),
        overdue: flag(&p.overdue),
        urgent: flag(&p.urgent),
        after: open_cursor(key, p.after.as_deref()).unwrap_or(None),
        limit: cases::QUEUE_PAGE,
        ..cases::QueueQuery::default()
    };
    match scope {
        QueueScope::Assigned(me) => {
            q.assignee = Some(me);
            q.district = district;
        }
        QueueScope::Coverage(c) => q.coverage = Some(c.into_iter().collect()),
        QueueScope::Mines(m) => q.enterprises = Some(m.into_iter().collect()),
        QueueScope::District(d) => q.district = Some(d),
        QueueScope::City => {}
    }
    if let Some(e) = nonempty(&p.enterprise).and_then(|e| Uuid::parse_str(&e).ok()) {
        q.enterprises = Some(match q.enterprises.take() {
            Some(allowed) => allowed.into_iter().filter(|a| *a == e).collect(),
            None => vec![e],
        });
    }
    Ok(Access::Ok(page_of(cases::queue(db, &q, now).await?, key)))
}

pub async fn union_report(
    db: &Db,
    vault: &super::vault::Vault,
    actor: Option<&Actor>,
    id: Uuid,
    lang: Lang,
    now: i64,
) -> Result<Access<UnionReport>, sqlx::Error> {
    let Some(facts) = cases::facts(db, id).await? else {
        return Ok(Access::NotFound);
    };
    match decide(actor, Action::ViewReport, &Object::Report(&facts)) {
        Decision::Allow => {}
        Decision::SignIn => return Ok(Access::SignIn),
        // Someone who may not see it is not told that it exists.
        Decision::Deny => return Ok(Access::NotFound),
    }
    let Some(view) = cases::internal_view(db, vault, id, lang).await? else {
        return Ok(Access::NotFound);
    };
    let may_reveal = decide(actor, Action::RevealIdentity, &Object::Report(&facts)).allowed();
    let members = super::assign::possible_holders(db, &facts.district, facts.enterprise).await?;
    let reveal_requests = if may_reveal {
        let viewer = actor.map(|a| a.user_id);
        super::reveals::of_report(db, id)
            .await?
            .iter()
            .map(|r| r.view(viewer, may_reveal, now))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Access::Ok(UnionReport {
        view,
        may_reveal,
        reveal_requests,
        duplicate_candidates: cases::duplicate_candidates(db, id).await?,
        members: members
            .into_iter()
            .map(|(id, name)| Member { id, name })
            .collect(),
    }))
}

/// The reports an officer's enterprises have been sent notices about, the latest notice first.
pub async fn enterprise_queue(
    db: &Db,
    actor: Option<&Actor>,
    after: Option<Cursor>,
    now: i64,
    key: &CursorKey,
) -> Result<Access<QueuePage>, sqlx::Error> {
    match decide(actor, Action::ViewEnterpriseQueue, &Object::None) {
        Decision::Allow => {}
        d => return Ok(refuse(d)),
    }
    let Some(a) = actor else {
        return Ok(Access::SignIn);
    };
    let q = cases::QueueQuery {
        for_enterprise: true,
        enterprises: Some(a.enterprises.iter().copied().collect()),
        noticed_only: true,
        state: Some("all".into()),
        after,
        limit: cases::QUEUE_PAGE,
        ..cases::QueueQuery::default()
    };
    Ok(Access::Ok(page_of(cases::queue(db, &q, now).await?, key)))
}

pub async fn enterprise_report(
    db: &Db,
    actor: Option<&Actor>,
    id: Uuid,
    lang: Lang,
    now: i64,
) -> Result<Access<EnterpriseReportView>, sqlx::Error> {
    let Some(facts) = cases::facts(db, id).await? else {
        return Ok(Access::NotFound);
    };
    match decide(
        actor,
        Action::ViewReportAsEnterprise,
        &Object::Report(&facts),
    ) {
        Decision::Allow => {}
        Decision::SignIn => return Ok(Access::SignIn),
        Decision::Deny => return Ok(Access::NotFound),
    }
    Ok(cases::enterprise_view(db, id, lang, now)
        .await?
        .map(Access::Ok)
        .unwrap_or(Access::NotFound))
}

pub async fn inbox(db: &Db, actor: Option<&Actor>) -> Result<Access<Vec<InboxItem>>, sqlx::Error> {
    match decide(actor, Action::ManageOwnAccount, &Object::None) {
        Decision::Allow => {}
        d => return Ok(refuse(d)),
    }
    let Some(a) = actor else {
        return Ok(Access::SignIn);
    };
    Ok(Access::Ok(cases::inbox(db, a.user_id, 100).await?))
}

/// Every user the admin may manage.
pub async fn managed_users(
    db: &Db,
    vault: &super::vault::Vault,
    actor: Option<&Actor>,
) -> Result<Access<Vec<users::UserSummary>>, sqlx::Error> {
    match decide(actor, Action::CreateUsers, &Object::None) {
        Decision::Allow => {}
        d => return Ok(refuse(d)),
    }
    let mut out = Vec::new();
    for u in users::all(db, vault).await? {
        let facts: UserFacts = users::facts(db, u.id, &u.grants).await?;
        if decide(actor, Action::ManageUser, &Object::User(&facts)).allowed() {
            out.push(u);
        }
    }
    Ok(Access::Ok(out))
}

/// One user, for the admin's edit page.
pub async fn managed_user(
    db: &Db,
    vault: &super::vault::Vault,
    actor: Option<&Actor>,
    id: Uuid,
) -> Result<Access<users::UserSummary>, sqlx::Error> {
    let Some(u) = users::one(db, vault, id).await? else {
        return Ok(Access::NotFound);
    };
    let facts = users::facts(db, u.id, &u.grants).await?;
    Ok(
        match decide(actor, Action::ManageUser, &Object::User(&facts)) {
            Decision::Allow => Access::Ok(u),
            d => refuse(d),
        },
    )
}

pub async fn audit_log(
    db: &Db,
    actor: Option<&Actor>,
) -> Result<Access<Vec<audit::Row>>, sqlx::Error> {
    Ok(match decide(actor, Action::ReadAuditLog, &Object::None) {
        Decision::Allow => Access::Ok(audit::recent(db, 200).await?),
        d => refuse(d),
    })
}

/// The newest push and text-message deliveries, for the admins (who read the audit log): the
/// city's admins see every one, a district's those about its reports.
pub async fn delivery_log(
    db: &Db,
    actor: Option<&Actor>,
) -> Result<Access<Vec<crate::views::DeliveryRow>>, sqlx::Error> {
    Ok(match decide(actor, Action::ReadAuditLog, &Object::None) {
        Decision::Allow => {
            let district = actor.and_then(|a| a.admin_of.clone()).flatten();
            Access::Ok(audit::deliveries(db, district.as_deref(), DELIVERY_LOG_ROWS).await?)
        }
        d => refuse(d),
    })
}

/// Rows the admin's delivery log shows.
pub const DELIVERY_LOG_ROWS: i64 = 200;

/// One user for the admin's edit page.
pub async fn admin_user(
    db: &Db,
    vault: &super::vault::Vault,
    actor: Option<&Actor>,
    id: Uuid,
) -> Result<Access<AdminUser>, sqlx::Error> {
    let user = match managed_user(db, vault, actor, id).await? {
        Access::Ok(u) => u,
        Access::SignIn => return Ok(Access::SignIn),
        Access::Denied => return Ok(Access::Denied),
        Access::NotFound => return Ok(Access::NotFound),
    };
    let mines =
        directory::usccs(db, &user.grants.mines.iter().copied().collect::<Vec<_>>()).await?;
    let enterprises = directory::usccs(
        db,
        &user.grants.enterprises.iter().copied().collect::<Vec<_>>(),
    )
    .await?;
    Ok(Access::Ok(AdminUser {
        user,
        mines,
        enterprises,
    }))
}

/// Directory page size for the admin.
pub const DIRECTORY_PAGE: i64 = 50;

/// The enterprises an admin manages, by name, keyset pages (`after` = `name|id`).
pub async fn admin_enterprises(
    db: &Db,
    actor: Option<&Actor>,
    district: Option<String>,
    after: Option<String>,
) -> Result<Access<EnterpriseList>, sqlx::Error> {
    match decide(actor, Action::ManageDirectory, &Object::None) {
        Decision::Allow => {}
        d => return Ok(refuse(d)),
    }
    let Some(a) = actor else {
        return Ok(Access::SignIn);
    };
    // A district admin sees their district; the city any one it picks, or all.
    let district = match &a.admin_of {
        Some(Some(d)) => Some(d.clone()),
        _ => district.filter(|d| !d.is_empty()),
    };
    let after = after.and_then(|c| {
        let (name, id) = c.rsplit_once('|')?;
        Some((name.to_string(), Uuid::parse_str(id).ok()?))
    });
    let items = directory::list(db, district.as_deref(), after, DIRECTORY_PAGE).await?;
    let next = (items.len() as i64 == DIRECTORY_PAGE)
        .then(|| items.last().map(|e| format!("{}|{}", e.name, e.id)))
        .flatten();
    Ok(Access::Ok(EnterpriseList {
        items,
        next,
        district,
    }))
}

/// One enterprise for the admin's edit page.
pub async fn admin_enterprise(
    db: &Db,
    actor: Option<&Actor>,
    id: Uuid,
) -> Result<Access<AdminEnterprise>, sqlx::Error> {
    let Some(record) = directory::record_by_id(db, id).await? else {
        return Ok(Access::NotFound);
    };
    match decide(
        actor,
        Action::ManageDirectory,
        &Object::District(&record.district_code),
    ) {
        Decision::Allow => {}
        d => return Ok(refuse(d)),
    }
    let members = |rows: Vec<(Uuid, String)>| {
        rows.into_iter()
            .map(|(id, name)| Member { id, name })
            .collect::<Vec<_>>()
    };
    let inspectors: Vec<(Uuid, String)> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT DISTINCT u.id, u.display_name FROM users u JOIN inspector_coverage c ON c.user_id = u.id
         WHERE NOT u.disabled AND c.district_code = $1 ORDER BY u.display_name"
    )
    .bind(&record.district_code)
    .fetch_all(pool)
    .await
    })?;
    let officers: Vec<(Uuid, String)> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT u.id, u.display_name FROM users u JOIN enterprise_officers o ON o.user_id = u.id
         WHERE o.enterprise_id = $1 ORDER BY u.display_name"
    )
    .bind(id)
    .fetch_all(pool)
    .await
    })?;
    let supervisors: Vec<(Uuid, String)> = db_run!(db, |pool| sqlx::query_as(
        "SELECT u.id, u.display_name FROM users u JOIN mine_supervisors m ON m.user_id = u.id
         WHERE m.enterprise_id = $1 ORDER BY u.display_name"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    Ok(Access::Ok(AdminEnterprise {
        record,
        inspectors: members(inspectors),
        officers: members(officers),
        supervisors: members(supervisors),
    }))
}

/// Whether someone holds a role (for menus).
pub fn has_role(actor: Option<&Actor>, role: Role) -> bool {
    actor.is_some_and(|a| a.has(role))
}
