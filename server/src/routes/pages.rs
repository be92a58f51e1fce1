//! Rendering the Leptos app outside the route table (the 404 page).

use crate::startup::AppState;
use axum::{extract::Request, response::Response};

/// Renders the app for a path no route matches: the 404 page, with status 404.
pub async fn not_found(state: AppState, req: Request) -> Response {
    let options = state.page_options.clone();
    let context_state = state.clone();
    let handler = leptos_axum::render_app_async_with_context(
        move || context_state.provide_contexts(),
        move || app::shell(options.clone()),
    );
    handler(req).await
}
