//! `POST /enterprise/reports/{id}/{action}`: the officer's actions on a report, one per
//! [`EnterpriseAction`] (`rectification` is multipart, with the after-photos), and
//! `GET /enterprise/export.csv`, the officer's reports in the confidential view only.

use super::forms::{posted_of, read, read_multipart, DeskPath};
use crate::{
    actions::{authorize, enterprise},
    error::AppError,
    photos::MAX_PHOTO_BYTES,
    state::AppState,
};
use app::{
    access::Access,
    backend::{auth::CurrentUser, cases, queries},
    desks::EnterpriseAction,
    domain::{policy::Action, time::LocalTime},
};
use axum::{
    body::Body,
    extract::{Request, State},
    http::header,
    response::{IntoResponse, Response},
};
use uuid::Uuid;

pub async fn action(
    State(state): State<AppState>,
    DeskPath(id, action): DeskPath<Uuid, EnterpriseAction>,
    req: Request,
) -> Response {
    let page = EnterpriseAction::page(id);
    if action == EnterpriseAction::Rectification {
        return rectification(state, id, req, &page).await;
    }
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let who = posted.caller();
    let result = match action {
        EnterpriseAction::Acknowledge => enterprise::acknowledge(&state, who, id).await,
        _ => {
            posted
                .with(|f| enterprise::request_extension(&state, who, id, f))
                .await
        }
    };
    posted.finish(&state, &page, result).await
}

/// The rectification form: a note and after-photos (multipart), authorized before megabytes of
/// photos are read.
async fn rectification(state: AppState, id: Uuid, req: Request, page: &str) -> Response {
    let (parts, body) = req.into_parts();
    let early = posted_of(&parts);
    if let Err(e) = authorize(
        &state.db,
        early.current.actor.as_ref(),
        Action::SubmitRectification,
        id,
    )
    .await
    {
        return early.failed(&state, page, e).await;
    }
    let up = match read_multipart(
        &state,
        Request::from_parts(parts, body),
        "photo",
        MAX_PHOTO_BYTES,
    )
    .await
    {
        Ok(up) => up,
        Err((posted, e)) => return posted.failed(&state, page, e).await,
    };
    let files = up.files;
    let result = up
        .posted
        .with(|f| enterprise::rectify(&state, up.posted.caller(), id, f, files))
        .await;
    up.posted.finish(&state, page, result).await
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
        let page = match queries::enterprise_queue(
            &state.db,
            current.actor.as_ref(),
            after,
            now,
            &state.cursor_key,
        )
        .await
        {
            Ok(Access::Ok(p)) => p,
            Ok(refused) => return AppError::from_access(&refused).status().into_response(),
            Err(e) => return AppError::from(e).json(lang),
        };
        for item in &page.items {
            let Ok(Some(v)) = cases::enterprise_view(&state.db, item.id, lang, now).await else {
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
                    .map(|n| n.notice.measures.clone())
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
        match page.next.as_deref().and_then(|n| state.cursor_key.open(n)) {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    let body = format!("\u{feff}{}\r\n", rows.join("\r\n"));
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"reports.csv\"",
        ),
        (header::CACHE_CONTROL, "no-store"),
    ];
    (headers, Body::from(body)).into_response()
}

/// A CSV cell: quoted, and a leading `=`, `+`, `-`, `@`, tab or carriage return neutralised
/// (spreadsheets read them as the start of a formula).
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
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
        assert_eq!(csv_cell("\t=1+2"), "\"'\t=1+2\"");
        assert_eq!(csv_cell("\r=1+2"), "\"'\r=1+2\"");
        assert_eq!(csv_cell("a=1"), "\"a=1\"");
    }
}
