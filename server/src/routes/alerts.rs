//! The alerts desk's forms: a union admin issues, updates and cancels alerts; an officer
//! acknowledges one with the measures taken; anyone signed in sends themselves a test push or
//! removes a device. Each checks the policy, writes, then tells the officers.

use super::forms::{again, read, see, Posted};
use crate::{alerts, state::AppState, store::audit};
use app::{
    backend::alerts::{self as store, AlertWriteError, NewAlert, Telling},
    domain::{
        heat::{obligations, Celsius10, Event, Level},
        policy::{decide, Action, Decision, Object},
        report::FieldError,
        DistrictCode,
    },
    i18n::Lang,
};
use axum::{
    extract::{Path, Request, State},
    response::Response,
};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Longest instruction an admin may write.
pub const MAX_INSTRUCTION_CHARS: usize = 1000;
/// Longest note an officer may write with an acknowledgement.
pub const MAX_ACK_NOTE_CHARS: usize = 2000;
/// Longest validity of one alert.
pub const MAX_ALERT_DAYS: i64 = 10;

fn status_of(d: Decision) -> u16 {
    if d == Decision::SignIn {
        401
    } else {
        403
    }
}

async fn refuse(state: &AppState, posted: &Posted, page: &str, d: Decision) -> Response {
    let t = posted.lang.tr();
    let message = if d == Decision::SignIn {
        t.access_sign_in()
    } else {
        t.access_denied()
    };
    again(
        state,
        posted,
        page,
        status_of(d),
        message.to_string(),
        Vec::new(),
    )
    .await
}

/// The page again with a message and no field messages.
async fn say(
    state: &AppState,
    posted: &Posted,
    page: &str,
    status: u16,
    message: &str,
) -> Response {
    again(state, posted, page, status, message.to_string(), Vec::new()).await
}

/// Logs what failed and shows the page again with "try again" (500).
async fn internal(
    state: &AppState,
    posted: &Posted,
    page: &str,
    what: &str,
    e: impl std::fmt::Display,
) -> Response {
    tracing::error!(error = %e, "{what}");
    say(state, posted, page, 500, posted.lang.tr().api_internal()).await
}

/// Records an admin's alert action in the audit log.
async fn audit_alert(state: &AppState, posted: &Posted, action: &str, id: Uuid, detail: String) {
    let _ = audit::record(
        &state.db,
        audit::Entry {
            at: state.clock.now_ms(),
            actor: posted.current.actor.as_ref().map(|a| a.user_id),
            action,
            subject_type: Some("alert"),
            subject_id: Some(id.to_string()),
            address: &posted.addr,
            detail,
        },
    )
    .await;
}

/// A trimmed text field of the form, with a message when it is longer than `max` characters.
fn text_field(posted: &Posted, name: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let value = posted
        .field(name)
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if value.chars().count() > max {
        let t = posted.lang.tr();
        errors.push(FieldError::new(
            name,
            app::i18n::fill(t.alerts_err_too_much(), &[("max", &max)]),
        ));
    }
    value
}

/// The `temperature` field in degrees (a typed `℃` or `°C` allowed); `Ok(None)` when empty.
fn temperature_field(posted: &Posted) -> Result<Option<Celsius10>, String> {
    let typed = posted
        .field("temperature")
        .map(|s| s.trim().replace(['℃', '°', 'C'], ""))
        .unwrap_or_default();
    if typed.is_empty() {
        return Ok(None);
    }
    Celsius10::parse(&typed).map(Some)
}

/// What the issue form asks, checked.
struct AlertForm {
    event: Event,
    level: Level,
    temperature: Celsius10,
    districts: BTreeSet<String>,
    valid_from: i64,
    valid_to: i64,
    instruction: String,
}

fn read_form(posted: &Posted, lang: Lang) -> Result<AlertForm, Vec<FieldError>> {
    let t = lang.tr();
    let mut errors = Vec::new();
    let get = |k: &str| {
        posted
            .field(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let event = Event::parse(&get("event"));
    if event.is_none() {
        errors.push(FieldError::new("event", t.alerts_err_event()));
    }
    let level = Level::parse(&get("level"));
    match (event, level) {
        (_, None) => errors.push(FieldError::new("level", t.alerts_err_level())),
        (Some(e), Some(l)) if !l.allowed(e) => {
            errors.push(FieldError::new("level", t.alerts_err_level_heat()))
        }
        _ => {}
    }
    let temperature = temperature_field(posted).and_then(|t| t.ok_or_else(String::new));
    if temperature.is_err() {
        errors.push(FieldError::new("temperature", t.alerts_err_temperature()));
    }
    let mut districts = BTreeSet::new();
    for d in posted.all("district") {
        match DistrictCode::parse(&d) {
            Ok(code) => {
                districts.insert(code.as_str().to_string());
            }
            Err(_) => errors.push(FieldError::new("district", t.alerts_err_district())),
        }
    }
    if districts.is_empty() && !errors.iter().any(|e| e.field == "district") {
        errors.push(FieldError::new("district", t.alerts_err_no_district()));
    }
    let from = alerts::parse_local_minutes(&get("valid_from"));
    let to = alerts::parse_local_minutes(&get("valid_to"));
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
                app::i18n::fill(t.alerts_err_too_long(), &[("days", &MAX_ALERT_DAYS)]),
            ))
        }
        _ => {}
    }
    let instruction = text_field(posted, "instruction", MAX_INSTRUCTION_CHARS, &mut errors);
    match (event, level, temperature, from, to) {
        (Some(event), Some(level), Ok(temperature), Some(valid_from), Some(valid_to))
            if errors.is_empty() =>
        {
            Ok(AlertForm {
                event,
                level,
                temperature,
                districts,
                valid_from,
                valid_to,
                instruction,
            })
        }
        _ => Err(errors),
    }
}

/// `POST /alerts`: a union admin issues an alert for districts in their scope.
pub async fn issue(State(state): State<AppState>, req: Request) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let page = "/alerts";
    let actor = posted.current.actor.clone();
    let d = decide(actor.as_ref(), Action::IssueAlert, &Object::None);
    let d = if d == Decision::SignIn {
        d
    } else {
        // Any district in scope lets the form be used; each chosen one is checked below.
        let any = app::domain::district::DISTRICTS.iter().any(|x| {
            decide(
                actor.as_ref(),
                Action::IssueAlert,
                &Object::District(x.code),
            )
            .allowed()
        });
        if any {
            Decision::Allow
        } else {
            Decision::Deny
        }
    };
    if d != Decision::Allow {
        return refuse(&state, &posted, page, d).await;
    }
    let t = posted.lang.tr();
    let form = match read_form(&posted, posted.lang) {
        Ok(f) => f,
        Err(fields) => {
            return again(
                &state,
                &posted,
                page,
                422,
                t.api_check_fields().into(),
                fields,
            )
            .await
        }
    };
    if let Some(outside) = form
        .districts
        .iter()
        .find(|d| !decide(actor.as_ref(), Action::IssueAlert, &Object::District(d)).allowed())
    {
        let field = FieldError::new(
            "district",
            app::i18n::fill(
                t.alerts_err_not_yours(),
                &[(
                    "district",
                    &app::components::page::district_name(outside, posted.lang),
                )],
            ),
        );
        return again(
            &state,
            &posted,
            page,
            403,
            t.access_denied().into(),
            vec![field],
        )
        .await;
    }
    let now = state.clock.now_ms();
    let new = NewAlert {
        sender: state.alert_sender.clone(),
        identifier: format!("safesnap-{}", Uuid::now_v7()),
        sent_at: now,
        source_id: None,
        issued_by: actor.as_ref().map(|a| a.user_id),
        event: form.event,
        level: form.level,
        temperature: Some(form.temperature.0),
        valid_from: form.valid_from,
        valid_to: form.valid_to,
        headline: alerts::headline(form.event, form.level, &form.districts),
        instruction: form.instruction,
        districts: form.districts,
        replaces: None,
    };
    write_and_tell(&state, &posted, page, new, "alert_issued").await
}

async fn write_and_tell(
    state: &AppState,
    posted: &Posted,
    page: &str,
    new: NewAlert,
    action: &str,
) -> Response {
    let t = posted.lang.tr();
    let now = new.sent_at;
    let id = match store::create(&state.db, &new, now).await {
        Ok(id) => id,
        Err(AlertWriteError::NotActive) => {
            return say(state, posted, page, 409, t.alerts_err_not_active()).await
        }
        Err(e) => {
            return internal(state, posted, page, "alert not stored", e).await;
        }
    };
    audit_alert(
        state,
        posted,
        action,
        id,
        serde_json::json!({
            "event": new.event.as_str(),
            "level": new.level.as_str(),
            "districts": new.districts,
            "replaces": new.replaces,
        })
        .to_string(),
    )
    .await;
    if let Err(e) = alerts::tell(state, id, Telling::Issued).await {
        tracing::error!(error = %e, alert = %id, "alert stored, officers not told");
    }
    see(&format!("/alerts/{id}?ok=issued"))
}

async fn alert_and_check(
    state: &AppState,
    posted: &Posted,
    id: Uuid,
    action: Action,
) -> Result<(app::views::AlertView, app::domain::policy::AlertFacts), Response> {
    let page = format!("/alerts/{id}");
    let t = posted.lang.tr();
    let alert = match store::get(&state.db, id).await {
        Ok(Some(a)) => a,
        Ok(None) => return Err(say(state, posted, &page, 404, t.access_not_found()).await),
        Err(e) => return Err(internal(state, posted, &page, "alert not read", e).await),
    };
    let facts = match store::facts(&state.db, &alert).await {
        Ok(f) => f,
        Err(e) => return Err(internal(state, posted, &page, "alert facts not read", e).await),
    };
    let d = decide(
        posted.current.actor.as_ref(),
        action,
        &Object::Alert(&facts),
    );
    if d != Decision::Allow {
        return Err(refuse(state, posted, &page, d).await);
    }
    Ok((alert, facts))
}

/// `POST /alerts/{id}/update`: a new level, forecast or instruction; the alert is replaced by
/// an update (CAP `Update`) that reaches the officers under the same push topic.
pub async fn update(State(state): State<AppState>, Path(id): Path<Uuid>, req: Request) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (old, _) = match alert_and_check(&state, &posted, id, Action::IssueAlert).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let page = format!("/alerts/{id}");
    let t = posted.lang.tr();
    let event = Event::parse(&old.event).unwrap_or(Event::Heat);
    let mut fields = Vec::new();
    let level = Level::parse(posted.field("level").map(String::as_str).unwrap_or(""));
    if !level.is_some_and(|l| l.allowed(event)) {
        fields.push(FieldError::new("level", t.alerts_err_level()));
    }
    // An empty temperature keeps the alert's forecast.
    let temperature = temperature_field(&posted).map(|t| t.or(old.temperature.map(Celsius10)));
    if temperature.is_err() {
        fields.push(FieldError::new("temperature", t.alerts_err_temperature()));
    }
    let instruction = text_field(&posted, "instruction", MAX_INSTRUCTION_CHARS, &mut fields);
    let (Some(level), Ok(temperature), true) = (level, temperature, fields.is_empty()) else {
        return again(
            &state,
            &posted,
            &page,
            422,
            t.api_check_fields().into(),
            fields,
        )
        .await;
    };
    let districts: BTreeSet<String> = old.districts.iter().cloned().collect();
    let now = state.clock.now_ms();
    let new = NewAlert {
        sender: state.alert_sender.clone(),
        identifier: format!("safesnap-{}", Uuid::now_v7()),
        sent_at: now,
        source_id: None,
        issued_by: posted.current.actor.as_ref().map(|a| a.user_id),
        event,
        level,
        temperature: temperature.map(|c| c.0),
        valid_from: old.valid_from,
        valid_to: old.valid_to,
        headline: alerts::headline(event, level, &districts),
        instruction,
        districts,
        replaces: Some(id),
    };
    write_and_tell(&state, &posted, &page, new, "alert_updated").await
}

/// `POST /alerts/{id}/cancel`.
pub async fn cancel(State(state): State<AppState>, Path(id): Path<Uuid>, req: Request) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = alert_and_check(&state, &posted, id, Action::IssueAlert).await {
        return r;
    }
    let page = format!("/alerts/{id}");
    let t = posted.lang.tr();
    let now = state.clock.now_ms();
    match store::cancel(&state.db, id, None, now).await {
        Ok(true) => {}
        Ok(false) => return say(&state, &posted, &page, 409, t.alerts_err_not_active()).await,
        Err(e) => {
            return internal(&state, &posted, &page, "alert not cancelled", e).await;
        }
    }
    audit_alert(&state, &posted, "alert_cancelled", id, String::new()).await;
    if let Err(e) = alerts::tell(&state, id, Telling::Cancelled).await {
        tracing::error!(error = %e, alert = %id, "cancellation not told");
    }
    see(&format!("{page}?ok=cancelled"))
}

/// `POST /alerts/{id}/ack`: an officer acknowledges for one of their enterprises (`enterprise`)
/// with the measures taken (`measure`, repeated: obligation keys) and a note.
pub async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    req: Request,
) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (alert, facts) = match alert_and_check(&state, &posted, id, Action::AcknowledgeAlert).await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    let page = format!("/alerts/{id}");
    let t = posted.lang.tr();
    let Some(actor) = posted.current.actor.clone() else {
        return refuse(&state, &posted, &page, Decision::SignIn).await;
    };
    let Some(enterprise) = posted
        .field("enterprise")
        .and_then(|e| Uuid::parse_str(e).ok())
    else {
        let field = FieldError::new("enterprise", t.alerts_err_enterprise());
        return again(
            &state,
            &posted,
            &page,
            422,
            t.api_check_fields().into(),
            vec![field],
        )
        .await;
    };
    if !(actor.enterprises.contains(&enterprise) && facts.recipients.contains(&enterprise)) {
        return refuse(&state, &posted, &page, Decision::Deny).await;
    }
    if alert.status != "active" {
        return say(&state, &posted, &page, 409, t.alerts_err_not_active()).await;
    }
    // The measures must be among this enterprise's obligations.
    let outdoor = store::received_by(&state.db, &[enterprise].into_iter().collect(), 200)
        .await
        .ok()
        .and_then(|list| list.into_iter().find(|r| r.alert.id == id))
        .map(|r| r.outdoor)
        .unwrap_or(false);
    let allowed: BTreeSet<String> = store::forecast_of(&state.heat_rules, &alert)
        .map(|f| {
            obligations(&state.heat_rules, &f, outdoor)
                .iter()
                .map(|o| o.key().to_string())
                .collect()
        })
        .unwrap_or_default();
    let measures: Vec<String> = posted.all("measure");
    let mut fields = Vec::new();
    if measures.is_empty() {
        fields.push(FieldError::new("measure", t.alerts_err_no_measure()));
    } else if measures.iter().any(|m| !allowed.contains(m)) {
        fields.push(FieldError::new("measure", t.alerts_err_measure()));
    }
    let note = text_field(&posted, "note", MAX_ACK_NOTE_CHARS, &mut fields);
    if !fields.is_empty() {
        return again(
            &state,
            &posted,
            &page,
            422,
            t.api_check_fields().into(),
            fields,
        )
        .await;
    }
    let mut unique: Vec<String> = measures;
    unique.sort();
    unique.dedup();
    let now = state.clock.now_ms();
    match store::acknowledge(
        &state.db,
        id,
        enterprise,
        actor.user_id,
        &unique,
        &note,
        now,
    )
    .await
    {
        Ok(true) => see(&format!("{page}?ok=acknowledged")),
        Ok(false) => say(&state, &posted, &page, 409, t.alerts_err_already()).await,
        Err(e) => internal(&state, &posted, &page, "acknowledgement not stored", e).await,
    }
}

/// `POST /me/push/test`: a test notification to each of the user's devices.
pub async fn test_push(State(state): State<AppState>, req: Request) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(actor) = posted.current.actor.clone() else {
        return refuse(&state, &posted, "/me", Decision::SignIn).await;
    };
    match store::test_push(&state.db, actor.user_id, state.clock.now_ms()).await {
        Ok(_) => {
            state.pusher.wake.notify_one();
            see("/me?ok=push_test")
        }
        Err(e) => internal(&state, &posted, "/me", "test push not queued", e).await,
    }
}

/// `POST /me/push/{id}/remove`: stops push notifications to one of the user's devices.
pub async fn remove_device(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    req: Request,
) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(actor) = posted.current.actor.clone() else {
        return refuse(&state, &posted, "/me", Decision::SignIn).await;
    };
    let _ = store::unsubscribe(&state.db, actor.user_id, Some(id), None).await;
    see("/me?ok=push_removed")
}
