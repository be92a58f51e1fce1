//! The union's forms on a report: grade, close at triage, the rectification notice, the
//! verification, the decision on an extension, reassignment, a message to the reporter and the
//! reveal of the reporter's identity.

use super::{done, optional, required, text};
use crate::{
    domain::{
        report::FieldError,
        time::end_of_local_day,
        workflow::{Grade, RejectReason},
    },
    i18n::{fill, Lang},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest triage note, rejection message, reassignment note or reveal reason.
pub const MAX_NOTE_CHARS: usize = 500;
/// Longest short notice field (names).
pub const MAX_SHORT: usize = 100;
/// Longest standard the fix must meet.
pub const MAX_STANDARD: usize = 500;
/// Longest long notice field (measures, plan sections).
pub const MAX_LONG: usize = 2000;
/// Longest message between the union and the reporter.
pub const MAX_MESSAGE_CHARS: usize = 1000;
/// A reveal's reason must say at least this much.
pub const MIN_REVEAL_REASON_CHARS: usize = 5;

/// `grade`: 一般 or 重大, an optional note, and the enterprise when the reporter did not know it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GradeForm {
    pub grade: Option<String>,
    pub note: Option<String>,
    /// A name or 统一社会信用代码, resolved against the directory by the action.
    pub enterprise: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidGrade {
    pub grade: Grade,
    pub note: Option<String>,
    pub enterprise: Option<String>,
}

impl GradeForm {
    pub fn parse(&self, lang: Lang) -> Result<ValidGrade, Vec<FieldError>> {
        let mut errors = Vec::new();
        let grade = self.grade.as_deref().and_then(Grade::parse);
        if grade.is_none() {
            errors.push(FieldError::new("grade", lang.tr().triage_grade_required()));
        }
        let note = optional(&self.note, "note", MAX_NOTE_CHARS, lang, &mut errors);
        match grade {
            Some(grade) => done(
                ValidGrade {
                    grade,
                    note,
                    enterprise: text(&self.enterprise),
                },
                errors,
            ),
            None => Err(errors),
        }
    }
}

/// `reject`: why the report is closed at triage, and what the reporter is told.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RejectForm {
    pub reason: Option<String>,
    pub message: Option<String>,
    /// The earlier report this one repeats (one of the candidates the page offered).
    pub duplicate_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidReject {
    pub reason: RejectReason,
    pub message: String,
    pub duplicate_of: Option<Uuid>,
}

impl RejectForm {
    /// Whether it closes the report as a duplicate (the action then loads the candidates).
    pub fn is_duplicate(&self) -> bool {
        self.reason.as_deref().and_then(RejectReason::parse) == Some(RejectReason::Duplicate)
    }

    /// `candidates`: the reports this one may be closed as a duplicate of.
    pub fn parse(&self, lang: Lang, candidates: &[Uuid]) -> Result<ValidReject, Vec<FieldError>> {
        let t = lang.tr();
        let mut errors = Vec::new();
        let reason = self.reason.as_deref().and_then(RejectReason::parse);
        if reason.is_none() {
            errors.push(FieldError::new("reason", t.triage_reason_required()));
        }
        let message = required(&self.message, "message", MAX_NOTE_CHARS, lang, &mut errors);
        let mut duplicate_of = None;
        if reason == Some(RejectReason::Duplicate) {
            duplicate_of = text(&self.duplicate_of)
                .and_then(|d| Uuid::parse_str(&d).ok())
                .filter(|d| candidates.contains(d));
            if duplicate_of.is_none() {
                errors.push(FieldError::new("duplicate_of", t.action_duplicate_of()));
            }
        }
        match reason {
            Some(reason) => done(
                ValidReject {
                    reason,
                    message,
                    duplicate_of,
                },
                errors,
            ),
            None => Err(errors),
        }
    }
}

/// `notice`: the 五定 fields, the deadline (a date; empty for the grade's default) and, for a
/// 重大 hazard, the governance plan (治理方案).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NoticeForm {
    pub responsible_person: Option<String>,
    pub measures: Option<String>,
    pub standard: Option<String>,
    pub acceptance_person: Option<String>,
    pub deadline: Option<String>,
    pub plan_goal: Option<String>,
    pub plan_resources: Option<String>,
    pub plan_people: Option<String>,
    pub plan_safety: Option<String>,
    pub plan_emergency: Option<String>,
    /// The photo review: rectangles to paint over, `photo:x,y,w,h` in thousandths
    /// (`public/mask.js` writes them).
    #[serde(default)]
    pub mask: Vec<String>,
    /// Hazard photos not given to the enterprise.
    #[serde(default)]
    pub withhold: Vec<String>,
}

/// The notice as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub responsible_person: String,
    pub measures: String,
    pub deadline_at: i64,
    pub standard: String,
    pub acceptance_person: String,
    pub plan_goal: Option<String>,
    pub plan_resources: Option<String>,
    pub plan_people: Option<String>,
    pub plan_safety: Option<String>,
    pub plan_emergency: Option<String>,
}

/// What is wrong with a notice: the message to show (the plan's, when that is what is missing)
/// and the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeProblems {
    pub plan_missing: bool,
    pub fields: Vec<FieldError>,
}

impl NoticeForm {
    /// `grade`: the report's; `now`; `default_due`: the grade's default deadline from now.
    pub fn parse(
        &self,
        lang: Lang,
        grade: Grade,
        now: i64,
        default_due: i64,
    ) -> Result<Notice, NoticeProblems> {
        let t = lang.tr();
        let mut errors = Vec::new();
        let responsible_person = required(
            &self.responsible_person,
            "responsible_person",
            MAX_SHORT,
            lang,
            &mut errors,
        );
        let measures = required(&self.measures, "measures", MAX_LONG, lang, &mut errors);
        let standard = required(&self.standard, "standard", MAX_STANDARD, lang, &mut errors);
        let acceptance_person = required(
            &self.acceptance_person,
            "acceptance_person",
            MAX_SHORT,
            lang,
            &mut errors,
        );
        let deadline_at = match text(&self.deadline) {
            None => default_due,
            Some(d) => match end_of_local_day(&d) {
                Some(at) if at > now => at,
                Some(_) => {
                    errors.push(FieldError::new("deadline", t.action_deadline_past()));
                    0
                }
                None => {
                    errors.push(FieldError::new("deadline", t.action_bad_date()));
                    0
                }
            },
        };
        let plan = |value: &Option<String>, field: &str, errors: &mut Vec<FieldError>| {
            if grade == Grade::Major {
                Some(required(value, field, MAX_LONG, lang, errors))
            } else {
                text(value).map(|v| v.chars().take(MAX_LONG).collect())
            }
        };
        let plan_goal = plan(&self.plan_goal, "plan_goal", &mut errors);
        let plan_resources = plan(&self.plan_resources, "plan_resources", &mut errors);
        let plan_people = plan(&self.plan_people, "plan_people", &mut errors);
        let plan_safety = plan(&self.plan_safety, "plan_safety", &mut errors);
        let plan_emergency = plan(&self.plan_emergency, "plan_emergency", &mut errors);
        if !errors.is_empty() {
            return Err(NoticeProblems {
                plan_missing: grade == Grade::Major
                    && errors.iter().any(|e| e.field.starts_with("plan_")),
                fields: errors,
            });
        }
        Ok(Notice {
            responsible_person,
            measures,
            deadline_at,
            standard,
            acceptance_person,
            plan_goal,
            plan_resources,
            plan_people,
            plan_safety,
            plan_emergency,
        })
    }
}

/// `verify`: `result` = `pass` (a note optional) or `fail` (a note required).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VerifyForm {
    pub result: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass { note: Option<String> },
    Fail { note: String },
}

impl VerifyForm {
    pub fn parse(&self, lang: Lang) -> Result<Verdict, Vec<FieldError>> {
        let t = lang.tr();
        let mut errors = Vec::new();
        let note = optional(&self.note, "note", MAX_NOTE_CHARS, lang, &mut errors);
        let verdict = match self.result.as_deref().map(str::trim) {
            Some("pass") => Verdict::Pass { note },
            Some("fail") => match note {
                Some(note) => Verdict::Fail { note },
                None => return Err(vec![FieldError::new("note", t.verify_fail_needs_note())]),
            },
            _ => return Err(vec![FieldError::new("result", t.action_required())]),
        };
        done(verdict, errors)
    }
}

/// `extension`: `decision` = `grant` or `refuse`, with an optional note.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExtensionDecisionForm {
    pub decision: Option<String>,
    pub note: Option<String>,
}

impl ExtensionDecisionForm {
    /// Whether it is granted, and the note.
    pub fn parse(&self, lang: Lang) -> Result<(bool, Option<String>), Vec<FieldError>> {
        let granted = match self.decision.as_deref().map(str::trim) {
            Some("grant") => true,
            Some("refuse") => false,
            _ => {
                return Err(vec![FieldError::new(
                    "decision",
                    lang.tr().action_required(),
                )])
            }
        };
        let mut errors = Vec::new();
        let note = optional(&self.note, "note", MAX_NOTE_CHARS, lang, &mut errors);
        done((granted, note), errors)
    }
}

/// `reassign`: `assignee` = a person's id or `desk`, and a note saying why.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReassignForm {
    pub assignee: Option<String>,
    pub note: Option<String>,
}

/// Who is to hold a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// The district union's desk.
    Desk,
    Person(Uuid),
}

impl ReassignForm {
    /// `holders`: the people who may hold this report.
    pub fn parse(&self, lang: Lang, holders: &[Uuid]) -> Result<(Holder, String), Vec<FieldError>> {
        let t = lang.tr();
        let mut errors = Vec::new();
        let note = required(&self.note, "note", MAX_NOTE_CHARS, lang, &mut errors);
        let holder = match text(&self.assignee).as_deref() {
            Some("desk") => Some(Holder::Desk),
            Some(id) => match Uuid::parse_str(id) {
                Ok(id) if holders.contains(&id) => Some(Holder::Person(id)),
                _ => {
                    errors.push(FieldError::new("assignee", t.reassign_bad_target()));
                    None
                }
            },
            None => {
                errors.push(FieldError::new("assignee", t.action_required()));
                None
            }
        };
        match holder {
            Some(h) => done((h, note), errors),
            None => Err(errors),
        }
    }
}

/// `messages`: a message between the union and the reporter (either way).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessageForm {
    pub body: Option<String>,
}

impl MessageForm {
    pub fn parse(&self, lang: Lang) -> Result<String, Vec<FieldError>> {
        let mut errors = Vec::new();
        let body = required(&self.body, "body", MAX_MESSAGE_CHARS, lang, &mut errors);
        done(body, errors)
    }
}

/// `reveal`: why the union needs to know who reported (audited; admins only).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RevealForm {
    pub reason: Option<String>,
}

impl RevealForm {
    pub fn parse(&self, lang: Lang) -> Result<String, Vec<FieldError>> {
        let reason = text(&self.reason).unwrap_or_default();
        let n = reason.chars().count();
        if (MIN_REVEAL_REASON_CHARS..=MAX_NOTE_CHARS).contains(&n) {
            Ok(reason)
        } else {
            Err(vec![FieldError::new(
                "reason",
                lang.tr().reveal_reason_required(),
            )])
        }
    }
}

/// `POST …/reveal-decision`: another admin's answer to a request to reveal.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RevealDecisionForm {
    pub request: Option<String>,
    /// `approve` or `refuse`.
    pub decision: Option<String>,
}

impl RevealDecisionForm {
    /// The request, and whether it is approved.
    pub fn parse(&self, lang: Lang) -> Result<(Uuid, bool), Vec<FieldError>> {
        let request = self
            .request
            .as_deref()
            .and_then(|r| Uuid::parse_str(r.trim()).ok());
        let approved = match self.decision.as_deref() {
            Some("approve") => Some(true),
            Some("refuse") => Some(false),
            _ => None,
        };
        match (request, approved) {
            (Some(r), Some(a)) => Ok((r, a)),
            _ => Err(vec![FieldError::new(
                "decision",
                lang.tr().reveal_decision_required(),
            )]),
        }
    }
}

/// `POST …/reveal-open`: the approved request whose identity to open.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RevealOpenForm {
    pub request: Option<String>,
}

impl RevealOpenForm {
    pub fn parse(&self, lang: Lang) -> Result<Uuid, Vec<FieldError>> {
        self.request
            .as_deref()
            .and_then(|r| Uuid::parse_str(r.trim()).ok())
            .ok_or_else(|| vec![FieldError::new("request", lang.tr().reveal_not_waiting())])
    }
}

/// A note for the timeline: `label` alone, or `label：note`.
pub fn labelled(label: &str, note: Option<&str>) -> String {
    match note {
        Some(n) => format!("{label}：{n}"),
        None => label.to_string(),
    }
}

/// The message for a field error about too many characters (for forms parsed elsewhere).
pub fn too_long(lang: Lang, max: usize) -> String {
    fill(lang.tr().action_too_long(), &[("max", &max)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn a_grade_needs_one_of_the_two_grades() {
        let ok = GradeForm {
            grade: some("major"),
            note: some(" 立即停产 "),
            enterprise: None,
        };
        assert_eq!(
            ok.parse(Lang::ZhCn).unwrap(),
            ValidGrade {
                grade: Grade::Major,
                note: some("立即停产"),
                enterprise: None
            }
        );
        let bad = GradeForm {
            grade: some("severe"),
            ..Default::default()
        };
        assert_eq!(bad.parse(Lang::En).unwrap_err()[0].field, "grade");
    }

    #[test]
    fn a_duplicate_must_name_one_of_the_candidates() {
        let earlier = Uuid::new_v4();
        let form = RejectForm {
            reason: some("duplicate"),
            message: some("已有报告"),
            duplicate_of: Some(Uuid::new_v4().to_string()),
        };
        assert!(form.is_duplicate());
        assert_eq!(
            form.parse(Lang::ZhCn, &[earlier]).unwrap_err()[0].field,
            "duplicate_of"
        );
        let form = RejectForm {
            duplicate_of: Some(earlier.to_string()),
            ..form
        };
        assert_eq!(
            form.parse(Lang::ZhCn, &[earlier]).unwrap().duplicate_of,
            Some(earlier)
        );
    }

    #[test]
    fn a_major_hazards_notice_needs_the_whole_plan() {
        let form = NoticeForm {
            responsible_person: some("张经理"),
            measures: some("加装护栏"),
            standard: some("GB 50870"),
            acceptance_person: some("李工"),
            ..Default::default()
        };
        assert_eq!(
            form.parse(Lang::ZhCn, Grade::Ordinary, 0, 99)
                .unwrap()
                .deadline_at,
            99
        );
        let problems = form.parse(Lang::ZhCn, Grade::Major, 0, 99).unwrap_err();
        assert!(problems.plan_missing);
        assert_eq!(problems.fields.len(), 5);
        let past = NoticeForm {
            deadline: some("2001-01-01"),
            ..form
        };
        let problems = past
            .parse(Lang::ZhCn, Grade::Ordinary, i64::MAX, 99)
            .unwrap_err();
        assert_eq!(problems.fields[0].field, "deadline");
        assert!(!problems.plan_missing);
    }

    #[test]
    fn a_failed_verification_says_why() {
        let fail = VerifyForm {
            result: some("fail"),
            note: None,
        };
        assert_eq!(fail.parse(Lang::ZhCn).unwrap_err()[0].field, "note");
        let pass = VerifyForm {
            result: some("pass"),
            note: None,
        };
        assert_eq!(
            pass.parse(Lang::ZhCn).unwrap(),
            Verdict::Pass { note: None }
        );
        for result in ["pass", "fail"] {
            let long = VerifyForm {
                result: some(result),
                note: Some("字".repeat(MAX_NOTE_CHARS + 1)),
            };
            let errors = long.parse(Lang::ZhCn).unwrap_err();
            assert_eq!(errors[0].field, "note", "{result}");
            assert!(errors[0].message.contains("500"), "{}", errors[0].message);
        }
    }

    #[test]
    fn a_report_goes_only_to_someone_who_may_hold_it() {
        let member = Uuid::new_v4();
        let form = |a: &str| ReassignForm {
            assignee: some(a),
            note: some("休假"),
        };
        assert_eq!(form("desk").parse(Lang::ZhCn, &[]).unwrap().0, Holder::Desk);
        assert_eq!(
            form(&member.to_string())
                .parse(Lang::ZhCn, &[member])
                .unwrap()
                .0,
            Holder::Person(member)
        );
        assert_eq!(
            form(&Uuid::new_v4().to_string())
                .parse(Lang::ZhCn, &[member])
                .unwrap_err()[0]
                .field,
            "assignee"
        );
    }

    #[test]
    fn a_reveal_needs_a_real_reason() {
        let short = RevealForm {
            reason: some("看看"),
        };
        assert_eq!(short.parse(Lang::ZhCn).unwrap_err()[0].field, "reason");
        let ok = RevealForm {
            reason: some("向12350转报需要实名"),
        };
        assert!(ok.parse(Lang::ZhCn).is_ok());
    }
}
