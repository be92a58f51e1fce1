//! `GET /api/v1/enterprises?q=`: the public enterprise directory search the report form uses.

use crate::error::AppError;
use crate::{
    request::{ClientAddr, RequestLang},
    state::AppState,
};
use app::{
    backend::{directory, ratelimit::Limit},
    domain::DistrictCode,
};
use axum::{
    extract::{Query, State},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Debug, Serialize)]
pub struct EnterpriseJson {
    pub id: uuid::Uuid,
    pub name: String,
    pub uscc: String,
    pub district: String,
    pub district_label: String,
}

pub async fn search(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    ClientAddr(addr): ClientAddr,
    Query(query): Query<SearchQuery>,
) -> Response {
    if let Err(wait) = state.limiter.check(Limit::Search, &addr) {
        return AppError::RateLimited(wait).json(lang);
    }
    match directory::search(&state.db, &query.q).await {
        Ok(hits) => Json(
            hits.into_iter()
                .map(|h| EnterpriseJson {
                    district_label: DistrictCode::parse(&h.district_code)
                        .map(|d| d.district().name(lang).to_string())
                        .unwrap_or_default(),
                    id: h.id,
                    name: h.name,
                    uscc: h.uscc,
                    district: h.district_code,
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => AppError::from(e).json(lang),
    }
}
