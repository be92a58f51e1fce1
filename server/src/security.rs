//! Request-wide protections: who is signed in, cross-site request refusal, security headers.

use crate::{request::lang_of, startup::AppState, store::sessions};
use app::backend::auth::{self, CurrentUser, SESSION_COOKIE};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method},
    middleware::Next,
    response::Response,
};

/// Loads the session named by the cookie (if valid) and puts a [`CurrentUser`] in the request.
pub async fn load_user(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| auth::cookie_value(c, SESSION_COOKIE))
        .map(str::to_string);
    let mut current = CurrentUser::default();
    if let Some(token) = token {
        let now = state.clock.now_ms();
        if let Ok(Some(user)) = sessions::session_user(&state.db, &token, now).await {
            if let Ok(Some(actor)) = auth::actor(&state.db, user).await {
                current.display_name = auth::display_name(&state.db, user).await.ok().flatten();
                current.actor = Some(actor);
                current.token = Some(token);
            }
        }
    }
    req.extensions_mut().insert(current);
    next.run(req).await
}

fn same_origin(headers: &HeaderMap) -> Option<bool> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let host_of = |url: &str| {
        url.split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or("").to_string())
    };
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        return Some(origin != "null" && host_of(origin).as_deref() == Some(host));
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return Some(site == "same-origin" || site == "none");
    }
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok())?;
    Some(host_of(referer).as_deref() == Some(host))
}

/// Refuses state-changing requests from other sites: a request that says where it comes from
/// (Origin, Sec-Fetch-Site, Referer) must come from this site; one that carries the session
/// cookie must say so. Server functions included.
pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let has_session = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| auth::cookie_value(c, SESSION_COOKIE).is_some());
    let verdict = same_origin(req.headers());
    let refuse = match verdict {
        Some(false) => true,
        None => has_session,
        Some(true) => false,
    };
    if refuse {
        let (parts, _) = req.into_parts();
        let t = lang_of(&parts).tr();
        tracing::warn!(path = %crate::telemetry::path_for_log(parts.uri.path()), "refused a cross-site request");
        // JSON under /api/ (as the document says), a line of text elsewhere.
        return crate::limits::refuse(
            &parts,
            crate::AppError::Forbidden(Some(t.auth_cross_site().to_string())),
        );
    }
    next.run(req).await
}

/// The Content-Security-Policy of responses that are not pages (pages set their own, with the
/// nonce of their inline script).
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Headers on every response. Pages shown to a signed-in browser are never stored (the back
/// button after signing out shows nothing private); other pages are revalidated.
pub async fn headers(req: Request, next: Next) -> Response {
    let signed_in = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| auth::cookie_value(c, SESSION_COOKIE).is_some_and(|v| !v.is_empty()));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(if signed_in { "no-store" } else { "no-cache" }),
        );
    }
    // Anything read with a session (JSON included) stays out of shared caches.
    if signed_in && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    let mut set = |name: &'static str, value: &'static str| {
        if !h.contains_key(name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set("x-content-type-options", "nosniff");
    set("referrer-policy", "same-origin");
    set("x-frame-options", "DENY");
    set(
        "permissions-policy",
        "geolocation=(self), camera=(self), microphone=()",
    );
    set("content-security-policy", API_CSP);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn requests_are_judged_by_where_they_say_they_come_from() {
        assert_eq!(
            same_origin(&headers(&[("host", "a.cn"), ("origin", "https://a.cn")])),
            Some(true)
        );
        assert_eq!(
            same_origin(&headers(&[
                ("host", "a.cn"),
                ("origin", "https://evil.example")
            ])),
            Some(false)
        );
        assert_eq!(
            same_origin(&headers(&[("host", "a.cn"), ("origin", "null")])),
            Some(false)
        );
        assert_eq!(
            same_origin(&headers(&[
                ("host", "a.cn"),
                ("sec-fetch-site", "cross-site")
            ])),
            Some(false)
        );
        assert_eq!(
            same_origin(&headers(&[
                ("host", "a.cn"),
                ("referer", "https://a.cn/me")
            ])),
            Some(true)
        );
        assert_eq!(same_origin(&headers(&[("host", "a.cn")])), None);
    }
}
