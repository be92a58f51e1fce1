//! The alerts API: CAP 1.2 in from registered feeds (`POST /api/v1/alerts/cap`), alerts out as
//! JSON or CAP 1.2, and the Web Push subscriptions of signed-in users' devices. Thin: decode the
//! request, call the action ([`crate::actions::alerts`]), render the JSON.

use crate::{
    actions::alerts::{self as act, EndpointJson, SubscriptionJson},
    alerts::{cap, to_cap},
    error::{api, AppError},
    request::{Asking, RequestLang},
    state::AppState,
};
use app::{backend::alerts, i18n::Lang};
use axum::{
    body::{to_bytes, Body},
    extract::{Path, Query, Request, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{de::DeserializeOwned, Deserialize};

pub use crate::store::feeds::key_hash;

/// Largest push subscription body.
pub const MAX_SUBSCRIPTION_BYTES: usize = 4 * 1024;

/// How much of a too-large CAP body is read and thrown away before answering 413, so that a
/// client still sending gets the answer instead of a reset connection.
pub const CAP_DRAIN_BYTES: usize = 16 * 1024 * 1024;

/// The body if it is at most [`cap::MAX_CAP_BYTES`]; else `TooLarge` after draining the rest
/// (up to [`CAP_DRAIN_BYTES`]).
async fn read_capped(body: Body) -> Result<Vec<u8>, cap::CapError> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            break;
        };
        total += chunk.len();
        if total > cap::MAX_CAP_BYTES {
            if total > CAP_DRAIN_BYTES {
                break;
            }
            continue;
        }
        buf.extend_from_slice(&chunk);
    }
    if total > cap::MAX_CAP_BYTES {
        return Err(cap::CapError::TooLarge);
    }
    Ok(buf)
}

/// `POST /api/v1/alerts/cap`: a CAP 1.2 message from a registered feed (`Authorization:
/// Bearer <key>` or `X-Api-Key`); see [`act::ingest`].
pub async fn ingest(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let lang = crate::request::lang_of(&parts);
    let key = api_key(&parts.headers);
    match act::ingest(&state, lang, key.as_deref(), read_capped(body)).await {
        Ok(answer) => {
            let status = if answer.stored() {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, Json(answer)).into_response()
        }
        Err(e) => e.json(lang),
    }
}

fn api_key(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    bearer.or_else(|| {
        headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    })
}

#[derive(Debug, Deserialize)]
pub struct DistrictQuery {
    pub district: Option<String>,
}

/// `GET /api/v1/alerts?district=410105`: the alerts in force today in a district (public).
pub async fn current(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Query(q): Query<DistrictQuery>,
) -> Response {
    api(lang, async {
        let district = q
            .district
            .filter(|d| app::domain::DistrictCode::parse(d).is_ok())
            .ok_or_else(|| AppError::field("district", lang.tr().alerts_err_district()))?;
        let now = state.clock.now_ms();
        let today = alerts::heat_today(&state.db, &state.heat_rules, Some(district), lang, now);
        Ok(Json(today.await?.alerts))
    })
    .await
}

/// `GET /api/v1/alerts/{id}` (JSON) and `GET /api/v1/alerts/{id}.cap` (CAP 1.2 XML). Alerts are
/// public warnings: anyone may read them.
pub async fn show(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Path(file): Path<String>,
) -> Response {
    api(lang, async {
        let (id, as_cap) = match file.strip_suffix(".cap") {
            Some(id) => (id, true),
            None => (file.as_str(), false),
        };
        let id = uuid::Uuid::parse_str(id).map_err(|_| AppError::NotFound(None))?;
        let alert = alerts::get(&state.db, id)
            .await?
            .ok_or(AppError::NotFound(None))?;
        if !as_cap {
            return Ok(Json(alerts::card(&state.heat_rules, alert, lang)).into_response());
        }
        let replaced = match alert.replaces {
            Some(r) => alerts::get(&state.db, r).await?,
            None => None,
        };
        let xml = cap::to_xml(&to_cap(&alert, replaced.as_ref(), &state.alert_sender_name));
        Ok((
            [(header::CONTENT_TYPE, "application/cap+xml; charset=utf-8")],
            xml,
        )
            .into_response())
    })
    .await
}

/// `GET /api/v1/push/key`: the server's VAPID public key (`applicationServerKey`).
pub async fn vapid_key(State(state): State<AppState>) -> Response {
    Json(serde_json::json!({ "publicKey": state.pusher.public_key() })).into_response()
}

/// A JSON body of at most [`MAX_SUBSCRIPTION_BYTES`] (413 beyond; 400 when it is not the JSON
/// expected).
async fn json_body<T: DeserializeOwned>(lang: Lang, body: Body) -> Result<T, AppError> {
    let t = lang.tr();
    let bytes = to_bytes(body, MAX_SUBSCRIPTION_BYTES)
        .await
        .map_err(|_| AppError::TooLarge {
            message: Some(t.api_bad_upload().into()),
            field: None,
        })?;
    serde_json::from_slice(&bytes).map_err(|_| AppError::BadRequest(Some(t.push_err_json().into())))
}

/// `POST /api/v1/push/subscriptions`: saves this device's subscription for the signed-in user.
pub async fn subscribe(asking: Asking, headers: HeaderMap, body: Body) -> Response {
    let lang = asking.lang;
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let read = json_body::<SubscriptionJson>(lang, body);
    match act::subscribe(&asking.state, asking.caller(), agent, read).await {
        Ok(id) => (StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response(),
        Err(e) => e.json(lang),
    }
}

/// `DELETE /api/v1/push/subscriptions`: forgets this device (`{"endpoint": …}`); 204 whether
/// or not it was subscribed.
pub async fn unsubscribe(asking: Asking, body: Body) -> Response {
    let lang = asking.lang;
    let read = json_body::<EndpointJson>(lang, body);
    match act::unsubscribe(&asking.state, asking.caller(), read).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.json(lang),
    }
}
