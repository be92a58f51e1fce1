//! Who may see or do what, on every kind of object: one module of pure functions. Every REST
//! route, page and server function asks [`decide`]; nothing decides access on its own.
//!
//! The rules, in words:
//! - Anyone (no account needed) may submit a report, look a report up by its receipt code, read
//!   the public directory and the heat alerts.
//! - The union side (inspectors, mine supervisors, union admins) sees reports in its scope:
//!   an inspector the districts × industries they cover and what is assigned to them; a mine
//!   supervisor their mines; an admin their district (or the whole city). The union side sees
//!   photos and evidence; nobody sees a reporter's identity until a union admin in scope
//!   reveals it, with a written reason.
//! - An enterprise officer sees a report about their own enterprise only once the union has sent
//!   the rectification notice, and then only its confidential view (never who reported).
//! - Union admins manage users and the directory within their scope; a district admin cannot
//!   touch a city admin or another district.

use crate::domain::{district::DISTRICTS, report::ReportState};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use uuid::Uuid;

/// A role a user may hold (several at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Worker,
    Inspector,
    MineSupervisor,
    EnterpriseOfficer,
    UnionAdmin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Worker,
        Role::Inspector,
        Role::MineSupervisor,
        Role::EnterpriseOfficer,
        Role::UnionAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Inspector => "inspector",
            Role::MineSupervisor => "mine_supervisor",
            Role::EnterpriseOfficer => "enterprise_officer",
            Role::UnionAdmin => "union_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether anything is pushed to this role's devices: every desk (the reports and notices
    /// they are told of, heat alerts to the enterprises' officers). Not a worker: a worker's
    /// phone may be shared, and what they hear of their reports is on the receipt page. Only
    /// these roles may subscribe a device or send themselves a test push.
    pub fn receives_push(self) -> bool {
        !matches!(self, Role::Worker)
    }
}

/// A signed-in user with their roles and the scope of each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: Uuid,
    pub roles: BTreeSet<Role>,
    /// Inspector coverage: (district code, industry code).
    pub coverage: BTreeSet<(String, String)>,
    /// Mine supervisor: the mines (enterprise ids).
    pub mines: BTreeSet<Uuid>,
    /// Enterprise officer: the enterprises.
    pub enterprises: BTreeSet<Uuid>,
    /// Union admin: `Some(None)` for the city union, `Some(Some(district))` for a district's.
    pub admin_of: Option<Option<String>>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_city_admin(&self) -> bool {
        self.has(Role::UnionAdmin) && self.admin_of == Some(None)
    }

    /// A union admin whose scope includes this district.
    pub fn admin_for(&self, district: &str) -> bool {
        self.has(Role::UnionAdmin)
            && match &self.admin_of {
                Some(None) => true,
                Some(Some(d)) => d == district,
                None => false,
            }
    }

    /// Someone on the union side (sees the internal view of what is in their scope).
    pub fn is_union_side(&self) -> bool {
        self.has(Role::Inspector) || self.has(Role::MineSupervisor) || self.has(Role::UnionAdmin)
    }
}

/// Roles with their scopes, as granted to a user (an [`Actor`] without the id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    pub roles: BTreeSet<Role>,
    pub coverage: BTreeSet<(String, String)>,
    pub mines: BTreeSet<Uuid>,
    pub enterprises: BTreeSet<Uuid>,
    pub admin_of: Option<Option<String>>,
}

impl Grants {
    pub fn of(a: &Actor) -> Grants {
        Grants {
            roles: a.roles.clone(),
            coverage: a.coverage.clone(),
            mines: a.mines.clone(),
            enterprises: a.enterprises.clone(),
            admin_of: a.admin_of.clone(),
        }
    }

    pub fn into_actor(self, user_id: Uuid) -> Actor {
        Actor {
            user_id,
            roles: self.roles,
            coverage: self.coverage,
            mines: self.mines,
            enterprises: self.enterprises,
            admin_of: self.admin_of,
        }
    }

    /// What is wrong with these grants (each role needs its scope; scopes need their role).
    pub fn problems(&self) -> Vec<GrantProblem> {
        let mut out = Vec::new();
        let has = |r| self.roles.contains(&r);
        if self.roles.is_empty() {
            out.push(GrantProblem::NoRole);
        }
        if has(Role::Inspector) == self.coverage.is_empty() {
            out.push(GrantProblem::Coverage);
        }
        if has(Role::MineSupervisor) == self.mines.is_empty() {
            out.push(GrantProblem::Mines);
        }
        if has(Role::EnterpriseOfficer) == self.enterprises.is_empty() {
            out.push(GrantProblem::Enterprises);
        }
        if has(Role::UnionAdmin) != self.admin_of.is_some() {
            out.push(GrantProblem::AdminScope);
        }
        out
    }

    /// The districts these grants touch, given where enterprises are.
    pub fn districts(&self, district_of: impl Fn(Uuid) -> Option<String>) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self.coverage.iter().map(|(d, _)| d.clone()).collect();
        out.extend(
            self.mines
                .iter()
                .chain(self.enterprises.iter())
                .filter_map(|e| district_of(*e)),
        );
        if let Some(Some(d)) = &self.admin_of {
            out.insert(d.clone());
        }
        out
    }
}

/// A role granted without its scope, or a scope without its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantProblem {
    NoRole,
    Coverage,
    Mines,
    Enterprises,
    AdminScope,
}

/// What the policy needs to know about a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFacts {
    pub district: String,
    /// The enterprise's industry; `None` when the enterprise is unknown.
    pub industry: Option<String>,
    pub enterprise: Option<Uuid>,
    pub is_coal_mine: bool,
    /// The inspector (or supervisor) the report is assigned to.
    pub assignee: Option<Uuid>,
    pub state: ReportState,
}

impl ReportFacts {
    /// Whether the enterprise has been sent the rectification notice (and may see the report).
    pub fn notice_sent(&self) -> bool {
        matches!(
            self.state,
            ReportState::NoticeSent
                | ReportState::Acknowledged
                | ReportState::RectificationSubmitted
                | ReportState::Verified
                | ReportState::Closed
                | ReportState::Reopened
        )
    }
}

/// What the policy needs to know about a user being managed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFacts {
    pub id: Uuid,
    pub roles: BTreeSet<Role>,
    /// Districts the user's scopes touch (coverage, their enterprises' and mines' districts,
    /// their admin district). Empty for a worker.
    pub districts: BTreeSet<String>,
    /// A city union admin.
    pub city_admin: bool,
}

/// What the policy needs to know about an enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseFacts {
    pub id: Uuid,
    pub district: String,
}

/// What the policy needs to know about an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertFacts {
    pub districts: BTreeSet<String>,
    /// Enterprises the alert was delivered to.
    pub recipients: BTreeSet<Uuid>,
}

impl AlertFacts {
    /// The same alert as far as one of its recipients is concerned (acknowledging for that
    /// enterprise is acknowledging this); no recipient at all when it is not one.
    pub fn for_recipient(&self, enterprise: Uuid) -> AlertFacts {
        AlertFacts {
            districts: self.districts.clone(),
            recipients: self
                .recipients
                .iter()
                .copied()
                .filter(|e| *e == enterprise)
                .collect(),
        }
    }
}

/// The object an action is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object<'a> {
    /// Nothing in particular (submitting, signing in, the public directory…).
    None,
    Report(&'a ReportFacts),
    User(&'a UserFacts),
    Enterprise(&'a EnterpriseFacts),
    /// A district (issuing an alert there, managing its directory).
    District(&'a str),
    Alert(&'a AlertFacts),
}

/// Everything someone may try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    // Anyone
    SubmitReport,
    LookUpReceipt,
    ReadDirectory,
    ReadAlerts,
    // A signed-in user, on themselves
    ManageOwnAccount,
    /// Subscribing a device to Web Push, sending oneself a test push.
    ReceivePush,
    // Reports, union side
    ViewReport,
    ViewPhotos,
    ViewEvidence,
    RevealIdentity,
    Triage,
    Reassign,
    SendNotice,
    DecideExtension,
    Verify,
    MessageReporter,
    // Reports, enterprise side
    ViewReportAsEnterprise,
    Acknowledge,
    SubmitRectification,
    RequestExtension,
    // Queues
    ViewUnionQueue,
    ViewEnterpriseQueue,
    // Administration
    ManageUser,
    CreateUsers,
    ManageDirectory,
    ReadAuditLog,
    // Alerts
    IssueAlert,
    ViewAlertDelivery,
    AcknowledgeAlert,
}

/// The answer: allowed, or why not (401: sign in first; 403: signed in but not allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not signed in.
    SignIn,
    /// Signed in, not allowed.
    Deny,
}

impl Decision {
    pub fn allowed(self) -> bool {
        self == Decision::Allow
    }
}

fn allow_if(ok: bool) -> Decision {
    if ok {
        Decision::Allow
    } else {
        Decision::Deny
    }
}

/// Whether a union-side actor's scope includes a report.
pub fn union_scope_includes(a: &Actor, r: &ReportFacts) -> bool {
    if a.admin_for(&r.district) {
        return true;
    }
    if (a.has(Role::Inspector) || a.has(Role::MineSupervisor)) && r.assignee == Some(a.user_id) {
        return true;
    }
    if a.has(Role::Inspector) {
        if let Some(industry) = &r.industry {
            if a.coverage.contains(&(r.district.clone(), industry.clone())) {
                return true;
            }
        }
    }
    a.has(Role::MineSupervisor)
        && r.is_coal_mine
        && r.enterprise.is_some_and(|e| a.mines.contains(&e))
}

/// Whether a triager may attach an enterprise to a report made without one: one in the report's
/// district, or one whose report would still be in the triager's own scope (an inspector who
/// covers the enterprise's district and industry, its district's admin, its mine's supervisor).
pub fn may_attach_enterprise(
    a: &Actor,
    r: &ReportFacts,
    id: Uuid,
    district: &str,
    industry: &str,
    is_coal_mine: bool,
) -> bool {
    district == r.district
        || union_scope_includes(
            a,
            &ReportFacts {
                district: district.to_string(),
                industry: Some(industry.to_string()),
                enterprise: Some(id),
                is_coal_mine,
                assignee: None,
                state: r.state,
            },
        )
}

fn officer_of(a: &Actor, enterprise: Option<Uuid>) -> bool {
    a.has(Role::EnterpriseOfficer) && enterprise.is_some_and(|e| a.enterprises.contains(&e))
}

/// The one decision function.
pub fn decide(actor: Option<&Actor>, action: Action, object: &Object<'_>) -> Decision {
    use Action::*;
    // Open to everyone, signed in or not.
    if matches!(
        action,
        SubmitReport | LookUpReceipt | ReadDirectory | ReadAlerts
    ) {
        return Decision::Allow;
    }
    let Some(a) = actor else {
        return Decision::SignIn;
    };
    match (action, object) {
        (ManageOwnAccount, _) => Decision::Allow,
        (ReceivePush, _) => allow_if(a.roles.iter().any(|r| r.receives_push())),

        (
            ViewReport | ViewPhotos | ViewEvidence | Triage | Reassign | SendNotice
            | DecideExtension | Verify | MessageReporter,
            Object::Report(r),
        ) => allow_if(a.is_union_side() && union_scope_includes(a, r)),
        (RevealIdentity, Object::Report(r)) => allow_if(a.admin_for(&r.district)),

        (
            ViewReportAsEnterprise | Acknowledge | SubmitRectification | RequestExtension,
            Object::Report(r),
        ) => allow_if(officer_of(a, r.enterprise) && r.notice_sent()),

        (ViewUnionQueue, _) => allow_if(a.is_union_side()),
        (ViewEnterpriseQueue, _) => {
            allow_if(a.has(Role::EnterpriseOfficer) && !a.enterprises.is_empty())
        }

        (CreateUsers | ReadAuditLog, _) => allow_if(a.has(Role::UnionAdmin)),
        (ManageUser, Object::User(u)) => {
            // The city union manages everyone; a district union those wholly in its district
            // (workers, with no district, belong to the city).
            let in_scope = a.is_city_admin()
                || (!u.city_admin
                    && !u.districts.is_empty()
                    && u.districts.iter().all(|d| a.admin_for(d)));
            allow_if(a.has(Role::UnionAdmin) && u.id != a.user_id && in_scope)
        }
        // Some part of the directory (the forms; each row is then checked by its district).
        (ManageDirectory, Object::None) => allow_if(a.has(Role::UnionAdmin)),
        (ManageDirectory, Object::Enterprise(e)) => allow_if(a.admin_for(&e.district)),
        (ManageDirectory, Object::District(d)) => allow_if(a.admin_for(d)),

        // The alerts desk: an admin with some district in scope issues there (each district
        // chosen is then checked on its own); an officer reads what their enterprises received.
        (IssueAlert, Object::None) => allow_if(DISTRICTS.iter().any(|d| a.admin_for(d.code))),
        (AcknowledgeAlert, Object::None) => {
            allow_if(a.has(Role::EnterpriseOfficer) && !a.enterprises.is_empty())
        }
        (IssueAlert, Object::District(d)) => allow_if(a.admin_for(d)),
        // The part of an alert's delivery a district union follows: its own district's.
        (ViewAlertDelivery, Object::District(d)) => allow_if(a.admin_for(d)),
        // Updating or cancelling an alert takes every one of its districts; following its
        // delivery, any one (a district union sees its own part of a city-wide alert).
        (IssueAlert, Object::Alert(al)) => {
            allow_if(!al.districts.is_empty() && al.districts.iter().all(|d| a.admin_for(d)))
        }
        (ViewAlertDelivery, Object::Alert(al)) => {
            allow_if(al.districts.iter().any(|d| a.admin_for(d)))
        }
        (AcknowledgeAlert, Object::Alert(al)) => allow_if(
            a.has(Role::EnterpriseOfficer)
                && al.recipients.iter().any(|e| a.enterprises.contains(e)),
        ),

        // Any other pairing (an action on the wrong kind of object) is refused.
        _ => Decision::Deny,
    }
}

/// Which reports a union queue may list for someone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueScope {
    /// Reports assigned to this person.
    Assigned(Uuid),
    /// An inspector's districts × industries.
    Coverage(BTreeSet<(String, String)>),
    /// A mine supervisor's mines.
    Mines(BTreeSet<Uuid>),
    /// One district (a district admin's, or one a city admin picked).
    District(String),
    /// Everything (the city union).
    City,
}

/// The scope of a union queue: `mine` (assigned to me) or `area` (everything I may see),
/// optionally narrowed to a district.
pub fn union_queue_scope(
    actor: Option<&Actor>,
    view: &str,
    district: Option<&str>,
) -> Result<QueueScope, Decision> {
    let Some(a) = actor else {
        return Err(Decision::SignIn);
    };
    if !a.is_union_side() {
        return Err(Decision::Deny);
    }
    if view == "mine" {
        return Ok(QueueScope::Assigned(a.user_id));
    }
    if a.has(Role::UnionAdmin) {
        return match (&a.admin_of, district) {
            (Some(None), None) => Ok(QueueScope::City),
            (Some(None), Some(d)) => Ok(QueueScope::District(d.to_string())),
            (Some(Some(mine)), None) => Ok(QueueScope::District(mine.clone())),
            (Some(Some(mine)), Some(d)) if mine == d => Ok(QueueScope::District(mine.clone())),
            _ => Err(Decision::Deny),
        };
    }
    if a.has(Role::Inspector) {
        let coverage: BTreeSet<(String, String)> = a
            .coverage
            .iter()
            .filter(|(d, _)| district.is_none_or(|want| want == d))
            .cloned()
            .collect();
        return if coverage.is_empty() {
            Err(Decision::Deny)
        } else {
            Ok(QueueScope::Coverage(coverage))
        };
    }
    Ok(QueueScope::Mines(a.mines.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn actor(roles: &[Role]) -> Actor {
        Actor {
            user_id: id(1),
            roles: roles.iter().copied().collect(),
            ..Actor::default()
        }
    }

    fn report(state: ReportState) -> ReportFacts {
        ReportFacts {
            district: "410105".into(),
            industry: Some("construction".into()),
            enterprise: Some(id(100)),
            is_coal_mine: false,
            assignee: None,
            state,
        }
    }

    fn inspector(district: &str, industry: &str) -> Actor {
        let mut a = actor(&[Role::Inspector]);
        a.coverage.insert((district.into(), industry.into()));
        a
    }

    fn officer(enterprise: Uuid) -> Actor {
        let mut a = actor(&[Role::EnterpriseOfficer]);
        a.enterprises.insert(enterprise);
        a
    }

    fn admin(district: Option<&str>) -> Actor {
        let mut a = actor(&[Role::UnionAdmin]);
        a.admin_of = Some(district.map(String::from));
        a
    }

    #[test]
    fn a_triager_attaches_only_an_enterprise_they_may_follow() {
        let r = report(ReportState::Submitted);
        let jinshui = inspector("410105", "construction");
        // In the report's district: always.
        assert!(may_attach_enterprise(
            &jinshui,
            &r,
            id(7),
            "410105",
            "manufacturing",
            false
        ));
        // Elsewhere: only what the triager covers there.
        assert!(!may_attach_enterprise(
            &jinshui,
            &r,
            id(7),
            "410102",
            "construction",
            false
        ));
        let mut both = jinshui.clone();
        both.coverage
            .insert(("410102".into(), "construction".into()));
        assert!(may_attach_enterprise(
            &both,
            &r,
            id(7),
            "410102",
            "construction",
            false
        ));
        assert!(may_attach_enterprise(
            &admin(None),
            &r,
            id(7),
            "410102",
            "construction",
            false
        ));
        assert!(!may_attach_enterprise(
            &admin(Some("410105")),
            &r,
            id(7),
            "410102",
            "mining",
            false
        ));
    }

    #[test]
    fn only_roles_that_are_pushed_to_may_subscribe() {
        for a in [
            officer(id(100)),
            inspector("410105", "construction"),
            admin(None),
        ] {
            assert!(decide(Some(&a), Action::ReceivePush, &Object::None).allowed());
        }
        assert_eq!(
            decide(
                Some(&actor(&[Role::Worker])),
                Action::ReceivePush,
                &Object::None
            ),
            Decision::Deny
        );
        assert_eq!(
            decide(None, Action::ReceivePush, &Object::None),
            Decision::SignIn
        );
    }

    #[test]
    fn anyone_may_report_and_look_up_a_receipt_but_nothing_more() {
        for action in [
            Action::SubmitReport,
            Action::LookUpReceipt,
            Action::ReadDirectory,
            Action::ReadAlerts,
        ] {
            assert_eq!(decide(None, action, &Object::None), Decision::Allow);
        }
        let r = report(ReportState::Submitted);
        assert_eq!(
            decide(None, Action::ViewReport, &Object::Report(&r)),
            Decision::SignIn
        );
        assert_eq!(
            decide(None, Action::ManageOwnAccount, &Object::None),
            Decision::SignIn
        );
    }

    #[test]
    fn an_inspector_sees_reports_in_their_coverage_only() {
        let r = report(ReportState::Submitted);
        assert!(decide(
            Some(&inspector("410105", "construction")),
            Action::ViewReport,
            &Object::Report(&r)
        )
        .allowed());
        assert_eq!(
            decide(
                Some(&inspector("410102", "construction")),
                Action::ViewReport,
                &Object::Report(&r)
            ),
            Decision::Deny
        );
        assert_eq!(
            decide(
                Some(&inspector("410105", "food")),
                Action::Triage,
                &Object::Report(&r)
            ),
            Decision::Deny
        );
        // …and what is assigned to them, wherever it is.
        let mut assigned = r.clone();
        assigned.assignee = Some(id(1));
        assert!(decide(
            Some(&inspector("410102", "food")),
            Action::Triage,
            &Object::Report(&assigned)
        )
        .allowed());
    }

    #[test]
    fn a_mine_supervisor_sees_their_mines_only() {
        let mut r = report(ReportState::Submitted);
        r.is_coal_mine = true;
        r.enterprise = Some(id(7));
        let mut sup = actor(&[Role::MineSupervisor]);
        sup.mines.insert(id(7));
        assert!(decide(Some(&sup), Action::ViewEvidence, &Object::Report(&r)).allowed());
        sup.mines = [id(8)].into();
        assert_eq!(
            decide(Some(&sup), Action::ViewReport, &Object::Report(&r)),
            Decision::Deny
        );
    }

    #[test]
    fn an_officer_sees_their_enterprise_only_after_the_notice_and_never_the_evidence() {
        let before = report(ReportState::Triaged);
        let after = report(ReportState::NoticeSent);
        let own = officer(id(100));
        assert_eq!(
            decide(
                Some(&own),
                Action::ViewReportAsEnterprise,
                &Object::Report(&before)
            ),
            Decision::Deny
        );
        assert!(decide(
            Some(&own),
            Action::ViewReportAsEnterprise,
            &Object::Report(&after)
        )
        .allowed());
        assert!(decide(
            Some(&own),
            Action::SubmitRectification,
            &Object::Report(&after)
        )
        .allowed());
        for action in [
            Action::ViewReport,
            Action::ViewEvidence,
            Action::ViewPhotos,
            Action::RevealIdentity,
            Action::MessageReporter,
        ] {
            assert_eq!(
                decide(Some(&own), action, &Object::Report(&after)),
                Decision::Deny,
                "{action:?}"
            );
        }
        assert_eq!(
            decide(
                Some(&officer(id(101))),
                Action::ViewReportAsEnterprise,
                &Object::Report(&after)
            ),
            Decision::Deny
        );
    }

    #[test]
    fn only_an_admin_in_scope_may_reveal_a_reporter() {
        let r = report(ReportState::Triaged);
        assert!(decide(
            Some(&admin(None)),
            Action::RevealIdentity,
            &Object::Report(&r)
        )
        .allowed());
        assert!(decide(
            Some(&admin(Some("410105"))),
            Action::RevealIdentity,
            &Object::Report(&r)
        )
        .allowed());
        assert_eq!(
            decide(
                Some(&admin(Some("410102"))),
                Action::RevealIdentity,
                &Object::Report(&r)
            ),
            Decision::Deny
        );
        assert_eq!(
            decide(
                Some(&inspector("410105", "construction")),
                Action::RevealIdentity,
                &Object::Report(&r)
            ),
            Decision::Deny
        );
    }

    #[test]
    fn admins_manage_users_within_their_scope() {
        let jinshui_inspector = UserFacts {
            id: id(5),
            roles: [Role::Inspector].into(),
            districts: ["410105".to_string()].into(),
            city_admin: false,
        };
        let zhongyuan_inspector = UserFacts {
            districts: ["410102".to_string()].into(),
            ..jinshui_inspector.clone()
        };
        let city = UserFacts {
            id: id(6),
            roles: [Role::UnionAdmin].into(),
            districts: BTreeSet::new(),
            city_admin: true,
        };
        let worker = UserFacts {
            id: id(9),
            roles: [Role::Worker].into(),
            ..UserFacts::default()
        };
        let district = admin(Some("410105"));
        assert!(decide(
            Some(&district),
            Action::ManageUser,
            &Object::User(&jinshui_inspector)
        )
        .allowed());
        assert_eq!(
            decide(
                Some(&district),
                Action::ManageUser,
                &Object::User(&zhongyuan_inspector)
            ),
            Decision::Deny
        );
        assert_eq!(
            decide(Some(&district), Action::ManageUser, &Object::User(&city)),
            Decision::Deny
        );
        assert_eq!(
            decide(Some(&district), Action::ManageUser, &Object::User(&worker)),
            Decision::Deny,
            "workers belong to the city"
        );
        assert!(decide(Some(&admin(None)), Action::ManageUser, &Object::User(&city)).allowed());
        assert!(decide(
            Some(&admin(None)),
            Action::ManageUser,
            &Object::User(&worker)
        )
        .allowed());
        // Nobody manages themselves through the admin screens.
        let me = UserFacts {
            id: id(1),
            ..city.clone()
        };
        assert_eq!(
            decide(Some(&admin(None)), Action::ManageUser, &Object::User(&me)),
            Decision::Deny
        );
    }

    #[test]
    fn each_role_needs_its_scope_and_each_scope_its_role() {
        let mut g = Grants {
            roles: [Role::Inspector].into(),
            ..Grants::default()
        };
        assert_eq!(g.problems(), vec![GrantProblem::Coverage]);
        g.coverage.insert(("410105".into(), "food".into()));
        assert!(g.problems().is_empty());
        g.enterprises.insert(id(3));
        assert_eq!(g.problems(), vec![GrantProblem::Enterprises]);
        assert_eq!(Grants::default().problems(), vec![GrantProblem::NoRole]);
        let admin = Grants {
            roles: [Role::UnionAdmin].into(),
            admin_of: Some(None),
            ..Grants::default()
        };
        assert!(admin.problems().is_empty());
        let districts = Grants {
            enterprises: [id(3)].into(),
            ..g.clone()
        }
        .districts(|_| Some("410183".into()));
        assert_eq!(
            districts,
            ["410105".to_string(), "410183".to_string()].into()
        );
    }

    #[test]
    fn each_union_role_lists_only_its_own_area() {
        let ins = inspector("410105", "construction");
        assert_eq!(
            union_queue_scope(Some(&ins), "mine", None),
            Ok(QueueScope::Assigned(id(1)))
        );
        assert!(
            matches!(union_queue_scope(Some(&ins), "area", None), Ok(QueueScope::Coverage(c)) if c.len() == 1)
        );
        assert_eq!(
            union_queue_scope(Some(&ins), "area", Some("410102")),
            Err(Decision::Deny)
        );
        assert_eq!(
            union_queue_scope(Some(&admin(None)), "area", None),
            Ok(QueueScope::City)
        );
        assert_eq!(
            union_queue_scope(Some(&admin(None)), "area", Some("410183")),
            Ok(QueueScope::District("410183".into()))
        );
        assert_eq!(
            union_queue_scope(Some(&admin(Some("410105"))), "area", Some("410183")),
            Err(Decision::Deny)
        );
        assert_eq!(
            union_queue_scope(Some(&officer(id(100))), "area", None),
            Err(Decision::Deny)
        );
        assert_eq!(union_queue_scope(None, "mine", None), Err(Decision::SignIn));
    }

    #[test]
    fn the_alerts_desk_is_for_admins_with_a_district_and_officers_with_an_enterprise() {
        for a in [admin(None), admin(Some("410105"))] {
            assert!(decide(Some(&a), Action::IssueAlert, &Object::None).allowed());
            assert_eq!(
                decide(Some(&a), Action::AcknowledgeAlert, &Object::None),
                Decision::Deny
            );
        }
        let own = officer(id(100));
        assert!(decide(Some(&own), Action::AcknowledgeAlert, &Object::None).allowed());
        assert_eq!(
            decide(Some(&own), Action::IssueAlert, &Object::None),
            Decision::Deny
        );
        let no_enterprise = actor(&[Role::EnterpriseOfficer]);
        assert_eq!(
            decide(
                Some(&no_enterprise),
                Action::AcknowledgeAlert,
                &Object::None
            ),
            Decision::Deny
        );
        assert_eq!(
            decide(None, Action::IssueAlert, &Object::None),
            Decision::SignIn
        );
        let alert = AlertFacts {
            districts: ["410105".to_string()].into(),
            recipients: [id(100), id(101)].into(),
        };
        let mut both = officer(id(100));
        both.enterprises.insert(id(101));
        for (enterprise, allowed) in [(id(100), true), (id(101), true), (id(102), false)] {
            assert_eq!(
                decide(
                    Some(&own),
                    Action::AcknowledgeAlert,
                    &Object::Alert(&alert.for_recipient(enterprise))
                )
                .allowed(),
                allowed && enterprise == id(100),
                "{enterprise}"
            );
            assert_eq!(
                decide(
                    Some(&both),
                    Action::AcknowledgeAlert,
                    &Object::Alert(&alert.for_recipient(enterprise))
                )
                .allowed(),
                allowed
            );
        }
        let district = admin(Some("410105"));
        assert!(decide(
            Some(&district),
            Action::ViewAlertDelivery,
            &Object::District("410105")
        )
        .allowed());
        assert_eq!(
            decide(
                Some(&district),
                Action::ViewAlertDelivery,
                &Object::District("410102")
            ),
            Decision::Deny
        );
        assert!(decide(
            Some(&admin(None)),
            Action::ViewAlertDelivery,
            &Object::District("410102")
        )
        .allowed());
    }

    #[test]
    fn an_action_on_the_wrong_kind_of_object_is_refused() {
        assert_eq!(
            decide(Some(&admin(None)), Action::ViewReport, &Object::None),
            Decision::Deny
        );
        assert_eq!(
            decide(
                Some(&admin(None)),
                Action::ManageUser,
                &Object::District("410105")
            ),
            Decision::Deny
        );
    }
}
