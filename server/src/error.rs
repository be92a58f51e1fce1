//! The one error of the server: every refusal and failure of an action, a form route or the
//! REST API is an [`AppError`]. It has one [`AppError::status`] and two renderers: JSON for
//! `/api/` ([`AppError::json`], or [`api`] around a handler's body) and "the form's page again
//! with the message and the field errors" ([`crate::routes::forms::Posted::failed`]).
//!
//! Messages are chosen when the error is rendered, in the reader's language; a variant that
//! carries its own message carries it already in that language (the action knew it). Internal
//! errors are logged with their whole cause chain and shown only as "please try again".

use app::{
    domain::{policy::Decision, report::FieldError},
    i18n::{fill, Lang},
};
use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use std::{error::Error as StdError, future::Future, time::Duration};

/// Why something did not happen.
#[derive(Debug)]
pub enum AppError {
    /// 401: sign in first.
    SignIn,
    /// 401 for a program: its credential (an API key) is missing or wrong.
    Unauthorized(String),
    /// 403: signed in, not allowed (with the message to show, if not the generic one).
    Forbidden(Option<String>),
    /// 404 (with the message to show, if not the generic one). Someone who may not see a thing
    /// is not told that it exists.
    NotFound(Option<String>),
    /// 422: some fields are wrong (the message, if not the generic "check the fields").
    Invalid {
        message: Option<String>,
        fields: Vec<FieldError>,
    },
    /// 409: the request contradicts what is stored (the report moved on, a name is taken, a
    /// client id was reused for other content).
    Conflict {
        message: String,
        fields: Vec<FieldError>,
    },
    /// 413: the body, or one part of it, is too large.
    TooLarge {
        message: Option<String>,
        field: Option<String>,
    },
    /// 400: the request could not be read at all.
    BadRequest(Option<String>),
    /// 429 with `Retry-After`.
    RateLimited(Duration),
    /// 408: the request (its headers or body) did not arrive in time.
    Timeout,
    /// 503 with `Retry-After`: the server is at its limit (memory for photos, uploads at once).
    Busy(Duration),
    /// 500: the cause goes to the log only.
    Internal(Box<dyn StdError + Send + Sync>),
}

/// The JSON body of a refused API call.
#[derive(Serialize)]
struct Body<'a> {
    error: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fields: &'a [FieldError],
}

impl AppError {
    /// Field errors with the generic message.
    pub fn invalid(fields: Vec<FieldError>) -> AppError {
        AppError::Invalid {
            message: None,
            fields,
        }
    }

    /// One field's error.
    pub fn field(name: &str, message: impl Into<String>) -> AppError {
        AppError::invalid(vec![FieldError::new(name, message)])
    }

    /// A conflict with a message and no field.
    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::Conflict {
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// An internal failure with what was being done.
    pub fn internal(what: impl std::fmt::Display) -> AppError {
        AppError::Internal(what.to_string().into())
    }

    /// The answer to a policy decision that was not `Allow`.
    pub fn refused(decision: Decision) -> AppError {
        match decision {
            Decision::SignIn => AppError::SignIn,
            _ => AppError::Forbidden(None),
        }
    }

    /// The refusal matching a loader's [`app::access::Access`] (`Ok` never gets here).
    pub fn from_access<T>(access: &app::access::Access<T>) -> AppError {
        match access {
            app::access::Access::SignIn => AppError::SignIn,
            app::access::Access::Denied => AppError::Forbidden(None),
            _ => AppError::NotFound(None),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::SignIn | AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Timeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable kind in the JSON body.
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::SignIn | AppError::Unauthorized(_) => "sign_in",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Invalid { .. } => "validation",
            AppError::Conflict { .. } => "conflict",
            AppError::TooLarge { .. } => "too_large",
            AppError::BadRequest(_) => "bad_request",
            AppError::RateLimited(_) => "rate_limited",
            AppError::Timeout => "timeout",
            AppError::Busy(_) => "busy",
            AppError::Internal(_) => "internal",
        }
    }

    /// What the person is told, in their language.
    pub fn message(&self, lang: Lang) -> String {
        let t = lang.tr();
        match self {
            AppError::SignIn => t.access_sign_in().to_string(),
            AppError::Forbidden(m) => m.clone().unwrap_or_else(|| t.access_denied().into()),
            AppError::NotFound(m) => m.clone().unwrap_or_else(|| t.access_not_found().into()),
            AppError::Invalid { message, .. } => message
                .clone()
                .unwrap_or_else(|| t.api_check_fields().into()),
            AppError::Conflict { message, .. } | AppError::Unauthorized(message) => message.clone(),
            AppError::TooLarge { message, .. } | AppError::BadRequest(message) => {
                message.clone().unwrap_or_else(|| t.api_bad_upload().into())
            }
            AppError::RateLimited(wait) => fill(
                t.api_rate_limited(),
                &[("seconds", &retry_after_secs(*wait))],
            ),
            AppError::Timeout => t.api_timeout().to_string(),
            AppError::Busy(wait) => fill(t.api_busy(), &[("seconds", &retry_after_secs(*wait))]),
            AppError::Internal(_) => t.api_internal().to_string(),
        }
    }

    /// The message of each field at fault (a too-large part counts as its field's).
    pub fn fields(&self, lang: Lang) -> Vec<FieldError> {
        match self {
            AppError::Invalid { fields, .. } | AppError::Conflict { fields, .. } => fields.clone(),
            AppError::TooLarge { field: Some(f), .. } => {
                vec![FieldError::new(f.clone(), self.message(lang))]
            }
            _ => Vec::new(),
        }
    }

    /// Logs an internal error with its cause chain (nothing else is worth a log line).
    pub fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = %e, causes = %cause_chain(e.as_ref()), "internal error");
        }
    }

    /// The JSON answer of the REST API: `{"error", "message", "fields"}` and the status.
    pub fn json(self, lang: Lang) -> Response {
        self.log();
        let fields = self.fields(lang);
        let message = self.message(lang);
        let mut res = (
            self.status(),
            Json(Body {
                error: self.kind(),
                message: &message,
                fields: &fields,
            }),
        )
            .into_response();
        self.set_headers(&mut res);
        res
    }

    /// `Retry-After` on a rate-limited or busy answer, whichever renderer wrote it.
    pub fn set_headers(&self, res: &mut Response) {
        if let AppError::RateLimited(wait) | AppError::Busy(wait) = self {
            res.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs(*wait)),
            );
        }
    }
}

fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs().max(1)
}

/// `outer: inner: innermost`, for the log.
fn cause_chain(e: &(dyn StdError + 'static)) -> String {
    let mut out = Vec::new();
    let mut next = e.source();
    while let Some(cause) = next {
        out.push(cause.to_string());
        next = cause.source();
    }
    out.join(": ")
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Internal(e) => write!(f, "internal error: {e}"),
            other => write!(f, "{} ({})", other.kind(), other.status()),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(Box::new(e))
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(fields: Vec<FieldError>) -> Self {
        AppError::invalid(fields)
    }
}

/// Turns a policy decision into a guard: `allow(decide(actor, action, &object))?`.
pub fn allow(decision: Decision) -> Result<(), AppError> {
    match decision {
        Decision::Allow => Ok(()),
        d => Err(AppError::refused(d)),
    }
}

/// Runs a REST handler's body: a failure becomes its JSON answer in the caller's language.
pub async fn api<T: IntoResponse>(
    lang: Lang,
    body: impl Future<Output = Result<T, AppError>>,
) -> Response {
    match body.await {
        Ok(v) => v.into_response(),
        Err(e) => e.json(lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_has_its_status_and_a_message_in_both_languages() {
        let cases = [
            (AppError::SignIn, 401),
            (AppError::Forbidden(None), 403),
            (AppError::NotFound(None), 404),
            (AppError::invalid(Vec::new()), 422),
            (AppError::conflict("x"), 409),
            (AppError::RateLimited(Duration::from_secs(30)), 429),
            (AppError::internal("boom"), 500),
        ];
        for (e, status) in cases {
            assert_eq!(e.status().as_u16(), status, "{e}");
            assert!(!e.message(Lang::ZhCn).is_empty());
            assert!(!e.message(Lang::En).is_empty());
        }
    }

    #[test]
    fn an_internal_error_never_shows_its_cause() {
        let e = AppError::internal("password=hunter2 at db.example");
        assert!(!e.message(Lang::En).contains("hunter2"));
        assert!(!e.message(Lang::ZhCn).contains("hunter2"));
    }

    #[test]
    fn a_too_large_part_is_its_fields_message() {
        let e = AppError::TooLarge {
            message: Some("too big".into()),
            field: Some("photos".into()),
        };
        assert_eq!(
            e.fields(Lang::En),
            vec![FieldError::new("photos", "too big")]
        );
    }
}
