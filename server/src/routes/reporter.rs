//! `POST /r/{code}/{action}`: what the holder of a receipt code may do, one per
//! [`ReporterAction`], under the receipt lookup's rate limit.

use super::forms::{read, DeskPath};
use crate::{actions::reporter, error::AppError, state::AppState};
use app::{backend::ratelimit::Limit, desks::ReporterAction};
use axum::{
    extract::{Request, State},
    response::Response,
};

pub async fn action(
    State(state): State<AppState>,
    DeskPath(code, action): DeskPath<String, ReporterAction>,
    req: Request,
) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let page = ReporterAction::page(code.replace(['-', ' '], ""));
    if let Err(wait) = state.limiter.check(Limit::ReceiptLookup, &posted.addr) {
        return posted
            .failed(&state, &page, AppError::RateLimited(wait))
            .await;
    }
    let who = posted.caller();
    let result = match action {
        ReporterAction::Confirm => reporter::confirm(&state, who, &code).await,
        ReporterAction::Dispute => {
            posted
                .with(|f| reporter::dispute(&state, who, &code, f))
                .await
        }
        ReporterAction::Message => {
            posted
                .with(|f| reporter::message(&state, who, &code, f))
                .await
        }
    };
    posted.finish(&state, &page, result).await
}
