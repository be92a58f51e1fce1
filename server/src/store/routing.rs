//! What routing needs to know, read for the server's own use: who is designated for, supervises
//! or covers a report's enterprise and district (with their open load), and a person's open
//! reports. The rule itself is pure: [`app::domain::routing`].

use app::{
    backend::Db,
    db_run,
    domain::{
        routing::{Candidate, RoutingFacts},
        DistrictCode, IndustryCode,
    },
};
use uuid::Uuid;

/// The routing facts for a report about `enterprise` (if known) in `district`.
#[tracing::instrument(skip(db))]
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
        let sql = format!(
            "SELECT u.id, u.display_name,
                    (SELECT COUNT(*) FROM reports r WHERE r.assignee_id = u.id AND {}),
                    (SELECT MAX(r.created_at) FROM reports r WHERE r.assignee_id = u.id)
             FROM inspector_coverage c
             JOIN users u ON u.id = c.user_id
             JOIN user_roles ur ON ur.user_id = u.id AND ur.role = 'inspector'
             WHERE c.district_code = $1 AND c.industry_code = $2 AND NOT u.disabled",
            app::backend::cases::open_sql()
        );
        let rows: Vec<(Uuid, String, i64, Option<i64>)> = db_run!(db, |pool| {
            sqlx::query_as(&sql)
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

/// An open report someone holds, with what routing needs.
#[derive(Debug, Clone)]
pub struct OpenReport {
    pub id: Uuid,
    pub enterprise: Option<Uuid>,
    pub district: String,
    pub industry: Option<String>,
    pub coal_mine: bool,
}

/// The open reports a person holds.
pub async fn open_reports_of(db: &Db, user: Uuid) -> Result<Vec<OpenReport>, sqlx::Error> {
    let sql = format!(
        "SELECT r.id, r.enterprise_id, r.district_code, r.industry_code, r.is_coal_mine FROM reports r
         WHERE r.assignee_id = $1 AND {}",
        app::backend::cases::open_sql()
    );
    let rows: Vec<(Uuid, Option<Uuid>, String, Option<String>, bool)> =
        db_run!(db, |pool| sqlx::query_as(&sql)
            .bind(user)
            .fetch_all(pool)
            .await)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, enterprise, district, industry, coal_mine)| OpenReport {
                id,
                enterprise,
                district,
                industry,
                coal_mine,
            },
        )
        .collect())
}

/// Whether a user is disabled.
pub async fn is_disabled(db: &Db, user: Uuid) -> Result<bool, sqlx::Error> {
    db_run!(db, |pool| sqlx::query_scalar(
        "SELECT disabled FROM users WHERE id = $1"
    )
    .bind(user)
    .fetch_one(pool)
    .await)
}
