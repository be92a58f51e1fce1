//! `POST /api/v1/reports`: a report with its photos, as `multipart/form-data`.
//! Also reads the plain HTML form's identical multipart body (see `routes::report_form`).

use crate::error::AppError;
use crate::{
    actions::reports::{self, Submission, Submitted},
    photos::MAX_PHOTO_BYTES,
    request::{ClientAddr, Device, RequestLang},
    state::AppState,
};
use app::{
    backend::{ratelimit::Limit, reports::Via},
    domain::report::{FieldError, RawReport, MAX_PHOTOS},
    i18n::{fill, Lang},
};
use axum::{
    extract::{multipart::Field, FromRequest, Multipart, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;

/// Largest request body accepted by the report endpoints.
pub const MAX_BODY_BYTES: usize = 40 * 1024 * 1024;
/// Largest text field.
pub const MAX_FIELD_BYTES: usize = 16 * 1024;
/// Most text fields read from one request (the form has about 40).
pub const MAX_FIELDS: usize = 200;

/// What the API answers when a report is stored (or was stored by an earlier try).
#[derive(Debug, Serialize)]
pub struct ReceiptCreated {
    pub receipt_code: String,
    pub receipt_url: String,
    pub state: &'static str,
    /// `true` when this was a retry of a report already stored.
    pub replayed: bool,
}

impl ReceiptCreated {
    pub fn of(s: &Submitted) -> ReceiptCreated {
        let code = s.stored().code();
        ReceiptCreated {
            receipt_code: code.display(),
            receipt_url: format!("/r/{}", code.as_str()),
            state: "submitted",
            replayed: matches!(s, Submitted::Replayed(_)),
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    ClientAddr(addr): ClientAddr,
    device: Device,
    req: Request,
) -> Response {
    if let Err(wait) = check_submit_limits(&state, &addr, &device) {
        return AppError::RateLimited(wait).json(lang);
    }
    // Not a multipart body (or no boundary): the document's JSON error, not axum's text.
    let Ok(multipart) = Multipart::from_request(req, &state).await else {
        return AppError::BadRequest(Some(lang.tr().api_bad_upload().to_string())).json(lang);
    };
    let submission = match read(multipart, lang, Via::App).await {
        Ok(s) => s,
        Err(e) => return e.json(lang),
    };
    match reports::submit(&state, submission, lang).await {
        Ok(s) => {
            let status = if matches!(s, Submitted::Created(_)) {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            let mut res = (status, Json(ReceiptCreated::of(&s))).into_response();
            device.remember(&mut res);
            res
        }
        Err(e) => e.json(lang),
    }
}

/// The submission limits: per address, then per device.
pub fn check_submit_limits(
    state: &AppState,
    addr: &str,
    device: &Device,
) -> Result<(), std::time::Duration> {
    state.limiter.check(Limit::Submit, addr)?;
    state.limiter.check(Limit::SubmitDevice, &device.id)
}

async fn read_limited(
    mut field: Field<'_>,
    limit: usize,
) -> Result<Option<Vec<u8>>, axum::extract::multipart::MultipartError> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        if out.len() + chunk.len() > limit {
            return Ok(None);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Some(out))
}

/// Reads the multipart body into a [`Submission`], enforcing the size and count limits as it goes.
pub async fn read(mut multipart: Multipart, lang: Lang, via: Via) -> Result<Submission, AppError> {
    let t = lang.tr();
    let wire = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge {
                message: Some(fill(
                    t.api_body_too_large(),
                    &[("max", &(MAX_BODY_BYTES / (1024 * 1024)))],
                )),
                field: None,
            }
        } else {
            AppError::BadRequest(Some(t.api_bad_upload().to_string()))
        }
    };
    let mut sub = Submission {
        via: Some(via),
        ..Submission::default()
    };
    let mut fields: Vec<(String, String)> = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(wire)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "photo" || name == "photos" {
            // A file input left empty still sends a part with no filename and no bytes.
            let bytes = read_limited(field, MAX_PHOTO_BYTES).await.map_err(wire)?;
            let n = sub.photos.len() + 1;
            let Some(bytes) = bytes else {
                return Err(AppError::TooLarge {
                    message: Some(fill(
                        t.api_photo_too_large(),
                        &[("n", &n), ("max", &(MAX_PHOTO_BYTES / (1024 * 1024)))],
                    )),
                    field: Some("photos".into()),
                });
            };
            if bytes.is_empty() {
                continue;
            }
            if n > MAX_PHOTOS {
                return Err(AppError::invalid(vec![FieldError::new(
                    "photos",
                    fill(t.field_photos_too_many(), &[("max", &MAX_PHOTOS)]),
                )]));
            }
            sub.photos.push(bytes);
            continue;
        }
        let Some(bytes) = read_limited(field, MAX_FIELD_BYTES).await.map_err(wire)? else {
            return Err(AppError::TooLarge {
                message: Some(fill(t.api_field_too_large(), &[("field", &name)])),
                field: Some(name),
            });
        };
        let value = String::from_utf8_lossy(&bytes).into_owned();
        if name == "photo_meta" {
            sub.photo_meta.push(value);
        } else if fields.len() < MAX_FIELDS {
            fields.push((name, value));
        }
    }
    sub.raw = RawReport::from_pairs(fields);
    Ok(sub)
}
