//! The alerts desk's forms: a union admin issues an alert (event, level, forecast temperature,
//! districts, validity, instruction), updates one (level, temperature, instruction) or cancels
//! it; an enterprise officer acknowledges one for an enterprise with the measures taken (a
//! checklist of the alert's obligations) and a note. Also the headline such an alert gets.

use super::{done, optional_saying, text};
use crate::{
    domain::{
        district::DISTRICTS,
        heat::{Celsius10, Event, Level},
        report::FieldError,
        time::parse_local_minutes,
        DistrictCode,
    },
    i18n::{fill, Lang},
};
use serde::Deserialize;
use std::collections::BTreeSet;
use uuid::Uuid;

/// Longest instruction an admin may write.
pub const MAX_INSTRUCTION_CHARS: usize = 1000;
/// Longest note an officer may write with an acknowledgement.
pub const MAX_ACK_NOTE_CHARS: usize = 2000;
/// Longest validity of one alert.
pub const MAX_ALERT_DAYS: i64 = 10;

/// `POST /alerts`: a new alert.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IssueForm {
    /// `heat` or `cold`.
    pub event: Option<String>,
    /// `blue` … `red`.
    pub level: Option<String>,
    /// The forecast in degrees (a typed `℃` or `°C` is allowed).
    pub temperature: Option<String>,
    /// District codes (repeated).
    #[serde(default)]
    pub district: Vec<String>,
    /// `2026-07-14T09:00` (a `datetime-local` input, Zhengzhou time).
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub instruction: Option<String>,
}

/// A new alert as the admin asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidIssue {
    pub event: Event,
    pub level: Level,
    pub temperature: Celsius10,
    pub districts: BTreeSet<String>,
    pub valid_from: i64,
    pub valid_to: i64,
    /// Trimmed; empty when none was written.
    pub instruction: String,
}

impl IssueForm {
    /// Checks every field; which districts the admin may issue for is the policy's (the action
    /// asks it for each district chosen).
    pub fn parse(&self, lang: Lang) -> Result<ValidIssue, Vec<FieldError>> {
        let t = lang.tr();
        let mut errors = Vec::new();
        let event = text(&self.event).and_then(|e| Event::parse(&e));
        if event.is_none() {
            errors.push(FieldError::new("event", t.alerts_err_event()));
        }
        let level = text(&self.level).and_then(|l| Level::parse(&l));
        match (event, level) {
            (_, None) => errors.push(FieldError::new("level", t.alerts_err_level())),
            (Some(e), Some(l)) if !l.allowed(e) => {
                errors.push(FieldError::new("level", t.alerts_err_level_heat()))
            }
            _ => {}
        }
        let temperature = temperature(&self.temperature).and_then(|t| t.ok_or(()));
        if temperature.is_err() {
            errors.push(FieldError::new("temperature", t.alerts_err_temperature()));
        }
        let mut districts = BTreeSet::new();
        for d in &self.district {
            match DistrictCode::parse(d) {
                Ok(code) => {
                    districts.insert(code.as_str().to_string());
                }
                Err(_) => errors.push(FieldError::new("district", t.alerts_err_district())),
            }
        }
        if districts.is_empty() && !errors.iter().any(|e| e.field == "district") {
            errors.push(FieldError::new("district", t.alerts_err_no_district()));
        }
        let from = text(&self.valid_from).and_then(|s| parse_local_minutes(&s));
        let to = text(&self.valid_to).and_then(|s| parse_local_minutes(&s));
        if from.is_none() {
            errors.push(FieldError::new("valid_from", t.alerts_err_time()));
        }
        match (from, to) {
            (_, None) => errors.push(FieldError::new("valid_to", t.alerts_err_time())),
            (Some(f), Some(to)) if to <= f => {
                errors.push(FieldError::new("valid_to", t.alerts_err_order()))
            }
            (Some(f), Some(to)) if to - f > MAX_ALERT_DAYS * 86_400_000 => {
                errors.push(FieldError::new(
                    "valid_to",
                    fill(t.alerts_err_too_long(), &[("days", &MAX_ALERT_DAYS)]),
                ))
            }
            _ => {}
        }
        let instruction = instruction(&self.instruction, lang, &mut errors);
        match (event, level, temperature, from, to) {
            (Some(event), Some(level), Ok(temperature), Some(valid_from), Some(valid_to)) => done(
                ValidIssue {
                    event,
                    level,
                    temperature,
                    districts,
                    valid_from,
                    valid_to,
                    instruction,
                },
                errors,
            ),
            _ => Err(errors),
        }
    }
}

/// `POST /alerts/{id}/update`: a new level, forecast or instruction for an alert in force.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateForm {
    pub level: Option<String>,
    /// Empty keeps the alert's forecast.
    pub temperature: Option<String>,
    pub instruction: Option<String>,
}

/// What the update changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidUpdate {
    pub level: Level,
    pub temperature: Option<Celsius10>,
    pub instruction: String,
}

impl UpdateForm {
    /// `event`: the alert's (its level must be one of that event's); `current`: its forecast.
    pub fn parse(
        &self,
        lang: Lang,
        event: Event,
        current: Option<Celsius10>,
    ) -> Result<ValidUpdate, Vec<FieldError>> {
        let t = lang.tr();
        let mut errors = Vec::new();
        let level = text(&self.level)
            .and_then(|l| Level::parse(&l))
            .filter(|l| l.allowed(event));
        if level.is_none() {
            errors.push(FieldError::new("level", t.alerts_err_level()));
        }
        let temperature = temperature(&self.temperature).map(|typed| typed.or(current));
        if temperature.is_err() {
            errors.push(FieldError::new("temperature", t.alerts_err_temperature()));
        }
        let instruction = instruction(&self.instruction, lang, &mut errors);
        match (level, temperature) {
            (Some(level), Ok(temperature)) => done(
                ValidUpdate {
                    level,
                    temperature,
                    instruction,
                },
                errors,
            ),
            _ => Err(errors),
        }
    }
}

/// `POST /alerts/{id}/cancel`: the button alone (the alert is the URL's).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CancelForm {}

impl CancelForm {
    /// Nothing to check: a cancellation says no more than which alert.
    pub fn parse(&self, _lang: Lang) -> Result<(), Vec<FieldError>> {
        Ok(())
    }
}

/// `POST /alerts/{id}/ack`: an officer acknowledges for one of their enterprises.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AcknowledgeForm {
    /// The enterprise acknowledging (the officer may answer for several).
    pub enterprise: Option<String>,
    /// The obligation keys of the measures taken (repeated).
    #[serde(default)]
    pub measure: Vec<String>,
    pub note: Option<String>,
}

/// An acknowledgement as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAcknowledgement {
    /// Sorted, each once.
    pub measures: Vec<String>,
    /// Trimmed; empty when none was written.
    pub note: String,
}

impl AcknowledgeForm {
    /// The enterprise acknowledging (read first: who may acknowledge depends on it).
    pub fn enterprise(&self, lang: Lang) -> Result<Uuid, Vec<FieldError>> {
        text(&self.enterprise)
            .and_then(|e| Uuid::parse_str(&e).ok())
            .ok_or_else(|| {
                vec![FieldError::new(
                    "enterprise",
                    lang.tr().alerts_err_enterprise(),
                )]
            })
    }

    /// `obligations`: the keys of what this enterprise must do under the alert; every measure
    /// ticked must be one of them, and at least one must be.
    pub fn parse(
        &self,
        lang: Lang,
        obligations: &BTreeSet<String>,
    ) -> Result<ValidAcknowledgement, Vec<FieldError>> {
        let t = lang.tr();
        let mut errors = Vec::new();
        if self.measure.is_empty() {
            errors.push(FieldError::new("measure", t.alerts_err_no_measure()));
        } else if self.measure.iter().any(|m| !obligations.contains(m)) {
            errors.push(FieldError::new("measure", t.alerts_err_measure()));
        }
        // Trimmed, empty when none was written.
        let note = optional_saying(
            &self.note,
            "note",
            MAX_ACK_NOTE_CHARS,
            t.alerts_err_too_much(),
            &mut errors,
        )
        .unwrap_or_default();
        let measures: BTreeSet<&String> = self.measure.iter().collect();
        done(
            ValidAcknowledgement {
                measures: measures.into_iter().cloned().collect(),
                note,
            },
            errors,
        )
    }
}

/// A temperature field in degrees (a typed `℃` or `°C` allowed): `Ok(None)` when empty.
fn temperature(value: &Option<String>) -> Result<Option<Celsius10>, ()> {
    let typed = value
        .as_deref()
        .map(|s| s.trim().replace(['℃', '°', 'C'], ""))
        .unwrap_or_default();
    if typed.is_empty() {
        return Ok(None);
    }
    Celsius10::parse(&typed).map(Some).map_err(|_| ())
}

/// The alert's instruction: trimmed, empty when none was written, with a field error when
/// longer than [`MAX_INSTRUCTION_CHARS`] characters.
fn instruction(value: &Option<String>, lang: Lang, errors: &mut Vec<FieldError>) -> String {
    let too_much = lang.tr().alerts_err_too_much();
    optional_saying(
        value,
        "instruction",
        MAX_INSTRUCTION_CHARS,
        too_much,
        errors,
    )
    .unwrap_or_default()
}

/// The headline of an alert issued on the desk, in Chinese like every stored alert:
/// "郑州市金水区、二七区高温红色预警".
pub fn headline(event: Event, level: Level, districts: &BTreeSet<String>) -> String {
    let t = Lang::ZhCn.tr();
    let names: Vec<&str> = districts
        .iter()
        .filter_map(|c| DISTRICTS.iter().find(|d| d.code == c))
        .map(|d| d.name_zh)
        .collect();
    let place = if names.len() == DISTRICTS.len() {
        "郑州市".to_string()
    } else if names.len() > 3 {
        format!("郑州市{}等{}个区县", names[..3].join("、"), names.len())
    } else {
        format!("郑州市{}", names.join("、"))
    };
    format!("{place}{}{}", event.name(t), level.name(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    fn issue() -> IssueForm {
        IssueForm {
            event: some("heat"),
            level: some("red"),
            temperature: some("40.5℃"),
            district: vec!["410105".into()],
            valid_from: some("2026-07-01T10:00"),
            valid_to: some("2026-07-01T20:00"),
            instruction: some(" 12时至16时停止户外作业 "),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_complete_issue_form_is_an_alert_to_issue() {
        let valid = issue().parse(Lang::ZhCn).unwrap();
        assert_eq!(valid.event, Event::Heat);
        assert_eq!(valid.level, Level::Red);
        assert_eq!(valid.temperature, Celsius10(405));
        assert_eq!(valid.districts.len(), 1);
        assert_eq!(valid.valid_to - valid.valid_from, 10 * 3_600_000);
        assert_eq!(valid.instruction, "12时至16时停止户外作业");
        let typed = IssueForm {
            temperature: some(" 38 °C "),
            instruction: None,
            ..issue()
        };
        let valid = typed.parse(Lang::En).unwrap();
        assert_eq!(valid.temperature, Celsius10(380));
        assert_eq!(valid.instruction, "");
    }

    #[test]
    fn every_wrong_field_of_an_issue_form_is_named() {
        let empty = IssueForm::default().parse(Lang::ZhCn).unwrap_err();
        assert_eq!(
            fields(&empty),
            [
                "event",
                "level",
                "temperature",
                "district",
                "valid_from",
                "valid_to"
            ]
        );
        let bad = IssueForm {
            level: some("blue"),
            temperature: some("hot"),
            district: vec!["999999".into()],
            valid_to: some("2026-07-01T09:00"),
            instruction: Some("字".repeat(MAX_INSTRUCTION_CHARS + 1)),
            ..issue()
        };
        let errors = bad.parse(Lang::ZhCn).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "level",
                "temperature",
                "district",
                "valid_to",
                "instruction"
            ]
        );
        assert_eq!(errors[0].message, Lang::ZhCn.tr().alerts_err_level_heat());
        assert_eq!(errors[3].message, Lang::ZhCn.tr().alerts_err_order());
    }

    #[test]
    fn an_alert_lasts_at_most_ten_days() {
        let long = IssueForm {
            valid_to: some("2026-07-11T10:01"),
            ..issue()
        };
        let errors = long.parse(Lang::En).unwrap_err();
        assert_eq!(fields(&errors), ["valid_to"]);
        assert!(errors[0].message.contains("10"), "{}", errors[0].message);
        let ten = IssueForm {
            valid_to: some("2026-07-11T10:00"),
            ..issue()
        };
        assert!(ten.parse(Lang::En).is_ok());
    }

    #[test]
    fn an_update_keeps_the_forecast_unless_a_new_one_is_typed() {
        let keep = UpdateForm {
            level: some("orange"),
            temperature: some(""),
            instruction: None,
        };
        assert_eq!(
            keep.parse(Lang::ZhCn, Event::Heat, Some(Celsius10(405)))
                .unwrap(),
            ValidUpdate {
                level: Level::Orange,
                temperature: Some(Celsius10(405)),
                instruction: String::new(),
            }
        );
        let typed = UpdateForm {
            temperature: some("38"),
            ..keep.clone()
        };
        assert_eq!(
            typed
                .parse(Lang::ZhCn, Event::Heat, Some(Celsius10(405)))
                .unwrap()
                .temperature,
            Some(Celsius10(380))
        );
        let blue_heat = UpdateForm {
            level: some("blue"),
            temperature: some("x"),
            ..keep
        };
        let errors = blue_heat.parse(Lang::ZhCn, Event::Heat, None).unwrap_err();
        assert_eq!(fields(&errors), ["level", "temperature"]);
    }

    #[test]
    fn an_acknowledgement_names_its_enterprise_and_only_the_alerts_measures() {
        let enterprise = Uuid::new_v4();
        let obligations: BTreeSet<String> =
            ["stop_outdoor".to_string(), "cooling_supplies".to_string()].into();
        let form = AcknowledgeForm {
            enterprise: Some(enterprise.to_string()),
            measure: vec![
                "stop_outdoor".into(),
                "cooling_supplies".into(),
                "stop_outdoor".into(),
            ],
            note: some(" 已停工 "),
        };
        assert_eq!(form.enterprise(Lang::ZhCn), Ok(enterprise));
        assert_eq!(
            form.parse(Lang::ZhCn, &obligations).unwrap(),
            ValidAcknowledgement {
                measures: vec!["cooling_supplies".into(), "stop_outdoor".into()],
                note: "已停工".into(),
            }
        );
        let nobody = AcknowledgeForm {
            enterprise: some("the boss"),
            ..form.clone()
        };
        assert_eq!(
            nobody.enterprise(Lang::En).unwrap_err()[0].field,
            "enterprise"
        );
        let made_up = AcknowledgeForm {
            measure: vec!["made_up".into()],
            ..form.clone()
        };
        assert_eq!(
            made_up.parse(Lang::ZhCn, &obligations).unwrap_err()[0].message,
            Lang::ZhCn.tr().alerts_err_measure()
        );
        let none = AcknowledgeForm {
            measure: Vec::new(),
            note: Some("字".repeat(MAX_ACK_NOTE_CHARS + 1)),
            ..form
        };
        assert_eq!(
            fields(&none.parse(Lang::ZhCn, &obligations).unwrap_err()),
            ["measure", "note"]
        );
    }

    #[test]
    fn headlines_name_the_place_event_and_level() {
        let set: BTreeSet<String> = ["410105".to_string()].into_iter().collect();
        assert_eq!(
            headline(Event::Heat, Level::Red, &set),
            "郑州市金水区高温红色预警"
        );
        let all: BTreeSet<String> = DISTRICTS.iter().map(|d| d.code.to_string()).collect();
        assert_eq!(
            headline(Event::Cold, Level::Blue, &all),
            "郑州市寒潮蓝色预警"
        );
    }
}
