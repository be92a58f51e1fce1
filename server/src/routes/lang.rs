//! `GET /lang/{tag}?next=/path`: remembers the chosen UI language in a cookie and returns to the
//! page. A plain link, so the switch works before (or without) the WASM.

use app::i18n::{Lang, LANG_COOKIE};
use axum::{
    extract::{Path, Query},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

/// How long the language choice is remembered.
pub const LANG_COOKIE_MAX_AGE_SECS: u64 = 365 * 24 * 3600;

#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only same-site paths: never `//host` or `/\host`, which browsers treat as another origin,
/// and nothing with a control character (browsers drop tabs and line breaks from a URL, so
/// `/\t/host` is `//host` to them).
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && !p.chars().any(char::is_control) =>
        {
            p
        }
        _ => "/",
    }
}

pub async fn switch(Path(tag): Path<String>, Query(q): Query<Next>) -> Response {
    let Some(lang) = Lang::from_tag(&tag) else {
        return (StatusCode::NOT_FOUND, "不支持的语言 / unsupported language").into_response();
    };
    let mut res = Redirect::to(safe_next(q.next.as_deref())).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age={LANG_COOKIE_MAX_AGE_SECS}; SameSite=Lax",
        lang.tag()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, value);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn the_switch_only_returns_to_pages_of_this_site() {
        assert_eq!(safe_next(Some("/my")), "/my");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/\r\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/my?x=1")), "/my?x=1");
        assert_eq!(safe_next(None), "/");
    }
}
