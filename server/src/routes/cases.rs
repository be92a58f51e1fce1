//! The closed loop's form routes: union actions on a report, the enterprise's, the reporter's
//! (by receipt code); the photos behind the policy; the enterprise's CSV export.

use super::forms::{again, read, render_at, see, too_many, Posted};
use crate::{
    actions::{self, enterprise, notice, reporter, triage, union, verify, ActionError},
    photos::MAX_PHOTO_BYTES,
    startup::AppState,
};
use app::{
    backend::{auth::CurrentUser, cases, queries, ratelimit::Limit},
    domain::{
        policy::{decide, Action, Decision, Object},
        time::LocalTime,
    },
    views::Revealed,
};
use axum::{
    body::Body,
    extract::{FromRequest, Multipart, Path, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use leptos::prelude::provide_context;
use uuid::Uuid;

/// The union's actions on a report (`POST /union/reports/{id}/{action}`).
pub const UNION_ACTIONS: &[&str] = &[
    "grade",
    "reject",
    "notice",
    "verify",
    "extension",
    "reassign",
    "messages",
    "reveal",
];
/// The enterprise's (`POST /enterprise/reports/{id}/{action}`; `rectification` is multipart).
pub const ENTERPRISE_ACTIONS: &[&str] = &["acknowledge", "rectification", "extension"];
/// The reporter's (`POST /r/{code}/{action}`).
pub const REPORTER_ACTIONS: &[&str] = &["confirm", "dispute", "messages"];

async fn finish(
    state: &AppState,
    posted: &Posted,
    page: &str,
    result: Result<(), ActionError>,
) -> Response {
    match result {
        Ok(()) => see(&format!("{page}?ok=1")),
        Err(e) => {
            again(
                state,
                posted,
                page,
                e.status(),
                e.message(posted.lang),
                e.fields(),
            )
            .await
        }
    }
}

pub async fn union_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(Uuid, String)>,
    req: Request,
) -> Response {
    if !UNION_ACTIONS.contains(&action.as_str()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let actor = posted.current.actor.clone();
    let a = actor.as_ref();
    let (form, lang) = (&posted.form, posted.lang);
    let page = format!("/union/reports/{id}");
    let result = match action.as_str() {
        "grade" => triage::grade(&state, a, id, form, lang).await,
        "reject" => triage::reject(&state, a, id, form, lang).await,
        "notice" => notice::send(&state, a, id, form, lang).await,
        "verify" => verify::verify(&state, a, id, form, lang).await,
        "extension" => verify::decide_extension(&state, a, id, form, lang).await,
        "reassign" => union::reassign(&state, a, id, form, lang).await,
        "messages" => union::message(&state, a, id, form, lang).await,
        _ => {
            // The reveal answers with the report page showing who reported: never cached.
            return match union::reveal(&state, a, id, form, &posted.addr, lang).await {
                Ok(identity) => {
                    let shown = match identity {
                        union::Identity::Named { name, phone } => Revealed {
                            name: Some(name),
                            phone: Some(phone),
                        },
                        union::Identity::Anonymous => Revealed {
                            name: None,
                            phone: None,
                        },
                    };
                    let mut res = render_at(&state, &posted.parts, &page, 200, move || {
                        provide_context(shown.clone())
                    })
                    .await;
                    res.headers_mut()
                        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                    res
                }
                Err(e) => {
                    again(
                        &state,
                        &posted,
                        &page,
                        e.status(),
                        e.message(lang),
                        e.fields(),
                    )
                    .await
                }
            };
        }
    };
    finish(&state, &posted, &page, result).await
}

pub async fn enterprise_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(Uuid, String)>,
    req: Request,
) -> Response {
    if !ENTERPRISE_ACTIONS.contains(&action.as_str()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let page = format!("/enterprise/reports/{id}");
    if action == "rectification" {
        return rectification(state, id, req, &page).await;
    }
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let actor = posted.current.actor.clone();
    let result = match action.as_str() {
        "acknowledge" => enterprise::acknowledge(&state, actor.as_ref(), id, posted.lang).await,
        _ => {
            enterprise::request_extension(&state, actor.as_ref(), id, &posted.form, posted.lang)
                .await
        }
    };
    finish(&state, &posted, &page, result).await
}

/// The rectification form: a note and after-photos (multipart).
async fn rectification(state: AppState, id: Uuid, req: Request, page: &str) -> Response {
    let (parts, body) = req.into_parts();
    let lang = crate::request::page_lang(&parts);
    let current = parts
        .extensions
        .get::<CurrentUser>()
        .cloned()
        .unwrap_or_default();
    let addr = super::forms::client_addr(&parts);
    let mut posted = Posted {
        parts: parts.clone(),
        pairs: Vec::new(),
        form: Default::default(),
        current,
        lang,
        addr,
    };
    // Authorize before reading megabytes of photos.
    if let Err(e) = actions::authorize(
        &state.db,
        posted.current.actor.as_ref(),
        Action::SubmitRectification,
        id,
    )
    .await
    {
        return again(
            &state,
            &posted,
            page,
            e.status(),
            e.message(lang),
            Vec::new(),
        )
        .await;
    }
    let req = Request::from_parts(parts, body);
    let mut photos = Vec::new();
    let read = async {
        let mut mp = Multipart::from_request(req, &state).await.map_err(|_| ())?;
        while let Some(mut field) = mp.next_field().await.map_err(|_| ())? {
            let name = field.name().unwrap_or_default().to_string();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|_| ())? {
                if bytes.len() + chunk.len() > MAX_PHOTO_BYTES.max(64 * 1024) {
                    return Err(());
                }
                bytes.extend_from_slice(&chunk);
            }
            if name == "photo" {
                if !bytes.is_empty() {
                    photos.push(bytes);
                }
            } else {
                posted
                    .pairs
                    .push((name.clone(), String::from_utf8_lossy(&bytes).into_owned()));
                posted
                    .form
                    .insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        Ok::<(), ()>(())
    }
    .await;
    if read.is_err() {
        return again(
            &state,
            &posted,
            page,
            413,
            lang.tr().api_bad_upload().to_string(),
            Vec::new(),
        )
        .await;
    }
    let actor = posted.current.actor.clone();
    let result = enterprise::rectify(&state, actor.as_ref(), id, &posted.form, photos, lang).await;
    finish(&state, &posted, page, result).await
}

pub async fn reporter_action(
    State(state): State<AppState>,
    Path((code, action)): Path<(String, String)>,
    req: Request,
) -> Response {
    if !REPORTER_ACTIONS.contains(&action.as_str()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let page = format!("/r/{}", code.replace(['-', ' '], ""));
    if let Err(wait) = state.limiter.check(Limit::ReceiptLookup, &posted.addr) {
        return too_many(&state, &posted, &page, wait).await;
    }
    let result = match action.as_str() {
        "confirm" => reporter::confirm(&state, &code, posted.lang).await,
        "dispute" => reporter::dispute(&state, &code, &posted.form, posted.lang).await,
        _ => reporter::message(&state, &code, &posted.form, posted.lang).await,
    };
    finish(&state, &posted, &page, result).await
}

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
    let decision = if size == "original" {
        decide(actor, Action::ViewEvidence, &object)
    } else {
        match decide(actor, Action::ViewPhotos, &object) {
            Decision::Allow => Decision::Allow,
            _ => decide(actor, Action::ViewReportAsEnterprise, &object),
        }
    };
    match decision {
        Decision::Allow => {}
        Decision::SignIn => return StatusCode::UNAUTHORIZED.into_response(),
        Decision::Deny => return StatusCode::NOT_FOUND.into_response(),
    }
    let Ok(Some(key)) = cases::photo_key(&state.db, id, &size).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let store = state.store.clone();
    let Ok(Ok(bytes)) = tokio::task::spawn_blocking(move || store.get(&key)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = if size == "original" {
        match crate::photos::Sniffed::of(&bytes) {
            crate::photos::Sniffed::Png => "image/png",
            crate::photos::Sniffed::Webp => "image/webp",
            _ => "image/jpeg",
        }
    } else {
        "image/jpeg"
    };
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    res
}

/// `GET /enterprise/export.csv`: the officer's reports, confidential view only.
pub async fn export_csv(State(state): State<AppState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let lang = crate::request::page_lang(&parts);
    let current = parts
        .extensions
        .get::<CurrentUser>()
        .cloned()
        .unwrap_or_default();
    let now = state.clock.now_ms();
    let mut rows = vec![lang.tr().export_header().to_string()];
    let mut after = None;
    loop {
        let page =
            match queries::enterprise_queue(&state.db, current.actor.as_ref(), after.clone(), now)
                .await
            {
                Ok(app::access::Access::Ok(p)) => p,
                Ok(app::access::Access::SignIn) => return StatusCode::UNAUTHORIZED.into_response(),
                Ok(_) => return StatusCode::FORBIDDEN.into_response(),
                Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            };
        for item in &page.items {
            let Ok(Some(v)) = cases::enterprise_view(&state.db, item.id, lang).await else {
                continue;
            };
            let due = v
                .fix_due_at
                .map(|d| LocalTime::shanghai(d).minutes())
                .unwrap_or_default();
            let cells = [
                v.id.to_string(),
                v.enterprise_name.clone(),
                cases::category_name(&v.category, lang),
                v.state.label(lang.tr()).to_string(),
                v.grade.clone().unwrap_or_default(),
                v.site.clone().unwrap_or_default(),
                due,
                v.notice
                    .as_ref()
                    .map(|n| n.measures.clone())
                    .unwrap_or_default(),
            ];
            rows.push(
                cells
                    .iter()
                    .map(|c| csv_cell(c))
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let body = format!("\u{feff}{}\r\n", rows.join("\r\n"));
    let mut res = Response::new(Body::from(body));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"reports.csv\""),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A CSV cell: quoted, and a leading `=`, `+`, `-`, `@` neutralised (spreadsheet formulas).
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
    }
}
