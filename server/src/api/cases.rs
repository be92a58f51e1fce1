//! The closed loop as JSON: the union's queue and report, the enterprise's list and report (its
//! confidential view only), one's inbox. Each answers what the matching page shows, refused
//! the same way (the loaders in `app::backend::queries` ask the policy).

use crate::error::AppError;
use crate::{
    request::{Asking, RequestLang},
    state::AppState,
};
use app::{
    access::Access,
    backend::{auth::CurrentUser, queries},
    domain::policy::Actor,
    i18n::Lang,
};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
    Extension, Json,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

fn answer<T: Serialize>(result: Result<Access<T>, sqlx::Error>, lang: Lang) -> Response {
    match result {
        Ok(Access::Ok(v)) => Json(v).into_response(),
        Ok(refused) => AppError::from_access(&refused).json(lang),
        Err(e) => AppError::from(e).json(lang),
    }
}

/// A cursor this server did not seal (tampered with, or made up): `400`.
fn bad_cursor(lang: Lang) -> AppError {
    AppError::BadRequest(Some(lang.tr().api_bad_cursor().into()))
}

/// `GET /api/v1/queue`: a page of the union queue (same filters as `/union`).
pub async fn union_queue(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Extension(current): Extension<CurrentUser>,
    Query(params): Query<queries::QueueParams>,
) -> Response {
    let now = state.clock.now_ms();
    // Who may ask is decided first; only then are the filters checked.
    let may = app::domain::policy::decide(
        current.actor.as_ref(),
        app::domain::policy::Action::ViewUnionQueue,
        &app::domain::policy::Object::None,
    );
    if may.allowed() {
        let problems = queries::queue_problems(&params, lang);
        if !problems.is_empty() {
            return AppError::invalid(problems).json(lang);
        }
        if queries::open_cursor(&state.cursor_key, params.after.as_deref()).is_err() {
            return bad_cursor(lang).json(lang);
        }
    }
    answer(
        queries::union_queue(
            &state.db,
            current.actor.as_ref(),
            &params,
            now,
            &state.cursor_key,
        )
        .await,
        lang,
    )
}

/// `GET /api/v1/reports/{id}`: the union's view of one report (never the reporter's identity).
pub async fn union_report(asking: Asking, Path(id): Path<String>) -> Response {
    one_report(asking, &id, async |s: &AppState, actor, id, lang, now| {
        queries::union_report(&s.db, &s.vault, actor, id, lang, now).await
    })
    .await
}

/// One report read by `load` (its page's loader, which asks the policy), answered as JSON. An
/// id that is not a UUID names no report: 404, as for any unknown one.
async fn one_report<T: Serialize>(
    asking: Asking,
    id: &str,
    load: impl AsyncFnOnce(&AppState, Option<&Actor>, Uuid, Lang, i64) -> Result<Access<T>, sqlx::Error>,
) -> Response {
    let Asking {
        state,
        current,
        lang,
        ..
    } = asking;
    let Ok(id) = Uuid::parse_str(id) else {
        return AppError::NotFound(None).json(lang);
    };
    let now = state.clock.now_ms();
    answer(
        load(&state, current.actor.as_ref(), id, lang, now).await,
        lang,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct After {
    #[serde(default)]
    pub after: Option<String>,
}

/// `GET /api/v1/enterprise/reports`: the officer's reports (confidential view).
pub async fn enterprise_queue(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Extension(current): Extension<CurrentUser>,
    Query(q): Query<After>,
) -> Response {
    let now = state.clock.now_ms();
    let may = app::domain::policy::decide(
        current.actor.as_ref(),
        app::domain::policy::Action::ViewEnterpriseQueue,
        &app::domain::policy::Object::None,
    );
    let after = match queries::open_cursor(&state.cursor_key, q.after.as_deref()) {
        Ok(after) => after,
        Err(_) if may.allowed() => return bad_cursor(lang).json(lang),
        Err(_) => None,
    };
    answer(
        queries::enterprise_queue(
            &state.db,
            current.actor.as_ref(),
            after,
            now,
            &state.cursor_key,
        )
        .await,
        lang,
    )
}

/// `GET /api/v1/enterprise/reports/{id}`.
pub async fn enterprise_report(asking: Asking, Path(id): Path<String>) -> Response {
    one_report(asking, &id, async |s: &AppState, actor, id, lang, now| {
        queries::enterprise_report(&s.db, actor, id, lang, now).await
    })
    .await
}

/// `GET /api/v1/inbox`: one's notifications, newest first.
pub async fn inbox(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    Extension(current): Extension<CurrentUser>,
) -> Response {
    answer(
        queries::inbox(&state.db, current.actor.as_ref()).await,
        lang,
    )
}
