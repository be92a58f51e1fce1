//! The alerts desk's forms: `POST /alerts` (issue), `POST /alerts/{id}/{action}` (one per
//! [`AlertAction`]: update, cancel, acknowledge) and the account page's push forms
//! (`POST /me/push/test`, `POST /me/push/{id}/remove`). Thin: read the typed form, call the
//! action, answer with the page (the outcome in `?ok=`, or the form again with what is wrong).

use super::forms::{read, see, DeskPath};
use crate::{actions::alerts, state::AppState};
use app::desks::{AlertAction, ISSUE_ALERT};
use axum::{
    extract::{Path, Request, State},
    response::Response,
};
use uuid::Uuid;

/// The account page, where the push forms are.
const ACCOUNT_PAGE: &str = "/me";

/// `POST /alerts`: a union admin issues an alert for districts in their scope.
pub async fn issue(State(state): State<AppState>, req: Request) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let who = posted.caller();
    match posted.with(|f| alerts::issue(&state, who, f)).await {
        Ok(id) => see(&format!("{}?ok=issued", AlertAction::page(id))),
        Err(e) => posted.failed(&state, ISSUE_ALERT, e).await,
    }
}

/// `POST /alerts/{id}/{action}`: an admin updates or cancels the alert; an officer
/// acknowledges it.
pub async fn action(
    State(state): State<AppState>,
    DeskPath(id, action): DeskPath<Uuid, AlertAction>,
    req: Request,
) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let page = AlertAction::page(id);
    let who = posted.caller();
    let done = match action {
        // The update is a new alert: its page is the one to show.
        AlertAction::Update => posted
            .with(|f| alerts::update(&state, who, id, f))
            .await
            .map(|new| format!("{}?ok=issued", AlertAction::page(new))),
        AlertAction::Cancel => posted
            .with(|f| alerts::cancel(&state, who, id, f))
            .await
            .map(|()| format!("{page}?ok=cancelled")),
        AlertAction::Acknowledge => posted
            .with(|f| alerts::acknowledge(&state, who, id, f))
            .await
            .map(|()| format!("{page}?ok=acknowledged")),
    };
    match done {
        Ok(to) => see(&to),
        Err(e) => posted.failed(&state, &page, e).await,
    }
}

/// `POST /me/push/test`: a test notification to each of the user's devices.
pub async fn test_push(State(state): State<AppState>, req: Request) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match alerts::test_push(&state, posted.caller()).await {
        Ok(_) => see(&format!("{ACCOUNT_PAGE}?ok=push_test")),
        Err(e) => posted.failed(&state, ACCOUNT_PAGE, e).await,
    }
}

/// `POST /me/push/{id}/remove`: stops push notifications to one of the user's devices.
pub async fn remove_device(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    req: Request,
) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match alerts::remove_device(&state, posted.caller(), id).await {
        Ok(()) => see(&format!("{ACCOUNT_PAGE}?ok=push_removed")),
        Err(e) => posted.failed(&state, ACCOUNT_PAGE, e).await,
    }
}
