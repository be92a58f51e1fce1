//! The one error type of the REST API: each variant is a status code and a JSON body
//! `{"error": kind, "message": text, "fields": [{"field", "message"}]}` in the caller's language.
//! Internal details are logged, never sent.

use app::{
    domain::report::FieldError,
    i18n::{fill, Lang},
};
use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug)]
pub enum ApiError {
    /// 422: the request was understood; some fields are wrong.
    Validation {
        message: String,
        fields: Vec<FieldError>,
    },
    /// 413: the body or one part of it is too large.
    TooLarge {
        message: String,
        field: Option<String>,
    },
    /// 400: the request could not be read at all.
    BadRequest(String),
    /// 401: sign in first.
    Unauthorized(String),
    /// 403: signed in, not allowed.
    Forbidden(String),
    /// 404
    NotFound(String),
    /// 409: the request contradicts what is stored (a client id reused for other content).
    Conflict(String),
    /// 429 with `Retry-After`.
    RateLimited {
        message: String,
        retry_after: Duration,
    },
    /// 500: details go to the log only.
    Internal { message: String, detail: String },
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fields: &'a [FieldError],
}

impl ApiError {
    pub fn validation(lang: Lang, fields: Vec<FieldError>) -> ApiError {
        ApiError::Validation {
            message: lang.tr().api_check_fields().to_string(),
            fields,
        }
    }

    pub fn rate_limited(lang: Lang, retry_after: Duration) -> ApiError {
        let message = fill(
            lang.tr().api_rate_limited(),
            &[("seconds", &retry_after.as_secs().max(1))],
        );
        ApiError::RateLimited {
            message,
            retry_after,
        }
    }

    pub fn internal(lang: Lang, detail: impl std::fmt::Display) -> ApiError {
        ApiError::Internal {
            message: lang.tr().api_internal().to_string(),
            detail: detail.to_string(),
        }
    }

    /// The refusal matching a page's [`app::access::Access`] (`Ok` never gets here).
    pub fn refused<T>(access: &app::access::Access<T>, lang: Lang) -> ApiError {
        let t = lang.tr();
        match access {
            app::access::Access::SignIn => ApiError::Unauthorized(t.access_sign_in().to_string()),
            app::access::Access::Denied => ApiError::Forbidden(t.access_denied().to_string()),
            _ => ApiError::NotFound(t.access_not_found().to_string()),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The main message, for pages that show it.
    pub fn message(&self) -> &str {
        match self {
            ApiError::Validation { message, .. }
            | ApiError::TooLarge { message, .. }
            | ApiError::BadRequest(message)
            | ApiError::Unauthorized(message)
            | ApiError::Forbidden(message)
            | ApiError::NotFound(message)
            | ApiError::Conflict(message)
            | ApiError::RateLimited { message, .. }
            | ApiError::Internal { message, .. } => message,
        }
    }

    /// Field messages (a too-large part counts as its field's message).
    pub fn fields(&self) -> Vec<FieldError> {
        match self {
            ApiError::Validation { fields, .. } => fields.clone(),
            ApiError::TooLarge {
                message,
                field: Some(f),
            } => vec![FieldError::new(f.clone(), message.clone())],
            _ => Vec::new(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal { detail, .. } = &self {
            tracing::error!(%detail, "internal error");
        }
        let kind = match &self {
            ApiError::Validation { .. } => "validation",
            ApiError::TooLarge { .. } => "too_large",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized(_) => "sign_in",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Internal { .. } => "internal",
        };
        let fields = self.fields();
        let mut res = (
            status,
            Json(Body {
                error: kind,
                message: self.message(),
                fields: &fields,
            }),
        )
            .into_response();
        if let ApiError::RateLimited { retry_after, .. } = &self {
            if let Ok(v) = HeaderValue::from_str(&retry_after.as_secs().max(1).to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}
