//! The alerts desk. A union admin issues a heat or cold alert for the districts in their scope
//! and follows, per district, how many enterprises it reached and which have not acknowledged,
//! with every delivery's state; an enterprise officer reads the alerts their enterprise received
//! and acknowledges each with the measures taken.

use crate::{
    access::Access,
    components::page::{
        by_id, district_name, field_error, suspended, use_feedback, when, FormOutcome,
    },
    desks::{AlertAction, ISSUE_ALERT},
    i18n::{fill, use_lang, Lang},
    pages::heat::{event_label, level_label, AlertHeading},
    views::{AlertDashboard, AlertPage, AlertsDesk, ReceivedAlert},
};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

#[server]
pub async fn load_alerts_desk() -> Result<Access<AlertsDesk>, ServerFnError> {
    use crate::{
        access::server::{actor, db},
        backend::alerts,
        components::page::load::internal,
    };
    alerts::desk(&db()?, actor().as_ref())
        .await
        .map_err(internal)
}

#[server]
pub async fn load_alert(id: Uuid, lang: Lang) -> Result<Access<AlertPage>, ServerFnError> {
    use crate::{
        access::server::{actor, db},
        backend::alerts,
        components::page::load::internal,
        domain::heat::CityRules,
    };
    let rules = use_context::<CityRules>().unwrap_or_default();
    alerts::page(&db()?, &rules, actor().as_ref(), id, lang)
        .await
        .map_err(internal)
}

#[component]
pub fn AlertsPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.alerts_title()/>
        <h1>{t.alerts_title()}</h1>
        <FormOutcome/>
        {suspended(load_alerts_desk, move |desk| desk_view(desk, lang).into_any())}
    }
}

fn desk_view(desk: AlertsDesk, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let admin = !desk.issue_districts.is_empty();
    view! {
        {admin.then(|| issue_form(&desk.issue_districts, lang))}
        {admin.then(|| view! {
            <section class="card" aria-labelledby="issued">
                <h2 id="issued">{t.alerts_issued()}</h2>
                {if desk.issued.is_empty() {
                    view! { <p class="hint">{t.alerts_none_issued()}</p> }.into_any()
                } else {
                    view! {
                        <ul class="alert-list">
                            {desk.issued.iter().map(|(a, n, reached, acked)| {
                                let href = AlertAction::page(a.id);
                                view! {
                                    <li data-alert=a.id.to_string()>
                                        <a href=href>{event_label(&a.event, lang)}" "{level_label(&a.level, lang)}" · "{a.headline.clone()}</a>
                                        <span class="hint">{when(a.created_at)}" · "
                                            {fill(t.alerts_progress(), &[("n", n), ("reached", reached), ("acked", acked)])}
                                        </span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        })}
        {(!desk.received.is_empty() || !admin).then(|| view! {
            <section class="card" aria-labelledby="received">
                <h2 id="received">{t.alerts_received()}</h2>
                {if desk.received.is_empty() {
                    view! { <p class="hint">{t.alerts_none_received()}</p> }.into_any()
                } else {
                    view! {
                        <ul class="alert-list">
                            {desk.received.iter().map(|r| received_item(r, lang)).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        })}
    }
}

fn received_item(r: &ReceivedAlert, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let href = AlertAction::page(r.alert.id);
    let state = match r.acknowledged_at {
        Some(at) => view! { <span class="badge ok">{t.alerts_acknowledged()}" "{when(at)}</span> }.into_any(),
        None if r.alert.status == "active" => view! { <span class="badge warn">{t.alerts_to_acknowledge()}</span> }.into_any(),
        None => view! { <span class="badge muted">{if r.alert.status == "cancelled" { t.alerts_cancelled() } else { t.alerts_superseded() }}</span> }.into_any(),
    };
    view! {
        <li data-alert=r.alert.id.to_string()>
            <a href=href>{event_label(&r.alert.event, lang)}" "{level_label(&r.alert.level, lang)}" · "{r.alert.headline.clone()}</a>
            <span class="hint">{r.enterprise_name.clone()}" · "{when(r.alert.created_at)}</span>
            {state}
        </li>
    }
}

/// The admin's form: event, level, forecast, districts, validity, instruction.
fn issue_form(districts: &[String], lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let f = use_feedback();
    let value = |name: &str| f.value(name);
    let event = value("event");
    let level = value("level");
    let picked = f.values.clone();
    let single = districts.len() == 1;
    view! {
        <section class="card" aria-labelledby="issue">
            <h2 id="issue">{t.alerts_issue()}</h2>
            <form class="form issue-alert" method="post" action=ISSUE_ALERT>
                <fieldset class="field">
                    <legend>{t.alerts_event()}</legend>
                    <label class="choice"><input type="radio" name="event" value="heat" checked=event != "cold"/>{t.heat_rule_event_heat()}</label>
                    <label class="choice"><input type="radio" name="event" value="cold" checked=event == "cold"/>{t.heat_rule_event_cold()}</label>
                    {field_error(&f, "event")}
                </fieldset>
                <label class="field">
                    <span>{t.alerts_level()}</span>
                    <select name="level" required>
                        {["yellow", "orange", "red", "blue"].into_iter().map(|l| view! {
                            <option value=l selected=level == l>{level_label(l, lang)}</option>
                        }).collect_view()}
                    </select>
                    {field_error(&f, "level")}
                </label>
                <label class="field">
                    <span>{t.alerts_temperature()}</span>
                    <input type="text" name="temperature" inputmode="decimal" value=value("temperature") placeholder="40.5" required/>
                    <small class="hint">{t.alerts_temperature_hint()}</small>
                    {field_error(&f, "temperature")}
                </label>
                <fieldset class="field">
                    <legend>{t.alerts_districts()}</legend>
                    {districts.iter().map(|d| {
                        let checked = single || picked.iter().any(|(k, v)| k.starts_with("district") && v == d);
                        view! { <label class="choice"><input type="checkbox" name="district" value=d.clone() checked=checked/>{district_name(d, lang)}</label> }
                    }).collect_view()}
                    {field_error(&f, "district")}
                </fieldset>
                <label class="field">
                    <span>{t.alerts_valid_from()}</span>
                    <input type="datetime-local" name="valid_from" value=value("valid_from") required/>
                    {field_error(&f, "valid_from")}
                </label>
                <label class="field">
                    <span>{t.alerts_valid_to()}</span>
                    <input type="datetime-local" name="valid_to" value=value("valid_to") required/>
                    {field_error(&f, "valid_to")}
                </label>
                <label class="field">
                    <span>{t.alerts_instruction()}</span>
                    <textarea name="instruction" rows="3" maxlength="1000">{value("instruction")}</textarea>
                    {field_error(&f, "instruction")}
                </label>
                <button type="submit" class="button">{t.alerts_issue_submit()}</button>
            </form>
        </section>
    }
}

#[component]
pub fn AlertDetailPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    view! {
        <Title text=t.alerts_title()/>
        <p><a href="/alerts">{t.alerts_back()}</a></p>
        <FormOutcome/>
        {by_id(move |id| load_alert(id, lang), move |page| detail_view(page, lang).into_any())}
    }
}

fn detail_view(page: AlertPage, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let card = page.card.clone();
    view! {
        <article class="card alert-card" data-alert=card.alert.id.to_string()>
            <AlertHeading card=card.clone() lang page_title=true/>
            <p class="hint">{t.alerts_issued_by()}" "{card.alert.issued_by.clone()}" · "
                <a href=format!("/api/v1/alerts/{}.cap", card.alert.id)>"CAP 1.2"</a></p>
        </article>
        {page.received.into_iter().map(|r| ack_view(r, &page.card, lang)).collect_view()}
        {page.dashboard.map(|d| dashboard_view(d, lang))}
    }
}

/// The officer's acknowledgement: the obligations as a checklist, plus text.
fn ack_view(r: ReceivedAlert, card: &crate::views::AlertCard, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let lines = if r.outdoor {
        card.outdoor.clone()
    } else {
        card.indoor.clone()
    };
    let action = AlertAction::Acknowledge.url(r.alert.id);
    let f = use_feedback();
    view! {
        <section class="card acknowledge" data-enterprise=r.enterprise_id.to_string()>
            <h2>{r.enterprise_name.clone()}</h2>
            <p class="hint">{if r.outdoor { t.alerts_told_outdoor() } else { t.alerts_told_indoor() }}</p>
            {match r.acknowledged_at {
                Some(at) => view! {
                    <p class="badge ok acknowledged">{t.alerts_acknowledged()}" "{when(at)}</p>
                    <ul class="measures">
                        {lines.iter().map(|o| {
                            let done = r.measures.contains(&o.key);
                            view! { <li class=if done { "done" } else { "not-done" }>{if done { "✓ " } else { "✗ " }}{o.text.clone()}</li> }
                        }).collect_view()}
                    </ul>
                    {(!r.note.is_empty()).then(|| view! { <p class="ack-note">{r.note.clone()}</p> })}
                }.into_any(),
                None if r.alert.status == "active" => view! {
                    <form class="form" method="post" action=action>
                        <input type="hidden" name="enterprise" value=r.enterprise_id.to_string()/>
                        <fieldset class="field">
                            <legend>{t.alerts_measures()}</legend>
                            {lines.iter().map(|o| view! {
                                <label class="choice"><input type="checkbox" name="measure" value=o.key.clone()/>{o.text.clone()}</label>
                            }).collect_view()}
                            {field_error(&f, "measure")}
                        </fieldset>
                        <label class="field">
                            <span>{t.alerts_note()}</span>
                            <textarea name="note" rows="3" maxlength="2000">{f.value("note")}</textarea>
                            {field_error(&f, "note")}
                        </label>
                        <button type="submit" class="button">{t.alerts_acknowledge()}</button>
                    </form>
                }.into_any(),
                None => view! { <p class="hint">{t.alerts_no_longer_active()}</p> }.into_any(),
            }}
        </section>
    }
}

fn dashboard_view(d: AlertDashboard, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let id = d.alert.id;
    let active = d.alert.status == "active";
    view! {
        <section class="card" aria-labelledby="reach">
            <h2 id="reach">{t.alerts_reach()}</h2>
            <table class="progress">
                <thead><tr>
                    <th scope="col">{t.alerts_district()}</th>
                    <th scope="col">{t.alerts_enterprises()}</th>
                    <th scope="col">{t.alerts_reached()}</th>
                    <th scope="col">{t.alerts_acknowledged()}</th>
                </tr></thead>
                <tbody>
                    {d.progress.iter().map(|p| view! {
                        <tr data-district=p.district.clone()>
                            <th scope="row">{district_name(&p.district, lang)}</th>
                            <td class="n">{p.enterprises}</td>
                            <td class="reached">{p.reached}</td>
                            <td class="acked">{p.acknowledged}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {d.progress.iter().filter(|p| !p.waiting.is_empty()).map(|p| view! {
                <h3>{fill(t.alerts_waiting(), &[("district", &district_name(&p.district, lang))])}</h3>
                <ul class="waiting">
                    {p.waiting.iter().map(|(_, name, reached)| view! {
                        <li>{name.clone()}{(!reached).then(|| view! { " · " <span class="badge warn">{t.alerts_no_officer()}</span> })}</li>
                    }).collect_view()}
                </ul>
            }).collect_view()}
        </section>
        <section class="card" aria-labelledby="deliveries">
            <h2 id="deliveries">{t.alerts_deliveries()}</h2>
            <table class="deliveries">
                <thead><tr>
                    <th scope="col">{t.alerts_officer()}</th>
                    <th scope="col">{t.alerts_channel()}</th>
                    <th scope="col">{t.alerts_state()}</th>
                </tr></thead>
                <tbody>
                    {d.deliveries.iter().map(|x| {
                        view! {
                            <tr data-state=x.state.clone() data-channel=x.channel.clone()>
                                <td>{x.officer.clone()}<br/><small class="hint">{x.enterprise.clone()}</small></td>
                                {delivery_cells(lang, &x.channel, &x.state, x.delivered_at.is_some(), x.attempts, x.last_error.clone())}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        {(d.can_change && active).then(|| view! {
            <section class="card" aria-labelledby="change">
                <h2 id="change">{t.alerts_change()}</h2>
                <form class="form" method="post" action=AlertAction::Update.url(id)>
                    <label class="field">
                        <span>{t.alerts_level()}</span>
                        <select name="level">
                            {["yellow", "orange", "red", "blue"].into_iter().map(|l| view! {
                                <option value=l selected=d.alert.level == l>{level_label(l, lang)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="field">
                        <span>{t.alerts_temperature()}</span>
                        <input type="text" name="temperature" inputmode="decimal"
                            value=d.alert.temperature.map(|v| crate::domain::heat::Celsius10(v).display()).unwrap_or_default()/>
                    </label>
                    <label class="field">
                        <span>{t.alerts_instruction()}</span>
                        <textarea name="instruction" rows="3" maxlength="1000">{d.alert.instruction.clone()}</textarea>
                    </label>
                    <button type="submit" class="button secondary">{t.alerts_update()}</button>
                </form>
                <form class="form" method="post" action=AlertAction::Cancel.url(id)>
                    <button type="submit" class="button danger">{t.alerts_cancel()}</button>
                </form>
            </section>
        })}
    }
}

/// A delivery's channel and state cells: a text the provider's receipt confirmed reads as
/// received, one without a receipt yet as handed over; the tries and the last error under it.
pub fn delivery_cells(
    lang: Lang,
    channel: &str,
    state: &str,
    delivered: bool,
    attempts: i32,
    last_error: Option<String>,
) -> impl IntoView {
    let t = lang.tr();
    let channel_label = match channel {
        "push" => t.delivery_push(),
        "sms" => t.delivery_sms(),
        _ => t.delivery_inbox(),
    };
    let state_label = match (state, channel) {
        ("sent", "sms") if delivered => t.delivery_received(),
        ("sent", "sms") => t.delivery_handed_over(),
        ("sent", _) => t.delivery_sent(),
        ("failed", _) => t.delivery_failed(),
        ("acknowledged", _) => t.delivery_acknowledged(),
        _ => t.delivery_pending(),
    };
    view! {
        <td>{channel_label}</td>
        <td>{state_label}
            {(attempts > 1 || last_error.is_some()).then(|| view! {
                <br/><small class="hint">{fill(t.delivery_attempts(), &[("n", &attempts)])}{last_error.map(|e| format!(" · {e}"))}</small>
            })}
        </td>
    }
}
