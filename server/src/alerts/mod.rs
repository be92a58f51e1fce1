//! Heat and cold alerts and CAP 1.2: a weather service's message read into an alert of ours
//! ([`from_cap`]: the Chinese `info`, a heat or cold-wave event, our districts from the area's
//! GB/T 2260 geocodes or names), and an alert of ours written as a CAP message ([`to_cap`]).
//! A message that is valid CAP but no alert of ours is a [`CapProblem`]. The wire format itself
//! is [`cap`]; storing and telling are `crate::store::alerts`; the feed's endpoint is
//! `crate::actions::alerts::ingest`.

pub mod cap;

use crate::store::alerts::NewAlert;
use app::{
    domain::{
        district::{DistrictKind, DISTRICTS},
        heat::{Celsius10, Event, Level},
    },
    i18n::{Lang, Tr},
    views::AlertView,
};
use cap::{arg, because, quoted, render, shown, Args};
use std::{collections::BTreeSet, fmt};

/// What is wrong with a valid CAP message as an alert of ours (its placeholders in brackets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Problem {
    /// `sent` is not a dateTime (`value`, `reason`).
    Sent,
    /// `onset`, `effective` or `expires` is not a dateTime (`value`, `reason`).
    Time,
    /// No `info` block.
    NoInfo,
    /// An event other than heat or cold wave (`event`).
    Event,
    /// A blue heat warning (CMA issues none).
    HeatLevel,
    /// A temperature parameter that is not a temperature (`name`, `value`).
    Temperature,
    /// Expires before it starts.
    Expires,
    /// No district of ours in the area.
    Area,
    /// `references` names no alert still in force.
    RefsUnknown,
    /// `references` names an alert another feed issued.
    RefsForeign,
}

impl Problem {
    pub const ALL: &'static [Problem] = &[
        Problem::Sent,
        Problem::Time,
        Problem::NoInfo,
        Problem::Event,
        Problem::HeatLevel,
        Problem::Temperature,
        Problem::Expires,
        Problem::Area,
        Problem::RefsUnknown,
        Problem::RefsForeign,
    ];

    /// The message's template in one language.
    pub fn template(self, t: &Tr) -> &'static str {
        match self {
            Problem::Sent => t.cap_map_sent(),
            Problem::Time => t.cap_map_time(),
            Problem::NoInfo => t.cap_map_no_info(),
            Problem::Event => t.cap_map_event(),
            Problem::HeatLevel => t.cap_map_heat_level(),
            Problem::Temperature => t.cap_map_temperature(),
            Problem::Expires => t.cap_map_expires(),
            Problem::Area => t.cap_map_area(),
            Problem::RefsUnknown => t.cap_map_refs_unknown(),
            Problem::RefsForeign => t.cap_map_refs_foreign(),
        }
    }
}

/// A CAP message's element at fault and what is wrong with it as an alert of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapProblem {
    pub element: String,
    pub problem: Problem,
    pub args: Args,
}

impl CapProblem {
    pub fn new(element: impl Into<String>, problem: Problem, args: Args) -> Self {
        CapProblem {
            element: element.into(),
            problem,
            args,
        }
    }

    /// What is wrong, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        render(self.problem.template(lang.tr()), &self.args, lang)
    }
}

impl fmt::Display for CapProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.element, self.message(Lang::En))
    }
}

/// What a CAP message asks of us.
#[derive(Debug, Clone, PartialEq)]
pub enum CapIntent {
    /// A new alert (`Alert`), or one replacing an earlier alert (`Update`: `replaces` is set
    /// later from the references).
    Issue(NewAlert),
    /// `Cancel` of the referenced alerts.
    Cancel,
    /// Not an actual alert (`Test`, `Exercise`, `System`, `Draft`, or `Ack`/`Error`): nothing to do.
    Ignore(String),
}

/// The default validity of an alert without `expires`.
pub const DEFAULT_VALIDITY_MS: i64 = 24 * 3600 * 1000;

/// Reads a parsed CAP message into an alert for our districts. Chooses the Chinese `info`
/// (else the first); the event must be a heat (高温) or cold-wave (寒潮) warning.
pub fn from_cap(msg: &cap::Alert) -> Result<CapIntent, CapProblem> {
    if msg.status != cap::Status::Actual {
        return Ok(CapIntent::Ignore(format!("status {}", msg.status.as_str())));
    }
    match msg.msg_type {
        cap::MsgType::Alert | cap::MsgType::Update => {}
        cap::MsgType::Cancel => return Ok(CapIntent::Cancel),
        other => return Ok(CapIntent::Ignore(format!("msgType {}", other.as_str()))),
    }
    let sent = cap::parse_datetime(&msg.sent).map_err(|why| {
        CapProblem::new(
            "alert/sent",
            Problem::Sent,
            vec![arg("value", quoted(&msg.sent)), because(why)],
        )
    })?;
    let (index, info) = msg
        .infos
        .iter()
        .enumerate()
        .find(|(_, i)| i.language.to_ascii_lowercase().starts_with("zh"))
        .or_else(|| msg.infos.iter().enumerate().next())
        .ok_or_else(|| CapProblem::new("alert/info", Problem::NoInfo, Vec::new()))?;
    let at = |name: &str| format!("alert/info[{}]/{name}", index + 1);
    let text = format!(
        "{} {} {}",
        info.event,
        info.headline.clone().unwrap_or_default(),
        info.event_codes
            .iter()
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let lower = text.to_lowercase();
    let event = if text.contains("高温") || lower.contains("heat") {
        Event::Heat
    } else if text.contains("寒潮") || lower.contains("cold") {
        Event::Cold
    } else {
        return Err(CapProblem::new(
            at("event"),
            Problem::Event,
            vec![arg("event", shown(&info.event))],
        ));
    };
    let level = level_of(&text, &lower).unwrap_or(match info.severity {
        cap::Severity::Extreme => Level::Red,
        cap::Severity::Severe => Level::Orange,
        cap::Severity::Moderate => Level::Yellow,
        _ => Level::Blue,
    });
    if !level.allowed(event) {
        return Err(CapProblem::new(
            at("severity"),
            Problem::HeatLevel,
            Vec::new(),
        ));
    }
    let temperature = info
        .parameters
        .iter()
        .find(|(name, _)| {
            let n = name.to_lowercase();
            n.contains("temperature") || name.contains("气温")
        })
        .map(|(name, value)| {
            let v = value
                .trim()
                .trim_end_matches("°C")
                .trim_end_matches('℃')
                .trim();
            Celsius10::parse(v).map_err(|_| {
                CapProblem::new(
                    at("parameter"),
                    Problem::Temperature,
                    vec![arg("name", shown(name)), arg("value", quoted(value))],
                )
            })
        })
        .transpose()?;
    let time = |name: &str, v: &Option<String>| -> Result<Option<i64>, CapProblem> {
        v.as_deref()
            .map(|s| {
                cap::parse_datetime(s).map_err(|why| {
                    CapProblem::new(
                        at(name),
                        Problem::Time,
                        vec![arg("value", quoted(s)), because(why)],
                    )
                })
            })
            .transpose()
    };
    let valid_from = time("onset", &info.onset)?
        .or(time("effective", &info.effective)?)
        .unwrap_or(sent);
    let valid_to = time("expires", &info.expires)?.unwrap_or(valid_from + DEFAULT_VALIDITY_MS);
    if valid_to <= valid_from {
        return Err(CapProblem::new(at("expires"), Problem::Expires, Vec::new()));
    }
    let mut districts = BTreeSet::new();
    for area in &info.areas {
        districts.extend(districts_of_area(area));
    }
    if districts.is_empty() {
        let element = if info.areas.is_empty() {
            at("area")
        } else {
            format!("{}[1]", at("area"))
        };
        return Err(CapProblem::new(element, Problem::Area, Vec::new()));
    }
    Ok(CapIntent::Issue(NewAlert {
        sender: msg.sender.clone(),
        identifier: msg.identifier.clone(),
        sent_at: sent,
        source_id: None,
        issued_by: None,
        event,
        level,
        temperature: temperature.map(|t| t.0),
        valid_from,
        valid_to,
        headline: info.headline.clone().unwrap_or_else(|| info.event.clone()),
        instruction: info.instruction.clone().unwrap_or_default(),
        districts,
        replaces: None,
    }))
}

/// The colour named in a warning's text (红色/橙色/黄色/蓝色, or in English).
fn level_of(text: &str, lower: &str) -> Option<Level> {
    [
        ("红色", "red", Level::Red),
        ("橙色", "orange", Level::Orange),
        ("黄色", "yellow", Level::Yellow),
        ("蓝色", "blue", Level::Blue),
    ]
    .into_iter()
    .find(|(zh, en, _)| {
        text.contains(zh)
            || lower
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|word| word == *en)
    })
    .map(|(_, _, l)| l)
}

/// Our districts an area names: by GB/T 2260 geocode (the city's code means all of it), else
/// by the names in `areaDesc`.
pub fn districts_of_area(area: &cap::Area) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, value) in &area.geocodes {
        let v = value.trim();
        if v == app::domain::district::CITY_GB2260 {
            out.extend(DISTRICTS.iter().map(|d| d.code.to_string()));
        }
        if let Some(d) = DISTRICTS.iter().find(|d| d.gb2260() == Some(v)) {
            out.insert(d.code.to_string());
        }
    }
    if out.is_empty() {
        let desc = area.area_desc.as_str();
        let lower = desc.to_lowercase();
        for d in DISTRICTS {
            let short = d.name_zh.trim_end_matches(['区', '县', '市']);
            if desc.contains(d.name_zh)
                || (short.chars().count() >= 2
                    && desc.contains(short)
                    && !desc.contains("郑州市区"))
                || lower.contains(&d.name_en.to_lowercase())
            {
                out.insert(d.code.to_string());
            }
        }
        if out.is_empty() && (desc.contains("郑州") || lower.contains("zhengzhou")) {
            out.extend(DISTRICTS.iter().map(|d| d.code.to_string()));
        }
    }
    out
}

/// An alert of ours as a CAP 1.2 message (`refs`: the alert it updates, for `references`).
pub fn to_cap(a: &AlertView, replaced: Option<&AlertView>, sender_name: &str) -> cap::Alert {
    let event = Event::parse(&a.event).unwrap_or(Event::Heat);
    let level = Level::parse(&a.level).unwrap_or(Level::Yellow);
    let zh = app::i18n::Lang::ZhCn.tr();
    let names: Vec<&str> = a
        .districts
        .iter()
        .filter_map(|c| DISTRICTS.iter().find(|d| d.code == c))
        .map(|d| d.name_zh)
        .collect();
    let geocodes: Vec<(String, String)> = a
        .districts
        .iter()
        .filter_map(|c| DISTRICTS.iter().find(|d| d.code == c))
        .filter(|d| d.kind == DistrictKind::County)
        .map(|d| ("GB/T 2260".to_string(), d.code.to_string()))
        .collect();
    let temperature = a.temperature.map(|t| Celsius10(t).display());
    let mut parameters = Vec::new();
    if let Some(t) = &temperature {
        let name = if event == Event::Cold {
            "minTemperature"
        } else {
            "maxTemperature"
        };
        parameters.push((name.to_string(), t.clone()));
    }
    let description =
        app::pages::heat::temperature_label(&a.event, a.temperature, app::i18n::Lang::ZhCn);
    cap::Alert {
        identifier: a.identifier.clone(),
        sender: a.sender.clone(),
        sent: cap::format_datetime(a.sent_at),
        status: cap::Status::Actual,
        msg_type: if replaced.is_some() {
            cap::MsgType::Update
        } else {
            cap::MsgType::Alert
        },
        source: None,
        scope: cap::Scope::Public,
        restriction: None,
        addresses: None,
        codes: Vec::new(),
        note: (a.status == "cancelled").then(|| "cancelled".to_string()),
        references: replaced
            .map(|r| {
                vec![cap::Reference {
                    sender: r.sender.clone(),
                    identifier: r.identifier.clone(),
                    sent: cap::format_datetime(r.sent_at),
                }]
            })
            .unwrap_or_default(),
        incidents: None,
        infos: vec![cap::Info {
            language: "zh-CN".into(),
            categories: vec![cap::Category::Met],
            event: if event == Event::Cold {
                zh.heat_rule_event_cold()
            } else {
                zh.heat_rule_event_heat()
            }
            .to_string(),
            response_types: vec!["Prepare".into()],
            urgency: if a.valid_from <= a.sent_at {
                cap::Urgency::Immediate
            } else {
                cap::Urgency::Expected
            },
            severity: match level {
                Level::Red => cap::Severity::Extreme,
                Level::Orange => cap::Severity::Severe,
                Level::Yellow => cap::Severity::Moderate,
                Level::Blue => cap::Severity::Minor,
            },
            certainty: cap::Certainty::Likely,
            audience: None,
            event_codes: vec![(
                "SafeSnap".to_string(),
                format!("{}-{}", event.as_str(), level.as_str()),
            )],
            effective: Some(cap::format_datetime(a.sent_at)),
            onset: Some(cap::format_datetime(a.valid_from)),
            expires: Some(cap::format_datetime(a.valid_to)),
            sender_name: Some(if a.issued_by.is_empty() {
                sender_name.to_string()
            } else {
                format!("{sender_name}（{}）", a.issued_by)
            }),
            headline: Some(a.headline.clone()),
            description,
            instruction: (!a.instruction.is_empty()).then(|| a.instruction.clone()),
            web: None,
            contact: None,
            parameters,
            areas: vec![cap::Area {
                area_desc: names.join(" "),
                polygons: Vec::new(),
                circles: Vec::new(),
                geocodes,
                altitude: None,
                ceiling: None,
            }],
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(desc: &str, codes: &[&str]) -> cap::Area {
        cap::Area {
            area_desc: desc.into(),
            polygons: Vec::new(),
            circles: Vec::new(),
            geocodes: codes
                .iter()
                .map(|c| ("GB/T 2260".to_string(), c.to_string()))
                .collect(),
            altitude: None,
            ceiling: None,
        }
    }

    #[test]
    fn areas_map_to_districts_by_geocode_then_by_name() {
        let by_code = districts_of_area(&area("ignored", &["410105", "410102", "110101"]));
        assert_eq!(
            by_code.into_iter().collect::<Vec<_>>(),
            vec!["410102".to_string(), "410105".to_string()]
        );
        let whole_city = districts_of_area(&area("郑州市", &["410100"]));
        assert_eq!(whole_city.len(), DISTRICTS.len());
        let by_name = districts_of_area(&area("中牟县 荥阳市", &[]));
        assert_eq!(
            by_name.into_iter().collect::<Vec<_>>(),
            vec!["410122".to_string(), "410182".to_string()]
        );
        assert!(districts_of_area(&area("开封市", &["410200"])).is_empty());
    }

    #[test]
    fn every_problem_is_worded_in_both_languages() {
        for &p in Problem::ALL {
            let (zh, en) = (p.template(Lang::ZhCn.tr()), p.template(Lang::En.tr()));
            assert_ne!(zh, en, "{p:?} has no translation");
            let args: Args = ["value", "reason", "event", "name"]
                .into_iter()
                .map(|n| arg(n, "x"))
                .collect();
            let problem = CapProblem::new("alert", p, args);
            for lang in [Lang::ZhCn, Lang::En] {
                assert!(
                    !problem.message(lang).contains('{'),
                    "{p:?}: {}",
                    problem.message(lang)
                );
            }
        }
    }

    #[test]
    fn a_warning_of_another_kind_is_refused_at_its_event_in_the_readers_language() {
        let xml = include_str!("../../../tests/data/cap/zz-heat-red-alert.xml")
            .replace("<event>高温</event>", "<event>暴雨</event>")
            .replace("高温", "暴雨")
            .replace("Heat", "Rainstorm")
            .replace("heat", "rainstorm");
        let msg = cap::parse(xml.as_bytes()).unwrap();
        let problem = from_cap(&msg).unwrap_err();
        assert_eq!(problem.element, "alert/info[1]/event");
        assert_eq!(problem.problem, Problem::Event);
        assert_eq!(
            problem.message(Lang::ZhCn),
            "不支持的预警事件“暴雨”：只接收高温和寒潮预警"
        );
        assert!(problem
            .message(Lang::En)
            .starts_with("unsupported event \"暴雨\""));
    }
}
