//! Plumbing for the pages' plain HTML forms: reading a posted form (urlencoded, or multipart
//! with files) into its typed value, answering with a redirect (POST/redirect/GET), or
//! rendering the page again with what went wrong ([`Posted::failed`], the page renderer of
//! [`AppError`]).

use crate::{actions::Caller, error::AppError, request::page_lang, state::AppState};
use app::{access::Feedback, backend::auth::CurrentUser, desks::SegmentAction, i18n::Lang};
use axum::{
    body::{to_bytes, Body},
    extract::{FromRequest, FromRequestParts, Multipart, Path, Request},
    http::{header, request::Parts, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Redirect, Response},
};
use leptos::prelude::provide_context;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Largest form body (not counting photo uploads).
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// A posted form and who posted it.
pub struct Posted {
    pub parts: Parts,
    /// Every value, in order (repeated names kept).
    pub pairs: Vec<(String, String)>,
    pub current: CurrentUser,
    pub lang: Lang,
    pub addr: String,
}

impl Posted {
    fn new(parts: Parts, pairs: Vec<(String, String)>) -> Posted {
        let lang = page_lang(&parts);
        let current = parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .unwrap_or_default();
        let addr = client_addr(&parts);
        Posted {
            parts,
            pairs,
            current,
            lang,
            addr,
        }
    }

    /// The form as its typed value (every field optional: what is missing is the parser's to
    /// name). A body that does not fit the type at all is a 400.
    pub fn form<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.pairs)
            .finish();
        serde_html_form::from_str(&encoded).map_err(|e| {
            tracing::info!(error = %e, "form does not fit its type");
            AppError::BadRequest(None)
        })
    }

    /// Runs an action on the typed form: `posted.with(|f| triage::grade(state, who, id, f))`.
    pub async fn with<T, R, Fut>(&self, act: impl FnOnce(T) -> Fut) -> Result<R, AppError>
    where
        T: DeserializeOwned,
        Fut: std::future::Future<Output = Result<R, AppError>>,
    {
        act(self.form()?).await
    }

    /// The last value of each name, to fill the form in again.
    pub fn values(&self) -> BTreeMap<String, String> {
        self.pairs.iter().cloned().collect()
    }

    /// Who is posting, for the action.
    pub fn caller(&self) -> Caller<'_> {
        Caller {
            actor: self.current.actor.as_ref(),
            lang: self.lang,
            addr: &self.addr,
        }
    }

    /// The page at `path` again with what went wrong: the error's status, its message and its
    /// field messages, and the values sent.
    pub async fn failed(&self, state: &AppState, path: &str, error: AppError) -> Response {
        error.log();
        let feedback = Feedback {
            error: Some(error.message(self.lang)),
            fields: error.fields(self.lang),
            values: self.values(),
        };
        let mut res = render_at(state, &self.parts, path, error.status(), move || {
            provide_context(feedback.clone())
        })
        .await;
        error.set_headers(&mut res);
        res
    }

    /// Done: back to `page` saying so (`?ok=1`); refused: the page again with why.
    pub async fn finish(
        &self,
        state: &AppState,
        page: &str,
        result: Result<(), AppError>,
    ) -> Response {
        match result {
            Ok(()) => see(&format!("{page}?ok=1")),
            Err(e) => self.failed(state, page, e).await,
        }
    }
}

/// Reads an `application/x-www-form-urlencoded` body (at most [`MAX_FORM_BYTES`]).
pub async fn read(req: Request) -> Result<Posted, Response> {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES).await.map_err(|_| {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            page_lang(&parts).tr().api_bad_upload(),
        )
            .into_response()
    })?;
    let pairs = form_urlencoded(&bytes);
    Ok(Posted::new(parts, pairs))
}

/// A multipart form: its text fields (in [`Posted::pairs`]) and the non-empty files of the
/// field `files`, each at most `max_file` bytes.
pub struct Uploaded {
    pub posted: Posted,
    pub files: Vec<Vec<u8>>,
}

/// The request's parts as a [`Posted`] with no fields yet (to refuse before reading a body).
pub fn posted_of(parts: &Parts) -> Posted {
    Posted::new(parts.clone(), Vec::new())
}

/// Reads a `multipart/form-data` body. A part over its limit, or a body that is not multipart,
/// is a 413 shown on the form's page.
pub async fn read_multipart(
    state: &AppState,
    req: Request,
    files: &str,
    max_file: usize,
) -> Result<Uploaded, (Posted, AppError)> {
    let (parts, body) = req.into_parts();
    let mut up = Uploaded {
        posted: posted_of(&parts),
        files: Vec::new(),
    };
    let req = Request::from_parts(parts, body);
    let read = async {
        let mut mp = Multipart::from_request(req, state).await.map_err(|_| ())?;
        while let Some(mut field) = mp.next_field().await.map_err(|_| ())? {
            let name = field.name().unwrap_or_default().to_string();
            let limit = if name == files {
                max_file
            } else {
                MAX_FORM_BYTES
            };
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|_| ())? {
                if bytes.len() + chunk.len() > limit {
                    return Err(());
                }
                bytes.extend_from_slice(&chunk);
            }
            if name == files {
                // An empty file input still sends a part with no bytes.
                if !bytes.is_empty() {
                    up.files.push(bytes);
                }
            } else {
                up.posted
                    .pairs
                    .push((name, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        Ok::<(), ()>(())
    }
    .await;
    match read {
        Ok(()) => Ok(up),
        Err(()) => Err((
            up.posted,
            AppError::TooLarge {
                message: None,
                field: None,
            },
        )),
    }
}

/// Decodes `a=1&b=%E4%B8%AD` (plus as space; bad escapes and bad UTF-8 kept as they are).
pub fn form_urlencoded(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

/// The caller's address (as the rate limits see it).
pub fn client_addr(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The `{key}/{action}` of a desk's path ([`SegmentAction`]): the key, and the action the last
/// segment names; a name the desk does not have is a 404.
pub struct DeskPath<K, A>(pub K, pub A);

impl<S, K, A> FromRequestParts<S> for DeskPath<K, A>
where
    S: Send + Sync,
    K: DeserializeOwned + Send,
    A: SegmentAction,
{
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((key, slug)) = Path::<(K, String)>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let action = A::from_slug(&slug).ok_or_else(|| StatusCode::NOT_FOUND.into_response())?;
        Ok(DeskPath(key, action))
    }
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
    status: StatusCode,
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
    *res.status_mut() = status;
    res
}

/// Sets a cookie on a response.
pub fn set_cookie(res: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A page path of this site from a form's `next` (never another origin).
pub fn local_path(next: Option<&str>, default: &str) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") => {
            p.to_string()
        }
        _ => default.to_string(),
    }
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

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Sample {
        name: Option<String>,
        #[serde(default)]
        role: Vec<String>,
        missing: Option<String>,
    }

    #[test]
    fn a_posted_form_reads_as_its_type() {
        let req = Request::builder()
            .uri("/x")
            .body(Body::empty())
            .unwrap_or_default();
        let (parts, _) = req.into_parts();
        let posted = Posted::new(
            parts,
            form_urlencoded(b"name=%E7%8E%8B&role=inspector&role=worker&other=1"),
        );
        let form: Sample = posted.form().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            form,
            Sample {
                name: Some("王".into()),
                role: vec!["inspector".into(), "worker".into()],
                missing: None,
            }
        );
    }
}
