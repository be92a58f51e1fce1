//! The authorization matrix: every REST route, every form route (with each of its actions),
//! every page and every server function, against every kind of person — anonymous, a worker,
//! the inspector in charge, an inspector of another district, a mine supervisor, the officer of
//! the enterprise, an officer of another enterprise, the district union admin and the city's.
//! Each cell is allowed or refused as the table says. A route or server function without a row
//! in the table fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::{multipart::Form, Method};
use safesnap_tests::{
    people::{Browser, Filed},
    spawn_app, TestApp,
};
use std::collections::BTreeMap;

/// The people, by the letter the table uses.
const PERSONAS: &[(char, Option<&str>)] = &[
    ('A', None),                        // anonymous
    ('W', Some("13800138000")),         // a worker with an account
    ('I', Some("inspector")),           // the inspector the report is assigned to (金水区)
    ('J', Some("inspector-zhongyuan")), // an inspector of another district
    ('M', Some("mine-supervisor")),     // a mine supervisor (not this enterprise)
    ('O', Some("officer")),             // the officer of the reported enterprise
    ('P', Some("officer-zhongyuan")),   // an officer of another enterprise
    ('D', Some("jinshui-admin")),       // the district's union admin
    ('C', Some("admin")),               // the city union admin
];

const EVERYONE: &str = "AWIJMOPDC";
const SIGNED_IN: &str = "WIJMOPDC";
const UNION_SIDE: &str = "IJMDC";
/// Who may act on the report: the inspector in charge and the admins of its district.
const REPORT_UNION: &str = "IDC";
const OFFICERS: &str = "OP";
const ADMINS: &str = "DC";
/// Everyone who works a desk: whoever is told of reports and alerts (and may get pushes).
const STAFF: &str = "IJMOPDC";

/// Who is allowed, per route (method and path as registered; `{action}` routes per action).
fn table() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        // REST
        ("GET /healthz", EVERYONE),
        ("GET /readyz", EVERYONE),
        ("GET /api/v1/openapi.json", EVERYONE),
        ("POST /api/v1/reports", EVERYONE),
        ("GET /api/v1/reports/{id}", REPORT_UNION),
        ("GET /api/v1/receipts/{code}", EVERYONE),
        ("GET /api/v1/services", EVERYONE),
        ("GET /api/v1/services/{code}", EVERYONE),
        ("GET /api/v1/enterprises", EVERYONE),
        ("GET /api/v1/queue", UNION_SIDE),
        ("GET /api/v1/enterprise/reports", OFFICERS),
        ("GET /api/v1/enterprise/reports/{id}", "O"),
        ("GET /api/v1/inbox", SIGNED_IN),
        ("POST /api/v1/me/receipts", SIGNED_IN),
        // CAP feeds authenticate with their API key, which none of these people holds.
        ("POST /api/v1/alerts/cap", ""),
        ("GET /api/v1/alerts", EVERYONE),
        ("GET /api/v1/alerts/{file}", EVERYONE),
        ("GET /api/v1/push/key", EVERYONE),
        ("POST /api/v1/push/subscriptions", STAFF),
        ("DELETE /api/v1/push/subscriptions", SIGNED_IN),
        // Forms and files
        ("GET /lang/{tag}", EVERYONE),
        // A text's short link redirects to a page (which asks the policy itself); the SMS
        // provider's receipts carry their credential in the address. Without a real code or
        // the token both are a 404 for everyone (the SMS tests follow real ones).
        ("GET /n/{code}", ""),
        ("POST /hooks/sms/aliyun/{token}", ""),
        ("POST /report", EVERYONE),
        ("POST /login", EVERYONE),
        ("POST /logout", EVERYONE),
        ("POST /codes", EVERYONE),
        ("POST /register", EVERYONE),
        ("POST /reset", EVERYONE),
        ("POST /me/password", SIGNED_IN),
        ("POST /me/sessions/{id}/end", SIGNED_IN),
        ("POST /me/receipts", SIGNED_IN),
        ("POST /inbox/{id}/read", SIGNED_IN),
        ("POST /alerts", ADMINS),
        // The alert is in 金水区: its admins and the city's change it; its officer acknowledges.
        ("POST /alerts/{id}/update", ADMINS),
        ("POST /alerts/{id}/cancel", ADMINS),
        ("POST /alerts/{id}/ack", "O"),
        ("POST /me/push/test", STAFF),
        ("POST /me/push/{id}/remove", SIGNED_IN),
        ("POST /r/{code}/confirm", EVERYONE),
        ("POST /r/{code}/dispute", EVERYONE),
        ("POST /r/{code}/messages", EVERYONE),
        ("POST /union/reports/{id}/grade", REPORT_UNION),
        ("POST /union/reports/{id}/reject", REPORT_UNION),
        ("POST /union/reports/{id}/notice", REPORT_UNION),
        ("POST /union/reports/{id}/verify", REPORT_UNION),
        ("POST /union/reports/{id}/extension", REPORT_UNION),
        ("POST /union/reports/{id}/reassign", REPORT_UNION),
        ("POST /union/reports/{id}/messages", REPORT_UNION),
        ("POST /union/reports/{id}/reveal", ADMINS),
        ("POST /union/reports/{id}/reveal-decision", ADMINS),
        ("POST /union/reports/{id}/reveal-open", ADMINS),
        ("POST /enterprise/reports/{id}/acknowledge", "O"),
        ("POST /enterprise/reports/{id}/rectification", "O"),
        ("POST /enterprise/reports/{id}/extension", "O"),
        ("GET /enterprise/export.csv", OFFICERS),
        ("GET /photos/{id}/thumb", "IDCO"),
        ("GET /photos/{id}/display", "IDCO"),
        ("GET /photos/{id}/original", REPORT_UNION),
        ("POST /admin/users", ADMINS),
        ("POST /admin/users/{id}", ADMINS),
        ("POST /admin/users/{id}/{change}", ADMINS),
        ("POST /admin/enterprises", ADMINS),
        ("POST /admin/enterprises/import", ADMINS),
        ("POST /admin/enterprises/{id}", ADMINS),
        // Pages
        ("GET /", EVERYONE),
        ("GET /my", EVERYONE),
        ("GET /heat", EVERYONE),
        ("GET /alerts", "OPDC"),
        ("GET /alerts/{id}", EVERYONE),
        ("GET /me", EVERYONE),
        ("GET /register", EVERYONE),
        ("GET /reset", EVERYONE),
        ("GET /offline", EVERYONE),
        ("GET /r", EVERYONE),
        ("GET /r/{code}", EVERYONE),
        ("GET /inbox", SIGNED_IN),
        ("GET /union", UNION_SIDE),
        ("GET /union/reports/{id}", REPORT_UNION),
        ("GET /enterprise", OFFICERS),
        ("GET /enterprise/reports/{id}", "O"),
        ("GET /admin/users", ADMINS),
        ("GET /admin/users/{id}", ADMINS),
        ("GET /admin/enterprises", ADMINS),
        ("GET /admin/enterprises/{id}", ADMINS),
        ("GET /admin/audit", ADMINS),
        ("GET /admin/deliveries", ADMINS),
        // Server functions (the pages' loaders), by name
        ("fn find_receipt", EVERYONE),
        ("fn my_account", SIGNED_IN),
        ("fn load_inbox", SIGNED_IN),
        ("fn load_union_queue", UNION_SIDE),
        ("fn load_union_report", REPORT_UNION),
        ("fn load_enterprise_queue", OFFICERS),
        ("fn load_enterprise_report", "O"),
        ("fn load_users", ADMINS),
        ("fn load_user", ADMINS),
        ("fn load_directory", ADMINS),
        ("fn load_enterprise", ADMINS),
        ("fn load_audit", ADMINS),
        ("fn load_deliveries", ADMINS),
        ("fn load_heat_today", EVERYONE),
        ("fn load_alerts_desk", "OPDC"),
        ("fn load_alert", EVERYONE),
    ])
}

/// Everything the server answers, as the table names it.
fn every_route() -> Vec<String> {
    let mut out = Vec::new();
    for (method, path, _) in server::api::routes()
        .into_iter()
        .chain(server::routes::form_routes())
    {
        let expanded: Vec<String> = match path {
            "/r/{code}/{action}" => app::desks::ReporterAction::ALL
                .iter()
                .map(|a| a.url("{code}"))
                .collect(),
            "/union/reports/{id}/{action}" => app::desks::UnionAction::ALL
                .iter()
                .map(|a| a.url("{id}"))
                .collect(),
            "/enterprise/reports/{id}/{action}" => app::desks::EnterpriseAction::ALL
                .iter()
                .map(|a| a.url("{id}"))
                .collect(),
            "/alerts/{id}/{action}" => app::desks::AlertAction::ALL
                .iter()
                .map(|a| a.url("{id}"))
                .collect(),
            "/photos/{id}/{size}" => ["thumb", "display", "original"]
                .iter()
                .map(|s| format!("/photos/{{id}}/{s}"))
                .collect(),
            p => vec![p.to_string()],
        };
        out.extend(expanded.into_iter().map(|p| format!("{method} {p}")));
    }
    for page in leptos_axum::generate_route_list(app::App) {
        out.push(format!("GET {}", page.path()));
    }
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        out.push(format!("fn {}", server_fn_name(path)));
    }
    out.sort();
    out.dedup();
    out
}

/// `/api/load_user12345678` → `load_user`.
fn server_fn_name(path: &str) -> String {
    path.trim_start_matches("/api/")
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .to_string()
}

fn server_fn_path(name: &str) -> String {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_string())
        .find(|p| server_fn_name(p) == name)
        .unwrap_or_else(|| panic!("no server function {name}"))
}

#[test]
fn every_route_and_server_function_has_a_row_in_the_matrix() {
    let table = table();
    let routes = every_route();
    let missing: Vec<&String> = routes
        .iter()
        .filter(|r| !table.contains_key(r.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the authorization matrix: {missing:#?}"
    );
    let stale: Vec<&&str> = table
        .keys()
        .filter(|k| !routes.iter().any(|r| r == *k))
        .collect();
    assert!(
        stale.is_empty(),
        "rows for routes that no longer exist: {stale:#?}"
    );
}

/// What the probes refer to.
struct Fixture {
    report: Filed,
    /// A heat alert in 金水区.
    alert: String,
    photo: String,
    inspector: String,
    enterprise: String,
}

/// The request that exercises one route for one person; authorization is decided before any
/// input is checked, so an allowed person gets a success or a validation answer (never 401/403/404).
async fn probe(app: &TestApp, b: &Browser, key: &str, f: &Fixture) -> (u16, String) {
    let (method, path) = key.split_once(' ').unwrap();
    let code = f.report.code.replace('-', "");
    let path = match path {
        "/api/v1/services/{code}" => "/api/v1/services/fall",
        "/api/v1/enterprises" => "/api/v1/enterprises?q=郑州",
        p => p,
    };
    let path = path
        .replace("{id}/end", &format!("{}/end", uuid::Uuid::new_v4()))
        .replace("/inbox/{id}", &format!("/inbox/{}", uuid::Uuid::new_v4()))
        .replace("/photos/{id}", &format!("/photos/{}", f.photo))
        .replace(
            "/admin/users/{id}/{change}",
            &format!("/admin/users/{}/enable", f.inspector),
        )
        .replace(
            "/admin/users/{id}",
            &format!("/admin/users/{}", f.inspector),
        )
        .replace(
            "/admin/enterprises/{id}",
            &format!("/admin/enterprises/{}", f.enterprise),
        )
        .replace("/alerts/{id}", &format!("/alerts/{}", f.alert))
        .replace("{file}", &f.alert)
        .replace("{id}", &f.report.id.to_string())
        .replace("{code}", &code)
        .replace("{tag}", "en");
    if let Some(name) = key.strip_prefix("fn ") {
        let args = match name {
            "find_receipt" => format!("code={code}&lang=ZhCn"),
            "load_union_queue" => "params[view]=mine".to_string(),
            "load_union_report" | "load_enterprise_report" => {
                format!("id={}&lang=ZhCn", f.report.id)
            }
            "load_user" => format!("id={}", f.inspector),
            "load_alert" => format!("id={}&lang=ZhCn", f.alert),
            "load_heat_today" => "lang=ZhCn&district=410105".to_string(),
            "load_enterprise" => format!("id={}", f.enterprise),
            _ => String::new(),
        };
        let res = b
            .client
            .post(b.url(&server_fn_path(name)))
            .header("origin", &b.base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(args)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        return (status, res.text().await.unwrap());
    }
    let res = match (method, path.as_str()) {
        ("POST", "/login") => {
            // A fresh browser: signing in here must not change this person's session.
            let fresh = app.visitor();
            fresh
                .post(
                    "/login",
                    &[
                        ("login", "inspector"),
                        ("password", safesnap_tests::people::DEMO_PASSWORD),
                    ],
                )
                .await
        }
        ("POST", "/logout") => app.visitor().post("/logout", &[]).await,
        ("POST", "/api/v1/me/receipts") => b
            .client
            .post(b.url(&path))
            .header("origin", &b.base)
            .json(&serde_json::json!({ "codes": [] }))
            .send()
            .await
            .unwrap(),
        ("POST", p)
            if p == "/report"
                || p == "/api/v1/reports"
                || p.ends_with("/rectification")
                || p.ends_with("/import") =>
        {
            b.post_multipart(&path, Form::new().text("note", "")).await
        }
        ("POST", _) => b.post(&path, &[]).await,
        ("DELETE", _) => b
            .client
            .delete(b.url(&path))
            .header("origin", &b.base)
            .json(&serde_json::json!({ "endpoint": "https://push.example/none" }))
            .send()
            .await
            .unwrap(),
        _ => b
            .client
            .request(Method::GET, b.url(&path))
            .send()
            .await
            .unwrap(),
    };
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

fn refused(key: &str, status: u16, body: &str) -> bool {
    if key.starts_with("fn ") {
        let body = body.trim();
        return body == "\"SignIn\""
            || body == "\"Denied\""
            || body == "\"NotFound\""
            || body == "null"
            || status == 403;
    }
    matches!(status, 401 | 403 | 404)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_person_is_allowed_or_refused_as_the_matrix_says() {
    let app = spawn_app().await;
    let people = app.people().await;
    let report = app.file(people.officer_enterprise, true).await;
    let inspector = app.signed_in("inspector").await;
    inspector
        .act(
            &format!("/union/reports/{}/grade", report.id),
            &[("grade", "ordinary")],
        )
        .await;
    inspector
        .act(
            &format!("/union/reports/{}/notice", report.id),
            &[
                ("responsible_person", "张三"),
                ("measures", "加装护栏"),
                (
                    "deadline",
                    &app::components::page::date_of(app.now() + 7 * 86_400_000),
                ),
                ("standard", "JGJ 80"),
                ("acceptance_person", "李四"),
            ],
        )
        .await;
    let photo: uuid::Uuid = app::db_run!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM report_photos WHERE report_id = $1 LIMIT 1"
    )
    .bind(report.id)
    .fetch_one(pool)
    .await)
    .unwrap();
    let admin = app.signed_in("jinshui-admin").await;
    let issued = admin
        .post(
            "/alerts",
            &[
                ("event", "heat"),
                ("level", "red"),
                ("temperature", "40"),
                ("district", "410105"),
                ("valid_from", "2026-07-01T10:00"),
                ("valid_to", "2026-07-01T20:00"),
            ],
        )
        .await;
    assert_eq!(issued.status(), 303);
    let alert: uuid::Uuid =
        app::db_run!(&app.db, |pool| sqlx::query_scalar("SELECT id FROM alerts")
            .fetch_one(pool)
            .await)
        .unwrap();
    let fixture = Fixture {
        alert: alert.to_string(),
        report,
        photo: photo.to_string(),
        inspector: people.id("inspector").to_string(),
        enterprise: people.officer_enterprise.to_string(),
    };

    let table = table();
    let mut browsers = Vec::new();
    for (letter, login) in PERSONAS {
        let b = match login {
            Some(l) => app.signed_in(l).await,
            None => app.visitor(),
        };
        browsers.push((*letter, b));
    }
    let mut wrong = Vec::new();
    for key in every_route() {
        let allowed = table[key.as_str()];
        for (letter, b) in &browsers {
            let (status, body) = probe(&app, b, &key, &fixture).await;
            assert!(status < 500, "{key} as {letter}: {status} {body}");
            let is_refused = refused(&key, status, &body);
            let expected_refused = !allowed.contains(*letter);
            if is_refused != expected_refused {
                wrong.push(format!(
                    "{key} as {letter}: {status} (expected {})",
                    if expected_refused {
                        "refused"
                    } else {
                        "allowed"
                    }
                ));
            }
            // Nobody signed in is asked to sign in; someone signed in is never told to.
            // (The CAP feed's API key is not a session: 401 to everyone without it. A short
            // link or a receipt address that does not exist is a 404 to everyone.)
            let sessionless = [
                "POST /api/v1/alerts/cap",
                "GET /n/{code}",
                "POST /hooks/sms/aliyun/{token}",
            ];
            if is_refused && !key.starts_with("fn ") && !sessionless.contains(&key.as_str()) {
                if *letter == 'A' && status != 401 {
                    wrong.push(format!(
                        "{key} as A: {status} (anonymous must be asked to sign in: 401)"
                    ));
                } else if *letter != 'A' && status == 401 {
                    wrong.push(format!(
                        "{key} as {letter}: 401 (signed in, yet told to sign in)"
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the matrix is broken:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_table_letters_are_people() {
    for (_, allowed) in table() {
        assert!(
            allowed
                .chars()
                .all(|c| PERSONAS.iter().any(|(p, _)| *p == c)),
            "{allowed}"
        );
    }
}
