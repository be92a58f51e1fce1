//! Heat and cold alerts on the server: CAP 1.2 in ([`from_cap`]: a weather service's message to
//! an alert of ours, with its districts) and out ([`to_cap`]), and the actions — issue, update,
//! cancel, remind — each a write, then the fan-out to the officers' inboxes and push queue.

pub mod cap;

use crate::startup::AppState;
use app::{
    backend::alerts::{self, FanOut, NewAlert, Telling},
    domain::{
        district::{DistrictKind, DISTRICTS},
        heat::{Celsius10, Event, Level},
        time::LocalTime,
    },
    views::AlertView,
};
use std::collections::BTreeSet;
use uuid::Uuid;

/// A CAP message's element at fault, with what is wrong in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapProblem {
    pub element: String,
    pub zh: String,
    pub en: String,
}

impl CapProblem {
    fn new(element: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        CapProblem {
            element: element.into(),
            zh: zh.into(),
            en: en.into(),
        }
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
    let sent = cap::parse_datetime(&msg.sent).map_err(|e| {
        CapProblem::new(
            "alert/sent",
            format!("发送时间无效：{e}"),
            format!("invalid sent time: {e}"),
        )
    })?;
    let (index, info) = msg
        .infos
        .iter()
        .enumerate()
        .find(|(_, i)| i.language.to_ascii_lowercase().starts_with("zh"))
        .or_else(|| msg.infos.iter().enumerate().next())
        .ok_or_else(|| {
            CapProblem::new(
                "alert/info",
                "CAP 消息没有 info 元素",
                "the CAP message has no info element",
            )
        })?;
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
            format!("不支持的预警事件“{}”：只接收高温和寒潮预警", info.event),
            format!(
                "unsupported event \"{}\": only heat and cold-wave warnings are accepted",
                info.event
            ),
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
            "高温预警只有黄色、橙色、红色三级",
            "heat warnings are yellow, orange or red",
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
            Celsius10::parse(v).map_err(|e| {
                CapProblem::new(
                    at("parameter"),
                    format!("参数 {name} 不是有效的温度：{e}"),
                    format!("parameter {name} is not a temperature: {e}"),
                )
            })
        })
        .transpose()?;
    let time = |name: &str, v: &Option<String>| -> Result<Option<i64>, CapProblem> {
        v.as_deref()
            .map(|s| {
                cap::parse_datetime(s).map_err(|e| {
                    CapProblem::new(
                        at(name),
                        format!("时间无效：{e}"),
                        format!("invalid time: {e}"),
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
        return Err(CapProblem::new(
            at("expires"),
            "失效时间必须晚于生效时间",
            "expires must be later than onset",
        ));
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
        return Err(CapProblem::new(
            element,
            "预警区域不在本市：geocode（GB/T 2260）和 areaDesc 都对应不到郑州市的区县",
            "the alert's area is not in this city: no geocode (GB/T 2260) or areaDesc matches a Zhengzhou district",
        ));
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

/// After an alert was written: tell the officers and wake the push worker.
pub async fn tell(state: &AppState, id: Uuid, telling: Telling) -> Result<FanOut, sqlx::Error> {
    let now = state.clock.now_ms();
    let Some(alert) = alerts::get(&state.db, id).await? else {
        return Ok(FanOut::default());
    };
    let out = alerts::fan_out(&state.db, &state.heat_rules, &alert, telling, now).await?;
    if out.pushes > 0 {
        state.pusher.wake.notify_one();
    }
    Ok(out)
}

/// A headline for an alert issued in the UI: "郑州市金水区、二七区高温红色预警".
pub fn headline(event: Event, level: Level, districts: &BTreeSet<String>) -> String {
    let t = app::i18n::Lang::ZhCn.tr();
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
    let event = if event == Event::Cold {
        t.heat_rule_event_cold()
    } else {
        t.heat_rule_event_heat()
    };
    let level = match level {
        Level::Red => t.heat_rule_level_red(),
        Level::Orange => t.heat_rule_level_orange(),
        Level::Yellow => t.heat_rule_level_yellow(),
        Level::Blue => t.heat_rule_level_blue(),
    };
    format!("{place}{event}{level}")
}

/// `2026-07-14T09:00` (a `datetime-local` input, Asia/Shanghai) → Unix ms.
pub fn parse_local_minutes(s: &str) -> Option<i64> {
    let s = s.trim();
    let with_seconds = if s.len() == 16 {
        format!("{s}:00")
    } else {
        s.to_string()
    };
    cap::parse_datetime(&format!("{with_seconds}+08:00")).ok()
}

/// `2026-07-14T09:00` for a `datetime-local` input.
pub fn local_minutes(ms: i64) -> String {
    let t = LocalTime::shanghai(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute
    )
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
    fn a_datetime_local_input_is_read_in_zhengzhou_time() {
        let ms = parse_local_minutes("2026-07-14T09:30").unwrap();
        assert_eq!(LocalTime::shanghai(ms).minutes(), "2026-07-14 09:30");
        assert_eq!(local_minutes(ms), "2026-07-14T09:30");
        assert_eq!(parse_local_minutes("14/07/2026"), None);
    }

    #[test]
    fn headlines_name_the_place_event_and_level() {
        let set: BTreeSet<String> = ["410105".to_string()].into_iter().collect();
        assert_eq!(
            headline(Event::Heat, Level::Red, &set),
            "郑州市金水区高温红色预警"
        );
    }
}
