//! Plumbing for the pages' plain HTML forms: reading a posted form, answering with a redirect
//! (POST/redirect/GET), or rendering the page again with what went wrong.

use crate::{
    request::{page_lang, ClientAddr},
    startup::AppState,
};
use app::{access::Feedback, backend::auth::CurrentUser, domain::report::FieldError, i18n::Lang};
use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, request::Parts, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Redirect, Response},
};
use leptos::prelude::provide_context;
use std::collections::BTreeMap;

/// Largest form body (not counting photo uploads).
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// A posted form and who posted it.
pub struct Posted {
    pub parts: Parts,
    /// Every value, in order (repeated names kept).
    pub pairs: Vec<(String, String)>,
    /// The last value of each name.
    pub form: BTreeMap<String, String>,
    pub current: CurrentUser,
    pub lang: Lang,
    pub addr: String,
}

impl Posted {
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// Reads an `application/x-www-form-urlencoded` body.
pub async fn read(req: Request) -> Result<Posted, Response> {
    let (parts, body) = req.into_parts();
    let lang = page_lang(&parts);
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, lang.tr().api_bad_upload()).into_response())?;
    let pairs: Vec<(String, String)> = form_urlencoded(&bytes);
    let form = pairs.iter().cloned().collect();
    let current = parts
        .extensions
        .get::<CurrentUser>()
        .cloned()
        .unwrap_or_default();
    let addr = client_addr(&parts);
    Ok(Posted {
        parts,
        pairs,
        form,
        current,
        lang,
        addr,
    })
}

/// Decodes `a=1&b=%E4%B8%AD` (plus as space).
pub fn form_urlencoded(bytes: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &[u8]) -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < s.len() => {
                    let hex = std::str::from_utf8(&s[i + 1..i + 3])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(b) => {
                            out.push(b);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    bytes
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.iter().position(|b| *b == b'=') {
            Some(i) => (decode(&p[..i]), decode(&p[i + 1..])),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// The caller's address (as the rate limits see it).
pub fn client_addr(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// 303 to a page of this site.
pub fn see(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Renders the app at `path` (as a GET) with extra context, answering `status`.
pub async fn render_at(
    state: &AppState,
    parts: &Parts,
    path: &str,
    status: u16,
    extra: impl Fn() + Clone + Send + Sync + 'static,
) -> Response {
    let mut req = Request::from_parts(parts.clone(), Body::empty());
    *req.method_mut() = Method::GET;
    *req.uri_mut() = path
        .parse::<Uri>()
        .unwrap_or_else(|_| Uri::from_static("/"));
    let options = state.page_options.clone();
    let ctx_state = state.clone();
    let handler = leptos_axum::render_app_async_with_context(
        move || {
            ctx_state.provide_contexts();
            extra();
        },
        move || app::shell(options.clone()),
    );
    let mut res = handler(req).await;
    if let Ok(code) = StatusCode::from_u16(status) {
        *res.status_mut() = code;
    }
    res
}

/// Renders the page at `path` again with a message (and per-field messages), status `status`.
pub async fn again(
    state: &AppState,
    posted: &Posted,
    path: &str,
    status: u16,
    message: String,
    fields: Vec<FieldError>,
) -> Response {
    let feedback = Feedback {
        error: Some(message),
        fields,
        values: posted.form.clone(),
    };
    render_at(state, &posted.parts, path, status, move || {
        provide_context(feedback.clone())
    })
    .await
}

/// The page again with the rate-limit message, 429 and `Retry-After`.
pub async fn too_many(
    state: &AppState,
    posted: &Posted,
    path: &str,
    wait: std::time::Duration,
) -> Response {
    let seconds = wait.as_secs().max(1);
    let message = app::i18n::fill(
        posted.lang.tr().api_rate_limited(),
        &[("seconds", &seconds)],
    );
    let mut res = again(state, posted, path, 429, message, Vec::new()).await;
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    res
}

/// Sets a cookie on a response.
pub fn set_cookie(res: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A page path of this site from a form's `next` (never another origin).
pub fn local_path(next: Option<&String>, default: &str) -> String {
    match next.map(String::as_str) {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") => {
            p.to_string()
        }
        _ => default.to_string(),
    }
}

/// The `ClientAddr` extractor's value, for handlers that read the body themselves.
pub fn addr_of(c: &ClientAddr) -> String {
    c.0.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_are_decoded() {
        let pairs = form_urlencoded(
            "a=1&name=%E7%8E%8B%E5%B8%88%E5%82%85&x=a+b&role=inspector&role=worker&empty=&bad=%ZZ"
                .as_bytes(),
        );
        assert_eq!(pairs[1], ("name".into(), "王师傅".into()));
        assert_eq!(pairs[2], ("x".into(), "a b".into()));
        assert_eq!(pairs.iter().filter(|(k, _)| k == "role").count(), 2);
        assert_eq!(pairs[5], ("empty".into(), String::new()));
        assert_eq!(pairs[6], ("bad".into(), "%ZZ".into()));
    }
}
