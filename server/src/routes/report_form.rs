//! `POST /report`: the report form without JavaScript. Same fields and processing as
//! `POST /api/v1/reports`; answers with a redirect to the receipt page, or the form again with
//! the values sent and a message at each wrong field.

use crate::{
    actions::reports::{self, Submission},
    api,
    error::AppError,
    request::{page_lang, ClientAddr, Device},
    state::AppState,
};
use app::{backend::reports::Via, components::report_form::FormInitial};
use axum::{
    body::Body,
    extract::{FromRequest, Multipart, Request, State},
    http::{Method, Uri},
    response::{IntoResponse, Redirect, Response},
};
use leptos::prelude::provide_context;

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    device: Device,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let lang = page_lang(&parts);
    let page = Request::from_parts(parts.clone(), Body::empty());
    let outcome = async {
        api::reports::check_submit_limits(&state, &addr, &device)
            .map_err(|wait| (AppError::RateLimited(wait), None))?;
        let multipart = Multipart::from_request(Request::from_parts(parts, body), &state)
            .await
            .map_err(|_| (AppError::BadRequest(None), None))?;
        let sub: Submission = api::reports::read(multipart, lang, Via::Form)
            .await
            .map_err(|e| (e, None))?;
        let values = sub.raw.clone();
        reports::submit(&state, sub, lang)
            .await
            .map_err(|e| (e, Some(values)))
    }
    .await;
    match outcome {
        Ok(done) => {
            let mut res = Redirect::to(&format!("/r/{}?new=1", done.stored().code().as_str()))
                .into_response();
            device.remember(&mut res);
            res
        }
        Err((error, values)) => {
            error.log();
            let initial = FormInitial {
                values: values.unwrap_or_default(),
                errors: error.fields(lang),
                message: Some(error.message(lang)),
            };
            let mut res = render_form(state, page, initial).await;
            *res.status_mut() = error.status();
            error.set_headers(&mut res);
            res
        }
    }
}

/// The report page, as `GET /`, with the refused values and messages filled in.
async fn render_form(state: AppState, mut req: Request, initial: FormInitial) -> Response {
    *req.method_mut() = Method::GET;
    *req.uri_mut() = Uri::from_static("/");
    let options = state.page_options.clone();
    // Streamed like `GET /` (the form has no data to wait for; its island holds browser-only
    // values that must be dropped on the thread that rendered them).
    let handler = leptos_axum::render_app_to_stream_with_context(
        move || {
            state.provide_contexts();
            provide_context(initial.clone());
        },
        move || app::shell(options.clone()),
    );
    handler(req).await
}
