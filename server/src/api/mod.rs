//! The REST API under `/api/v1`, for programs (the app's own outbox, integrations): every route
//! is listed in [`routes`] and documented in `openapi.json`, which a test keeps in step.

pub mod alerts;
pub mod cases;
pub mod enterprises;
pub mod receipts;
pub mod reports;
pub mod services;

use crate::routes::{account, health, RouteEntry};
use axum::{
    extract::DefaultBodyLimit,
    http::header,
    response::IntoResponse,
    routing::{delete, get, post},
};

/// Every REST route: method, path (axum syntax) and handler. The OpenAPI document must describe
/// exactly these; the authorization matrix enumerates them.
pub fn routes() -> Vec<RouteEntry> {
    vec![
        ("GET", "/healthz", get(health::healthz)),
        ("GET", "/readyz", get(health::readyz)),
        ("GET", "/api/v1/openapi.json", get(openapi)),
        (
            "POST",
            "/api/v1/reports",
            post(reports::create).layer(DefaultBodyLimit::max(reports::MAX_BODY_BYTES)),
        ),
        ("GET", "/api/v1/reports/{id}", get(cases::union_report)),
        ("GET", "/api/v1/receipts/{code}", get(receipts::show)),
        ("GET", "/api/v1/services", get(services::list)),
        ("GET", "/api/v1/services/{code}", get(services::definition)),
        ("GET", "/api/v1/enterprises", get(enterprises::search)),
        ("GET", "/api/v1/queue", get(cases::union_queue)),
        (
            "GET",
            "/api/v1/enterprise/reports",
            get(cases::enterprise_queue),
        ),
        (
            "GET",
            "/api/v1/enterprise/reports/{id}",
            get(cases::enterprise_report),
        ),
        ("GET", "/api/v1/inbox", get(cases::inbox)),
        ("POST", "/api/v1/me/receipts", post(account::link_receipts)),
        ("POST", "/api/v1/alerts/cap", post(alerts::ingest)),
        ("GET", "/api/v1/alerts", get(alerts::current)),
        ("GET", "/api/v1/alerts/{file}", get(alerts::show)),
        ("GET", "/api/v1/push/key", get(alerts::vapid_key)),
        (
            "POST",
            "/api/v1/push/subscriptions",
            post(alerts::subscribe),
        ),
        (
            "DELETE",
            "/api/v1/push/subscriptions",
            delete(alerts::unsubscribe),
        ),
    ]
}

/// The OpenAPI 3 document.
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openapi_document_describes_exactly_the_rest_routes() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        let mut documented = Vec::new();
        for (path, item) in paths {
            for method in item.as_object().unwrap().keys() {
                documented.push((method.to_uppercase(), path.clone()));
            }
        }
        documented.sort();
        let mut routes: Vec<(String, String)> = routes()
            .iter()
            .map(|(m, p, _)| (m.to_string(), p.to_string()))
            .collect();
        routes.sort();
        assert_eq!(documented, routes);
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                assert!(op["summary"].is_string(), "{method} {path} has no summary");
                assert!(
                    op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                    "{method} {path} has no responses"
                );
            }
        }
    }
}
