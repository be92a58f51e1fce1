//! Heat and cold-wave rules: what an enterprise must do under a weather warning and what its
//! workers are entitled to (《防暑降温措施管理办法》, 2012, and the CMA warning levels).
//!
//! Pure: no I/O, no framework. Every threshold, window and amount is a city's configuration
//! ([`CityRules`], the server config's `[heat]` section); the defaults are the national rules with
//! Henan's heat allowance. The result is typed [`Obligation`]s; the words live in the locale files
//! under `[heat_rule]` and are picked by [`Obligation::text`] and [`Obligation::worker_right_text`].

use crate::i18n::{fill, Tr};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Tenths of a degree Celsius: 35.0 °C is `Celsius10(350)`. Integers keep the boundaries exact.
///
/// Serialized as degrees, never as tenths: `40` or `36.9` (a string `"36.9"` is read too, for
/// form posts), so a config file says `stop_outdoor_from = 39` and means 39 °C. Values outside
/// -60..=60 °C or with more than one decimal are refused, which also catches a value mistakenly
/// written in tenths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Celsius10(pub i32);

impl Celsius10 {
    /// The coldest temperature accepted, -60 °C.
    pub const MIN: Celsius10 = Celsius10(-600);
    /// The hottest temperature accepted, 60 °C.
    pub const MAX: Celsius10 = Celsius10(600);

    /// Whole degrees: `Celsius10::degrees(35) == Celsius10(350)`.
    pub const fn degrees(d: i32) -> Celsius10 {
        Celsius10(d * 10)
    }

    /// Reads `"35"`, `"36.9"`, `"-12.5"`, `"+3"` (surrounding spaces ignored): at most one
    /// decimal, within -60..=60 °C.
    pub fn parse(s: &str) -> Result<Celsius10, String> {
        let s = s.trim();
        let (negative, digits) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (whole, tenth) = match digits.split_once('.') {
            Some((whole, tenth)) => (whole, Some(tenth)),
            None => (digits, None),
        };
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) {
            return Err(format!("not a temperature: {s:?}"));
        }
        let tenth = match tenth {
            None => 0,
            Some(t) if t.len() == 1 && all_digits(t) => i32::from(t.as_bytes()[0] - b'0'),
            Some(_) => return Err(format!("at most one decimal: {s:?}")),
        };
        // Long digit strings are out of range anyway; this also keeps the arithmetic in i32.
        let whole: i32 = match whole.parse::<i32>() {
            Ok(w) if w <= 1000 => w,
            _ => return Err(format!("out of range -60..=60 °C: {s:?}")),
        };
        let tenths = whole * 10 + tenth;
        Celsius10::checked(if negative { -tenths } else { tenths })
            .ok_or_else(|| format!("out of range -60..=60 °C: {s:?}"))
    }

    /// Degrees with one decimal, the decimal dropped when it is zero: `"36.9"`, `"40"`, `"-0.5"`.
    pub fn display(&self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        match abs % 10 {
            0 => format!("{sign}{}", abs / 10),
            tenth => format!("{sign}{}.{tenth}", abs / 10),
        }
    }

    fn checked(tenths: i32) -> Option<Celsius10> {
        let c = Celsius10(tenths);
        (Celsius10::MIN..=Celsius10::MAX).contains(&c).then_some(c)
    }
}

impl fmt::Display for Celsius10 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl Serialize for Celsius10 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % 10 == 0 {
            serializer.serialize_i32(self.0 / 10)
        } else {
            serializer.serialize_f64(f64::from(self.0) / 10.0)
        }
    }
}

impl<'de> Deserialize<'de> for Celsius10 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Celsius10, D::Error> {
        struct Degrees;

        impl de::Visitor<'_> for Degrees {
            type Value = Celsius10;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a temperature in °C between -60 and 60 with at most one decimal")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Celsius10, E> {
                i32::try_from(v)
                    .ok()
                    .and_then(|d| d.checked_mul(10))
                    .and_then(Celsius10::checked)
                    .ok_or_else(|| E::custom(format!("out of range -60..=60 °C: {v}")))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Celsius10, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Celsius10, E> {
                let tenths = v * 10.0;
                if !tenths.is_finite() || tenths.abs() > 1000.0 {
                    return Err(E::custom(format!("out of range -60..=60 °C: {v}")));
                }
                let rounded = tenths.round();
                if (tenths - rounded).abs() > 1e-6 {
                    return Err(E::custom(format!("at most one decimal: {v}")));
                }
                // In range (checked above), so the cast is exact.
                Celsius10::checked(rounded as i32)
                    .ok_or_else(|| E::custom(format!("out of range -60..=60 °C: {v}")))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Celsius10, E> {
                Celsius10::parse(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(Degrees)
    }
}

/// The value among `all` whose stable id or CAP name is `s` (surrounding white space ignored).
fn parse_id_or_cap<T: Copy>(
    all: &[T],
    s: &str,
    id: fn(T) -> &'static str,
    cap_name: fn(T) -> &'static str,
) -> Option<T> {
    let s = s.trim();
    all.iter()
        .copied()
        .find(|v| id(*v) == s || cap_name(*v) == s)
}

/// The kind of weather warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    /// 高温
    Heat,
    /// 寒潮
    Cold,
}

impl Event {
    pub const ALL: [Event; 2] = [Event::Heat, Event::Cold];

    /// The stable id stored and sent: `"heat"`, `"cold"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Heat => "heat",
            Event::Cold => "cold",
        }
    }

    /// Reads the id, or the Chinese event name a CAP feed carries (`高温`, `寒潮`).
    pub fn parse(s: &str) -> Option<Event> {
        parse_id_or_cap(&Event::ALL, s, Event::as_str, Event::cap_name)
    }

    /// The Chinese event name a CAP feed carries.
    fn cap_name(self) -> &'static str {
        match self {
            Event::Heat => "高温",
            Event::Cold => "寒潮",
        }
    }

    /// 高温 / 寒潮 in the reader's language.
    pub fn name(self, t: &Tr) -> &'static str {
        match self {
            Event::Heat => t.heat_rule_event_heat(),
            Event::Cold => t.heat_rule_event_cold(),
        }
    }
}

/// A CMA warning level, least to most severe (the order is the derived `Ord`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Blue,
    Yellow,
    Orange,
    Red,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Blue, Level::Yellow, Level::Orange, Level::Red];

    /// The stable id stored and sent: `"blue"` … `"red"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Blue => "blue",
            Level::Yellow => "yellow",
            Level::Orange => "orange",
            Level::Red => "red",
        }
    }

    /// Reads the id, or the Chinese colour a CAP feed carries (`蓝色`, `黄色`, `橙色`, `红色`).
    pub fn parse(s: &str) -> Option<Level> {
        parse_id_or_cap(&Level::ALL, s, Level::as_str, Level::cap_name)
    }

    /// The Chinese colour a CAP feed carries.
    fn cap_name(self) -> &'static str {
        match self {
            Level::Blue => "蓝色",
            Level::Yellow => "黄色",
            Level::Orange => "橙色",
            Level::Red => "红色",
        }
    }

    /// Whether the CMA issues this level for this event: heat has no blue warning.
    pub fn allowed(self, event: Event) -> bool {
        match event {
            Event::Heat => self != Level::Blue,
            Event::Cold => true,
        }
    }

    /// 黄色预警 … in the reader's language.
    pub fn name(self, t: &Tr) -> &'static str {
        match self {
            Level::Blue => t.heat_rule_level_blue(),
            Level::Yellow => t.heat_rule_level_yellow(),
            Level::Orange => t.heat_rule_level_orange(),
            Level::Red => t.heat_rule_level_red(),
        }
    }
}

/// The forecast a warning carries, as far as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    pub event: Event,
    pub level: Level,
    /// The forecast maximum for heat, the minimum for cold.
    pub temperature: Celsius10,
    /// 1–12: the Asia/Shanghai month of the alert's day, for the allowance season.
    pub month: u32,
}

impl Forecast {
    /// `高温橙色预警` / `Heat: Orange warning`.
    pub fn headline(&self, t: &Tr) -> String {
        fill(
            t.heat_rule_headline(),
            &[
                ("event", &self.event.name(t)),
                ("level", &self.level.name(t)),
            ],
        )
    }

    /// `预报最高气温38.5℃` for heat, `预报最低气温-12℃` for cold.
    pub fn temperature_text(&self, t: &Tr) -> String {
        let template = match self.event {
            Event::Heat => t.heat_rule_forecast_max(),
            Event::Cold => t.heat_rule_forecast_min(),
        };
        fill(template, &[("t", &self.temperature)])
    }
}

/// A city's rules: configuration, the server config's `[heat]` section. Anything left out takes
/// the default: the national rules and Henan's heat allowance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CityRules {
    /// "High-temperature weather" begins at this forecast maximum (35 °C).
    pub high_temperature: Celsius10,
    /// From here outdoor work is limited in hours and paused in the hottest hours (37 °C).
    pub limit_outdoor_from: Celsius10,
    /// From here outdoor open-air work stops for the day (40 °C).
    pub stop_outdoor_from: Celsius10,
    /// Outdoor open-air work in total per day in the limited band (6 h).
    pub max_outdoor_hours: u32,
    /// Start of the hottest-hours pause, `HH:MM` (12:00).
    pub pause_from: String,
    /// End of the hottest-hours pause, `HH:MM`, after `pause_from` (15:00).
    pub pause_to: String,
    /// Workplaces should be cooled below this; the allowance is due where they cannot be (33 °C).
    pub indoor_limit: Celsius10,
    /// Pregnant workers and minors: no outdoor work from this forecast maximum on (35 °C), and
    /// no workplace at `indoor_limit` or above.
    pub vulnerable_from: Celsius10,
    /// The province's heat allowance per worker per working day, in yuan (Henan: 15).
    pub allowance_yuan_per_day: u32,
    /// First month of the allowance season (6).
    pub allowance_from_month: u32,
    /// Last month of the allowance season, inclusive (9).
    pub allowance_to_month: u32,
    /// The province whose allowance rate applies, as shown to people ("河南省").
    pub province: String,
    /// Hours after a warning is issued before enterprises that have not acknowledged it are
    /// reminded (4).
    pub reminder_after_hours: u32,
}

impl Default for CityRules {
    fn default() -> Self {
        CityRules {
            high_temperature: Celsius10::degrees(35),
            limit_outdoor_from: Celsius10::degrees(37),
            stop_outdoor_from: Celsius10::degrees(40),
            max_outdoor_hours: 6,
            pause_from: "12:00".to_string(),
            pause_to: "15:00".to_string(),
            indoor_limit: Celsius10::degrees(33),
            vulnerable_from: Celsius10::degrees(35),
            allowance_yuan_per_day: 15,
            allowance_from_month: 6,
            allowance_to_month: 9,
            province: "河南省".to_string(),
            reminder_after_hours: 4,
        }
    }
}

/// Minutes since midnight of a strict `HH:MM` (00:00–23:59).
fn minutes_of_day(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let two_digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return None;
    }
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

impl CityRules {
    /// Refuses a configuration that cannot be right: thresholds out of order or implausible for
    /// heat (outside 25–50 °C), a bad pause window, months outside 1–12 or a season running
    /// backwards, zero hours or a zero allowance, no province.
    pub fn validate(&self) -> Result<(), String> {
        let plausible = Celsius10::degrees(25)..=Celsius10::degrees(50);
        for (name, value) in [
            ("high_temperature", self.high_temperature),
            ("limit_outdoor_from", self.limit_outdoor_from),
            ("stop_outdoor_from", self.stop_outdoor_from),
            ("indoor_limit", self.indoor_limit),
            ("vulnerable_from", self.vulnerable_from),
        ] {
            if !plausible.contains(&value) {
                return Err(format!(
                    "heat.{name} = {value} °C is outside 25–50 °C (degrees, not tenths)"
                ));
            }
        }
        if self.limit_outdoor_from < self.high_temperature {
            return Err(format!(
                "heat.limit_outdoor_from ({} °C) is below heat.high_temperature ({} °C)",
                self.limit_outdoor_from, self.high_temperature
            ));
        }
        if self.stop_outdoor_from < self.limit_outdoor_from {
            return Err(format!(
                "heat.stop_outdoor_from ({} °C) is below heat.limit_outdoor_from ({} °C)",
                self.stop_outdoor_from, self.limit_outdoor_from
            ));
        }
        if !(1..=24).contains(&self.max_outdoor_hours) {
            return Err(format!(
                "heat.max_outdoor_hours = {} is not 1–24",
                self.max_outdoor_hours
            ));
        }
        let from = minutes_of_day(&self.pause_from)
            .ok_or_else(|| format!("heat.pause_from = {:?} is not HH:MM", self.pause_from))?;
        let to = minutes_of_day(&self.pause_to)
            .ok_or_else(|| format!("heat.pause_to = {:?} is not HH:MM", self.pause_to))?;
        if to <= from {
            return Err(format!(
                "heat.pause_to ({}) is not after heat.pause_from ({})",
                self.pause_to, self.pause_from
            ));
        }
        for (name, month) in [
            ("allowance_from_month", self.allowance_from_month),
            ("allowance_to_month", self.allowance_to_month),
        ] {
            if !(1..=12).contains(&month) {
                return Err(format!("heat.{name} = {month} is not a month 1–12"));
            }
        }
        if self.allowance_to_month < self.allowance_from_month {
            return Err(format!(
                "heat.allowance_to_month ({}) is before heat.allowance_from_month ({})",
                self.allowance_to_month, self.allowance_from_month
            ));
        }
        if self.allowance_yuan_per_day == 0 {
            return Err("heat.allowance_yuan_per_day must be more than 0".to_string());
        }
        if self.province.trim().is_empty() {
            return Err("heat.province must name the province whose allowance applies".into());
        }
        if self.reminder_after_hours == 0 {
            return Err("heat.reminder_after_hours must be at least 1".to_string());
        }
        Ok(())
    }

    /// Whether `month` (1–12) is in the heat-allowance season.
    pub fn in_allowance_season(&self, month: u32) -> bool {
        (self.allowance_from_month..=self.allowance_to_month).contains(&month)
    }
}

/// A cold-wave measure. Each starts at one warning level ([`ColdMeasure::level`]) and applies to
/// every higher level too; some concern outdoor work only ([`ColdMeasure::outdoor_only`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ColdMeasure {
    /// Blue: warm clothing, hot water, heated rest points.
    KeepWarm,
    /// Blue: heating works; machines and vehicles ready for frost.
    CheckHeating,
    /// Blue: heating without carbon monoxide or fire (dormitories, rest rooms).
    SafeHeating,
    /// Yellow, outdoor: less outdoor work, moved to the warmer hours.
    ReduceOutdoorExposure,
    /// Yellow: ice and snow cleared, walkways and work surfaces slip-proof.
    AntiSlip,
    /// Yellow: water pipes, fire equipment, gas lines protected against freezing and leaks.
    ProtectPipesAndGas,
    /// Orange, outdoor: no work at height (高处作业) or outdoor lifting in strong wind.
    StopWorkAtHeightInWind,
    /// Orange, outdoor: shorter spells outdoors, rotation to heated rest.
    ShortenOutdoorShifts,
    /// Red, outdoor: outdoor work stops except emergency repair.
    StopOutdoorWorkExceptEmergency,
}

impl ColdMeasure {
    /// Every measure, least to most severe: the data the cold rules are read from.
    pub const ALL: [ColdMeasure; 9] = [
        ColdMeasure::KeepWarm,
        ColdMeasure::CheckHeating,
        ColdMeasure::SafeHeating,
        ColdMeasure::ReduceOutdoorExposure,
        ColdMeasure::AntiSlip,
        ColdMeasure::ProtectPipesAndGas,
        ColdMeasure::StopWorkAtHeightInWind,
        ColdMeasure::ShortenOutdoorShifts,
        ColdMeasure::StopOutdoorWorkExceptEmergency,
    ];

    /// The lowest warning level that calls for this measure.
    pub fn level(self) -> Level {
        match self {
            ColdMeasure::KeepWarm | ColdMeasure::CheckHeating | ColdMeasure::SafeHeating => {
                Level::Blue
            }
            ColdMeasure::ReduceOutdoorExposure
            | ColdMeasure::AntiSlip
            | ColdMeasure::ProtectPipesAndGas => Level::Yellow,
            ColdMeasure::StopWorkAtHeightInWind | ColdMeasure::ShortenOutdoorShifts => {
                Level::Orange
            }
            ColdMeasure::StopOutdoorWorkExceptEmergency => Level::Red,
        }
    }

    /// Whether only enterprises with outdoor work need it.
    pub fn outdoor_only(self) -> bool {
        matches!(
            self,
            ColdMeasure::ReduceOutdoorExposure
                | ColdMeasure::StopWorkAtHeightInWind
                | ColdMeasure::ShortenOutdoorShifts
                | ColdMeasure::StopOutdoorWorkExceptEmergency
        )
    }

    /// The stable id, also the locale key suffix: `cold_keep_warm` ….
    pub fn key(self) -> &'static str {
        match self {
            ColdMeasure::KeepWarm => "cold_keep_warm",
            ColdMeasure::CheckHeating => "cold_check_heating",
            ColdMeasure::SafeHeating => "cold_safe_heating",
            ColdMeasure::ReduceOutdoorExposure => "cold_reduce_outdoor",
            ColdMeasure::AntiSlip => "cold_anti_slip",
            ColdMeasure::ProtectPipesAndGas => "cold_protect_pipes_gas",
            ColdMeasure::StopWorkAtHeightInWind => "cold_stop_height_in_wind",
            ColdMeasure::ShortenOutdoorShifts => "cold_shorten_outdoor_shifts",
            ColdMeasure::StopOutdoorWorkExceptEmergency => "cold_stop_outdoor",
        }
    }

    fn text(self, t: &Tr) -> &'static str {
        match self {
            ColdMeasure::KeepWarm => t.heat_rule_must_cold_keep_warm(),
            ColdMeasure::CheckHeating => t.heat_rule_must_cold_check_heating(),
            ColdMeasure::SafeHeating => t.heat_rule_must_cold_safe_heating(),
            ColdMeasure::ReduceOutdoorExposure => t.heat_rule_must_cold_reduce_outdoor(),
            ColdMeasure::AntiSlip => t.heat_rule_must_cold_anti_slip(),
            ColdMeasure::ProtectPipesAndGas => t.heat_rule_must_cold_protect_pipes_gas(),
            ColdMeasure::StopWorkAtHeightInWind => t.heat_rule_must_cold_stop_height_in_wind(),
            ColdMeasure::ShortenOutdoorShifts => t.heat_rule_must_cold_shorten_outdoor_shifts(),
            ColdMeasure::StopOutdoorWorkExceptEmergency => t.heat_rule_must_cold_stop_outdoor(),
        }
    }

    fn worker_right(self, t: &Tr) -> Option<&'static str> {
        match self {
            ColdMeasure::KeepWarm => Some(t.heat_rule_right_cold_keep_warm()),
            ColdMeasure::SafeHeating => Some(t.heat_rule_right_cold_safe_heating()),
            ColdMeasure::ReduceOutdoorExposure => Some(t.heat_rule_right_cold_reduce_outdoor()),
            ColdMeasure::AntiSlip => Some(t.heat_rule_right_cold_anti_slip()),
            ColdMeasure::StopWorkAtHeightInWind => {
                Some(t.heat_rule_right_cold_stop_height_in_wind())
            }
            ColdMeasure::ShortenOutdoorShifts => {
                Some(t.heat_rule_right_cold_shorten_outdoor_shifts())
            }
            ColdMeasure::StopOutdoorWorkExceptEmergency => {
                Some(t.heat_rule_right_cold_stop_outdoor())
            }
            // Equipment measures: nothing a worker claims personally.
            ColdMeasure::CheckHeating | ColdMeasure::ProtectPipesAndGas => None,
        }
    }
}

/// One thing an enterprise must do under a warning.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Obligation {
    /// Forecast ≥ `stop_outdoor_from`: no outdoor open-air work today.
    StopOutdoorWork,
    /// Forecast in [`limit_outdoor_from`, `stop_outdoor_from`): at most `max_hours` outdoors in
    /// total and none in the pause window.
    LimitOutdoorHours {
        max_hours: u32,
        pause_from: String,
        pause_to: String,
    },
    /// High-temperature weather, outdoor work: shifts rotate so workers rest in turn.
    RotateShifts,
    /// High-temperature weather, outdoor work: shorter spells of continuous work.
    ShortenContinuousWork,
    /// High-temperature weather: no overtime for outdoor open-air workers.
    NoOutdoorOvertime,
    /// Always under a heat warning: cooling drinks and medicines, never cash instead.
    CoolingSupplies,
    /// Forecast ≥ `vulnerable_from`: pregnant workers and minors neither outdoors nor in a
    /// workplace at `indoor_limit` or above.
    ProtectPregnantAndMinors { indoor_limit: Celsius10 },
    /// High-temperature weather: workplaces cooled below `limit`, a cool rest area.
    IndoorCooling { limit: Celsius10 },
    /// High-temperature weather in the allowance season: the province's heat allowance.
    HeatAllowance {
        yuan_per_day: u32,
        from_month: u32,
        to_month: u32,
        province: String,
        /// `None` for outdoor work (due for every working day outdoors in high-temperature
        /// weather); `Some(limit)` for an indoor-only enterprise, where it is due only if the
        /// workplace cannot be kept below `limit`.
        indoor_limit: Option<Celsius10>,
    },
    /// A cold-wave measure.
    Cold(ColdMeasure),
}

impl Obligation {
    /// The stable machine id, used in the officer's checklist and as the locale key suffix
    /// (`heat_rule.must.<key>`, `heat_rule.right.<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            Obligation::StopOutdoorWork => "stop_outdoor",
            Obligation::LimitOutdoorHours { .. } => "limit_outdoor_hours",
            Obligation::RotateShifts => "rotate_shifts",
            Obligation::ShortenContinuousWork => "shorten_continuous_work",
            Obligation::NoOutdoorOvertime => "no_outdoor_overtime",
            Obligation::CoolingSupplies => "cooling_supplies",
            Obligation::ProtectPregnantAndMinors { .. } => "protect_pregnant_minors",
            Obligation::IndoorCooling { .. } => "indoor_cooling",
            Obligation::HeatAllowance { .. } => "heat_allowance",
            Obligation::Cold(measure) => measure.key(),
        }
    }

    /// What the enterprise must do, as an imperative sentence for the enterprise and the
    /// officer's checklist.
    pub fn text(&self, t: &Tr) -> String {
        self.filled(match self {
            Obligation::StopOutdoorWork => t.heat_rule_must_stop_outdoor(),
            Obligation::LimitOutdoorHours { .. } => t.heat_rule_must_limit_outdoor_hours(),
            Obligation::RotateShifts => t.heat_rule_must_rotate_shifts(),
            Obligation::ShortenContinuousWork => t.heat_rule_must_shorten_continuous_work(),
            Obligation::NoOutdoorOvertime => t.heat_rule_must_no_outdoor_overtime(),
            Obligation::CoolingSupplies => t.heat_rule_must_cooling_supplies(),
            Obligation::ProtectPregnantAndMinors { .. } => {
                t.heat_rule_must_protect_pregnant_minors()
            }
            Obligation::IndoorCooling { .. } => t.heat_rule_must_indoor_cooling(),
            Obligation::HeatAllowance { indoor_limit, .. } => match indoor_limit {
                None => t.heat_rule_must_heat_allowance(),
                Some(_) => t.heat_rule_must_heat_allowance_indoor(),
            },
            Obligation::Cold(measure) => measure.text(t),
        })
    }

    /// What the worker is entitled to, in plain words for the worker's page; `None` for an
    /// obligation a worker does not claim personally (equipment checks).
    pub fn worker_right_text(&self, t: &Tr) -> Option<String> {
        Some(self.filled(match self {
            Obligation::StopOutdoorWork => t.heat_rule_right_stop_outdoor(),
            Obligation::LimitOutdoorHours { .. } => t.heat_rule_right_limit_outdoor_hours(),
            Obligation::RotateShifts => t.heat_rule_right_rotate_shifts(),
            Obligation::ShortenContinuousWork => t.heat_rule_right_shorten_continuous_work(),
            Obligation::NoOutdoorOvertime => t.heat_rule_right_no_outdoor_overtime(),
            Obligation::CoolingSupplies => t.heat_rule_right_cooling_supplies(),
            Obligation::ProtectPregnantAndMinors { .. } => {
                t.heat_rule_right_protect_pregnant_minors()
            }
            Obligation::IndoorCooling { .. } => t.heat_rule_right_indoor_cooling(),
            Obligation::HeatAllowance { indoor_limit, .. } => match indoor_limit {
                None => t.heat_rule_right_heat_allowance(),
                Some(_) => t.heat_rule_right_heat_allowance_indoor(),
            },
            Obligation::Cold(measure) => measure.worker_right(t)?,
        }))
    }

    /// Fills a template (the obligation's sentence, or the worker's right) with this
    /// obligation's numbers; an obligation without any gives the template as it stands.
    fn filled(&self, template: &str) -> String {
        match self {
            Obligation::LimitOutdoorHours {
                max_hours,
                pause_from,
                pause_to,
            } => fill(
                template,
                &[("hours", max_hours), ("from", pause_from), ("to", pause_to)],
            ),
            Obligation::ProtectPregnantAndMinors { indoor_limit } => {
                fill(template, &[("limit", indoor_limit)])
            }
            Obligation::IndoorCooling { limit } => fill(template, &[("limit", limit)]),
            Obligation::HeatAllowance {
                yuan_per_day,
                from_month,
                to_month,
                province,
                indoor_limit,
            } => {
                let limit = indoor_limit.map(|l| l.display()).unwrap_or_default();
                fill(
                    template,
                    &[
                        ("yuan", yuan_per_day),
                        ("from_month", from_month),
                        ("to_month", to_month),
                        ("province", province),
                        ("limit", &limit),
                    ],
                )
            }
            _ => template.to_string(),
        }
    }
}

/// What an enterprise must do for this forecast, most severe first, without duplicates.
///
/// Heat follows the forecast maximum, not the warning level: outdoor enterprises get the band's
/// outdoor rules (stop ≥ 40 °C; limited hours and a pause from 37 °C; rotation, shorter spells and
/// no overtime from 35 °C), and every enterprise gets the indoor limit, the protection of
/// pregnant workers and minors, cooling supplies and, in season, the allowance (for an indoor-only
/// enterprise, only where the workplace cannot be kept below the indoor limit). A warning whose
/// day stays below high-temperature weather (a yellow warning issued for three days ≥ 35 °C with
/// today at 34 °C) still calls for cooling supplies. Cold follows the warning level: each level
/// adds to the one below it.
pub fn obligations(
    rules: &CityRules,
    forecast: &Forecast,
    has_outdoor_work: bool,
) -> Vec<Obligation> {
    match forecast.event {
        Event::Heat => heat_obligations(rules, forecast, has_outdoor_work),
        Event::Cold => cold_measures(forecast.level, has_outdoor_work)
            .into_iter()
            .map(Obligation::Cold)
            .collect(),
    }
}

fn heat_obligations(rules: &CityRules, forecast: &Forecast, outdoor: bool) -> Vec<Obligation> {
    let t = forecast.temperature;
    let hot = t >= rules.high_temperature;
    let stop = t >= rules.stop_outdoor_from;
    let mut out = Vec::new();
    if outdoor && stop {
        out.push(Obligation::StopOutdoorWork);
    } else if outdoor && t >= rules.limit_outdoor_from {
        out.push(Obligation::LimitOutdoorHours {
            max_hours: rules.max_outdoor_hours,
            pause_from: rules.pause_from.clone(),
            pause_to: rules.pause_to.clone(),
        });
    }
    if t >= rules.vulnerable_from {
        out.push(Obligation::ProtectPregnantAndMinors {
            indoor_limit: rules.indoor_limit,
        });
    }
    // Once outdoor work stops, rotating and shortening outdoor shifts no longer means anything.
    if outdoor && hot && !stop {
        out.extend([
            Obligation::RotateShifts,
            Obligation::ShortenContinuousWork,
            Obligation::NoOutdoorOvertime,
        ]);
    }
    if hot {
        out.push(Obligation::IndoorCooling {
            limit: rules.indoor_limit,
        });
    }
    out.push(Obligation::CoolingSupplies);
    if hot && rules.in_allowance_season(forecast.month) {
        out.push(Obligation::HeatAllowance {
            yuan_per_day: rules.allowance_yuan_per_day,
            from_month: rules.allowance_from_month,
            to_month: rules.allowance_to_month,
            province: rules.province.clone(),
            indoor_limit: (!outdoor).then_some(rules.indoor_limit),
        });
    }
    out
}

/// The cold-wave measures for a level, most severe first: every measure whose level is at or
/// below `level`, without the outdoor ones for an indoor-only enterprise.
pub fn cold_measures(level: Level, has_outdoor_work: bool) -> Vec<ColdMeasure> {
    Level::ALL
        .iter()
        .rev()
        .filter(|l| **l <= level)
        .flat_map(|l| ColdMeasure::ALL.iter().filter(move |m| m.level() == *l))
        .filter(|m| has_outdoor_work || !m.outdoor_only())
        .copied()
        .collect()
}

/// The CMA heat level a forecast maximum implies when a source sends none (≥ 40 °C red, ≥ 37 °C
/// orange, ≥ 35 °C yellow); `None` below 35 °C.
///
/// These are the CMA's national thresholds, not the city's labour-rule thresholds in `_rules`: a
/// city that stops outdoor work at 39 °C does not turn a 39 °C forecast into a red warning (its
/// obligations still follow the city's rules through [`obligations`]).
pub fn heat_level_for(_rules: &CityRules, max: Celsius10) -> Option<Level> {
    if max >= Celsius10::degrees(40) {
        Some(Level::Red)
    } else if max >= Celsius10::degrees(37) {
        Some(Level::Orange)
    } else if max >= Celsius10::degrees(35) {
        Some(Level::Yellow)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use std::collections::BTreeSet;

    fn heat(tenths: i32, month: u32) -> Forecast {
        Forecast {
            event: Event::Heat,
            level: Level::Yellow,
            temperature: Celsius10(tenths),
            month,
        }
    }

    fn keys(list: &[Obligation]) -> Vec<&'static str> {
        list.iter().map(Obligation::key).collect()
    }

    const SUPPLIES: &str = "cooling_supplies";
    const VULNERABLE: &str = "protect_pregnant_minors";
    const INDOOR: &str = "indoor_cooling";
    const ALLOWANCE: &str = "heat_allowance";

    #[test]
    fn outdoor_enterprises_get_the_band_of_the_forecast_maximum() {
        let rules = CityRules::default();
        // From 35 °C to below 37 °C; from 37 °C to below 40 °C the same after limited hours.
        let hot = [
            VULNERABLE,
            "rotate_shifts",
            "shorten_continuous_work",
            "no_outdoor_overtime",
            INDOOR,
            SUPPLIES,
            ALLOWANCE,
        ];
        let limited: Vec<&str> = ["limit_outdoor_hours"].into_iter().chain(hot).collect();
        let table: [(i32, &[&str]); 6] = [
            (349, &[SUPPLIES]),
            (350, &hot),
            (369, &hot),
            (370, &limited),
            (399, &limited),
            (
                400,
                &["stop_outdoor", VULNERABLE, INDOOR, SUPPLIES, ALLOWANCE],
            ),
        ];
        for (tenths, expected) in table {
            let got = obligations(&rules, &heat(tenths, 7), true);
            assert_eq!(keys(&got), expected, "outdoor at {}", Celsius10(tenths));
        }
    }

    #[test]
    fn indoor_only_enterprises_get_the_indoor_guidance_at_every_band() {
        let rules = CityRules::default();
        let hot: &[&str] = &[VULNERABLE, INDOOR, SUPPLIES, ALLOWANCE];
        let table: [(i32, &[&str]); 6] = [
            (349, &[SUPPLIES]),
            (350, hot),
            (369, hot),
            (370, hot),
            (399, hot),
            (400, hot),
        ];
        for (tenths, expected) in table {
            let got = obligations(&rules, &heat(tenths, 7), false);
            assert_eq!(keys(&got), expected, "indoor at {}", Celsius10(tenths));
        }
    }

    #[test]
    fn the_limited_band_carries_the_configured_hours_and_pause() {
        let got = obligations(&CityRules::default(), &heat(380, 7), true);
        assert_eq!(
            got[0],
            Obligation::LimitOutdoorHours {
                max_hours: 6,
                pause_from: "12:00".into(),
                pause_to: "15:00".into()
            }
        );
        assert_eq!(
            got[0].text(Lang::ZhCn.tr()),
            "室外露天作业全天累计不超过6小时；12:00至15:00气温最高的时段不安排室外露天作业。"
        );
    }

    #[test]
    fn no_band_ever_lists_an_obligation_twice() {
        let rules = CityRules::default();
        for tenths in (300..=450).step_by(1) {
            for month in 1..=12 {
                for outdoor in [true, false] {
                    let got = keys(&obligations(&rules, &heat(tenths, month), outdoor));
                    let unique: BTreeSet<_> = got.iter().collect();
                    assert_eq!(
                        unique.len(),
                        got.len(),
                        "{tenths} {month} {outdoor}: {got:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_city_override_from_the_config_stops_outdoor_work_at_39_degrees() {
        let rules: CityRules = toml::from_str(
            r#"
            stop_outdoor_from = 39
            pause_to = "16:00"
            allowance_yuan_per_day = 20
            "#,
        )
        .unwrap();
        rules.validate().unwrap();
        assert_eq!(rules.stop_outdoor_from, Celsius10(390));
        assert_eq!(
            rules.limit_outdoor_from,
            Celsius10(370),
            "the rest stays national"
        );

        let national = obligations(&CityRules::default(), &heat(390, 7), true);
        assert_eq!(national[0].key(), "limit_outdoor_hours");
        let city = obligations(&rules, &heat(390, 7), true);
        assert_eq!(city[0], Obligation::StopOutdoorWork);
        assert!(city.contains(&Obligation::HeatAllowance {
            yuan_per_day: 20,
            from_month: 6,
            to_month: 9,
            province: "河南省".into(),
            indoor_limit: None,
        }));

        let limited = obligations(&rules, &heat(385, 7), true);
        assert_eq!(
            limited[0],
            Obligation::LimitOutdoorHours {
                max_hours: 6,
                pause_from: "12:00".into(),
                pause_to: "16:00".into()
            }
        );
    }

    #[test]
    fn an_empty_heat_section_is_the_national_rules_with_henans_allowance() {
        let rules: CityRules = toml::from_str("").unwrap();
        assert_eq!(rules, CityRules::default());
        rules.validate().unwrap();
        assert_eq!(rules.allowance_yuan_per_day, 15);
        assert_eq!(rules.province, "河南省");
    }

    #[test]
    fn the_config_refuses_unknown_fields_and_temperatures_in_tenths() {
        assert!(toml::from_str::<CityRules>("stop_outdoors_from = 39").is_err());
        assert!(toml::from_str::<CityRules>("stop_outdoor_from = 390").is_err());
        assert!(toml::from_str::<CityRules>("stop_outdoor_from = 39.25").is_err());
        let decimal: CityRules = toml::from_str("limit_outdoor_from = 36.5").unwrap();
        assert_eq!(decimal.limit_outdoor_from, Celsius10(365));
        let text: CityRules = toml::from_str(r#"indoor_limit = "32.5""#).unwrap();
        assert_eq!(text.indoor_limit, Celsius10(325));
    }

    #[test]
    fn validate_refuses_a_stop_below_the_limit_and_a_bad_pause_window() {
        let bad = |f: fn(&mut CityRules)| {
            let mut rules = CityRules::default();
            f(&mut rules);
            rules.validate()
        };
        assert!(bad(|r| r.stop_outdoor_from = Celsius10(365)).is_err());
        assert!(bad(|r| r.limit_outdoor_from = Celsius10(340)).is_err());
        assert!(bad(|r| r.high_temperature = Celsius10(35)).is_err());
        assert!(bad(|r| r.pause_to = "11:00".into()).is_err());
        assert!(bad(|r| r.pause_to = "12:00".into()).is_err());
        assert!(bad(|r| r.pause_from = "12:60".into()).is_err());
        assert!(bad(|r| r.pause_from = "1200".into()).is_err());
        assert!(bad(|r| r.pause_to = "24:00".into()).is_err());
        assert!(bad(|r| r.pause_from = "9:00".into()).is_err());
        assert!(bad(|r| r.allowance_from_month = 0).is_err());
        assert!(bad(|r| r.allowance_to_month = 13).is_err());
        assert!(bad(|r| r.allowance_to_month = 5).is_err());
        assert!(bad(|r| r.max_outdoor_hours = 0).is_err());
        assert!(bad(|r| r.allowance_yuan_per_day = 0).is_err());
        assert!(bad(|r| r.province = " ".into()).is_err());
        assert!(bad(|r| r.reminder_after_hours = 0).is_err());
        // Equal thresholds are a valid (if strict) local rule: the band between them is empty.
        assert!(bad(|r| r.stop_outdoor_from = r.limit_outdoor_from).is_ok());
        assert!(bad(|r| r.pause_to = "16:00".into()).is_ok());
    }

    #[test]
    fn the_allowance_is_absent_out_of_season_and_present_in_july() {
        let rules = CityRules::default();
        for outdoor in [true, false] {
            let november = obligations(&rules, &heat(360, 11), outdoor);
            assert!(!keys(&november).contains(&ALLOWANCE), "{outdoor}");
            let july = obligations(&rules, &heat(360, 7), outdoor);
            assert!(keys(&july).contains(&ALLOWANCE), "{outdoor}");
        }
        assert!(keys(&obligations(&rules, &heat(360, 6), true)).contains(&ALLOWANCE));
        assert!(keys(&obligations(&rules, &heat(360, 9), true)).contains(&ALLOWANCE));
        assert!(!keys(&obligations(&rules, &heat(360, 5), true)).contains(&ALLOWANCE));
        assert!(!keys(&obligations(&rules, &heat(349, 7), true)).contains(&ALLOWANCE));
    }

    #[test]
    fn an_indoor_only_enterprise_owes_the_allowance_only_where_it_cannot_cool_below_33() {
        let rules = CityRules::default();
        let indoor = obligations(&rules, &heat(360, 7), false);
        let allowance = indoor.iter().find(|o| o.key() == ALLOWANCE).unwrap();
        assert_eq!(
            allowance.text(Lang::ZhCn.tr()),
            "6月至9月，工作场所温度不能降到33℃以下的，要发放高温津贴并纳入工资总额，河南省标准为每人每个工作日15元。"
        );
        let outdoor = obligations(&rules, &heat(360, 7), true);
        let allowance = outdoor.iter().find(|o| o.key() == ALLOWANCE).unwrap();
        assert!(!allowance.text(Lang::ZhCn.tr()).contains("33"));
    }

    #[test]
    fn cold_levels_grow_monotonically() {
        let rules = CityRules::default();
        for outdoor in [true, false] {
            let mut below: BTreeSet<&str> = BTreeSet::new();
            for level in Level::ALL {
                let forecast = Forecast {
                    event: Event::Cold,
                    level,
                    temperature: Celsius10(-120),
                    month: 1,
                };
                let got: BTreeSet<&str> = keys(&obligations(&rules, &forecast, outdoor))
                    .into_iter()
                    .collect();
                assert!(got.is_superset(&below), "{level:?} {outdoor}");
                if outdoor {
                    assert!(got.len() > below.len(), "{level:?} adds nothing outdoors");
                }
                below = got;
            }
        }
    }

    #[test]
    fn a_red_cold_wave_stops_outdoor_work_first_and_indoor_enterprises_get_no_outdoor_measures() {
        let red = cold_measures(Level::Red, true);
        assert_eq!(red[0], ColdMeasure::StopOutdoorWorkExceptEmergency);
        assert_eq!(red.len(), ColdMeasure::ALL.len());
        let levels: Vec<Level> = red.iter().map(|m| m.level()).collect();
        assert!(levels.windows(2).all(|w| w[0] >= w[1]), "most severe first");
        assert!(cold_measures(Level::Red, false)
            .iter()
            .all(|m| !m.outdoor_only()));
        assert_eq!(
            cold_measures(Level::Blue, true),
            [
                ColdMeasure::KeepWarm,
                ColdMeasure::CheckHeating,
                ColdMeasure::SafeHeating
            ]
        );
    }

    #[test]
    fn heat_has_no_blue_warning_and_cold_has_all_four() {
        assert!(!Level::Blue.allowed(Event::Heat));
        for level in [Level::Yellow, Level::Orange, Level::Red] {
            assert!(level.allowed(Event::Heat));
        }
        assert!(Level::ALL.iter().all(|l| l.allowed(Event::Cold)));
    }

    #[test]
    fn events_and_levels_read_back_what_they_write() {
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Some(e));
        }
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
        }
        assert_eq!(Event::parse("高温"), Some(Event::Heat));
        assert_eq!(Level::parse("橙色"), Some(Level::Orange));
        assert_eq!(Event::parse("rain"), None);
        assert_eq!(Level::parse("green"), None);
        assert_eq!(
            serde_json::to_string(&Level::Orange).unwrap(),
            r#""orange""#
        );
        assert_eq!(serde_json::to_string(&Event::Cold).unwrap(), r#""cold""#);
    }

    #[test]
    fn the_cma_level_follows_the_national_thresholds() {
        let rules = CityRules::default();
        let table = [
            (349, None),
            (350, Some(Level::Yellow)),
            (369, Some(Level::Yellow)),
            (370, Some(Level::Orange)),
            (399, Some(Level::Orange)),
            (400, Some(Level::Red)),
        ];
        for (tenths, expected) in table {
            assert_eq!(
                heat_level_for(&rules, Celsius10(tenths)),
                expected,
                "{tenths}"
            );
        }
        let strict = CityRules {
            stop_outdoor_from: Celsius10(390),
            ..CityRules::default()
        };
        assert_eq!(heat_level_for(&strict, Celsius10(390)), Some(Level::Orange));
    }

    #[test]
    fn celsius_parse_accepts_whole_degrees_and_one_decimal() {
        let table = [
            ("35", 350),
            ("36.9", 369),
            ("-12.5", -125),
            ("-0.5", -5),
            ("+3", 30),
            (" 40 ", 400),
            ("35.0", 350),
            ("60", 600),
            ("-60", -600),
            ("0", 0),
        ];
        for (input, tenths) in table {
            assert_eq!(Celsius10::parse(input), Ok(Celsius10(tenths)), "{input:?}");
        }
    }

    #[test]
    fn celsius_parse_refuses_anything_else() {
        for input in [
            "",
            "-",
            "abc",
            "35.",
            ".5",
            "35.25",
            "36,9",
            "60.1",
            "-60.1",
            "350",
            "1e2",
            "35℃",
            "--3",
            "3 5",
            "99999999999",
        ] {
            assert!(Celsius10::parse(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn celsius_displays_degrees_and_round_trips_through_json() {
        assert_eq!(Celsius10(369).display(), "36.9");
        assert_eq!(Celsius10(400).display(), "40");
        assert_eq!(Celsius10(-125).display(), "-12.5");
        assert_eq!(Celsius10(-5).display(), "-0.5");
        assert_eq!(Celsius10(0).display(), "0");
        for tenths in -600..=600 {
            let c = Celsius10(tenths);
            assert_eq!(Celsius10::parse(&c.display()), Ok(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, c.display(), "serialized as degrees");
            assert_eq!(serde_json::from_str::<Celsius10>(&json).unwrap(), c);
        }
    }

    fn every_obligation() -> Vec<Obligation> {
        let rules = CityRules::default();
        let mut all = obligations(&rules, &heat(380, 7), true);
        all.extend(obligations(&rules, &heat(400, 7), true));
        all.extend(obligations(&rules, &heat(380, 7), false));
        all.extend(ColdMeasure::ALL.map(Obligation::Cold));
        all
    }

    #[test]
    fn every_obligation_renders_in_both_languages_with_its_placeholders_filled() {
        let all = every_obligation();
        let ids: BTreeSet<&str> = all.iter().map(Obligation::key).collect();
        assert_eq!(
            ids.len(),
            9 + ColdMeasure::ALL.len(),
            "every kind, distinct keys"
        );
        for lang in [Lang::ZhCn, Lang::En] {
            let t = lang.tr();
            for o in &all {
                let text = o.text(t);
                assert!(
                    !text.is_empty() && !text.contains('{'),
                    "{lang:?} {o:?}: {text}"
                );
                if let Some(right) = o.worker_right_text(t) {
                    assert!(!right.contains('{'), "{lang:?} {o:?}: {right}");
                }
            }
        }
        let without_right: Vec<&str> = all
            .iter()
            .filter(|o| o.worker_right_text(Lang::ZhCn.tr()).is_none())
            .map(Obligation::key)
            .collect();
        assert_eq!(
            without_right,
            ["cold_check_heating", "cold_protect_pipes_gas"]
        );
    }

    #[test]
    fn a_worker_reads_their_rights_in_plain_words() {
        let t = Lang::ZhCn.tr();
        assert_eq!(
            Obligation::StopOutdoorWork.worker_right_text(t).unwrap(),
            "今天室外露天作业应当全部停止，您有权拒绝在室外作业。"
        );
        let vulnerable = Obligation::ProtectPregnantAndMinors {
            indoor_limit: Celsius10(330),
        };
        assert!(vulnerable.worker_right_text(t).unwrap().contains("33℃以上"));
        let forecast = heat(385, 7);
        assert_eq!(forecast.headline(t), "高温黄色预警");
        assert_eq!(forecast.temperature_text(t), "预报最高气温38.5℃");
        assert_eq!(
            forecast.temperature_text(Lang::En.tr()),
            "Forecast maximum 38.5 °C"
        );
        let cold = Forecast {
            event: Event::Cold,
            level: Level::Blue,
            temperature: Celsius10(-120),
            month: 1,
        };
        assert_eq!(cold.headline(t), "寒潮蓝色预警");
        assert_eq!(cold.temperature_text(t), "预报最低气温-12℃");
    }
}
