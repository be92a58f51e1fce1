//! The API against its own document: schemathesis (PyPI, installed by `scripts/setup --tests`)
//! reads `/api/v1/openapi.json` from a live server and generates requests for every operation —
//! valid ones and malformed ones — signed out, as an inspector and as an enterprise officer. No
//! answer may be a server error, and every answer must be one the document lists, with the
//! content type and body shape it documents.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use safesnap_tests::{people::DEMO_PASSWORD, spawn_app};

/// Test cases per operation and person (`--max-examples`).
const EXAMPLES: &str = "30";
/// A fixed seed: a failure reproduces with the command the test prints.
const SEED: &str = "20261204";
/// What is checked of every answer.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// The `ss_session` cookie of a demo login.
async fn session_of(base: &str, login: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .post(format!("{base}/login"))
        .header("origin", base)
        .form(&[("login", login), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{login} could not sign in");
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("ss_session="))
        .map(|c| c.split(';').next().unwrap_or_default().to_string())
        .expect("no ss_session cookie")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_as_its_document_says_for_everyone() {
    let app = spawn_app().await;
    app.people().await;
    let schema = format!("{}/api/v1/openapi.json", app.base);
    let people = [
        ("signed out", None),
        ("inspector", Some(session_of(&app.base, "inspector").await)),
        ("officer", Some(session_of(&app.base, "officer").await)),
    ];
    let mut failed = Vec::new();
    let mut cases = 0usize;
    for (who, cookie) in people {
        let mut args: Vec<String> = [
            "run",
            &schema,
            "--checks",
            CHECKS,
            "--max-examples",
            EXAMPLES,
            "--seed",
            SEED,
            // One worker: with threads, hypothesis's lambda descriptions race in CPython's AST
            // parser ("AST constructor recursion depth mismatch", a tool error, not ours).
            "--workers",
            "1",
            "--no-color",
            "--generation-database",
            "none",
            "--suppress-health-check",
            "all",
            "--request-timeout",
            "30",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(c) = cookie {
            // A signed-in page sends its own origin with every change (CSRF rule).
            args.extend([
                "-H".into(),
                format!("Cookie: ss_session={c}"),
                "-H".into(),
                format!("Origin: {}", app.base),
            ]);
        }
        let out = tokio::process::Command::new("st")
            .args(&args)
            .output()
            .await
            .expect("schemathesis (`st`) is not installed: run scripts/setup --tests");
        let text = String::from_utf8_lossy(&out.stdout);
        let summary: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.contains("SUMMARY"))
            .collect();
        // "Test cases:" then "  1043 generated, 1043 passed".
        cases += text
            .lines()
            .skip_while(|l| !l.starts_with("Test cases:"))
            .nth(1)
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        println!("schemathesis, {who}:\n{}", summary.join("\n"));
        if !out.status.success() {
            failed.push(format!(
                "{who}: st {}\n{text}\n{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
    assert!(cases > 0, "schemathesis ran no test cases");
    println!("schemathesis: {cases} test cases, no failure");
}
