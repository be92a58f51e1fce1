//! Assigning reports: gathering the facts the routing rules need, and re-routing a person's open
//! reports when they are disabled or their coverage changes.

use super::{BeginWrite, Db};
use crate::{
    db_run,
    domain::{
        routing::{route, Candidate, Routed, RoutingFacts},
        DistrictCode, IndustryCode,
    },
};
use uuid::Uuid;

/// Who may hold a report in `district` about `enterprise`: enabled inspectors covering the
/// district and, for a coal mine, its supervisors. The report page offers them; a reassignment
/// to anyone else is refused.
pub async fn possible_holders(
    db: &Db,
    district: &str,
    enterprise: Option<Uuid>,
) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT u.id, u.display_name FROM users u WHERE NOT u.disabled AND (
            EXISTS (SELECT 1 FROM inspector_coverage c WHERE c.user_id = u.id AND c.district_code = $1)
            OR EXISTS (SELECT 1 FROM mine_supervisors m WHERE m.user_id = u.id AND m.enterprise_id = $2))
         ORDER BY u.display_name"
    )
    .bind(district)
    .bind(enterprise)
    .fetch_all(pool)
    .await
    })
}

/// The routing facts for a report about `enterprise` (if known) in `district`.
pub async fn facts(
    db: &Db,
    enterprise: Option<Uuid>,
    district: &str,
    industry: Option<&str>,
    is_coal_mine: bool,
) -> Result<RoutingFacts, sqlx::Error> {
    let district_name = DistrictCode::parse(district)
        .map(|d| d.district().name_zh.to_string())
        .unwrap_or_else(|_| district.to_string());
    let industry_name = industry
        .and_then(|i| IndustryCode::parse(i).ok())
        .map(|i| i.industry().name_zh.to_string());
    let mut facts = RoutingFacts {
        district_name,
        industry_name,
        is_coal_mine,
        ..RoutingFacts::default()
    };
    if let Some(e) = enterprise {
        facts.designated = db_run!(db, |pool| {
            sqlx::query_as(
            "SELECT u.id, u.display_name FROM enterprises e JOIN users u ON u.id = e.designated_inspector_id
             WHERE e.id = $1 AND NOT u.disabled"
        )
        .bind(e)
        .fetch_optional(pool)
        .await
        })?;
        if is_coal_mine {
            facts.mine_supervisor = db_run!(db, |pool| {
                sqlx::query_as(
                "SELECT u.id, u.display_name FROM mine_supervisors m JOIN users u ON u.id = m.user_id
                 WHERE m.enterprise_id = $1 AND NOT u.disabled ORDER BY u.display_name, u.id LIMIT 1"
            )
            .bind(e)
            .fetch_optional(pool)
            .await
            })?;
        }
    }
    if let Some(industry) = industry {
        let rows: Vec<(Uuid, String, i64, Option<i64>)> = db_run!(db, |pool| {
            sqlx::query_as(
            "SELECT u.id, u.display_name,
                    (SELECT COUNT(*) FROM reports r WHERE r.assignee_id = u.id AND r.state NOT IN ('closed', 'rejected')),
                    (SELECT MAX(r.created_at) FROM reports r WHERE r.assignee_id = u.id)
             FROM inspector_coverage c
             JOIN users u ON u.id = c.user_id
             JOIN user_roles ur ON ur.user_id = u.id AND ur.role = 'inspector'
             WHERE c.district_code = $1 AND c.industry_code = $2 AND NOT u.disabled"
        )
        .bind(district)
        .bind(industry)
        .fetch_all(pool)
        .await
        })?;
        facts.covering = rows
            .into_iter()
            .map(|(id, name, open_reports, last_assigned_at)| Candidate {
                id,
                name,
                open_reports,
                last_assigned_at,
            })
            .collect();
    }
    Ok(facts)
}

/// Routes a report (by its stored facts), ignoring `exclude` (someone who may no longer take it).
pub async fn route_report(
    db: &Db,
    report: Uuid,
    exclude: Option<Uuid>,
) -> Result<Option<Routed>, sqlx::Error> {
    let row: Option<(Option<Uuid>, String, Option<String>, bool)> = db_run!(db, |pool| {
        sqlx::query_as(
        "SELECT enterprise_id, district_code, industry_code, is_coal_mine FROM reports WHERE id = $1"
    )
    .bind(report)
    .fetch_optional(pool)
    .await
    })?;
    let Some((enterprise, district, industry, coal)) = row else {
        return Ok(None);
    };
    let mut f = facts(db, enterprise, &district, industry.as_deref(), coal).await?;
    if let Some(x) = exclude {
        f.covering.retain(|c| c.id != x);
        f.designated = f.designated.filter(|(id, _)| *id != x);
        f.mine_supervisor = f.mine_supervisor.filter(|(id, _)| *id != x);
    }
    Ok(Some(route(&f)))
}

/// Gives a report to someone else (or the district desk), with the reason on the union's
/// timeline. `by` is the person who did it (`None`: the system).
pub async fn reassign(
    db: &Db,
    report: Uuid,
    to: Option<Uuid>,
    rule: &str,
    reason: &str,
    by: Option<Uuid>,
    now: i64,
) -> Result<(), sqlx::Error> {
    db_run!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query(
            "UPDATE reports SET assignee_id = $1, routed_by = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(to)
        .bind(rule)
        .bind(now)
        .bind(report)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO report_events (id, report_id, at, actor, actor_user_id, note, visibility)
             VALUES ($1, $2, $3, $4, $5, $6, 'union')",
        )
        .bind(Uuid::now_v7())
        .bind(report)
        .bind(now)
        .bind(if by.is_some() { "inspector" } else { "system" })
        .bind(by)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    });
    Ok(())
}

/// The open reports assigned to a person who may no longer hold them (disabled, or no longer
/// covering them and not designated or supervising), routed again. Returns how many moved.
pub async fn reroute_for(db: &Db, user: Uuid, why: &str, now: i64) -> Result<usize, sqlx::Error> {
    let open: Vec<(Uuid, Option<Uuid>, String, Option<String>, bool)> =
        db_run!(db, |pool| sqlx::query_as(
            "SELECT id, enterprise_id, district_code, industry_code, is_coal_mine FROM reports
         WHERE assignee_id = $1 AND state NOT IN ('closed', 'rejected')"
        )
        .bind(user)
        .fetch_all(pool)
        .await)?;
    let disabled: bool = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT disabled FROM users WHERE id = $1"
    )
    .bind(user)
    .fetch_one(pool)
    .await)?;
    let mut moved = 0;
    for (report, enterprise, district, industry, coal) in open {
        let f = facts(db, enterprise, &district, industry.as_deref(), coal).await?;
        let still_holds = !disabled
            && (f.designated.as_ref().is_some_and(|d| d.0 == user)
                || f.mine_supervisor.as_ref().is_some_and(|m| m.0 == user)
                || f.covering.iter().any(|c| c.id == user));
        if still_holds {
            continue;
        }
        if let Some(r) = route_report(db, report, Some(user)).await? {
            let t = crate::i18n::Lang::ZhCn.tr();
            let reason = crate::i18n::fill(
                t.routing_why_rerouted(),
                &[("why", &why), ("reason", &r.reason)],
            );
            reassign(db, report, r.assignee, r.rule.as_str(), &reason, None, now).await?;
            moved += 1;
        }
    }
    Ok(moved)
}
