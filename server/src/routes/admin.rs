//! The union admin's forms, one per [`AdminAction`]: users (create, grant roles and scopes,
//! disable/enable) and the enterprise directory (create/edit, CSV import). Thin: read the typed
//! form, call the [`crate::actions::admin`] action, answer with a redirect or the page again.

use super::forms::{posted_of, read, read_multipart, see};
use crate::{actions::admin, api::reports::MAX_BODY_BYTES, state::AppState};
use app::{desks::AdminAction, domain::forms::admin::UserForm};
use axum::{
    extract::{Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use uuid::Uuid;

macro_rules! read_or_answer {
    ($req:expr) => {
        match read($req).await {
            Ok(p) => p,
            Err(r) => return r,
        }
    };
}

/// `POST /admin/users`: to the new user's page.
pub async fn create_user(State(state): State<AppState>, req: Request) -> Response {
    let posted = read_or_answer!(req);
    let who = posted.caller();
    // The new user's own fields and their grants, each read from the same form.
    let created = async {
        let form = UserForm {
            user: posted.form()?,
            grants: posted.form()?,
        };
        admin::create_user(&state, who, form).await
    };
    match created.await {
        Ok(id) => see(&format!("{}?ok=1", AdminAction::UpdateUser.page(id))),
        Err(e) => {
            posted
                .failed(&state, &AdminAction::CreateUser.page(""), e)
                .await
        }
    }
}

/// `POST /admin/users/{id}`: new roles and scopes.
pub async fn update_user(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    req: Request,
) -> Response {
    let posted = read_or_answer!(req);
    let who = posted.caller();
    let result = posted
        .with(|f| admin::update_user(&state, who, id, f))
        .await;
    posted
        .finish(&state, &AdminAction::UpdateUser.page(id), result)
        .await
}

/// `POST /admin/users/{id}/disable` and `/enable`.
pub async fn set_disabled(
    State(state): State<AppState>,
    Path((id, change)): Path<(Uuid, String)>,
    req: Request,
) -> Response {
    let Some(action) = AdminAction::user_change(&change) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let posted = read_or_answer!(req);
    let disabled = action == AdminAction::DisableUser;
    let result = admin::set_disabled(&state, posted.caller(), id, disabled).await;
    posted.finish(&state, &action.page(id), result).await
}

/// `POST /admin/enterprises` (new) and `POST /admin/enterprises/{id}` (edit).
async fn save_enterprise(state: AppState, id: Option<Uuid>, req: Request) -> Response {
    let posted = read_or_answer!(req);
    let who = posted.caller();
    let page = match id {
        Some(id) => AdminAction::EditEnterprise.page(id),
        None => AdminAction::CreateEnterprise.page(""),
    };
    let result = posted
        .with(|f| admin::save_enterprise(&state, who, id, f))
        .await
        .map(|_| ());
    posted.finish(&state, &page, result).await
}

/// `POST /admin/enterprises/{id}`.
pub async fn edit_enterprise(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    req: Request,
) -> Response {
    save_enterprise(state, Some(id), req).await
}

/// `POST /admin/enterprises`.
pub async fn new_enterprise(State(state): State<AppState>, req: Request) -> Response {
    save_enterprise(state, None, req).await
}

/// `POST /admin/enterprises/import`: a CSV file (multipart field `file`), refused before the
/// file is read when the caller may not import.
pub async fn import(State(state): State<AppState>, req: Request) -> Response {
    let page = AdminAction::ImportEnterprises.page("");
    let (parts, body) = req.into_parts();
    let early = posted_of(&parts);
    if let Err(e) = admin::may_import(early.caller()) {
        return early.failed(&state, &page, e).await;
    }
    let up = match read_multipart(
        &state,
        Request::from_parts(parts, body),
        "file",
        MAX_BODY_BYTES,
    )
    .await
    {
        Ok(up) => up,
        Err((posted, e)) => return posted.failed(&state, &page, e).await,
    };
    let file = up.files.into_iter().last();
    match admin::import_enterprises(&state, up.posted.caller(), file).await {
        Ok(n) => see(&format!("{page}?imported={n}")),
        Err(e) => up.posted.failed(&state, &page, e).await,
    }
}
