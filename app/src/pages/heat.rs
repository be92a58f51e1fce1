//! 高温提醒: today's heat and cold alerts in the worker's chosen district, what the enterprise
//! must do and what the worker is entitled to, and the one-tap "本单位未落实" report.

use crate::{
    components::page::{district_name, loading, when},
    domain::district::DISTRICTS,
    i18n::{fill, use_lang, Lang},
    views::{AlertCard, HeatToday},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The cookie that remembers the district a worker chose on this page.
pub const DISTRICT_COOKIE: &str = "heat_district";

#[server]
pub async fn load_heat_today(
    district: Option<String>,
    lang: Lang,
) -> Result<HeatToday, ServerFnError> {
    use crate::{
        access::server::{db, now},
        backend::alerts,
        components::page::load::internal,
        domain::heat::CityRules,
    };
    let rules = use_context::<CityRules>().unwrap_or_default();
    // The choice is remembered on this device (a cookie, no account needed).
    let remembered = use_context::<http::request::Parts>().and_then(|p| {
        p.headers
            .get(http::header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| {
                c.split(';')
                    .filter_map(|kv| kv.trim().split_once('='))
                    .find(|(k, _)| *k == DISTRICT_COOKIE)
                    .map(|(_, v)| v.to_string())
            })
    });
    let chosen = district.filter(|d| !d.is_empty());
    if let (Some(d), Some(res)) = (&chosen, use_context::<leptos_axum::ResponseOptions>()) {
        if crate::domain::DistrictCode::parse(d).is_ok() {
            if let Ok(v) = http::HeaderValue::from_str(&format!(
                "{DISTRICT_COOKIE}={d}; Path=/; Max-Age=31536000; SameSite=Lax"
            )) {
                res.append_header(http::header::SET_COOKIE, v);
            }
        }
    }
    alerts::heat_today(&db()?, &rules, chosen.or(remembered), lang, now())
        .await
        .map_err(internal)
}

/// The level's colour name ("红色预警").
pub fn level_label(level: &str, lang: Lang) -> &'static str {
    let t = lang.tr();
    match level {
        "red" => t.heat_rule_level_red(),
        "orange" => t.heat_rule_level_orange(),
        "yellow" => t.heat_rule_level_yellow(),
        _ => t.heat_rule_level_blue(),
    }
}

/// 高温 / 寒潮.
pub fn event_label(event: &str, lang: Lang) -> &'static str {
    let t = lang.tr();
    if event == "cold" {
        t.heat_rule_event_cold()
    } else {
        t.heat_rule_event_heat()
    }
}

/// "forecast maximum 40.5 °C" (or minimum for cold).
pub fn temperature_label(event: &str, tenths: Option<i32>, lang: Lang) -> Option<String> {
    let t = lang.tr();
    let value = crate::domain::heat::Celsius10(tenths?).display();
    Some(fill(
        if event == "cold" {
            t.heat_rule_forecast_min()
        } else {
            t.heat_rule_forecast_max()
        },
        &[("t", &value)],
    ))
}

/// An alert's heading: level badge, event, districts, validity.
#[component]
pub fn AlertHeading(
    card: AlertCard,
    lang: Lang,
    /// The alert is the page's subject (its own page): the headline is the page's `<h1>`.
    #[prop(optional)]
    page_title: bool,
) -> impl IntoView {
    let t = lang.tr();
    let a = card.alert;
    let districts: Vec<String> = a.districts.iter().map(|d| district_name(d, lang)).collect();
    view! {
        <p class=format!("alert-level level-{}", a.level) data-level=a.level.clone()>
            <span class="badge">{event_label(&a.event, lang)}" "{level_label(&a.level, lang)}</span>
            {(a.status != "active").then(|| view! { <span class="badge muted">{if a.status == "cancelled" { t.alerts_cancelled() } else { t.alerts_superseded() }}</span> })}
        </p>
        {if page_title {
            view! { <h1 class="alert-headline">{a.headline.clone()}</h1> }.into_any()
        } else {
            view! { <h2 class="alert-headline">{a.headline.clone()}</h2> }.into_any()
        }}
        {temperature_label(&a.event, a.temperature, lang).map(|s| view! { <p class="alert-temperature">{s}</p> })}
        <p class="hint">{districts.join("、")}" · "{when(a.valid_from)}" – "{when(a.valid_to)}</p>
        {(!a.instruction.is_empty()).then(|| view! { <p class="alert-instruction">{a.instruction.clone()}</p> })}
    }
}

#[component]
pub fn HeatPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    let asked = use_query_map().read_untracked().get("district");
    view! {
        <Title text=t.heat_title()/>
        <h1>{t.heat_title()}</h1>
        <p class="lead">{t.heat_intro()}</p>
        <Suspense fallback=loading>
            {move || {
                let asked = asked.clone();
                Suspend::new(async move {
                    match load_heat_today(asked, lang).await {
                        Ok(today) => today_view(today, lang).into_any(),
                        Err(_) => view! { <p class="form-message" role="alert">{t.api_internal()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn today_view(today: HeatToday, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let chosen = today.district.clone().unwrap_or_default();
    let picker = view! {
        <form class="form district-picker" method="get" action="/heat">
            <label class="field">
                <span>{t.heat_district()}</span>
                <select name="district" required>
                    <option value="" selected=chosen.is_empty()>{t.heat_choose_district()}</option>
                    {DISTRICTS.iter().map(|d| {
                        view! { <option value=d.code selected=chosen == d.code>{d.name(lang)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="button secondary">{t.heat_show()}</button>
        </form>
    };
    let body = match &today.district {
        None => view! { <p class="hint">{t.heat_pick_first()}</p> }.into_any(),
        Some(d) if today.alerts.is_empty() => view! {
            <p class="hint no-alerts">{fill(t.heat_none_today(), &[("district", &district_name(d, lang))])}</p>
        }
        .into_any(),
        Some(d) => {
            let district = d.clone();
            today
                .alerts
                .into_iter()
                .map(|card| {
                    let report = format!(
                        "/?category=heat&alert={}&district={}",
                        card.alert.id, district
                    );
                    let outdoor = card.outdoor.clone();
                    let indoor = card.indoor.clone();
                    view! {
                        <article class="card alert-card" data-alert=card.alert.id.to_string()>
                            <AlertHeading card=card.clone() lang/>
                            <h3>{t.heat_your_rights()}</h3>
                            <ul class="rights">
                                {outdoor.iter().filter_map(|o| o.right.clone()).map(|r| view! { <li>{r}</li> }).collect_view()}
                            </ul>
                            <details>
                                <summary>{t.heat_employer_must()}</summary>
                                <h4>{t.heat_outdoor_work()}</h4>
                                <ul class="obligations">{outdoor.iter().map(|o| view! { <li>{o.text.clone()}</li> }).collect_view()}</ul>
                                <h4>{t.heat_indoor_work()}</h4>
                                <ul class="obligations">{indoor.iter().map(|o| view! { <li>{o.text.clone()}</li> }).collect_view()}</ul>
                            </details>
                            <p>
                                <a class="button danger report-violation" href=report>{t.heat_report_violation()}</a>
                            </p>
                            <p class="hint">{t.heat_report_hint()}</p>
                        </article>
                    }
                })
                .collect_view()
                .into_any()
        }
    };
    view! { {picker} {body} }
}
