//! The alert pages' loaders, each deciding with the policy what its reader sees: 高温提醒 (open
//! to everyone), the alerts desk (an admin's issue form and issued alerts, an officer's received
//! ones) and one alert's page (anyone reads it; an admin following it sees its reach in their
//! districts; an officer of a recipient acknowledges it).

use super::{
    cards::card,
    delivery::{dashboard_of, progress},
    views::{current_for_district, facts, get, received_by, recent},
};
use crate::{
    access::Access,
    backend::Db,
    domain::{
        district::DISTRICTS,
        heat::CityRules,
        policy::{decide, Action, Actor, Decision, Object},
        DistrictCode,
    },
    i18n::Lang,
    views::{AlertPage, AlertsDesk, HeatToday},
};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The districts whose deliveries `actor` follows; `None` when that is every district (the
/// city union), so the queries need not filter.
fn delivery_scope(actor: Option<&Actor>) -> Option<BTreeSet<String>> {
    let followed: BTreeSet<String> = DISTRICTS
        .iter()
        .map(|d| d.code)
        .filter(|d| decide(actor, Action::ViewAlertDelivery, &Object::District(d)).allowed())
        .map(String::from)
        .collect();
    (followed.len() < DISTRICTS.len()).then_some(followed)
}

/// The 高温提醒 page's data (open to everyone).
pub async fn heat_today(
    db: &Db,
    rules: &CityRules,
    district: Option<String>,
    lang: Lang,
    now: i64,
) -> Result<HeatToday, sqlx::Error> {
    let district = district.filter(|d| DistrictCode::parse(d).is_ok());
    let alerts = match &district {
        Some(d) => current_for_district(db, d, now)
            .await?
            .into_iter()
            .map(|a| card(rules, a, lang))
            .collect(),
        None => Vec::new(),
    };
    Ok(HeatToday { district, alerts })
}

/// The alerts desk for an admin and/or officer.
pub async fn desk(db: &Db, actor: Option<&Actor>) -> Result<Access<AlertsDesk>, sqlx::Error> {
    let issues = decide(actor, Action::IssueAlert, &Object::None);
    let receives = decide(actor, Action::AcknowledgeAlert, &Object::None);
    if issues == Decision::SignIn {
        return Ok(Access::SignIn);
    }
    if !issues.allowed() && !receives.allowed() {
        return Ok(Access::Denied);
    }
    let mut out = AlertsDesk {
        issue_districts: Vec::new(),
        issued: Vec::new(),
        received: Vec::new(),
    };
    if issues.allowed() {
        out.issue_districts = DISTRICTS
            .iter()
            .map(|d| d.code.to_string())
            .filter(|d| decide(actor, Action::IssueAlert, &Object::District(d)).allowed())
            .collect();
        let scope = delivery_scope(actor);
        for alert in recent(db, scope.as_ref(), 30).await? {
            let p = progress(db, alert.id, scope.as_ref()).await?;
            let (n, reached, acked) = p.iter().fold((0, 0, 0), |(n, r, k), d| {
                (n + d.enterprises, r + d.reached, k + d.acknowledged)
            });
            out.issued.push((alert, n, reached, acked));
        }
    }
    if let (true, Some(a)) = (receives.allowed(), actor) {
        out.received = received_by(db, &a.enterprises, 30).await?;
    }
    Ok(Access::Ok(out))
}

/// One alert's page: anyone may read the alert; an admin in scope sees its dashboard; an
/// officer of a recipient sees their acknowledgement form.
pub async fn page(
    db: &Db,
    rules: &CityRules,
    actor: Option<&Actor>,
    id: Uuid,
    lang: Lang,
) -> Result<Access<AlertPage>, sqlx::Error> {
    let Some(alert) = get(db, id).await? else {
        return Ok(Access::NotFound);
    };
    let facts = facts(db, &alert).await?;
    let object = Object::Alert(&facts);
    if !decide(actor, Action::ReadAlerts, &object).allowed() {
        return Ok(Access::Denied);
    }
    let mut dashboard = None;
    if decide(actor, Action::ViewAlertDelivery, &object).allowed() {
        let scope = delivery_scope(actor);
        let can_change = decide(actor, Action::IssueAlert, &object).allowed();
        dashboard = Some(dashboard_of(db, alert.clone(), scope.as_ref(), can_change).await?);
    }
    let mut received = Vec::new();
    if decide(actor, Action::AcknowledgeAlert, &object).allowed() {
        // The recipients this officer acknowledges for: one form each.
        let theirs: BTreeSet<Uuid> = facts
            .recipients
            .iter()
            .copied()
            .filter(|e| {
                let one = facts.for_recipient(*e);
                decide(actor, Action::AcknowledgeAlert, &Object::Alert(&one)).allowed()
            })
            .collect();
        received = received_by(db, &theirs, 200)
            .await?
            .into_iter()
            .filter(|r| r.alert.id == id)
            .collect();
    }
    Ok(Access::Ok(AlertPage {
        card: card(rules, alert, lang),
        dashboard,
        received,
    }))
}
