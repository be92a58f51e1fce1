//! A report as a worker submits it: the form's fields, checked into a [`ValidReport`] or a list
//! of field errors in the worker's language. The same rules run in the browser and on the server.

use crate::{
    domain::{
        category::{Answer, Category, OTHER},
        phone::PhoneNumber,
        DistrictCode,
    },
    i18n::{fill, Lang, Localize, Tr},
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// At least this many photos.
pub const MIN_PHOTOS: usize = 1;
/// At most this many photos per report.
pub const MAX_PHOTOS: usize = 9;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Longest workshop/site text.
pub const MAX_SITE_CHARS: usize = 100;
/// Longest address (when the enterprise is unknown).
pub const MAX_ADDRESS_CHARS: usize = 200;
/// Longest reporter name.
pub const MAX_NAME_CHARS: usize = 20;
/// Longest enterprise search text.
pub const MAX_ENTERPRISE_QUERY_CHARS: usize = 100;

/// How bad the worker says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 可立即整改
    Immediate,
    /// 可能需要停产整改
    StopProduction,
    /// 正在危及生命: shows the emergency numbers first, then marks the report urgent.
    LifeThreatening,
}

impl Severity {
    pub const ALL: [Severity; 3] = [
        Severity::Immediate,
        Severity::StopProduction,
        Severity::LifeThreatening,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Immediate => "immediate",
            Severity::StopProduction => "stop_production",
            Severity::LifeThreatening => "life_threatening",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s.trim())
    }

    pub fn label(self, t: &Tr) -> &'static str {
        match self {
            Severity::Immediate => t.severity_immediate(),
            Severity::StopProduction => t.severity_stop_production(),
            Severity::LifeThreatening => t.severity_life_threatening(),
        }
    }

    /// Urgent reports are pinned on top of queues and page the on-duty inspectors.
    pub fn is_urgent(self) -> bool {
        self == Severity::LifeThreatening
    }
}

/// Where a report stands in the closed loop (see DOMAIN.md). Overdue is derived, never a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Submitted,
    Triaged,
    Rejected,
    NoticeSent,
    Acknowledged,
    RectificationSubmitted,
    Verified,
    Closed,
    Reopened,
}

impl ReportState {
    /// Whether the enterprise's rectification is still awaited: the only states in which it may
    /// ask for more time and the union may decide on that request.
    pub fn awaits_rectification(self) -> bool {
        matches!(self, ReportState::NoticeSent | ReportState::Acknowledged)
    }

    pub const ALL: [ReportState; 9] = [
        ReportState::Submitted,
        ReportState::Triaged,
        ReportState::Rejected,
        ReportState::NoticeSent,
        ReportState::Acknowledged,
        ReportState::RectificationSubmitted,
        ReportState::Verified,
        ReportState::Closed,
        ReportState::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Submitted => "submitted",
            ReportState::Triaged => "triaged",
            ReportState::Rejected => "rejected",
            ReportState::NoticeSent => "notice_sent",
            ReportState::Acknowledged => "acknowledged",
            ReportState::RectificationSubmitted => "rectification_submitted",
            ReportState::Verified => "verified",
            ReportState::Closed => "closed",
            ReportState::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Option<ReportState> {
        ReportState::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self, t: &Tr) -> &'static str {
        match self {
            ReportState::Submitted => t.state_submitted(),
            ReportState::Triaged => t.state_triaged(),
            ReportState::Rejected => t.state_rejected(),
            ReportState::NoticeSent => t.state_notice_sent(),
            ReportState::Acknowledged => t.state_acknowledged(),
            ReportState::RectificationSubmitted => t.state_rectification_submitted(),
            ReportState::Verified => t.state_verified(),
            ReportState::Closed => t.state_closed(),
            ReportState::Reopened => t.state_reopened(),
        }
    }
}

/// The form's fields as received (every value a string, as HTML forms send them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawReport {
    pub client_id: Option<String>,
    pub category: Option<String>,
    /// Follow-up answers: question code → value.
    pub answers: BTreeMap<String, String>,
    /// Chosen from the directory search (with JavaScript).
    pub enterprise_id: Option<String>,
    /// Typed name or USCC (without JavaScript, or not chosen from the list).
    pub enterprise: Option<String>,
    /// "不知道企业名称" ticked.
    pub no_enterprise: bool,
    pub district: Option<String>,
    pub address: Option<String>,
    pub site: Option<String>,
    pub description: Option<String>,
    pub severity: Option<String>,
    /// "named" or "anonymous".
    pub identity: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub lat: Option<String>,
    pub lon: Option<String>,
    pub accuracy: Option<String>,
    /// The heat alert a "本单位未落实" report is about (left out of the JSON when absent, so
    /// the content fingerprints of other reports stay as they were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_id: Option<String>,
}

/// Where the hazard is.
#[derive(Debug, Clone, PartialEq)]
pub enum PlaceInput {
    /// An enterprise picked from the directory.
    Enterprise(Uuid),
    /// A name or USCC the server must resolve to exactly one enterprise.
    Search(String),
    /// The worker does not know the enterprise: district and address.
    Unknown {
        district: DistrictCode,
        address: String,
    },
}

/// Who reported, as far as the union will know.
#[derive(Debug, Clone, PartialEq)]
pub enum Reporter {
    /// 不留名: the receipt code is the only key.
    Anonymous,
    /// 实名（仅工会可见）.
    Named { name: String, phone: PhoneNumber },
}

/// Where the worker's phone was, with their consent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    /// Metres, as the browser reports it.
    pub accuracy_m: Option<f64>,
}

impl Location {
    pub fn new(lat: f64, lon: f64, accuracy_m: Option<f64>) -> Option<Location> {
        let ok = lat.is_finite()
            && lon.is_finite()
            && (-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon)
            && accuracy_m.is_none_or(|a| a.is_finite() && (0.0..=100_000.0).contains(&a));
        ok.then_some(Location {
            lat,
            lon,
            accuracy_m,
        })
    }
}

/// A report that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidReport {
    pub client_id: Uuid,
    pub category: &'static Category,
    pub answers: BTreeMap<String, Answer>,
    pub place: PlaceInput,
    pub site: Option<String>,
    pub description: Option<String>,
    pub severity: Severity,
    pub reporter: Reporter,
    pub location: Option<Location>,
    /// The heat alert the report is about (the enterprise did not carry it out).
    pub alert: Option<Uuid>,
}

/// One message for one form field (`field` is the input's name; `answers.<code>` for answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl RawReport {
    /// Builds the raw report from form fields as the browser sends them (name, value), in any
    /// order. Answers come as `q.<category>.<question>` (the page) or `answers.<question>` (API
    /// clients); only the chosen category's are kept. Unknown names are ignored. The server and
    /// the island read forms through this one function.
    pub fn from_pairs<I, K, V>(pairs: I) -> RawReport
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut raw = RawReport::default();
        let mut answers: Vec<(String, String, String)> = Vec::new();
        for (name, value) in pairs {
            let value: String = value.into();
            let name = name.as_ref();
            match name {
                "client_id" => raw.client_id = Some(value),
                "category" => raw.category = Some(value),
                "enterprise_id" => raw.enterprise_id = Some(value),
                "enterprise" => raw.enterprise = Some(value),
                "no_enterprise" => {
                    raw.no_enterprise = matches!(value.trim(), "on" | "true" | "1" | "yes")
                }
                "district" => raw.district = Some(value),
                "address" => raw.address = Some(value),
                "site" => raw.site = Some(value),
                "description" => raw.description = Some(value),
                "severity" => raw.severity = Some(value),
                "identity" => raw.identity = Some(value),
                "name" => raw.name = Some(value),
                "phone" => raw.phone = Some(value),
                "lat" => raw.lat = Some(value),
                "lon" => raw.lon = Some(value),
                "accuracy" => raw.accuracy = Some(value),
                "alert_id" => raw.alert_id = Some(value),
                other => {
                    if let Some((cat, q)) = other.strip_prefix("q.").and_then(|r| r.split_once('.'))
                    {
                        answers.push((cat.to_string(), q.to_string(), value));
                    } else if let Some(q) = other.strip_prefix("answers.") {
                        answers.push((String::new(), q.to_string(), value));
                    }
                }
            }
        }
        let category = raw.category.clone().unwrap_or_default();
        for (cat, q, v) in answers {
            if (cat.is_empty() || cat == category.trim()) && !v.trim().is_empty() {
                raw.answers.insert(q, v);
            }
        }
        raw
    }
}

fn trimmed(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn bounded(v: &Option<String>, max: usize) -> Result<Option<String>, ()> {
    match trimmed(v) {
        None => Ok(None),
        Some(s) if s.chars().count() <= max => Ok(Some(s.to_string())),
        Some(_) => Err(()),
    }
}

impl RawReport {
    /// Checks every field; all problems at once, in the worker's language.
    pub fn validate(&self, lang: Lang) -> Result<ValidReport, Vec<FieldError>> {
        let t = lang.tr();
        let mut errors = Vec::new();
        let mut err = |field: &str, message: String| errors.push(FieldError::new(field, message));

        let client_id = trimmed(&self.client_id).and_then(|s| Uuid::parse_str(s).ok());
        if client_id.is_none() {
            err("client_id", t.field_client_id().into());
        }

        let category = trimmed(&self.category).and_then(Category::find);
        let mut answers = BTreeMap::new();
        match category {
            None => err("category", t.field_category().into()),
            Some(c) => match c.validate_answers(&self.answers) {
                Ok(a) => answers = a,
                Err(list) => {
                    for e in list {
                        err(&format!("answers.{}", e.question), e.localize(lang));
                    }
                }
            },
        }

        let severity = trimmed(&self.severity).and_then(Severity::parse);
        if severity.is_none() {
            err("severity", t.field_severity().into());
        }

        let place = if self.no_enterprise {
            let district = trimmed(&self.district).and_then(|d| DistrictCode::parse(d).ok());
            if district.is_none() {
                err("district", t.field_district().into());
            }
            let address = bounded(&self.address, MAX_ADDRESS_CHARS).ok().flatten();
            if address.is_none() {
                err(
                    "address",
                    fill(t.field_address(), &[("max", &MAX_ADDRESS_CHARS)]),
                );
            }
            district
                .zip(address)
                .map(|(district, address)| PlaceInput::Unknown { district, address })
        } else if let Some(id) = trimmed(&self.enterprise_id) {
            match Uuid::parse_str(id) {
                Ok(id) => Some(PlaceInput::Enterprise(id)),
                Err(_) => {
                    err("enterprise", t.field_enterprise_not_found().into());
                    None
                }
            }
        } else {
            match bounded(&self.enterprise, MAX_ENTERPRISE_QUERY_CHARS) {
                Ok(Some(q)) => Some(PlaceInput::Search(q)),
                Ok(None) => {
                    err("enterprise", t.field_enterprise().into());
                    None
                }
                Err(()) => {
                    err("enterprise", t.field_enterprise_not_found().into());
                    None
                }
            }
        };

        let site = bounded(&self.site, MAX_SITE_CHARS)
            .map_err(|_| err("site", fill(t.field_site(), &[("max", &MAX_SITE_CHARS)])))
            .ok()
            .flatten();
        let description = bounded(&self.description, MAX_DESCRIPTION_CHARS)
            .map_err(|_| {
                err(
                    "description",
                    fill(t.field_description(), &[("max", &MAX_DESCRIPTION_CHARS)]),
                )
            })
            .ok()
            .flatten();
        if description.is_none() && category.is_some_and(|c| c.code == OTHER) {
            err("description", t.field_description_required().into());
        }

        let reporter = match trimmed(&self.identity) {
            Some("anonymous") => Some(Reporter::Anonymous),
            Some("named") => {
                let name = bounded(&self.name, MAX_NAME_CHARS).ok().flatten();
                if name.is_none() {
                    err("name", fill(t.field_name(), &[("max", &MAX_NAME_CHARS)]));
                }
                let phone = trimmed(&self.phone).and_then(|p| PhoneNumber::parse(p).ok());
                if phone.is_none() {
                    err("phone", t.field_phone().into());
                }
                name.zip(phone)
                    .map(|(name, phone)| Reporter::Named { name, phone })
            }
            _ => {
                err("identity", t.field_identity().into());
                None
            }
        };

        let location = match (trimmed(&self.lat), trimmed(&self.lon)) {
            (None, None) => None,
            (Some(lat), Some(lon)) => {
                let accuracy =
                    trimmed(&self.accuracy).map(|a| a.parse::<f64>().unwrap_or(f64::NAN));
                let loc = lat
                    .parse::<f64>()
                    .ok()
                    .zip(lon.parse::<f64>().ok())
                    .and_then(|(lat, lon)| Location::new(lat, lon, accuracy));
                if loc.is_none() {
                    err("location", t.field_location().into());
                }
                loc
            }
            _ => {
                err("location", t.field_location().into());
                None
            }
        };

        let alert = match trimmed(&self.alert_id) {
            None => None,
            Some(a) => {
                let id = Uuid::parse_str(a).ok();
                if id.is_none() {
                    err("alert_id", t.field_alert().into());
                }
                id
            }
        };

        match (client_id, category, place, severity, reporter) {
            (Some(client_id), Some(category), Some(place), Some(severity), Some(reporter))
                if errors.is_empty() =>
            {
                Ok(ValidReport {
                    client_id,
                    category,
                    answers,
                    place,
                    site,
                    description,
                    severity,
                    reporter,
                    location,
                    alert,
                })
            }
            _ => Err(errors),
        }
    }
}

/// What the browser read from a photo before compressing it (evidence that survives the
/// compression), sent as one JSON object per photo in the `photo_meta` field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhotoMeta {
    /// SHA-256 of the original file, lower-case hex.
    #[serde(default)]
    pub sha256: Option<String>,
    /// EXIF DateTimeOriginal, `YYYY-MM-DDTHH:MM:SS`.
    #[serde(default)]
    pub taken_at: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    /// EXIF orientation of the original, 1–8.
    #[serde(default)]
    pub orientation: Option<u8>,
    /// Size of the original file in bytes.
    #[serde(default)]
    pub bytes: Option<u64>,
}

impl PhotoMeta {
    /// Checks the values' shapes; a malformed value makes the whole record invalid.
    pub fn is_valid(&self) -> bool {
        let sha_ok = self
            .sha256
            .as_deref()
            .is_none_or(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        let time_ok = self.taken_at.as_deref().is_none_or(is_local_datetime);
        let gps_ok = match (self.lat, self.lon) {
            (None, None) => true,
            (Some(lat), Some(lon)) => Location::new(lat, lon, None).is_some(),
            _ => false,
        };
        let orientation_ok = self.orientation.is_none_or(|o| (1..=8).contains(&o));
        sha_ok && time_ok && gps_ok && orientation_ok
    }
}

/// `YYYY-MM-DDTHH:MM:SS` with plausible field ranges.
pub fn is_local_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|p| p.parse::<u32>().ok());
    matches!(
        (num(0..4), num(5..7), num(8..10), num(11..13), num(14..16), num(17..19)),
        (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(se))
            if (1990..=2100).contains(&y) && (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && se < 61
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> RawReport {
        RawReport {
            client_id: Some("0b9f3c1e-7a51-4a8e-9a33-6f0d2f0b7c11".into()),
            category: Some("fall".into()),
            answers: [("guard".to_string(), "no".to_string())].into(),
            enterprise_id: Some("018f0000-0000-7000-8000-000000000001".into()),
            severity: Some("stop_production".into()),
            identity: Some("anonymous".into()),
            ..RawReport::default()
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_complete_anonymous_report_is_valid() {
        let r = good().validate(Lang::ZhCn).unwrap();
        assert_eq!(r.category.code, "fall");
        assert_eq!(r.reporter, Reporter::Anonymous);
        assert!(!r.severity.is_urgent());
        assert!(matches!(r.place, PlaceInput::Enterprise(_)));
    }

    #[test]
    fn an_empty_form_names_every_missing_field_in_chinese() {
        let errors = RawReport::default().validate(Lang::ZhCn).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "client_id",
                "category",
                "severity",
                "enterprise",
                "identity"
            ]
        );
        assert_eq!(errors[1].message, "请选择隐患类别");
    }

    #[test]
    fn messages_follow_the_ui_language() {
        let errors = RawReport::default().validate(Lang::En).unwrap_err();
        assert_eq!(errors[1].message, "Choose what kind of hazard it is");
    }

    #[test]
    fn a_named_report_needs_a_name_and_a_mobile_number() {
        let mut r = good();
        r.identity = Some("named".into());
        r.phone = Some("0371-1234567".into());
        let errors = r.validate(Lang::ZhCn).unwrap_err();
        assert_eq!(fields(&errors), ["name", "phone"]);
        r.name = Some("王师傅".into());
        r.phone = Some("138 1234 5678".into());
        let ok = r.validate(Lang::ZhCn).unwrap();
        assert!(
            matches!(ok.reporter, Reporter::Named { ref name, ref phone } if name == "王师傅" && phone.as_str() == "13812345678")
        );
    }

    #[test]
    fn an_unknown_enterprise_needs_district_and_address() {
        let mut r = good();
        r.enterprise_id = None;
        r.no_enterprise = true;
        assert_eq!(
            fields(&r.validate(Lang::ZhCn).unwrap_err()),
            ["district", "address"]
        );
        r.district = Some("410183".into());
        r.address = Some("新密市某矿井口".into());
        assert!(matches!(
            r.validate(Lang::ZhCn).unwrap().place,
            PlaceInput::Unknown { .. }
        ));
    }

    #[test]
    fn a_typed_enterprise_name_is_left_for_the_server_to_resolve() {
        let mut r = good();
        r.enterprise_id = None;
        r.enterprise = Some(" 郑州中原建筑 ".into());
        assert_eq!(
            r.validate(Lang::ZhCn).unwrap().place,
            PlaceInput::Search("郑州中原建筑".into())
        );
    }

    #[test]
    fn wrong_answers_are_reported_against_their_question() {
        let mut r = good();
        r.answers = BTreeMap::new();
        let errors = r.validate(Lang::ZhCn).unwrap_err();
        assert_eq!(fields(&errors), ["answers.guard"]);
    }

    #[test]
    fn the_other_category_needs_a_description_and_lengths_are_limited() {
        let mut r = good();
        r.category = Some("other".into());
        r.answers = BTreeMap::new();
        assert_eq!(
            fields(&r.validate(Lang::ZhCn).unwrap_err()),
            ["description"]
        );
        r.description = Some("字".repeat(MAX_DESCRIPTION_CHARS + 1));
        assert_eq!(
            r.validate(Lang::ZhCn).unwrap_err()[0].message,
            "描述最多1000个字"
        );
        r.description = Some("字".repeat(MAX_DESCRIPTION_CHARS));
        assert!(r.validate(Lang::ZhCn).is_ok());
    }

    #[test]
    fn life_threatening_reports_are_urgent() {
        let mut r = good();
        r.severity = Some("life_threatening".into());
        assert!(r.validate(Lang::ZhCn).unwrap().severity.is_urgent());
    }

    #[test]
    fn a_location_needs_both_coordinates_in_range() {
        let mut r = good();
        r.lat = Some("34.75".into());
        assert_eq!(fields(&r.validate(Lang::ZhCn).unwrap_err()), ["location"]);
        r.lon = Some("113.62".into());
        r.accuracy = Some("25".into());
        assert_eq!(
            r.validate(Lang::ZhCn).unwrap().location,
            Location::new(34.75, 113.62, Some(25.0))
        );
        r.lat = Some("134.75".into());
        assert!(r.validate(Lang::ZhCn).is_err());
    }

    #[test]
    fn photo_evidence_is_checked_for_shape() {
        assert!(PhotoMeta::default().is_valid());
        let good = PhotoMeta {
            sha256: Some("a".repeat(64)),
            taken_at: Some("2026-07-14T10:22:33".into()),
            lat: Some(34.7),
            lon: Some(113.6),
            orientation: Some(6),
            bytes: Some(3_000_000),
        };
        assert!(good.is_valid());
        assert!(!PhotoMeta {
            sha256: Some("xyz".into()),
            ..good.clone()
        }
        .is_valid());
        assert!(!PhotoMeta {
            taken_at: Some("2026:07:14 10:22:33".into()),
            ..good.clone()
        }
        .is_valid());
        assert!(!PhotoMeta {
            orientation: Some(9),
            ..good.clone()
        }
        .is_valid());
        assert!(!PhotoMeta { lat: None, ..good }.is_valid());
    }

    #[test]
    fn form_fields_are_read_by_name_and_only_the_chosen_categorys_answers_kept() {
        let raw = RawReport::from_pairs([
            ("category", "electric"),
            ("q.fall.guard", "no"),
            ("q.electric.kind", "bare_wire"),
            ("q.electric.wet", ""),
            ("no_enterprise", "on"),
            ("district", "410105"),
            ("unknown_field", "x"),
        ]);
        assert_eq!(raw.category.as_deref(), Some("electric"));
        assert_eq!(raw.answers.len(), 1);
        assert_eq!(raw.answers["kind"], "bare_wire");
        assert!(raw.no_enterprise);
        assert_eq!(raw.district.as_deref(), Some("410105"));
        let api = RawReport::from_pairs([("answers.guard", "yes")]);
        assert_eq!(api.answers["guard"], "yes");
    }

    #[test]
    fn states_and_severities_round_trip_and_have_labels() {
        for s in ReportState::ALL {
            assert_eq!(ReportState::parse(s.as_str()), Some(s));
            assert!(!s.label(Lang::ZhCn.tr()).is_empty());
        }
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        assert_eq!(ReportState::Closed.label(Lang::ZhCn.tr()), "已闭环");
    }
}
