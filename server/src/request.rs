//! What handlers need to know about who is asking: their language and their address, and for
//! the JSON routes of signed-in people, all of it at once ([`Asking`]).

use crate::{actions::Caller, state::AppState};
use app::{backend::auth::CurrentUser, i18n::Lang};
use axum::{
    extract::{rejection::ExtensionRejection, ConnectInfo, FromRequestParts, State},
    http::{header, request::Parts},
    Extension,
};
use std::{convert::Infallible, net::SocketAddr};

/// The caller's language: `?lang=`, else the `lang` cookie, else `Accept-Language`, else Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLang(pub Lang);

pub fn lang_of(parts: &Parts) -> Lang {
    let from_query = parts
        .uri
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang=")))
        .and_then(Lang::from_tag);
    if let Some(lang) = from_query {
        return lang;
    }
    if let Some(cookie) = parts
        .headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
    {
        if cookie.split(';').any(|c| {
            c.trim()
                .starts_with(&format!("{}=", app::i18n::LANG_COOKIE))
        }) {
            return Lang::from_cookie_header(cookie);
        }
    }
    parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|first| first.split(';').next())
        .map(|tag| {
            if tag.trim().to_ascii_lowercase().starts_with("en") {
                Lang::En
            } else {
                Lang::ZhCn
            }
        })
        .unwrap_or_default()
}

/// The language pages are shown in: the `lang` cookie (set by the switch), else Chinese. Form
/// targets answer with a page, so they use this too (never `Accept-Language`: a page and the
/// answer to its form must not disagree).
pub fn page_lang(parts: &Parts) -> Lang {
    parts
        .headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_cookie_header)
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for RequestLang {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestLang(lang_of(parts)))
    }
}

/// The caller's network address, as a rate-limit key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientAddr(addr))
    }
}

/// A JSON route's request as its handler needs it: the app's state, who is signed in (the
/// session layer's [`CurrentUser`]), their language ([`RequestLang`]) and their address
/// ([`ClientAddr`]).
pub struct Asking {
    pub state: AppState,
    pub current: CurrentUser,
    pub lang: Lang,
    pub addr: String,
}

impl Asking {
    /// Who is asking, for an action.
    pub fn caller(&self) -> Caller<'_> {
        Caller {
            actor: self.current.actor.as_ref(),
            lang: self.lang,
            addr: &self.addr,
        }
    }
}

impl FromRequestParts<AppState> for Asking {
    /// Only the session layer's extension can be missing (a 500, as for `Extension` itself).
    type Rejection = ExtensionRejection;
    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(State(state)) = State::<AppState>::from_request_parts(parts, app).await;
        let Extension(current) = Extension::<CurrentUser>::from_request_parts(parts, app).await?;
        let Ok(RequestLang(lang)) = RequestLang::from_request_parts(parts, app).await;
        let Ok(ClientAddr(addr)) = ClientAddr::from_request_parts(parts, app).await;
        Ok(Asking {
            state,
            current,
            lang,
            addr,
        })
    }
}

/// The cookie naming a device (a random id, nothing else), for the per-device submission limit.
pub const DEVICE_COOKIE: &str = "ss_device";

/// The caller's device: the id in its cookie, or a new one (`new`: the response must set it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub new: bool,
}

impl Device {
    /// The `Set-Cookie` value that keeps a new id (a year; not readable by scripts).
    pub fn cookie(&self) -> Option<String> {
        self.new.then(|| {
            format!(
                "{DEVICE_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000",
                self.id
            )
        })
    }

    /// Adds the cookie to a response when the id is new.
    pub fn remember(&self, res: &mut axum::response::Response) {
        if let Some(v) = self
            .cookie()
            .and_then(|c| header::HeaderValue::from_str(&c).ok())
        {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Device {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let known = parts
            .headers
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| app::backend::auth::cookie_value(c, DEVICE_COOKIE))
            .and_then(|v| uuid::Uuid::parse_str(v).ok());
        Ok(match known {
            Some(id) => Device {
                id: id.to_string(),
                new: false,
            },
            None => Device {
                id: uuid::Uuid::new_v4().to_string(),
                new: true,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = Request::builder().uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_language_comes_from_query_cookie_or_browser_in_that_order() {
        assert_eq!(lang_of(&parts("/", &[])), Lang::ZhCn);
        assert_eq!(
            lang_of(&parts("/", &[("accept-language", "en-US,en;q=0.9")])),
            Lang::En
        );
        assert_eq!(
            lang_of(&parts(
                "/",
                &[("accept-language", "en-US"), ("cookie", "lang=zh-CN")]
            )),
            Lang::ZhCn
        );
        assert_eq!(
            lang_of(&parts("/?lang=en", &[("cookie", "lang=zh-CN")])),
            Lang::En
        );
        assert_eq!(
            lang_of(&parts(
                "/",
                &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")]
            )),
            Lang::ZhCn
        );
    }
}
