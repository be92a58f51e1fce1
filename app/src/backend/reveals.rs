//! Reading the requests to reveal a report's reporter (`reveal_requests`). Writing them is a
//! step: `server::store::steps` (a request, a decision), each with its audit entry.

use super::Db;
use crate::{db_run, views::RevealRequestView};
use uuid::Uuid;

/// One request as stored, with the names of who asked and who decided.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RevealRequest {
    pub id: Uuid,
    pub report_id: Uuid,
    pub requested_by: Uuid,
    pub requested_by_name: String,
    pub reason: String,
    pub requested_at: i64,
    pub decided_by: Option<Uuid>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub approved: Option<bool>,
}

const SELECT: &str =
    "SELECT q.id, q.report_id, q.requested_by, a.display_name AS requested_by_name,
        q.reason, q.requested_at, q.decided_by, d.display_name AS decided_by_name, q.decided_at,
        q.approved
     FROM reveal_requests q JOIN users a ON a.id = q.requested_by
     LEFT JOIN users d ON d.id = q.decided_by";

/// The requests about a report, oldest first.
pub async fn of_report(db: &Db, report: Uuid) -> Result<Vec<RevealRequest>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE q.report_id = $1 ORDER BY q.requested_at, q.id");
    super::db::fetch_all_for(db, &sql, report).await
}

/// One request of a report.
pub async fn one(
    db: &Db,
    report: Uuid,
    request: Uuid,
) -> Result<Option<RevealRequest>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE q.report_id = $1 AND q.id = $2");
    db_run!(db, |pool| sqlx::query_as(&sql)
        .bind(report)
        .bind(request)
        .fetch_optional(pool)
        .await)
}

/// How long after the approval the one who asked may open the identity.
pub const REVEAL_OPEN_MS: i64 = 24 * 3600 * 1000;

impl RevealRequest {
    /// Whether `user` may open the identity now: they asked, another admin approved, not long ago.
    pub fn may_open(&self, user: Uuid, now: i64) -> bool {
        self.requested_by == user
            && self.approved == Some(true)
            && self.decided_at.is_some_and(|at| now - at <= REVEAL_OPEN_MS)
    }

    /// As the report page shows it to `viewer` (an admin who may reveal, or not).
    pub fn view(&self, viewer: Option<Uuid>, may_reveal: bool, now: i64) -> RevealRequestView {
        RevealRequestView {
            id: self.id,
            requested_by_name: self.requested_by_name.clone(),
            reason: self.reason.clone(),
            requested_at: self.requested_at,
            decided_by_name: self.decided_by_name.clone(),
            decided_at: self.decided_at,
            approved: self.approved,
            may_decide: may_reveal
                && self.approved.is_none()
                && viewer.is_some_and(|v| v != self.requested_by),
            may_open: may_reveal && viewer.is_some_and(|v| self.may_open(v, now)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_one_who_asked_opens_an_approved_request_within_a_day() {
        let (asker, approver) = (Uuid::new_v4(), Uuid::new_v4());
        let mut r = RevealRequest {
            id: Uuid::new_v4(),
            report_id: Uuid::new_v4(),
            requested_by: asker,
            requested_by_name: "金水区工会管理员".into(),
            reason: "移交12350核实".into(),
            requested_at: 1_000,
            decided_by: None,
            decided_by_name: None,
            decided_at: None,
            approved: None,
        };
        assert!(!r.may_open(asker, 2_000), "waiting");
        let v = r.view(Some(approver), true, 2_000);
        assert!(v.may_decide && !v.may_open);
        assert!(
            !r.view(Some(asker), true, 2_000).may_decide,
            "not one's own"
        );
        r.decided_by = Some(approver);
        r.decided_at = Some(2_000);
        r.approved = Some(true);
        assert!(r.may_open(asker, 2_000 + REVEAL_OPEN_MS));
        assert!(
            !r.may_open(asker, 2_001 + REVEAL_OPEN_MS),
            "the window closed"
        );
        assert!(!r.may_open(approver, 3_000), "the approver does not see it");
        assert!(!r.view(Some(approver), true, 3_000).may_decide, "decided");
        r.approved = Some(false);
        assert!(!r.may_open(asker, 3_000), "refused");
    }
}
