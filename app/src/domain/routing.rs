//! Who a new report goes to, and why. Pure: the caller gathers the facts from the directory.
//!
//! In order: the enterprise's designated inspector; for a coal mine, its mine supervisor; an
//! inspector covering the district × industry with the fewest open reports (ties go in turn: to
//! whoever was given one least recently); otherwise the district union's admin desk.

use crate::i18n::fill;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An inspector who could take the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: Uuid,
    pub name: String,
    pub open_reports: i64,
    /// When they were last assigned a report (epoch ms), `None` if never.
    pub last_assigned_at: Option<i64>,
}

/// What routing needs to know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingFacts {
    pub district_name: String,
    pub industry_name: Option<String>,
    /// The enterprise's designated inspector, if any and not disabled.
    pub designated: Option<(Uuid, String)>,
    pub is_coal_mine: bool,
    /// The mine's supervisor, if any and not disabled.
    pub mine_supervisor: Option<(Uuid, String)>,
    /// Active inspectors covering the report's district × industry.
    pub covering: Vec<Candidate>,
}

/// Which rule chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    DesignatedInspector,
    MineSupervisor,
    Coverage,
    DistrictDesk,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::DesignatedInspector => "designated_inspector",
            Rule::MineSupervisor => "mine_supervisor",
            Rule::Coverage => "coverage",
            Rule::DistrictDesk => "district_desk",
        }
    }
}

/// The outcome: an assignee (or the district desk) and the reason, as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub assignee: Option<Uuid>,
    pub rule: Rule,
    pub reason: String,
}

pub fn route(f: &RoutingFacts) -> Routed {
    // The reason is stored history, written in Chinese like the union's records.
    let t = crate::i18n::Lang::ZhCn.tr();
    if let Some((id, name)) = &f.designated {
        return Routed {
            assignee: Some(*id),
            rule: Rule::DesignatedInspector,
            reason: fill(t.routing_why_designated(), &[("name", name)]),
        };
    }
    if f.is_coal_mine {
        if let Some((id, name)) = &f.mine_supervisor {
            return Routed {
                assignee: Some(*id),
                rule: Rule::MineSupervisor,
                reason: fill(t.routing_why_mine(), &[("name", name)]),
            };
        }
    }
    let area = match &f.industry_name {
        Some(industry) => format!("{}·{}", f.district_name, industry),
        None => f.district_name.clone(),
    };
    let best = f
        .covering
        .iter()
        .min_by_key(|c| (c.open_reports, c.last_assigned_at.unwrap_or(i64::MIN), c.id));
    if let Some(c) = best {
        return Routed {
            assignee: Some(c.id),
            rule: Rule::Coverage,
            reason: fill(
                t.routing_why_coverage(),
                &[
                    ("area", &area),
                    ("open", &c.open_reports),
                    ("name", &c.name),
                ],
            ),
        };
    }
    Routed {
        assignee: None,
        rule: Rule::DistrictDesk,
        reason: fill(
            t.routing_why_desk(),
            &[("area", &area), ("district", &f.district_name)],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn candidate(n: u128, open: i64, last: Option<i64>) -> Candidate {
        Candidate {
            id: id(n),
            name: format!("检查员{n}"),
            open_reports: open,
            last_assigned_at: last,
        }
    }

    fn facts() -> RoutingFacts {
        RoutingFacts {
            district_name: "金水区".into(),
            industry_name: Some("建筑施工".into()),
            covering: vec![
                candidate(1, 5, Some(10)),
                candidate(2, 3, Some(20)),
                candidate(3, 3, Some(5)),
            ],
            ..RoutingFacts::default()
        }
    }

    #[test]
    fn the_designated_inspector_comes_first() {
        let mut f = facts();
        f.designated = Some((id(9), "张检查员".into()));
        f.is_coal_mine = true;
        f.mine_supervisor = Some((id(8), "李监督员".into()));
        let r = route(&f);
        assert_eq!(
            (r.assignee, r.rule),
            (Some(id(9)), Rule::DesignatedInspector)
        );
        assert_eq!(r.reason, "企业指定的监督检查员：张检查员");
    }

    #[test]
    fn a_coal_mine_goes_to_its_supervisor() {
        let mut f = facts();
        f.is_coal_mine = true;
        f.mine_supervisor = Some((id(8), "李监督员".into()));
        assert_eq!(route(&f).rule, Rule::MineSupervisor);
        assert_eq!(route(&f).assignee, Some(id(8)));
        // A mine without a supervisor falls through to coverage.
        f.mine_supervisor = None;
        assert_eq!(route(&f).rule, Rule::Coverage);
        // A supervisor only takes mines.
        let mut g = facts();
        g.mine_supervisor = Some((id(8), "李监督员".into()));
        assert_eq!(route(&g).rule, Rule::Coverage);
    }

    #[test]
    fn coverage_picks_the_fewest_open_reports_and_ties_go_in_turn() {
        let r = route(&facts());
        // 2 and 3 both have 3 open reports; 3 was given one longer ago.
        assert_eq!(r.assignee, Some(id(3)));
        assert_eq!(
            r.reason,
            "负责金水区·建筑施工的检查员中待办最少（3件）：检查员3"
        );
        let mut f = facts();
        f.covering = vec![candidate(1, 0, Some(10)), candidate(2, 0, None)];
        assert_eq!(
            route(&f).assignee,
            Some(id(2)),
            "never assigned goes before assigned"
        );
    }

    #[test]
    fn with_nobody_covering_it_goes_to_the_district_desk() {
        let mut f = facts();
        f.covering.clear();
        let r = route(&f);
        assert_eq!((r.assignee, r.rule), (None, Rule::DistrictDesk));
        assert_eq!(r.reason, "没有负责金水区·建筑施工的检查员，转金水区工会");
        f.industry_name = None;
        assert_eq!(route(&f).reason, "没有负责金水区的检查员，转金水区工会");
    }
}
