//! `POST /union/reports/{id}/{action}`: the union's actions on a report, one per
//! [`UnionAction`]. Thin: read the typed form, call the action, answer with the report page.

use super::forms::{read, render_at, DeskPath};
use crate::{
    actions::{notice, triage, union, verify},
    state::AppState,
};
use app::{desks::UnionAction, views::Revealed};
use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    response::Response,
};
use leptos::prelude::provide_context;
use uuid::Uuid;

pub async fn action(
    State(state): State<AppState>,
    DeskPath(id, action): DeskPath<Uuid, UnionAction>,
    req: Request,
) -> Response {
    let posted = match read(req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let page = UnionAction::page(id);
    let who = posted.caller();
    let result = match action {
        UnionAction::Grade => posted.with(|f| triage::grade(&state, who, id, f)).await,
        UnionAction::Reject => posted.with(|f| triage::reject(&state, who, id, f)).await,
        UnionAction::Notice => posted.with(|f| notice::send(&state, who, id, f)).await,
        UnionAction::Verify => posted.with(|f| verify::verify(&state, who, id, f)).await,
        UnionAction::Extension => {
            posted
                .with(|f| verify::decide_extension(&state, who, id, f))
                .await
        }
        UnionAction::Reassign => posted.with(|f| union::reassign(&state, who, id, f)).await,
        UnionAction::Message => posted.with(|f| union::message(&state, who, id, f)).await,
        UnionAction::Reveal => posted
            .with(|f| union::reveal(&state, who, id, f))
            .await
            .map(|_| ()),
        UnionAction::DecideReveal => {
            posted
                .with(|f| union::decide_reveal(&state, who, id, f))
                .await
        }
        UnionAction::OpenReveal => {
            let revealed = posted
                .with(|f| union::open_reveal(&state, who, id, f))
                .await;
            return match revealed {
                // The report page showing who reported: never cached.
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
                    let mut res =
                        render_at(&state, &posted.parts, &page, StatusCode::OK, move || {
                            provide_context(shown.clone())
                        })
                        .await;
                    res.headers_mut()
                        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                    res
                }
                Err(e) => posted.failed(&state, &page, e).await,
            };
        }
    };
    posted.finish(&state, &page, result).await
}
