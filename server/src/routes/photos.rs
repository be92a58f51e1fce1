//! `GET /photos/{id}/{thumb|display|original}`: a report's photos, behind the policy.

use crate::state::AppState;
use app::{
    backend::{auth::CurrentUser, cases},
    domain::policy::{decide, Action, Decision, Object},
};
use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use uuid::Uuid;

/// `GET /photos/{id}/{thumb|display|original}`: an image, only ever as an image, to whoever the
/// policy lets see it (derivatives: the union in scope, and the enterprise after the notice;
/// originals: the union only, as evidence).
pub async fn photo(
    State(state): State<AppState>,
    Path((id, size)): Path<(Uuid, String)>,
    req: Request,
) -> Response {
    if !matches!(size.as_str(), "thumb" | "display" | "original") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let current = req
        .extensions()
        .get::<CurrentUser>()
        .cloned()
        .unwrap_or_default();
    let actor = current.actor.as_ref();
    let Ok(Some((report, _kind))) = cases::photo_report(&state.db, id).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(Some(facts)) = cases::facts(&state.db, report).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let object = Object::Report(&facts);
    // The union sees its copies (and, as evidence, the original); the enterprise the copies the
    // inspector released with the notice.
    let (decision, as_enterprise) = if size == "original" {
        (decide(actor, Action::ViewEvidence, &object), false)
    } else {
        match decide(actor, Action::ViewPhotos, &object) {
            Decision::Allow => (Decision::Allow, false),
            _ => (decide(actor, Action::ViewReportAsEnterprise, &object), true),
        }
    };
    match decision {
        Decision::Allow => {}
        Decision::SignIn => return StatusCode::UNAUTHORIZED.into_response(),
        Decision::Deny => return StatusCode::NOT_FOUND.into_response(),
    }
    let Ok(Some(key)) = cases::photo_key(&state.db, id, &size, as_enterprise).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let store = state.store.clone();
    let Ok(Ok(mut bytes)) = tokio::task::spawn_blocking(move || store.get(&key)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if size == "original" {
        // Stored sealed with the report's key, for this photo only.
        let opened = match crate::actions::report_key(&state, report).await {
            Ok(key) => key.open_bytes(&app::backend::reports::field::original(id), &bytes),
            Err(_) => None,
        };
        match opened {
            Some(plain) => bytes = plain,
            None => {
                tracing::error!(photo = %id, "an original photo does not open with its report's key");
                return StatusCode::NOT_FOUND.into_response();
            }
        }
    }
    let content_type = if size == "original" {
        match crate::photos::Sniffed::of(&bytes) {
            crate::photos::Sniffed::Png => "image/png",
            crate::photos::Sniffed::Webp => "image/webp",
            _ => "image/jpeg",
        }
    } else {
        "image/jpeg"
    };
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::CACHE_CONTROL, "private, max-age=3600"),
        (header::CONTENT_DISPOSITION, "inline"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ),
    ];
    (headers, Body::from(bytes)).into_response()
}
