//! Signing in and out, registering as a worker, one's own password and sessions, the inbox,
//! linking the receipts on a device to one's account.

use super::forms::{again, local_path, read, see, set_cookie};
use crate::state::AppState;
use app::{
    backend::{
        audit,
        auth::{self, LoginError, SESSION_ABSOLUTE_MS, SESSION_COOKIE},
        ratelimit::Limit,
        users::{self, UserError},
    },
    domain::{phone::PhoneNumber, receipt::ReceiptCode, report::FieldError},
    i18n::fill,
};
use axum::{
    extract::{Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

fn session_cookie(state: &AppState, token: &str, max_age_ms: i64) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        max_age_ms / 1000,
        if state.secure_cookies { "; Secure" } else { "" }
    )
}

/// `POST /login`: phone number or username, and password.
pub async fn login(State(state): State<AppState>, req: Request) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = posted.lang.tr();
    if let Err(wait) = state.limiter.check(Limit::Login, &posted.addr) {
        return posted
            .failed(&state, "/me", crate::error::AppError::RateLimited(wait))
            .await;
    }
    let login = posted.field("login").cloned().unwrap_or_default();
    let password = posted.field("password").cloned().unwrap_or_default();
    let agent = posted
        .parts
        .headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let now = state.clock.now_ms();
    match auth::login(&state.db, &login, &password, &posted.addr, &agent, now).await {
        Ok(session) => {
            tracing::info!(login = %auth::login_for_log(&login), "signed in");
            // A fresh session id at every sign-in; any session the browser had is ended.
            if let Some(old) = &posted.current.token {
                let _ = auth::end_session(&state.db, old).await;
            }
            let mut res = see(&local_path(posted.field("next").map(String::as_str), "/me"));
            set_cookie(
                &mut res,
                &session_cookie(&state, &session.token, SESSION_ABSOLUTE_MS),
            );
            res
        }
        Err(e) => {
            tracing::info!(login = %auth::login_for_log(&login), "sign-in refused");
            let (status, message) = match e {
                LoginError::Wrong => (401, t.login_wrong().to_string()),
                LoginError::Locked(ms) => (
                    423,
                    fill(t.login_locked(), &[("minutes", &((ms + 59_999) / 60_000))]),
                ),
                LoginError::Disabled => (403, t.login_disabled().to_string()),
                LoginError::Internal(detail) => {
                    tracing::error!(%detail, "sign-in failed");
                    (500, t.api_internal().to_string())
                }
            };
            again(&state, &posted, "/me", status, message, Vec::new()).await
        }
    }
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, req: Request) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Some(token) = &posted.current.token {
        if let Ok(Some(user)) = auth::end_session(&state.db, token).await {
            let _ = audit::record(
                &state.db,
                audit::Entry {
                    at: state.clock.now_ms(),
                    actor: Some(user),
                    action: "logout",
                    address: &posted.addr,
                    ..Default::default()
                },
            )
            .await;
        }
    }
    let mut res = see("/me");
    set_cookie(&mut res, &session_cookie(&state, "", 0));
    // The pages of a signed-in user must not come back from the cache after signing out.
    res.headers_mut().insert(
        "clear-site-data",
        axum::http::HeaderValue::from_static("\"cache\""),
    );
    res
}

/// `POST /register`: a worker's account (phone number, name, password).
pub async fn register(State(state): State<AppState>, req: Request) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let lang = posted.lang;
    let t = lang.tr();
    if let Err(wait) = state.limiter.check(Limit::Login, &posted.addr) {
        return posted
            .failed(
                &state,
                "/register",
                crate::error::AppError::RateLimited(wait),
            )
            .await;
    }
    let mut errors = Vec::new();
    let phone = PhoneNumber::parse(posted.field("phone").map(String::as_str).unwrap_or(""));
    if phone.is_err() {
        errors.push(FieldError::new("phone", t.field_phone()));
    }
    let name = posted
        .field("name")
        .map(|n| n.trim().to_string())
        .unwrap_or_default();
    if name.chars().count() > 20 {
        errors.push(FieldError::new(
            "name",
            fill(t.field_name(), &[("max", &20)]),
        ));
    }
    let password = posted.field("password").cloned().unwrap_or_default();
    if password.chars().count() < auth::MIN_PASSWORD_CHARS {
        errors.push(FieldError::new(
            "password",
            fill(
                t.account_password_short(),
                &[("min", &auth::MIN_PASSWORD_CHARS)],
            ),
        ));
    } else if posted.field("password2") != Some(&password) {
        errors.push(FieldError::new("password2", t.account_password_mismatch()));
    }
    let Ok(phone) = phone
        .map_err(|_| ())
        .and_then(|p| if errors.is_empty() { Ok(p) } else { Err(()) })
    else {
        return again(
            &state,
            &posted,
            "/register",
            422,
            t.api_check_fields().to_string(),
            errors,
        )
        .await;
    };
    let now = state.clock.now_ms();
    match users::register_worker(&state.db, &phone, &name, &password, &posted.addr, now).await {
        Ok(_) => {
            let agent = posted
                .parts
                .headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            match auth::login(
                &state.db,
                phone.as_str(),
                &password,
                &posted.addr,
                &agent,
                now,
            )
            .await
            {
                Ok(session) => {
                    let mut res = see("/me?ok=registered");
                    set_cookie(
                        &mut res,
                        &session_cookie(&state, &session.token, SESSION_ABSOLUTE_MS),
                    );
                    res
                }
                Err(_) => see("/me"),
            }
        }
        Err(UserError::Taken(_)) => {
            again(
                &state,
                &posted,
                "/register",
                409,
                t.api_check_fields().to_string(),
                vec![FieldError::new("phone", t.account_phone_taken())],
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = ?e, "registration failed");
            again(
                &state,
                &posted,
                "/register",
                500,
                t.api_internal().to_string(),
                Vec::new(),
            )
            .await
        }
    }
}

/// `POST /me/password`: the current password and the new one twice.
pub async fn change_password(State(state): State<AppState>, req: Request) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = posted.lang.tr();
    let (Some(actor), Some(token)) = (&posted.current.actor, &posted.current.token) else {
        return again(
            &state,
            &posted,
            "/me",
            401,
            t.access_sign_in().to_string(),
            Vec::new(),
        )
        .await;
    };
    let new = posted.field("new").cloned().unwrap_or_default();
    if posted.field("new2") != Some(&new) {
        return again(
            &state,
            &posted,
            "/me",
            422,
            t.api_check_fields().to_string(),
            vec![FieldError::new("new2", t.account_password_mismatch())],
        )
        .await;
    }
    let current = posted.field("current").cloned().unwrap_or_default();
    match users::change_password(
        &state.db,
        actor.user_id,
        &current,
        &new,
        token,
        &posted.addr,
        state.clock.now_ms(),
    )
    .await
    {
        Ok(()) => see("/me?ok=password"),
        Err(UserError::WrongPassword) => {
            again(
                &state,
                &posted,
                "/me",
                422,
                t.api_check_fields().to_string(),
                vec![FieldError::new("current", t.account_current_wrong())],
            )
            .await
        }
        Err(UserError::PasswordTooShort) => {
            let m = fill(
                t.account_password_short(),
                &[("min", &auth::MIN_PASSWORD_CHARS)],
            );
            again(
                &state,
                &posted,
                "/me",
                422,
                t.api_check_fields().to_string(),
                vec![FieldError::new("new", m)],
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = ?e, "password change failed");
            again(
                &state,
                &posted,
                "/me",
                500,
                t.api_internal().to_string(),
                Vec::new(),
            )
            .await
        }
    }
}

/// `POST /me/sessions/{id}/end`: sign out another of one's devices.
pub async fn end_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(actor) = &posted.current.actor else {
        return again(
            &state,
            &posted,
            "/me",
            401,
            posted.lang.tr().access_sign_in().to_string(),
            Vec::new(),
        )
        .await;
    };
    let _ = auth::end_own_session(&state.db, actor.user_id, &id).await;
    see("/me?ok=session")
}

/// `POST /inbox/{id}/read`.
pub async fn mark_read(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    req: Request,
) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(actor) = &posted.current.actor else {
        return again(
            &state,
            &posted,
            "/inbox",
            401,
            posted.lang.tr().access_sign_in().to_string(),
            Vec::new(),
        )
        .await;
    };
    let _ =
        crate::store::notifications::mark_read(&state.db, actor.user_id, id, state.clock.now_ms())
            .await;
    see(&local_path(
        posted.field("next").map(String::as_str),
        "/inbox",
    ))
}

#[derive(Debug, Deserialize)]
pub struct LinkRequest {
    pub codes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct LinkAnswer {
    pub linked: usize,
}

/// `POST /api/v1/me/receipts`: links the receipts stored on a device to the signed-in account.
pub async fn link_receipts(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let lang = crate::request::lang_of(&parts);
    let current = parts
        .extensions
        .get::<auth::CurrentUser>()
        .cloned()
        .unwrap_or_default();
    let Some(actor) = current.actor else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"error": "sign_in", "message": lang.tr().access_sign_in()})),
        )
            .into_response();
    };
    let Ok(bytes) = axum::body::to_bytes(body, super::forms::MAX_FORM_BYTES).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let Ok(request) = serde_json::from_slice::<LinkRequest>(&bytes) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                serde_json::json!({"error": "bad_request", "message": lang.tr().api_bad_upload()}),
            ),
        )
            .into_response();
    };
    let addr = super::forms::client_addr(&parts);
    let linked = link_codes(&state, actor.user_id, &addr, &request.codes).await;
    Json(LinkAnswer { linked }).into_response()
}

/// Links receipt codes to an account (under the receipt lookup limit). Returns how many.
async fn link_codes(state: &AppState, user: Uuid, addr: &str, codes: &[String]) -> usize {
    let mut linked = 0;
    for typed in codes.iter().take(100) {
        if state.limiter.check(Limit::ReceiptLookup, addr).is_err() {
            break;
        }
        if let Ok(code) = ReceiptCode::parse(typed) {
            if users::link_receipt(&state.db, user, &code, state.clock.now_ms())
                .await
                .unwrap_or(false)
            {
                linked += 1;
            }
        }
    }
    linked
}

/// `POST /me/receipts`: the account page's form (`codes`, comma separated, filled in from the
/// device's storage).
pub async fn link_receipts_form(State(state): State<AppState>, req: Request) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(actor) = &posted.current.actor else {
        return again(
            &state,
            &posted,
            "/me",
            401,
            posted.lang.tr().access_sign_in().to_string(),
            Vec::new(),
        )
        .await;
    };
    let codes: Vec<String> = posted
        .field("codes")
        .map(|c| {
            c.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let linked = link_codes(&state, actor.user_id, &posted.addr, &codes).await;
    see(&format!("/me?ok=linked&linked={linked}"))
}
