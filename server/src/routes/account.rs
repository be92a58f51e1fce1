//! Signing in and out, registering as a worker, one's own password and sessions, the inbox,
//! linking the receipts on a device to one's account. Thin: read the typed form, call the
//! [`crate::actions::account`] action, answer with a redirect (and the session cookie) or the
//! page again.

use super::forms::{local_path, read, see, set_cookie, Posted, MAX_FORM_BYTES};
use crate::{
    actions::{account, Caller},
    error::{api, AppError},
    state::AppState,
    store::sessions::NewSession,
};
use app::{
    backend::auth::{
        cookie_value, CurrentUser, KNOWN_DEVICE_COOKIE, KNOWN_DEVICE_MS, SESSION_ABSOLUTE_MS,
        SESSION_COOKIE,
    },
    domain::forms::account::{CodeForm, CodePurpose, LinkForm, NextForm},
};
use axum::{
    extract::{Path, Request, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The page the account forms are on (refused ones are shown on it again).
const ACCOUNT_PAGE: &str = "/me";
/// The registration form's page.
const REGISTER_PAGE: &str = "/register";
/// The password reset's page.
const RESET_PAGE: &str = "/reset";

fn session_cookie(state: &AppState, token: &str, max_age_ms: i64) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        max_age_ms / 1000,
        if state.secure_cookies { "; Secure" } else { "" }
    )
}

/// The known-device cookie: this browser has signed in to the account, so wrong passwords tried
/// elsewhere never make it wait.
fn known_device_cookie(state: &AppState, value: &str) -> String {
    format!(
        "{KNOWN_DEVICE_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        KNOWN_DEVICE_MS / 1000,
        if state.secure_cookies { "; Secure" } else { "" }
    )
}

/// The known-device cookie the browser sent.
fn known_device(posted: &Posted) -> Option<&str> {
    posted
        .parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie_value(h, KNOWN_DEVICE_COOKIE))
}

/// The redirect after a sign-in: the session cookie and the known-device one.
fn signed_in(state: &AppState, to: &str, session: &NewSession) -> Response {
    let mut res = see(to);
    set_cookie(
        &mut res,
        &session_cookie(state, &session.token, SESSION_ABSOLUTE_MS),
    );
    set_cookie(&mut res, &known_device_cookie(state, &session.known));
    res
}

fn user_agent(posted: &Posted) -> &str {
    posted
        .parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Where the form asks to go afterwards (a page of this site), or `default`.
fn next_page(posted: &Posted, default: &str) -> String {
    let next = posted.form::<NextForm>().ok().and_then(|f| f.next);
    local_path(next.as_deref(), default)
}

macro_rules! read_or_answer {
    ($req:expr) => {
        match read($req).await {
            Ok(p) => p,
            Err(r) => return r,
        }
    };
}

/// `POST /login`: phone number or username, and password.
pub async fn login(State(state): State<AppState>, req: Request) -> Response {
    let posted = read_or_answer!(req);
    let who = posted.caller();
    let old = posted.current.token.as_deref();
    let agent = user_agent(&posted);
    let known = known_device(&posted);
    match posted
        .with(|f| account::login(&state, who, agent, old, known, f))
        .await
    {
        Ok(session) => signed_in(&state, &next_page(&posted, ACCOUNT_PAGE), &session),
        Err(e) => posted.failed(&state, ACCOUNT_PAGE, e).await,
    }
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, req: Request) -> Response {
    let posted = read_or_answer!(req);
    let token = posted.current.token.as_deref();
    if let Err(e) = account::logout(&state, posted.caller(), token).await {
        return posted.failed(&state, ACCOUNT_PAGE, e).await;
    }
    let mut res = see(ACCOUNT_PAGE);
    set_cookie(&mut res, &session_cookie(&state, "", 0));
    // The pages of a signed-in user must not come back from the cache after signing out.
    res.headers_mut()
        .insert("clear-site-data", HeaderValue::from_static("\"cache\""));
    res
}

/// `POST /register`: a worker's account (phone number, name, password).
pub async fn register(State(state): State<AppState>, req: Request) -> Response {
    let posted = read_or_answer!(req);
    let who = posted.caller();
    let agent = user_agent(&posted);
    match posted
        .with(|f| account::register(&state, who, agent, f))
        .await
    {
        Ok(Some(session)) => signed_in(&state, &format!("{ACCOUNT_PAGE}?ok=registered"), &session),
        Ok(None) => see(ACCOUNT_PAGE),
        Err(e) => posted.failed(&state, REGISTER_PAGE, e).await,
    }
}

/// `POST /codes`: a one-time code to a phone number; back to the registration or reset page with
/// the number filled in (the same answer whether or not the number has an account).
pub async fn send_code(State(state): State<AppState>, req: Request) -> Response {
    let posted = read_or_answer!(req);
    let who = posted.caller();
    match posted.with(|f| account::send_code(&state, who, f)).await {
        Ok(asked) => see(&format!(
            "{}?sent=1&phone={}",
            asked.purpose.page(),
            asked.phone.as_str()
        )),
        Err(e) => {
            let page = posted
                .form::<CodeForm>()
                .ok()
                .and_then(|f| f.purpose.as_deref().and_then(CodePurpose::parse))
                .unwrap_or(CodePurpose::Register)
                .page();
            posted.failed(&state, page, e).await
        }
    }
}

/// `POST /reset`: the phone number, the code sent to it, the new password twice.
pub async fn reset_password(State(state): State<AppState>, req: Request) -> Response {
    let posted = read_or_answer!(req);
    let who = posted.caller();
    let agent = user_agent(&posted);
    match posted
        .with(|f| account::reset_password(&state, who, agent, f))
        .await
    {
        Ok(Some(session)) => signed_in(&state, &format!("{ACCOUNT_PAGE}?ok=reset"), &session),
        Ok(None) => see(ACCOUNT_PAGE),
        Err(e) => posted.failed(&state, RESET_PAGE, e).await,
    }
}

/// `POST /me/password`: the current password and the new one twice.
pub async fn change_password(State(state): State<AppState>, req: Request) -> Response {
    let posted = read_or_answer!(req);
    let who = posted.caller();
    let session = posted.current.token.as_deref();
    match posted
        .with(|f| account::change_password(&state, who, session, f))
        .await
    {
        Ok(()) => see(&format!("{ACCOUNT_PAGE}?ok=password")),
        Err(e) => posted.failed(&state, ACCOUNT_PAGE, e).await,
    }
}

/// `POST /me/sessions/{id}/end`: sign out another of one's devices.
pub async fn end_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let posted = read_or_answer!(req);
    match account::end_session(&state, posted.caller(), &id).await {
        Ok(()) => see(&format!("{ACCOUNT_PAGE}?ok=session")),
        Err(e) => posted.failed(&state, ACCOUNT_PAGE, e).await,
    }
}

/// `POST /inbox/{id}/read`.
pub async fn mark_read(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    req: Request,
) -> Response {
    let posted = read_or_answer!(req);
    match account::mark_read(&state, posted.caller(), id).await {
        Ok(()) => see(&next_page(&posted, "/inbox")),
        Err(e) => posted.failed(&state, "/inbox", e).await,
    }
}

/// `POST /me/receipts`: the account page's form (`codes`, comma separated, filled in from the
/// device's storage).
pub async fn link_receipts_form(State(state): State<AppState>, req: Request) -> Response {
    let posted = read_or_answer!(req);
    let codes = posted.form::<LinkForm>().map(|f| f.parse());
    let linked = match codes {
        Ok(codes) => account::link_receipts(&state, posted.caller(), &codes).await,
        Err(e) => Err(e),
    };
    match linked {
        Ok(linked) => see(&format!("{ACCOUNT_PAGE}?ok=linked&linked={linked}")),
        Err(e) => posted.failed(&state, ACCOUNT_PAGE, e).await,
    }
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
        .get::<CurrentUser>()
        .cloned()
        .unwrap_or_default();
    let addr = super::forms::client_addr(&parts);
    let who = Caller {
        actor: current.actor.as_ref(),
        lang,
        addr: &addr,
    };
    api(lang, async {
        // Signed in first: nobody is told what their body would have done.
        if who.actor.is_none() {
            return Err(AppError::SignIn);
        }
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| AppError::TooLarge {
                message: None,
                field: None,
            })?;
        let request: LinkRequest =
            serde_json::from_slice(&bytes).map_err(|_| AppError::BadRequest(None))?;
        let linked = account::link_receipts(&state, who, &request.codes).await?;
        Ok(Json(LinkAnswer { linked }).into_response())
    })
    .await
}
