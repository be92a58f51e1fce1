//! Deadlines by grade and the escalation ladder. Every figure is configuration (defaults below);
//! overdue is computed from the deadlines, never stored.

use crate::domain::{report::ReportState, workflow::Grade};
use serde::{Deserialize, Serialize};

pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// The configurable figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    /// The enterprise acknowledges a notice within this many working days.
    pub ack_working_days: u32,
    /// An ordinary (一般) hazard is fixed within this many days of the notice (default deadline).
    pub fix_days_ordinary: u32,
    /// A major (重大) hazard's default deadline (the governance plan may set its own).
    pub fix_days_major: u32,
    /// The reporter has this many days to confirm or dispute a verified fix.
    pub confirm_days: u32,
    /// Overdue by this many days: the district union admin is told.
    pub escalate_district_days: u32,
    /// Overdue by this many days: the city union is told.
    pub escalate_city_days: u32,
    /// How much later an extension may move a deadline, at most.
    pub max_extension_days: u32,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            ack_working_days: 2,
            fix_days_ordinary: 7,
            fix_days_major: 30,
            confirm_days: 7,
            escalate_district_days: 3,
            escalate_city_days: 7,
            max_extension_days: 30,
        }
    }
}

/// Day of the week of an instant in Asia/Shanghai: 0 = Monday … 6 = Sunday.
fn weekday(epoch_ms: i64) -> i64 {
    let days = (epoch_ms + crate::domain::time::SHANGHAI_OFFSET_SECS * 1000).div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday.
    (days + 3).rem_euclid(7)
}

/// `n` working days (Monday–Friday, Shanghai time) after `from`. Public holidays are not
/// modelled.
pub fn add_working_days(from: i64, n: u32) -> i64 {
    let mut at = from;
    let mut left = n;
    while left > 0 {
        at += DAY_MS;
        if weekday(at) < 5 {
            left -= 1;
        }
    }
    at
}

impl Deadlines {
    pub fn ack_due(&self, notice_at: i64) -> i64 {
        add_working_days(notice_at, self.ack_working_days)
    }

    pub fn default_fix_due(&self, notice_at: i64, grade: Grade) -> i64 {
        let days = match grade {
            Grade::Ordinary => self.fix_days_ordinary,
            Grade::Major => self.fix_days_major,
        };
        notice_at + i64::from(days) * DAY_MS
    }

    pub fn confirm_due(&self, verified_at: i64) -> i64 {
        verified_at + i64::from(self.confirm_days) * DAY_MS
    }

    /// Who must be told now about a deadline passed at `due`.
    pub fn escalation(&self, due: i64, now: i64) -> Option<Escalation> {
        if now <= due {
            return None;
        }
        let late = now - due;
        Some(if late >= i64::from(self.escalate_city_days) * DAY_MS {
            Escalation::City
        } else if late >= i64::from(self.escalate_district_days) * DAY_MS {
            Escalation::District
        } else {
            Escalation::Inspector
        })
    }
}

/// The rungs of the escalation ladder, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    Inspector,
    District,
    City,
}

impl Escalation {
    pub fn as_str(self) -> &'static str {
        match self {
            Escalation::Inspector => "inspector",
            Escalation::District => "district",
            Escalation::City => "city",
        }
    }

    /// This rung and every one below it (each is told once).
    pub fn up_to(self) -> Vec<Escalation> {
        [
            Escalation::Inspector,
            Escalation::District,
            Escalation::City,
        ]
        .into_iter()
        .filter(|e| *e <= self)
        .collect()
    }
}

/// Whether a deadline has passed.
pub fn is_overdue(due: Option<i64>, now: i64) -> bool {
    due.is_some_and(|d| now > d)
}

/// Whether a report is overdue: the enterprise has not acknowledged the notice in time, or has
/// not reported the fix by the deadline. The only definition, used by queues and escalation
/// (SQL mirrors it in `backend::cases::overdue_sql`, built from the same two functions).
pub fn report_overdue(
    state: ReportState,
    ack_due: Option<i64>,
    fix_due: Option<i64>,
    now: i64,
) -> bool {
    (awaits_ack(state) && is_overdue(ack_due, now))
        || (awaits_fix(state) && is_overdue(fix_due, now))
}

/// The enterprise still owes the acknowledgement of the notice.
pub fn awaits_ack(state: ReportState) -> bool {
    state == ReportState::NoticeSent
}

/// The enterprise still owes the fix (the rectification deadline runs).
pub fn awaits_fix(state: ReportState) -> bool {
    matches!(state, ReportState::NoticeSent | ReportState::Acknowledged)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Monday 2026-07-13 09:00 in Zhengzhou.
    const MONDAY_9AM: i64 = 1_783_904_400_000;

    #[test]
    fn working_days_skip_the_weekend() {
        assert_eq!(weekday(MONDAY_9AM), 0);
        let thursday = MONDAY_9AM + 3 * DAY_MS;
        // Two working days after Thursday is Monday.
        assert_eq!(add_working_days(thursday, 2), MONDAY_9AM + 7 * DAY_MS);
        assert_eq!(add_working_days(MONDAY_9AM, 2), MONDAY_9AM + 2 * DAY_MS);
        let friday = MONDAY_9AM + 4 * DAY_MS;
        assert_eq!(add_working_days(friday, 1), MONDAY_9AM + 7 * DAY_MS);
    }

    #[test]
    fn default_deadlines_by_grade() {
        let d = Deadlines::default();
        assert_eq!(
            d.default_fix_due(MONDAY_9AM, Grade::Ordinary),
            MONDAY_9AM + 7 * DAY_MS
        );
        assert_eq!(
            d.default_fix_due(MONDAY_9AM, Grade::Major),
            MONDAY_9AM + 30 * DAY_MS
        );
        assert_eq!(d.ack_due(MONDAY_9AM), MONDAY_9AM + 2 * DAY_MS);
        assert_eq!(d.confirm_due(MONDAY_9AM), MONDAY_9AM + 7 * DAY_MS);
    }

    #[test]
    fn overdue_climbs_the_ladder() {
        let d = Deadlines::default();
        let due = MONDAY_9AM;
        assert_eq!(d.escalation(due, due), None);
        assert_eq!(d.escalation(due, due + 1), Some(Escalation::Inspector));
        assert_eq!(
            d.escalation(due, due + 3 * DAY_MS),
            Some(Escalation::District)
        );
        assert_eq!(d.escalation(due, due + 7 * DAY_MS), Some(Escalation::City));
        assert_eq!(
            Escalation::District.up_to(),
            vec![Escalation::Inspector, Escalation::District]
        );
        assert!(
            is_overdue(Some(due), due + 1) && !is_overdue(Some(due), due) && !is_overdue(None, due)
        );
    }

    #[test]
    fn a_report_is_overdue_only_while_the_enterprise_owes_something() {
        let (ack, fix) = (Some(100), Some(1000));
        assert!(report_overdue(ReportState::NoticeSent, ack, fix, 101));
        assert!(
            !report_overdue(ReportState::Acknowledged, ack, fix, 101),
            "acknowledged in time or late, the ack deadline no longer counts"
        );
        assert!(report_overdue(ReportState::Acknowledged, ack, fix, 1001));
        for state in [
            ReportState::RectificationSubmitted,
            ReportState::Verified,
            ReportState::Closed,
            ReportState::Triaged,
        ] {
            assert!(!report_overdue(state, ack, fix, 5000), "{state:?}");
        }
    }
}
