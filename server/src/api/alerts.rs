//! The alerts API: CAP 1.2 in from registered sources (`POST /api/v1/alerts/cap`), alerts out as
//! JSON or CAP 1.2, and the Web Push subscriptions of signed-in users' devices.

use crate::error::AppError;
use crate::{
    alerts::{self, cap, CapIntent, CapProblem},
    push::ece,
    request::RequestLang,
    state::AppState,
};
use app::{
    backend::{
        alerts::{self as store, AlertWriteError, Telling},
        auth::CurrentUser,
    },
    domain::report::FieldError,
    i18n::Lang,
    views::AlertView,
};
use axum::{
    body::{to_bytes, Body},
    extract::{Path, Query, Request, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Extension, Json,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Largest push subscription body.
pub const MAX_SUBSCRIPTION_BYTES: usize = 4 * 1024;
/// Longest push endpoint URL accepted.
pub const MAX_ENDPOINT_CHARS: usize = 1024;

/// The SHA-256 (hex) an API key is stored as.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.trim().as_bytes()))
}

fn problem(lang: Lang, p: CapProblem) -> AppError {
    let message = if lang == Lang::En { p.en } else { p.zh };
    AppError::Invalid {
        message: Some(message.clone()),
        fields: vec![FieldError::new(p.element, message)],
    }
}

fn cap_error(lang: Lang, e: cap::CapError) -> AppError {
    let message = if lang == Lang::En {
        e.message_en()
    } else {
        e.message_zh()
    };
    let fields = vec![FieldError::new(e.element().to_string(), message.clone())];
    match e {
        cap::CapError::TooLarge => AppError::TooLarge {
            message: Some(message),
            field: Some("alert".into()),
        },
        cap::CapError::Forbidden { .. } | cap::CapError::Invalid { .. } => AppError::Invalid {
            message: Some(message),
            fields,
        },
    }
}

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

/// What the CAP endpoint answers.
#[derive(Debug, Serialize)]
pub struct CapAnswer {
    /// `created`, `updated`, `cancelled`, `duplicate` or `ignored`.
    pub result: &'static str,
    pub id: Option<uuid::Uuid>,
    pub districts: Vec<String>,
    pub cap: Option<String>,
    pub reason: Option<String>,
}

/// `POST /api/v1/alerts/cap`: a CAP 1.2 message from a registered source (`Authorization:
/// Bearer <key>` or `X-Api-Key`). Alert → a new alert; Update → replaces the referenced one;
/// Cancel → cancels it. The same message again changes nothing. A malformed or unmappable
/// message is refused with the element at fault, and nothing is stored.
pub async fn ingest(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let lang = crate::request::lang_of(&parts);
    match ingest_inner(&state, Request::from_parts(parts, body)).await {
        Ok((status, answer)) => (status, Json(answer)).into_response(),
        Err(e) => e.json(lang),
    }
}

async fn ingest_inner(state: &AppState, req: Request) -> Result<(StatusCode, CapAnswer), AppError> {
    let (parts, body) = req.into_parts();
    let lang = crate::request::lang_of(&parts);
    let t = lang.tr();
    let key = api_key(&parts.headers);
    let source = match key {
        Some(k) => store::source_by_key(&state.db, &key_hash(&k))
            .await
            .map_err(|e| AppError::internal(e))?,
        None => None,
    };
    let Some((source_id, _)) = source else {
        return Err(AppError::Unauthorized(t.alerts_err_api_key().into()));
    };
    let bytes = read_capped(body).await.map_err(|e| cap_error(lang, e))?;
    let msg = cap::parse(&bytes).map_err(|e| cap_error(lang, e))?;
    let now = state.clock.now_ms();
    let intent = alerts::from_cap(&msg).map_err(|p| problem(lang, p))?;
    let refs_problem = || {
        problem(
            lang,
            CapProblem {
                element: "alert/references".into(),
                zh: "references 指向的预警不存在或已不再有效".into(),
                en: "references names no alert that is still in force".into(),
            },
        )
    };
    // The most recent referenced alert we hold. A feed updates and cancels only its own alerts
    // (an alert's CAP identity is public: another feed naming it must not cancel it).
    let mut referenced = None;
    for r in msg.references.iter().rev() {
        if let Some(id) = store::find_by_identity(&state.db, &r.sender, &r.identifier)
            .await
            .map_err(|e| AppError::internal(e))?
        {
            let owner = store::source_of(&state.db, id)
                .await
                .map_err(|e| AppError::internal(e))?;
            if owner != Some(source_id) {
                return Err(problem(
                    lang,
                    CapProblem {
                        element: "alert/references".into(),
                        zh: "references 指向的预警不是本数据源发布的，不能更新或解除".into(),
                        en: "references names an alert this source did not issue".into(),
                    },
                ));
            }
            referenced = Some(id);
            break;
        }
    }
    match intent {
        CapIntent::Ignore(reason) => Ok((
            StatusCode::OK,
            CapAnswer {
                result: "ignored",
                id: None,
                districts: Vec::new(),
                cap: None,
                reason: Some(reason),
            },
        )),
        CapIntent::Cancel => {
            if let Some(done) = store::find_cancel(&state.db, &msg.sender, &msg.identifier)
                .await
                .map_err(|e| AppError::internal(e))?
            {
                return Ok((StatusCode::OK, answer("duplicate", done)));
            }
            let target = referenced.ok_or_else(refs_problem)?;
            let cancelled =
                store::cancel(&state.db, target, Some((&msg.sender, &msg.identifier)), now)
                    .await
                    .map_err(|e| AppError::internal(e))?;
            if !cancelled {
                return Err(refs_problem());
            }
            if let Err(e) = alerts::tell(state, target, Telling::Cancelled).await {
                tracing::error!(error = %e, "cancellation not told");
            }
            Ok((StatusCode::OK, answer("cancelled", target)))
        }
        CapIntent::Issue(mut new) => {
            new.source_id = Some(source_id);
            let updating = msg.msg_type == cap::MsgType::Update;
            if updating {
                new.replaces = Some(referenced.ok_or_else(refs_problem)?);
            }
            let id = match store::create(&state.db, &new, now).await {
                Ok(id) => id,
                Err(AlertWriteError::Duplicate(existing)) => {
                    return Ok((StatusCode::OK, answer("duplicate", existing)))
                }
                Err(AlertWriteError::NotActive) => return Err(refs_problem()),
                Err(AlertWriteError::Db(e)) => return Err(AppError::internal(e)),
            };
            if let Err(e) = alerts::tell(state, id, Telling::Issued).await {
                tracing::error!(error = %e, alert = %id, "alert stored, officers not told");
            }
            let mut a = answer(if updating { "updated" } else { "created" }, id);
            a.districts = new.districts.into_iter().collect();
            Ok((StatusCode::CREATED, a))
        }
    }
}

fn answer(result: &'static str, id: uuid::Uuid) -> CapAnswer {
    CapAnswer {
        result,
        id: Some(id),
        districts: Vec::new(),
        cap: Some(format!("/api/v1/alerts/{id}.cap")),
        reason: None,
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
    let Some(district) = q
        .district
        .filter(|d| app::domain::DistrictCode::parse(d).is_ok())
    else {
        let t = lang.tr();
        return AppError::invalid(vec![FieldError::new("district", t.alerts_err_district())])
            .json(lang);
    };
    match store::heat_today(
        &state.db,
        &state.heat_rules,
        Some(district),
        lang,
        state.clock.now_ms(),
    )
    .await
    {
        Ok(today) => Json(today.alerts).into_response(),
        Err(e) => AppError::from(e).json(lang),
    }
}

/// `GET /api/v1/alerts/{id}` (JSON) and `GET /api/v1/alerts/{id}.cap` (CAP 1.2 XML). Alerts are
/// public warnings: anyone may read them.
pub async fn show(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Path(file): Path<String>,
) -> Response {
    let (id, as_cap) = match file.strip_suffix(".cap") {
        Some(id) => (id, true),
        None => (file.as_str(), false),
    };
    let Ok(id) = uuid::Uuid::parse_str(id) else {
        return AppError::NotFound(None).json(lang);
    };
    let alert: AlertView = match store::get(&state.db, id).await {
        Ok(Some(a)) => a,
        Ok(None) => return AppError::NotFound(None).json(lang),
        Err(e) => return AppError::from(e).json(lang),
    };
    if !as_cap {
        return Json(store::card(&state.heat_rules, alert, lang)).into_response();
    }
    let replaced = match alert.replaces {
        Some(r) => store::get(&state.db, r).await.ok().flatten(),
        None => None,
    };
    let xml = cap::to_xml(&alerts::to_cap(
        &alert,
        replaced.as_ref(),
        &state.alert_sender_name,
    ));
    (
        [(header::CONTENT_TYPE, "application/cap+xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

/// `GET /api/v1/push/key`: the server's VAPID public key (`applicationServerKey`).
pub async fn vapid_key(State(state): State<AppState>) -> Response {
    Json(serde_json::json!({ "publicKey": state.pusher.public_key() })).into_response()
}

/// A browser's `PushSubscription.toJSON()`.
#[derive(Debug, Deserialize)]
pub struct SubscriptionJson {
    pub endpoint: String,
    #[serde(default)]
    pub keys: Option<KeysJson>,
}

#[derive(Debug, Deserialize)]
pub struct KeysJson {
    #[serde(default)]
    pub p256dh: String,
    #[serde(default)]
    pub auth: String,
}

async fn signed_in_json<T: serde::de::DeserializeOwned>(
    current: &CurrentUser,
    lang: Lang,
    body: Body,
) -> Result<(uuid::Uuid, T), AppError> {
    let t = lang.tr();
    let Some(actor) = &current.actor else {
        return Err(AppError::SignIn);
    };
    let bytes = to_bytes(body, MAX_SUBSCRIPTION_BYTES)
        .await
        .map_err(|_| AppError::TooLarge {
            message: Some(t.api_bad_upload().into()),
            field: None,
        })?;
    let value = serde_json::from_slice(&bytes)
        .map_err(|_| AppError::BadRequest(Some(t.push_err_json().into())))?;
    Ok((actor.user_id, value))
}

/// Whether an endpoint may be pushed to: HTTPS to a public host name or address — no loopback,
/// private, link-local or unspecified address and no `localhost`, so a subscription cannot
/// make the server probe its own network. (`allow_local` — the tests' push service on
/// loopback — lifts both rules.)
fn endpoint_ok(endpoint: &str, allow_local: bool) -> bool {
    let origin = store::origin_of(endpoint);
    let Some((_, authority)) = origin.split_once("://") else {
        return false;
    };
    if authority.is_empty() || authority.contains(['@', ' ']) {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    }
    .to_ascii_lowercase();
    let local_name = host == "localhost"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host.ends_with(".internal")
        || !host.contains('.') && host.parse::<std::net::IpAddr>().is_err();
    let local_address = match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => {
            a.is_loopback()
                || a.is_private()
                || a.is_link_local()
                || a.is_unspecified()
                || a.is_broadcast()
                || a.octets()[0] == 100 && (a.octets()[1] & 0xc0) == 64
        }
        Ok(std::net::IpAddr::V6(a)) => {
            a.is_loopback()
                || a.is_unspecified()
                || (a.segments()[0] & 0xfe00) == 0xfc00
                || (a.segments()[0] & 0xffc0) == 0xfe80
                || a.to_ipv4_mapped().is_some()
        }
        Err(_) => false,
    };
    endpoint.chars().count() <= MAX_ENDPOINT_CHARS
        && (endpoint.starts_with("https://") || (allow_local && endpoint.starts_with("http://")))
        && (allow_local || !(local_name || local_address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_endpoints_must_be_https_on_public_hosts() {
        for ok in [
            "https://fcm.googleapis.com/fcm/send/abc",
            "https://updates.push.services.mozilla.com/wpush/v2/x",
            "https://8.8.8.8/x",
        ] {
            assert!(endpoint_ok(ok, false), "{ok}");
        }
        for bad in [
            "http://fcm.googleapis.com/x",
            "https://localhost/x",
            "https://127.0.0.1:8443/x",
            "https://10.0.0.5/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest",
            "https://100.64.0.1/x",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://intranet/x",
            "https://db.internal/x",
            "https://user@push.example/x",
            "ftp://push.example/x",
        ] {
            assert!(!endpoint_ok(bad, false), "{bad}");
        }
        assert!(endpoint_ok("http://127.0.0.1:8080/push/1", true));
    }
}

/// `POST /api/v1/push/subscriptions`: saves this device's subscription for the signed-in user.
pub async fn subscribe(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentUser>,
    RequestLang(lang): RequestLang,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let t = lang.tr();
    let (user, sub): (_, SubscriptionJson) = match signed_in_json(&current, lang, body).await {
        Ok(x) => x,
        Err(e) => return e.json(lang),
    };
    let mut fields = Vec::new();
    if !endpoint_ok(&sub.endpoint, state.push_allow_http) {
        fields.push(FieldError::new("endpoint", t.push_err_endpoint()));
    }
    let keys = sub.keys.unwrap_or(KeysJson {
        p256dh: String::new(),
        auth: String::new(),
    });
    if ece::ClientKeys::parse(&keys.p256dh, &keys.auth).is_err() {
        fields.push(FieldError::new("keys", t.push_err_keys()));
    }
    if !fields.is_empty() {
        return AppError::invalid(fields).json(lang);
    }
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(300)
        .collect::<String>();
    match store::subscribe(
        &state.db,
        user,
        &sub.endpoint,
        &keys.p256dh,
        &keys.auth,
        &agent,
        state.clock.now_ms(),
    )
    .await
    {
        Ok(id) => (StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response(),
        Err(e) => AppError::from(e).json(lang),
    }
}

#[derive(Debug, Deserialize)]
pub struct EndpointJson {
    pub endpoint: String,
}

/// `DELETE /api/v1/push/subscriptions`: forgets this device (`{"endpoint": …}`); 204 whether
/// or not it was subscribed.
pub async fn unsubscribe(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentUser>,
    RequestLang(lang): RequestLang,
    body: Body,
) -> Response {
    let (user, e): (_, EndpointJson) = match signed_in_json(&current, lang, body).await {
        Ok(x) => x,
        Err(e) => return e.json(lang),
    };
    // Idempotent: a device that is not (or no longer) subscribed is just as unsubscribed.
    match store::unsubscribe(&state.db, user, None, Some(&e.endpoint)).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => AppError::from(err).json(lang),
    }
}
