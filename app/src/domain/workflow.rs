//! The closed loop (闭环) as a state machine: which event may move a report from which state,
//! and who may cause it. Scope (which reports a person may touch) is the policy's business;
//! this module only knows the roles and the states.

use crate::domain::report::ReportState;
use serde::{Deserialize, Serialize};

/// The hazard grade (《安全生产事故隐患排查治理暂行规定》).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 一般事故隐患: can be fixed at once.
    Ordinary,
    /// 重大事故隐患: governance plan required, supervised (挂牌督办).
    Major,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Ordinary => "ordinary",
            Grade::Major => "major",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        match s.trim() {
            "ordinary" => Some(Grade::Ordinary),
            "major" => Some(Grade::Major),
            _ => None,
        }
    }
}

/// Why a report was closed at triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    NotAHazard,
    Duplicate,
    OutOfScope,
}

impl RejectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::NotAHazard => "not_a_hazard",
            RejectReason::Duplicate => "duplicate",
            RejectReason::OutOfScope => "out_of_scope",
        }
    }

    pub fn parse(s: &str) -> Option<RejectReason> {
        [
            RejectReason::NotAHazard,
            RejectReason::Duplicate,
            RejectReason::OutOfScope,
        ]
        .into_iter()
        .find(|r| r.as_str() == s.trim())
    }
}

/// Who causes an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// An inspector, mine supervisor or union admin (in scope: the policy checks that).
    Union,
    /// An officer of the reported enterprise.
    Enterprise,
    /// Whoever holds the receipt code.
    Reporter,
    /// The background jobs.
    System,
}

impl Party {
    pub const ALL: [Party; 4] = [
        Party::Union,
        Party::Enterprise,
        Party::Reporter,
        Party::System,
    ];

    /// The `actor` column of the timeline.
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Union => "inspector",
            Party::Enterprise => "enterprise",
            Party::Reporter => "reporter",
            Party::System => "system",
        }
    }
}

/// Something that happens to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Grade,
    Reject,
    SendNotice,
    Acknowledge,
    SubmitRectification,
    VerifyPass,
    VerifyFail,
    ReporterConfirm,
    ReporterDispute,
    ConfirmationTimeout,
}

impl Event {
    pub const ALL: [Event; 10] = [
        Event::Grade,
        Event::Reject,
        Event::SendNotice,
        Event::Acknowledge,
        Event::SubmitRectification,
        Event::VerifyPass,
        Event::VerifyFail,
        Event::ReporterConfirm,
        Event::ReporterDispute,
        Event::ConfirmationTimeout,
    ];
}

/// Why an event cannot happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not from this state.
    WrongState,
    /// Not by this party.
    WrongParty,
}

/// The state an event leads to, if `party` may cause it from `from`.
pub fn transition(from: ReportState, event: Event, party: Party) -> Result<ReportState, Refusal> {
    use Event::*;
    use ReportState as S;
    let (to, by) = match (event, from) {
        (Grade, S::Submitted) => (S::Triaged, Party::Union),
        (Reject, S::Submitted | S::Triaged | S::Reopened) => (S::Rejected, Party::Union),
        (SendNotice, S::Triaged | S::Reopened) => (S::NoticeSent, Party::Union),
        (Acknowledge, S::NoticeSent) => (S::Acknowledged, Party::Enterprise),
        (SubmitRectification, S::Acknowledged) => (S::RectificationSubmitted, Party::Enterprise),
        (VerifyPass, S::RectificationSubmitted) => (S::Verified, Party::Union),
        // A failed verification sends it back to rectifying (acknowledged, deadline running).
        (VerifyFail, S::RectificationSubmitted) => (S::Acknowledged, Party::Union),
        (ReporterConfirm, S::Verified) => (S::Closed, Party::Reporter),
        (ReporterDispute, S::Verified) => (S::Reopened, Party::Reporter),
        (ConfirmationTimeout, S::Verified) => (S::Closed, Party::System),
        _ => return Err(Refusal::WrongState),
    };
    if party == by {
        Ok(to)
    } else {
        Err(Refusal::WrongParty)
    }
}

/// Whether a report in this state is still open (on someone's desk).
pub fn is_open(state: ReportState) -> bool {
    !matches!(state, ReportState::Rejected | ReportState::Closed)
}

/// The state a report's enterprise is shown. After the inspector's verification the enterprise
/// sees the union's decisions only: nothing it can see changes at a moment the reporter chose.
/// It sees `Verified` until the reporter's window (`confirm_due`) closes, then `Closed`, whether
/// the reporter confirmed, said nothing, or has not been closed by the job yet; a disputed fix
/// stays `Verified` until the union acts on the reopened report (a new notice, or closing it,
/// which clears `confirm_due`).
pub fn as_the_enterprise_sees(
    state: ReportState,
    confirm_due: Option<i64>,
    now: i64,
) -> ReportState {
    use ReportState as S;
    match (state, confirm_due) {
        (S::Verified | S::Closed, Some(due)) if now > due => S::Closed,
        (S::Verified | S::Closed | S::Reopened, Some(_)) => S::Verified,
        _ => state,
    }
}

/// Whether the enterprise has been sent a notice about a report in this state (its queue shows
/// only those).
pub fn is_noticed(state: ReportState) -> bool {
    use ReportState as S;
    matches!(
        state,
        S::NoticeSent
            | S::Acknowledged
            | S::RectificationSubmitted
            | S::Verified
            | S::Closed
            | S::Reopened
    )
}

/// The states for which `pred` holds as an SQL list, sorted by name: `'closed', 'rejected'`.
/// Every SQL set of states is written by this one function, so a query's predicate is character
/// for character the partial indexes' in the migrations (SQLite uses a partial index only then;
/// a test compares them).
pub fn sql_list(pred: impl Fn(ReportState) -> bool) -> String {
    let mut names: Vec<&str> = ReportState::ALL
        .into_iter()
        .filter(|s| pred(*s))
        .map(ReportState::as_str)
        .collect();
    names.sort_unstable();
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportState as S;

    #[test]
    fn the_enterprise_cannot_tell_a_confirmation_a_dispute_or_silence_apart() {
        let due = 1_000;
        for reporter_did in [S::Verified, S::Closed, S::Reopened] {
            assert_eq!(
                as_the_enterprise_sees(reporter_did, Some(due), due - 1),
                S::Verified
            );
        }
        // After the window: closed, confirmed or not; a dispute is the union's to act on.
        assert_eq!(
            as_the_enterprise_sees(S::Closed, Some(due), due + 1),
            S::Closed
        );
        assert_eq!(
            as_the_enterprise_sees(S::Verified, Some(due), due + 1),
            S::Closed
        );
        assert_eq!(
            as_the_enterprise_sees(S::Reopened, Some(due), due + 1),
            S::Verified
        );
        // Before any verification, and once the union acted again, the state is the state.
        assert_eq!(
            as_the_enterprise_sees(S::Acknowledged, None, 5),
            S::Acknowledged
        );
        assert_eq!(
            as_the_enterprise_sees(S::NoticeSent, None, 5),
            S::NoticeSent
        );
    }

    /// Every (state, event) pair and the one party allowed; everything else is refused.
    const ALLOWED: &[(ReportState, Event, Party, ReportState)] = &[
        (S::Submitted, Event::Grade, Party::Union, S::Triaged),
        (S::Submitted, Event::Reject, Party::Union, S::Rejected),
        (S::Triaged, Event::Reject, Party::Union, S::Rejected),
        (S::Reopened, Event::Reject, Party::Union, S::Rejected),
        (S::Triaged, Event::SendNotice, Party::Union, S::NoticeSent),
        (S::Reopened, Event::SendNotice, Party::Union, S::NoticeSent),
        (
            S::NoticeSent,
            Event::Acknowledge,
            Party::Enterprise,
            S::Acknowledged,
        ),
        (
            S::Acknowledged,
            Event::SubmitRectification,
            Party::Enterprise,
            S::RectificationSubmitted,
        ),
        (
            S::RectificationSubmitted,
            Event::VerifyPass,
            Party::Union,
            S::Verified,
        ),
        (
            S::RectificationSubmitted,
            Event::VerifyFail,
            Party::Union,
            S::Acknowledged,
        ),
        (
            S::Verified,
            Event::ReporterConfirm,
            Party::Reporter,
            S::Closed,
        ),
        (
            S::Verified,
            Event::ReporterDispute,
            Party::Reporter,
            S::Reopened,
        ),
        (
            S::Verified,
            Event::ConfirmationTimeout,
            Party::System,
            S::Closed,
        ),
    ];

    #[test]
    fn every_transition_by_every_party_is_allowed_or_refused_as_the_loop_says() {
        let mut checked = 0;
        for from in ReportState::ALL {
            for event in Event::ALL {
                for party in Party::ALL {
                    let expected = ALLOWED
                        .iter()
                        .find(|(f, e, p, _)| *f == from && *e == event && *p == party)
                        .map(|x| x.3);
                    let got = transition(from, event, party);
                    match expected {
                        Some(to) => assert_eq!(got, Ok(to), "{from:?} --{event:?}/{party:?}"),
                        None => assert!(
                            got.is_err(),
                            "{from:?} --{event:?}/{party:?} should be refused, got {got:?}"
                        ),
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 9 * 10 * 4);
    }

    #[test]
    fn the_wrong_party_is_told_apart_from_the_wrong_state() {
        assert_eq!(
            transition(S::NoticeSent, Event::Acknowledge, Party::Union),
            Err(Refusal::WrongParty)
        );
        assert_eq!(
            transition(S::Submitted, Event::Acknowledge, Party::Enterprise),
            Err(Refusal::WrongState)
        );
    }

    #[test]
    fn closed_and_rejected_reports_are_final() {
        for event in Event::ALL {
            for party in Party::ALL {
                assert!(transition(S::Closed, event, party).is_err());
                assert!(transition(S::Rejected, event, party).is_err());
            }
        }
        assert!(!is_open(S::Closed) && !is_open(S::Rejected) && is_open(S::Reopened));
    }
}
