//! Who may hold a report: the people the report page offers for a reassignment. (Routing itself
//! is `app::domain::routing`; the server gathers its facts and records every move.)

use super::Db;
use crate::db_run;
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
