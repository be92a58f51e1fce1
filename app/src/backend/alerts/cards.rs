//! An alert with what it obliges: the forecast it states and, from the city's heat rules, the
//! obligations of enterprises with and without outdoor work, in the reader's language.

use crate::{
    domain::{
        heat::{obligations, Celsius10, CityRules, Event, Forecast, Level},
        time::LocalTime,
    },
    i18n::Lang,
    views::{AlertCard, AlertView, ObligationLine},
};

/// An alert with its obligations rendered in `lang` (outdoor and indoor enterprises).
pub fn card(rules: &CityRules, alert: AlertView, lang: Lang) -> AlertCard {
    let t = lang.tr();
    let lines = |outdoor: bool| -> Vec<ObligationLine> {
        let Some(forecast) = forecast_of(rules, &alert) else {
            return Vec::new();
        };
        obligations(rules, &forecast, outdoor)
            .iter()
            .map(|o| ObligationLine {
                key: o.key().to_string(),
                text: o.text(t),
                right: o.worker_right_text(t),
            })
            .collect()
    };
    let outdoor = lines(true);
    let indoor = lines(false);
    AlertCard {
        alert,
        outdoor,
        indoor,
    }
}

/// The forecast a stored alert states (`None` for an event or level this build does not know).
pub fn forecast_of(rules: &CityRules, alert: &AlertView) -> Option<Forecast> {
    Some(forecast(
        rules,
        Event::parse(&alert.event)?,
        Level::parse(&alert.level)?,
        alert.temperature,
        alert.valid_from,
    ))
}

/// The forecast of an alert: a heat alert without a temperature is taken at its level's
/// threshold; the month is the Zhengzhou month the alert starts in.
pub fn forecast(
    rules: &CityRules,
    event: Event,
    level: Level,
    temperature: Option<i32>,
    valid_from: i64,
) -> Forecast {
    let temperature = match (temperature, event) {
        (Some(t), _) => Celsius10(t),
        (None, Event::Heat) => match level {
            Level::Red => rules.stop_outdoor_from,
            Level::Orange => rules.limit_outdoor_from,
            _ => rules.high_temperature,
        },
        (None, Event::Cold) => Celsius10(0),
    };
    Forecast {
        event,
        level,
        temperature,
        month: LocalTime::shanghai(valid_from).month,
    }
}
