//! `GET /api/v1/receipts/{code}`: a report's status and timeline for whoever holds its receipt
//! code. No reporter identity is in it. Lookups are rate limited, unknown codes more strictly.

use crate::error::AppError;
use crate::{
    request::{ClientAddr, RequestLang},
    state::AppState,
};
use app::{
    domain::{category::Category, time::LocalTime, DistrictCode},
    i18n::{Lang, Localize},
    views::ReceiptView,
};
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ReceiptJson {
    pub code: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub urgent: bool,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub category: String,
    pub category_label: String,
    pub district: String,
    pub district_label: String,
    pub enterprise_name: Option<String>,
    pub submitted_at: String,
    pub timeline: Vec<TimelineJson>,
}

#[derive(Debug, Serialize)]
pub struct TimelineJson {
    pub at: String,
    pub state: Option<&'static str>,
    pub state_label: Option<&'static str>,
    pub note: Option<String>,
}

impl ReceiptJson {
    pub fn new(v: ReceiptView, lang: Lang) -> ReceiptJson {
        let t = lang.tr();
        let district_label = DistrictCode::parse(&v.district_code)
            .map(|d| d.district().name(lang).to_string())
            .unwrap_or_else(|_| v.district_code.clone());
        ReceiptJson {
            code: v.code,
            state: v.state.as_str(),
            state_label: v.state.label(t),
            urgent: v.urgent,
            severity: v.severity.as_str(),
            severity_label: v.severity.label(t),
            category_label: Category::find(&v.category)
                .map(|c| (c.name)(t).to_string())
                .unwrap_or_else(|| v.category.clone()),
            category: v.category,
            district: v.district_code,
            district_label,
            enterprise_name: v.enterprise_name,
            submitted_at: LocalTime::shanghai(v.submitted_at).rfc3339(),
            timeline: v
                .timeline
                .into_iter()
                .map(|e| TimelineJson {
                    at: LocalTime::shanghai(e.at).rfc3339(),
                    state: e.state.map(|s| s.as_str()),
                    state_label: e.state.map(|s| s.label(t)),
                    note: e.note,
                })
                .collect(),
        }
    }
}

/// Looks a code up under the rate limits: the receipt page's lookup
/// ([`app::backend::receipts::lookup`]), its refusals as API errors.
pub async fn lookup(
    state: &AppState,
    addr: &str,
    typed: &str,
    lang: Lang,
) -> Result<ReceiptView, AppError> {
    use app::backend::receipts::LookupError;
    let found = app::backend::receipts::lookup(
        &state.db,
        &state.receipts,
        &state.vault,
        &state.limiter,
        addr,
        typed,
    )
    .await;
    match found {
        Ok(view) => Ok(view),
        Err(LookupError::RateLimited(wait)) => Err(AppError::RateLimited(wait)),
        Err(LookupError::Invalid(e)) => Err(AppError::invalid(vec![
            app::domain::report::FieldError::new("code", e.localize(lang)),
        ])),
        Err(LookupError::NotFound) => Err(AppError::NotFound(Some(
            lang.tr().api_receipt_not_found().to_string(),
        ))),
        Err(LookupError::Db(e)) => Err(e.into()),
    }
}

pub async fn show(
    State(state): State<AppState>,
    RequestLang(lang): RequestLang,
    ClientAddr(addr): ClientAddr,
    Path(code): Path<String>,
) -> Response {
    match lookup(&state, &addr, &code, lang).await {
        Ok(view) => Json(ReceiptJson::new(view, lang)).into_response(),
        Err(e) => e.json(lang),
    }
}
